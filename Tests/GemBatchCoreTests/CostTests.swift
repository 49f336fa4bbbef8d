import Foundation
import GeminiAPI
import GeminiCatalog
import Testing

@testable import GemBatchCore

/// Golden cost figures, worked by hand, of the models the old price table knew: the catalog's
/// rows for them as of 2026-03-01 (before the 2.5 and 3 Pro Preview shutdowns), from reference §7.
/// Rates are USD per 1M tokens; "/1M" below means "divide by 1,000,000".
@Suite struct CostTests {
  let catalog: ModelCatalog
  static let day = CalendarDay(iso: "2026-03-01")!

  init() throws { catalog = try ModelCatalog.bundled() }

  func d(_ s: String) -> Decimal { Decimal(string: s)! }

  func cost(
    _ model: String, _ usage: UsageMetadata?, queries: Int = 0, tier: ServiceTier = .standard
  ) -> CostBreakdown? {
    catalog.cost(model: model, usage: usage, date: Self.day, tier: tier, searchQueries: queries)
  }

  @Test func flashLiteIsNotPricedAsFlash() throws {
    let u = UsageMetadata(promptTokenCount: 1000, candidatesTokenCount: 1000)
    // lite: 1000×0.10 + 1000×0.40 = 500 /1M; flash would be 1000×0.30 + 1000×2.50 = 2800 /1M.
    #expect(try #require(cost("gemini-2.5-flash-lite", u)).total == d("0.0005"))
    #expect(try #require(cost("gemini-2.5-flash", u)).total == d("0.0028"))
  }

  @Test func unpricedIsNilNeverFree() {
    let u = UsageMetadata(promptTokenCount: 10, candidatesTokenCount: 10)
    #expect(cost("gemini-1.5-flash", u) == nil)
    #expect(cost("claude-3-opus", u) == nil)
    #expect(catalog.entry("gemini-1.5-flash") == nil)
    #expect(catalog.maxCost(model: "unknown-model", inputTokens: 10, maxOutputTokens: 10, date: Self.day) == nil)
  }

