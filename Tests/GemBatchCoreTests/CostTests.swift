import Foundation
import GeminiAPI
import Testing

@testable import GemBatchCore

/// Golden cost figures, worked by hand. Rates are USD per 1M tokens from the bundled table
/// (reference §7); "/1M" below means "divide by 1,000,000".
@Suite struct CostTests {
  let table: PriceTable

  init() throws { table = try PriceTable.bundled() }

  func d(_ s: String) -> Decimal { Decimal(string: s)! }

  @Test func bundledTableIsVersionedDatedAndSourced() throws {
    #expect(table.version == "2026.08-gp47df840")
    #expect(table.date == "2026-08-21")
    #expect(table.sources["GP"]?.contains("genai-prices") == true)
    #expect(table.batchMultiplier == d("0.5"))
    // The exact §7 figures.
    let pro = try #require(table.models["gemini-2.5-pro"])
    #expect(pro.base == .init(input: d("1.25"), output: d("10"), cachedInput: d("0.125")))
    #expect(pro.longContext == .init(input: d("2.5"), output: d("15"), cachedInput: d("0.25")))
    #expect(table.models["gemini-2.0-flash-lite"]?.base.input == d("0.075"))
    #expect(table.models["gemini-2.0-flash"]?.cachedAudioInput == d("0.175"))
    #expect(table.models["gemini-3-flash-preview"]?.grounding == ModelPrice.Grounding(per: .query, usdPer1000: 14))
    #expect(table.models["gemini-2.5-flash"]?.grounding == ModelPrice.Grounding(per: .prompt, usdPer1000: 35))
    #expect(table.models.count == 7)
  }

  @Test func longestPrefixMatch() {
    #expect(table.key(for: "gemini-2.5-flash-preview-09-2025") == "gemini-2.5-flash")
    #expect(table.key(for: "gemini-2.5-flash-lite") == "gemini-2.5-flash-lite")
    #expect(table.key(for: "gemini-2.5-flash-lite-preview-06-17") == "gemini-2.5-flash-lite")
    #expect(table.key(for: "models/Gemini-2.5-Pro") == "gemini-2.5-pro")
    #expect(table.key(for: "gemini-2.0-flash-exp") == "gemini-2.0-flash")
    #expect(table.key(for: "gemini-2.0-flash-lite-001") == "gemini-2.0-flash-lite")
    #expect(table.key(for: "gemini-1.5-flash") == nil)
    #expect(table.key(for: "gemini-2.5") == nil)
    #expect(table.key(for: "") == nil)
  }

  @Test func flashLiteIsNotPricedAsFlash() throws {
    let u = UsageMetadata(promptTokenCount: 1000, candidatesTokenCount: 1000)
    // lite: 1000×0.10 + 1000×0.40 = 500 /1M; flash would be 1000×0.30 + 1000×2.50 = 2800 /1M.
    #expect(try #require(table.cost(model: "gemini-2.5-flash-lite", usage: u)).total == d("0.0005"))
    #expect(try #require(table.cost(model: "gemini-2.5-flash", usage: u)).total == d("0.0028"))
  }

  @Test func unpricedIsNilNeverFree() {
    let u = UsageMetadata(promptTokenCount: 10, candidatesTokenCount: 10)
    #expect(table.cost(model: "gemini-1.5-flash", usage: u) == nil)
    #expect(table.cost(model: "claude-3-opus", usage: u) == nil)
    #expect(table.price(model: "gemini-1.5-flash") == nil)
    #expect(table.maxCost(model: "unknown-model", inputTokens: 10, maxOutputTokens: 10) == nil)
  }