  @Test func thinkingTokensAreOutput() throws {
    // 2.5 flash, prompt 9, candidates 9, thoughts 34 (text_basic):
    // 9×0.30 = 2.7; (9+34)=43×2.50 = 107.5; total 110.2 /1M = 0.0001102.
    // Leaving thoughts out would give 2.7 + 22.5 = 25.2 /1M.
    let c = try #require(
      cost("gemini-2.5-flash",
        UsageMetadata(promptTokenCount: 9, candidatesTokenCount: 9, thoughtsTokenCount: 34)))
    #expect(c.outputTokens == 43)
    #expect(c.output == d("0.0001075"))
    #expect(c.total == d("0.0001102"))
  }

  @Test func cachedTokensAreNotCountedTwice() throws {
    // 2.5 flash, prompt 3520 of which 3512 cached, candidates 2, thoughts 42:
    // (3520−3512)=8×0.30 = 2.4; 3512×0.03 = 105.36; 44×2.50 = 110 → 217.76 /1M.
    // Counting cached twice (3520×0.30 + 3512×0.03 + 110) would give 1271.36 /1M.
    let c = try #require(
      cost("gemini-2.5-flash",
        UsageMetadata(
          promptTokenCount: 3520, cachedContentTokenCount: 3512, candidatesTokenCount: 2, thoughtsTokenCount: 42)))
    #expect(c.inputTokens == 8)
    #expect(c.cachedTokens == 3512)
    #expect(c.input == d("0.0000024"))
    #expect(c.cachedInput == d("0.00010536"))
    #expect(c.total == d("0.00021776"))
  }

  @Test func toolUseTokensAtInputRate() throws {
    // 2.5 pro, prompt 17, toolUse 119, candidates 201, thoughts 213, no search charge asked:
    // 17×1.25 = 21.25; 119×1.25 = 148.75; 414×10 = 4140 → 4310 /1M = 0.00431.
    let c = try #require(
      cost("gemini-2.5-pro",
        UsageMetadata(
          promptTokenCount: 17, candidatesTokenCount: 201, thoughtsTokenCount: 213, toolUsePromptTokenCount: 119)))
    #expect(c.toolUse == d("0.00014875"))
    #expect(c.total == d("0.00431"))
    #expect(c.grounding == 0)
  }

  @Test func longContextTierIsChosenByPromptSize() throws {
    // At exactly 200,000: standard. 200000×1.25 = 250000; 1000×10 = 10000 → 260000 /1M = 0.26.
    let at = try #require(
      cost("gemini-2.5-pro", UsageMetadata(promptTokenCount: 200_000, candidatesTokenCount: 1000)))
    #expect(!at.longContext)
    #expect(at.total == d("0.26"))
    // 200,001: long. 200001×2.50 = 500002.5; 1000×15 = 15000 → 515002.5 /1M = 0.5150025.
    let above = try #require(
      cost("gemini-2.5-pro", UsageMetadata(promptTokenCount: 200_001, candidatesTokenCount: 1000)))
    #expect(above.longContext)
    #expect(above.total == d("0.5150025"))
    // 3 pro, 250,000 prompt of which 200,000 cached, 100 out: 50000×4 = 200000;
    // 200000×0.40 = 80000; 100×18 = 1800 → 281800 /1M = 0.2818.
    let cached = try #require(
      cost("gemini-3-pro-preview",
        UsageMetadata(promptTokenCount: 250_000, cachedContentTokenCount: 200_000, candidatesTokenCount: 100)))
    #expect(cached.total == d("0.2818"))
    // Flash has no tier: 300000×0.30 = 90000 /1M = 0.09.
    let flash = try #require(cost("gemini-2.5-flash", UsageMetadata(promptTokenCount: 300_000)))
    #expect(!flash.longContext)
    #expect(flash.total == d("0.09"))
  }

  @Test func missingCountsAreZeroNotFailure() throws {
    // max_tokens_no_parts (2.5 pro): prompt 15, thoughts 2, no candidatesTokenCount:
    // 15×1.25 = 18.75; 2×10 = 20 → 38.75 /1M.
    let c = try #require(
      cost("gemini-2.5-pro", UsageMetadata(promptTokenCount: 15, thoughtsTokenCount: 2)))
    #expect(c.total == d("0.00003875"))
    // No usage at all on a priced model: 0, and still priced (not nil).
    #expect(try #require(cost("gemini-2.5-pro", nil)).total == 0)
    // Inconsistent counts (cached > prompt) clamp instead of going negative: 10×0.03 = 0.3 /1M.
    let odd = try #require(
      cost("gemini-2.5-flash", UsageMetadata(promptTokenCount: 10, cachedContentTokenCount: 50)))
    #expect(odd.inputTokens == 0)
    #expect(odd.total == d("0.0000003"))
  }

  @Test func audioInputAtAudioRate() throws {
    // 2.5 flash, prompt 1000 = 600 AUDIO + 400 TEXT, 10 out:
    // 400×0.30 = 120; 600×1.00 = 600; 10×2.50 = 25 → 745 /1M.
    var u = UsageMetadata(promptTokenCount: 1000, candidatesTokenCount: 10)
    u.promptTokensDetails = [.init(modality: "AUDIO", tokenCount: 600), .init(modality: "TEXT", tokenCount: 400)]
    let c = try #require(cost("gemini-2.5-flash", u))
    #expect(c.audioTokens == 600)
    #expect(c.total == d("0.000745"))
    // Half cached: cache 500 = 300 AUDIO + 200 TEXT, no output.
    // text 200×0.30 = 60; cached text 200×0.03 = 6; audio 300×1.00 = 300; cached audio 300×0.10 = 30 → 396 /1M.
    u.cachedContentTokenCount = 500
    u.cacheTokensDetails = [.init(modality: "AUDIO", tokenCount: 300), .init(modality: "TEXT", tokenCount: 200)]
    u.candidatesTokenCount = nil
    let h = try #require(cost("gemini-2.5-flash", u))
    #expect(h.inputTokens == 200 && h.cachedTokens == 200 && h.audioTokens == 300 && h.cachedAudioTokens == 300)
    #expect(h.total == d("0.000396"))
    // 2.5 pro has no audio price: audio at the input rate, 600×1.25 + 400×1.25 = 1250 /1M.
    u = UsageMetadata(promptTokenCount: 1000)
    u.promptTokensDetails = [.init(modality: "AUDIO", tokenCount: 600)]
    #expect(try #require(cost("gemini-2.5-pro", u)).total == d("0.00125"))
  }

  @Test func groundingIsASeparateLineItem() throws {
    let u = UsageMetadata(promptTokenCount: 100, candidatesTokenCount: 100)
    // 2.5 flash, 3 queries in one prompt: one grounded prompt, 35/1000 = 0.035.
    // tokens 100×0.30 + 100×2.50 = 280 /1M = 0.00028.
    let f = try #require(cost("gemini-2.5-flash", u, queries: 3))
    #expect(f.groundingUnits == 1)
    #expect(f.grounding == d("0.035"))
    #expect(f.total == d("0.03528"))
    // 3 flash, 3 queries: 3×14/1000 = 0.042; tokens 100×0.50 + 100×3 = 350 /1M = 0.00035.
    let g = try #require(cost("gemini-3-flash-preview", u, queries: 3))
    #expect(g.groundingUnits == 3)
    #expect(g.grounding == d("0.042"))
    #expect(g.total == d("0.04235"))
    // No queries, no charge.
    #expect(try #require(cost("gemini-3-flash-preview", u)).grounding == 0)
  }

  @Test func batchDiscountHalvesTokensNotGrounding() throws {
    // 2.5 pro batch, prompt 1000, out 1000, one grounded prompt:
    // (1000×1.25 + 1000×10) × 0.5 = 5625 /1M = 0.005625; grounding 0.035 (not discounted).
    let c = try #require(
      cost("gemini-2.5-pro", UsageMetadata(promptTokenCount: 1000, candidatesTokenCount: 1000),
        queries: 1, tier: .batch))
    #expect(c.batch)
    #expect(c.tokens == d("0.005625"))
    #expect(c.total == d("0.040625"))
  }

  @Test func budgetGuard() {
    let g = BudgetGuard(limitUSD: 1.0)
    #expect(g.decide(spentUSD: 0.5, inFlightMaxUSD: 0.2, nextMaxUSD: 0.3) == .start)
    #expect(g.decide(spentUSD: 0.5, inFlightMaxUSD: 0.3, nextMaxUSD: 0.3) == .wait)
    if case .stop = g.decide(spentUSD: 0.8, inFlightMaxUSD: 0, nextMaxUSD: 0.3) {} else { Issue.record("expected stop") }
    if case .stop = g.decide(spentUSD: 0.8, inFlightMaxUSD: 0.1, nextMaxUSD: 0.3) {} else { Issue.record("expected stop") }
    if case .stop(let r) = g.decide(spentUSD: 0, inFlightMaxUSD: 0, nextMaxUSD: nil) {
      #expect(r.contains("no price"))
    } else {
      Issue.record("unpriced next job must stop")
    }
  }

  @Test func maxCostUsesMaxOutput() throws {
    // 2.5 flash, 1000 in, 8192 out max: 1000×0.30 + 8192×2.50 = 300 + 20480 = 20780 /1M; + one grounded prompt 0.035.
    let c = try #require(
      catalog.maxCost(model: "gemini-2.5-flash", inputTokens: 1000, maxOutputTokens: 8192, date: Self.day, searches: true))
    #expect(c.total == d("0.05578"))
  }
}