  @Test func thinkingTokensAreOutput() throws {
    // 2.5 flash, prompt 9, candidates 9, thoughts 34 (text_basic):
    // 9×0.30 = 2.7; (9+34)=43×2.50 = 107.5; total 110.2 /1M = 0.0001102.
    // Leaving thoughts out would give 2.7 + 22.5 = 25.2 /1M.
    let c = try #require(
      table.cost(
        model: "gemini-2.5-flash",
        usage: UsageMetadata(promptTokenCount: 9, candidatesTokenCount: 9, thoughtsTokenCount: 34)))
    #expect(c.outputTokens == 43)
    #expect(c.output == d("0.0001075"))
    #expect(c.total == d("0.0001102"))
  }

  @Test func cachedTokensAreNotCountedTwice() throws {
    // 2.5 flash, prompt 3520 of which 3512 cached, candidates 2, thoughts 42:
    // (3520−3512)=8×0.30 = 2.4; 3512×0.03 = 105.36; 44×2.50 = 110 → 217.76 /1M.
    // Counting cached twice (3520×0.30 + 3512×0.03 + 110) would give 1271.36 /1M.
    let c = try #require(
      table.cost(
        model: "gemini-2.5-flash",
        usage: UsageMetadata(
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
      table.cost(
        model: "gemini-2.5-pro",
        usage: UsageMetadata(
          promptTokenCount: 17, candidatesTokenCount: 201, thoughtsTokenCount: 213, toolUsePromptTokenCount: 119)))
    #expect(c.toolUse == d("0.00014875"))
    #expect(c.total == d("0.00431"))
    #expect(c.grounding == 0)
  }

  @Test func longContextTierIsChosenByPromptSize() throws {
    // At exactly 200,000: standard. 200000×1.25 = 250000; 1000×10 = 10000 → 260000 /1M = 0.26.
    let at = try #require(
      table.cost(model: "gemini-2.5-pro", usage: UsageMetadata(promptTokenCount: 200_000, candidatesTokenCount: 1000)))
    #expect(!at.longContext)
    #expect(at.total == d("0.26"))
    // 200,001: long. 200001×2.50 = 500002.5; 1000×15 = 15000 → 515002.5 /1M = 0.5150025.
    let above = try #require(
      table.cost(model: "gemini-2.5-pro", usage: UsageMetadata(promptTokenCount: 200_001, candidatesTokenCount: 1000)))
    #expect(above.longContext)
    #expect(above.total == d("0.5150025"))
    // 3 pro, 250,000 prompt of which 200,000 cached, 100 out: 50000×4 = 200000;
    // 200000×0.40 = 80000; 100×18 = 1800 → 281800 /1M = 0.2818.
    let cached = try #require(
      table.cost(
        model: "gemini-3-pro-preview",
        usage: UsageMetadata(promptTokenCount: 250_000, cachedContentTokenCount: 200_000, candidatesTokenCount: 100)))
    #expect(cached.total == d("0.2818"))
    // Flash has no tier: 300000×0.30 = 90000 /1M = 0.09.
    let flash = try #require(table.cost(model: "gemini-2.5-flash", usage: UsageMetadata(promptTokenCount: 300_000)))
    #expect(!flash.longContext)
    #expect(flash.total == d("0.09"))
  }

  @Test func missingCountsAreZeroNotFailure() throws {
    // max_tokens_no_parts (2.5 pro): prompt 15, thoughts 2, no candidatesTokenCount:
    // 15×1.25 = 18.75; 2×10 = 20 → 38.75 /1M.
    let c = try #require(
      table.cost(model: "gemini-2.5-pro", usage: UsageMetadata(promptTokenCount: 15, thoughtsTokenCount: 2)))
    #expect(c.total == d("0.00003875"))
    // No usage at all on a priced model: 0, and still priced (not nil).
    #expect(try #require(table.cost(model: "gemini-2.5-pro", usage: nil)).total == 0)
    // Inconsistent counts (cached > prompt) clamp instead of going negative: 10×0.03 = 0.3 /1M.
    let odd = try #require(
      table.cost(model: "gemini-2.5-flash", usage: UsageMetadata(promptTokenCount: 10, cachedContentTokenCount: 50)))
    #expect(odd.inputTokens == 0)
    #expect(odd.total == d("0.0000003"))
  }

  @Test func audioInputAtAudioRate() throws {
    // 2.5 flash, prompt 1000 = 600 AUDIO + 400 TEXT, 10 out:
    // 400×0.30 = 120; 600×1.00 = 600; 10×2.50 = 25 → 745 /1M.
    var u = UsageMetadata(promptTokenCount: 1000, candidatesTokenCount: 10)
    u.promptTokensDetails = [.init(modality: "AUDIO", tokenCount: 600), .init(modality: "TEXT", tokenCount: 400)]
    let c = try #require(table.cost(model: "gemini-2.5-flash", usage: u))
    #expect(c.audioTokens == 600)
    #expect(c.total == d("0.000745"))
    // Half cached: cache 500 = 300 AUDIO + 200 TEXT, no output.
    // text 200×0.30 = 60; cached text 200×0.03 = 6; audio 300×1.00 = 300; cached audio 300×0.10 = 30 → 396 /1M.
    u.cachedContentTokenCount = 500
    u.cacheTokensDetails = [.init(modality: "AUDIO", tokenCount: 300), .init(modality: "TEXT", tokenCount: 200)]
    u.candidatesTokenCount = nil
    let h = try #require(table.cost(model: "gemini-2.5-flash", usage: u))
    #expect(h.inputTokens == 200 && h.cachedTokens == 200 && h.audioTokens == 300 && h.cachedAudioTokens == 300)
    #expect(h.total == d("0.000396"))
    // 2.5 pro has no audio price: audio at the input rate, 600×1.25 + 400×1.25 = 1250 /1M.
    u = UsageMetadata(promptTokenCount: 1000)
    u.promptTokensDetails = [.init(modality: "AUDIO", tokenCount: 600)]
    #expect(try #require(table.cost(model: "gemini-2.5-pro", usage: u)).total == d("0.00125"))
  }

  @Test func groundingIsASeparateLineItem() throws {
    let u = UsageMetadata(promptTokenCount: 100, candidatesTokenCount: 100)
    // 2.5 flash, 3 queries in one prompt: one grounded prompt, 35/1000 = 0.035.
    // tokens 100×0.30 + 100×2.50 = 280 /1M = 0.00028.
    let f = try #require(table.cost(model: "gemini-2.5-flash", usage: u, webSearchQueries: 3))
    #expect(f.groundingUnits == 1)
    #expect(f.grounding == d("0.035"))
    #expect(f.total == d("0.03528"))
    // 3 flash, 3 queries: 3×14/1000 = 0.042; tokens 100×0.50 + 100×3 = 350 /1M = 0.00035.
    let g = try #require(table.cost(model: "gemini-3-flash-preview", usage: u, webSearchQueries: 3))
    #expect(g.groundingUnits == 3)
    #expect(g.grounding == d("0.042"))
    #expect(g.total == d("0.04235"))
    // No queries, no charge.
    #expect(try #require(table.cost(model: "gemini-3-flash-preview", usage: u)).grounding == 0)
  }

  @Test func batchDiscountHalvesTokensNotGrounding() throws {
    // 2.5 pro batch, prompt 1000, out 1000, one grounded prompt:
    // (1000×1.25 + 1000×10) × 0.5 = 5625 /1M = 0.005625; grounding 0.035 (not discounted).
    let c = try #require(
      table.cost(
        model: "gemini-2.5-pro", usage: UsageMetadata(promptTokenCount: 1000, candidatesTokenCount: 1000),
        webSearchQueries: 1, batch: true))
    #expect(c.batch)
    #expect(c.tokens == d("0.005625"))
    #expect(c.total == d("0.040625"))
  }

  @Test func overridesReplaceAndExtend() throws {
    let dir = try ReportTestSupport.tempDir()
    let file = dir.appendingPathComponent("proxy.json")
    try """
      {"version":"comet-2026-09","date":"2026-09-01","models":{
        "gemini-2.5-flash":{"input":0.24,"output":2.0},
        "my-proxy-model":{"input":"1","output":"2","grounding":{"per":"prompt","usdPer1000":10}}}}
      """.write(to: file, atomically: true, encoding: .utf8)
    let t = try PriceTable.load(overrides: file.path)
    #expect(t.version == "2026.08-gp47df840+comet-2026-09")
    // 1000×0.24 + 1000×2.0 = 2240 /1M.
    let u = UsageMetadata(promptTokenCount: 1000, candidatesTokenCount: 1000)
    #expect(try #require(t.cost(model: "gemini-2.5-flash", usage: u)).total == d("0.00224"))
    // Lite keeps its bundled price: 1000×0.10 + 1000×0.40 = 500 /1M.
    #expect(try #require(t.cost(model: "gemini-2.5-flash-lite", usage: u)).total == d("0.0005"))
    // 1000×1 + 1000×2 = 3000 /1M + 0.01.
    #expect(try #require(t.cost(model: "my-proxy-model-x", usage: u, webSearchQueries: 1)).total == d("0.013"))
    #expect(try #require(t.cost(model: "my-proxy-model-x", usage: u)).priceVersion == t.version)
  }

  @Test(arguments: [
    ("[]", "top level must be an object"),
    ("{\"models\":{}}", "\"version\""),
    ("{\"version\":\"x\"}", "\"models\""),
    ("{\"version\":\"x\",\"models\":{\"m\":{\"output\":1}}}", "model m: \"input\" is required"),
    ("{\"version\":\"x\",\"models\":{\"m\":{\"input\":-1,\"output\":1}}}", "non-negative"),
    ("{\"version\":\"x\",\"models\":{\"m\":{\"input\":\"abc\",\"output\":1}}}", "non-negative"),
    ("{\"version\":\"x\",\"models\":{\"m\":{\"input\":1,\"output\":1,\"grounding\":{\"per\":\"day\"}}}}", "grounding"),
    ("{\"version\":", "invalid JSON"),
  ])
  func badOverrideFilesNameFileAndProblem(text: String, expected: String) throws {
    let dir = try ReportTestSupport.tempDir()
    let file = dir.appendingPathComponent("bad.json")
    try text.write(to: file, atomically: true, encoding: .utf8)
    let error = #expect(throws: PriceTableError.self) { try PriceTable.load(overrides: file.path) }
    #expect(error?.code == .invalid)
    #expect(error?.description.contains(file.path) == true)
    #expect(error?.description.contains(expected) == true, "\(error?.description ?? "")")
  }

  @Test func missingOverrideFile() {
    let error = #expect(throws: PriceTableError.self) { try PriceTable.load(overrides: "/nonexistent/prices.json") }
    #expect(error?.code == .unreadable)
    #expect(error?.description.contains("/nonexistent/prices.json") == true)
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
    let c = try #require(table.maxCost(model: "gemini-2.5-flash", inputTokens: 1000, maxOutputTokens: 8192, searches: true))
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
    let table = try PriceTable.bundled()
    let r = try ReportTestSupport.response(file)
    let model = try #require(r.modelVersion)
    let queries = r.firstCandidate?.groundingMetadata?.webSearchQueries?.count ?? 0
    let c = try #require(table.cost(model: model, usage: r.usageMetadata, webSearchQueries: queries))
    #expect(c.total == Decimal(string: usd)!, "\(file): \(c.total)")
    #expect(r.usageMetadata?.isConsistent == true)
  }

  @Test func unpricedFixture() throws {
    // gemini-1.5-flash is not in the table: unpriced, not free.
    let r = try ReportTestSupport.response("candidate_blocked_SAFETY_gemini-1.5-flash.json")
    #expect(try PriceTable.bundled().cost(model: r.modelVersion ?? "", usage: r.usageMetadata) == nil)
  }

  @Test func batchOutputLinesAtHalfPrice() throws {
    let table = try PriceTable.bundled()
    let text = String(decoding: try ReportTestSupport.fixture("batch_output_file_lines_gemini-2.5-flash.jsonl"), as: UTF8.self)
    var costs: [String: Decimal] = [:]
    for line in text.split(separator: "\n") {
      let v = try JSONValue.parse(String(line))
      let key = try #require(v["key"]?.stringValue)
      let r = try JSONDecoder().decode(GenerateContentResponse.self, from: try #require(v["response"]).serializedData())
      costs[key] = try #require(table.cost(model: r.modelVersion ?? "", usage: r.usageMetadata, batch: true)).total
    }
    // request_1: (8×0.30 + 840×2.50) × 0.5 = 2102.4 × 0.5 = 1051.2 /1M
    #expect(costs["request_1"] == Decimal(string: "0.0010512")!)
    // request_2: (9×0.30 + 1243×2.50) × 0.5 = 3110.2 × 0.5 = 1555.1 /1M
    #expect(costs["request_2"] == Decimal(string: "0.0015551")!)
  }
}