/// Every recorded fixture with usage, priced exactly.
@Suite(.enabled(if: ReportTestSupport.fixturesPresent, "shared/fixtures/gemini not found next to the package"))
struct CostFixtureTests {
  static let cases: [(file: String, usd: String)] = [
    // 8×0.30 + 3512×0.03 + 44×2.50 = 2.4 + 105.36 + 110 = 217.76 /1M
    ("cached_content_usage_gemini-2.5-flash.json", "0.00021776"),
    // 9×0.30 + 43×2.50 = 2.7 + 107.5 = 110.2 /1M
    ("text_basic_gemini-2.5-flash.json", "0.0001102"),
    // 17×1.25 + 119×1.25 + 414×10 = 21.25 + 148.75 + 4140 = 4310 /1M, + 1 grounded prompt 0.035
    ("google_search_grounding_gemini-2.5-pro.json", "0.03931"),
    // 8×0.30 + 64×2.50 = 2.4 + 160 = 162.4 /1M, + 0.035
    ("google_search_grounding_snake_case_tool_gemini-2.5-flash.json", "0.0351624"),
    // 15×1.25 + 2×10 = 38.75 /1M (no candidatesTokenCount)
    ("max_tokens_no_parts_gemini-2.5-pro.json", "0.00003875"),
    // 29×2 + (736+1001)×12 = 58 + 20844 = 20902 /1M
    ("thinking_thought_parts_gemini-3-pro-preview.json", "0.020902"),
    // 83×0.50 + 220×3 = 41.5 + 660 = 701.5 /1M
    ("function_call_parallel_thoughtsig_gemini-3-flash-preview.json", "0.0007015"),
    // 8×0.10 + 20×0.40 = 0.8 + 8 = 8.8 /1M
    ("json_mode_responseJsonSchema_gemini-2.0-flash.json", "0.0000088"),
    // 17×1.25 + 102×1.25 + 653×10 = 21.25 + 127.5 + 6530 = 6678.75 /1M, + 0.035
    ("stream_google_search_grounding_gemini-2.5-pro.sse", "0.04167875"),
    // 4×0.30 + 7989×2.50 = 1.2 + 19972.5 = 19973.7 /1M
    ("stream_long_123_events_gemini-2.5-flash.sse", "0.0199737"),
    // gemini-2.0-flash-exp → 2.0 flash: 13×0.10 + 8×0.40 = 1.3 + 3.2 = 4.5 /1M (last event's 13, not 15)
    ("stream_simple_gemini-2.0-flash-exp.sse", "0.0000045"),
    // 34×1.25 + 1256×10 = 42.5 + 12560 = 12602.5 /1M
    ("stream_thinking_includeThoughts_gemini-2.5-pro.sse", "0.0126025"),
    // 18×0.30 + 115×2.50 = 5.4 + 287.5 = 292.9 /1M
    ("stream_usage_cumulative_gemini-2.5-flash.sse", "0.0002929"),
    // 83×0.30 + 118×2.50 = 24.9 + 295 = 319.9 /1M
    ("stream_function_call_finishMessage_gemini-2.5-flash.sse", "0.0003199"),
    // 29×2 + 212×12 = 58 + 2544 = 2602 /1M
    ("stream_function_call_thoughtsig_gemini-3-pro-preview.sse", "0.002602"),
  ]

  @Test(arguments: cases)
  func fixturePrice(file: String, usd: String) throws {
    let catalog = try ModelCatalog.bundled()
    let r = try ReportTestSupport.response(file)
    let model = try #require(r.modelVersion)
    let queries = r.firstCandidate?.groundingMetadata?.webSearchQueries?.count ?? 0
    let c = try #require(catalog.cost(model: model, usage: r.usageMetadata, date: CostTests.day, searchQueries: queries))
    #expect(c.total == Decimal(string: usd)!, "\(file): \(c.total)")
    #expect(r.usageMetadata?.isConsistent == true)
  }

  @Test func unpricedFixture() throws {
    // gemini-1.5-flash is not in the catalog: unpriced, not free.
    let r = try ReportTestSupport.response("candidate_blocked_SAFETY_gemini-1.5-flash.json")
    #expect(try ModelCatalog.bundled().cost(model: r.modelVersion ?? "", usage: r.usageMetadata, date: CostTests.day) == nil)
  }

  @Test func batchOutputLinesAtHalfPrice() throws {
    let catalog = try ModelCatalog.bundled()
    let text = String(decoding: try ReportTestSupport.fixture("batch_output_file_lines_gemini-2.5-flash.jsonl"), as: UTF8.self)
    var costs: [String: Decimal] = [:]
    for line in text.split(separator: "\n") {
      let v = try JSONValue.parse(String(line))
      let key = try #require(v["key"]?.stringValue)
      let r = try JSONDecoder().decode(GenerateContentResponse.self, from: try #require(v["response"]).serializedData())
      costs[key] = try #require(
        catalog.cost(model: r.modelVersion ?? "", usage: r.usageMetadata, date: CostTests.day, tier: .batch)).total
    }
    // request_1: (8×0.30 + 840×2.50) × 0.5 = 2102.4 × 0.5 = 1051.2 /1M
    #expect(costs["request_1"] == Decimal(string: "0.0010512")!)
    // request_2: (9×0.30 + 1243×2.50) × 0.5 = 3110.2 × 0.5 = 1555.1 /1M
    #expect(costs["request_2"] == Decimal(string: "0.0015551")!)
  }
}

/// The runner's price function: the catalog's price of what ran, cached per model, with a notice
/// (once) for what it cannot price.
@Suite struct PricingFunctionTests {
  @Test func pricesWhatRanAndWarnsOncePerModel() throws {
    let notices = CatalogNotices()
    let pricing = Pricing(catalog: try ModelCatalog.bundled(notices: notices))
    let price = pricing.priceFunction
    let u = UsageMetadata(promptTokenCount: 1000, candidatesTokenCount: 1000)
    let day = CalendarDay(iso: "2026-12-01")!
    // Asked for 2.5 Pro, answered by 3.8 Flash: 1,000×0.75 + 1,000×3.75 = 4,500 /1M.
    let routed = price(PriceRequest(model: "gemini-2.5-pro", servedModel: "gemini-3.8-flash", usage: u, date: day))
    #expect(routed.cost == 0.0045 && routed.servedModel == "gemini-3.8-flash" && routed.version == "2026-12-01.1")
    // Grounded answers take the exact path: 2 queries × $14/1000 + 1,000×2 + 1,000×12 /1M.
    let grounded = price(PriceRequest(model: "gemini-3.1-pro-preview", usage: u, date: day, searchQueries: 2))
    #expect(grounded.cost == 0.042)
    for _ in 0..<3 {
      let p = price(PriceRequest(model: "no-such-model", usage: u, date: day))
      #expect(p.cost == nil && p.servedModel == nil)
    }
    #expect(notices.all.map(\.kind) == [.unknownModel])
    // A fixed date prices every answer as of that day.
    var fixed = pricing
    fixed.fixedDate = CalendarDay(iso: "2027-01-02")
    // 1,000×1.50 + 1,000×7.50 = 9,000 /1M.
    #expect(fixed.priceFunction(PriceRequest(model: "gemini-3.8-flash", usage: u, date: day)).cost == 0.009)
  }

  @Test func tierThatRanComesFromTheResponse() {
    #expect(OutcomeInterpreter.tierThatRan(header: "flex", usage: nil) == .flex)
    var u = UsageMetadata()
    u.serviceTier = "priority"
    #expect(OutcomeInterpreter.tierThatRan(header: nil, usage: u) == .priority)
    // A priority request the server downgraded says so in the header: standard wins.
    #expect(OutcomeInterpreter.tierThatRan(header: "standard", usage: u) == .standard)
    // Nothing confirmed: standard (priority is billed only when confirmed).
    #expect(OutcomeInterpreter.tierThatRan(header: nil, usage: nil) == .standard)
  }
}
