import Foundation
import GeminiAPI
import Testing

@testable import GeminiCatalog

/// Golden costs worked by hand from the bundled rates (USD per 1M tokens); "/1M" means
/// "divide by 1,000,000". Each is checked on the exact (Decimal) path and on the integer path.
@Suite struct CostGoldenTests {
  let catalog: ModelCatalog
  init() throws { catalog = try CatalogTestSupport.bundled() }

  let dec1 = CatalogTestSupport.day("2026-12-01")
  func d(_ s: String) -> Decimal { CatalogTestSupport.d(s) }

  /// The exact total, after checking the integer path stores the same Double.
  func total(
    _ model: String, _ u: UsageMetadata, on day: CalendarDay? = nil, tier: ServiceTier = .standard,
    served: String? = nil,
    queries: Int = 0, maps: Int = 0, images: Int = 0
  ) throws -> CostBreakdown {
    let day = day ?? dec1
    let c = try #require(
      catalog.cost(
        model: model, usage: u, date: day, tier: tier, servedModel: served, searchQueries: queries, mapsPrompts: maps,
        images: images), "\(model) unpriced")
    if queries == 0 && maps == 0,
      case .success(let t) = catalog.priceTarget(model: model, servedModel: served, date: day),
      let tp = catalog.tierPricing(tier, row: t.row), let fast = IntegerPricing(row: t.row, tier: tp)
    {
      #expect(fast.costUSD(usage: u, images: images) == c.totalUSD, "integer path of \(model)")
    }
    return c
  }

  @Test func proInBothContextTiers() throws {
    // ≤200k: 100,000×2 = 200,000; (2,000+3,000)×12 = 60,000 → 260,000 /1M.
    let small = try total(
      "gemini-3.1-pro-preview",
      UsageMetadata(promptTokenCount: 100_000, candidatesTokenCount: 2000, thoughtsTokenCount: 3000))
    #expect(!small.longContext && small.total == d("0.26"))
    // Exactly 200,000 is still the small tier: 200,000×2 = 400,000 /1M.
    #expect(try total("gemini-3.1-pro-preview", UsageMetadata(promptTokenCount: 200_000)).total == d("0.4"))
    // >200k, 250,000 of which 50,000 cached: 200,000×4 = 800,000; 50,000×0.40 = 20,000;
    // 2,000×18 = 36,000 → 856,000 /1M.
    let big = try total(
      "gemini-3.1-pro-preview",
      UsageMetadata(
        promptTokenCount: 250_000, cachedContentTokenCount: 50_000, candidatesTokenCount: 1000, thoughtsTokenCount: 1000
      ))
    #expect(big.longContext && big.total == d("0.856"))
    #expect(big.cachedInput == d("0.02"))
  }

  let cachedUsage = UsageMetadata(
    promptTokenCount: 10_000, cachedContentTokenCount: 8000, candidatesTokenCount: 500, thoughtsTokenCount: 1500)

  @Test func flashWithCachedTokens() throws {
    // 3.8 Flash (promotion): (10,000−8,000)=2,000×0.75 = 1,500; 8,000×0.075 = 600; 2,000×3.75 = 7,500 → 9,600 /1M.
    let c = try total("gemini-3.8-flash", cachedUsage)
    #expect(c.inputTokens == 2000 && c.cachedTokens == 8000 && c.outputTokens == 2000)
    #expect(c.cachedInput == d("0.0006"))
    #expect(c.total == d("0.0096"))
  }

  @Test func aRunCrossingThePromotionsEnd() throws {
    // Last day of the promotion: 9,600 /1M as above.
    #expect(try total("gemini-3.8-flash", cachedUsage, on: CatalogTestSupport.day("2026-12-31")).total == d("0.0096"))
    // The next day: 2,000×1.50 = 3,000; 8,000×0.15 = 1,200; 2,000×7.50 = 15,000 → 19,200 /1M.
    let jan = try total("gemini-3.8-flash", cachedUsage, on: CatalogTestSupport.day("2027-01-01"))
    #expect(jan.total == d("0.0192"))
    #expect(jan.period == "from 2027-01-01")
  }

  @Test func batchHalvesTokensButNotCachedTokens() throws {
    // 2,000×0.75×0.5 = 750; cached 8,000×0.075×1 = 600 (not halved); 2,000×3.75×0.5 = 3,750 → 5,100 /1M.
    // Halving the cached tokens too would give 4,800 /1M.
    let c = try total("gemini-3.8-flash", cachedUsage, tier: .batch)
    #expect(c.batch && c.cachedInput == d("0.0006"))
    #expect(c.total == d("0.0051"))
    // Grounding is not discounted: 3.1 Pro batch, 1,000 in, 1,000 out, 2 queries:
    // (1,000×2 + 1,000×12)×0.5 = 7,000 /1M + 2×14/1000 = 0.028.
    let g = try total(
      "gemini-3.1-pro-preview", UsageMetadata(promptTokenCount: 1000, candidatesTokenCount: 1000), tier: .batch,
      queries: 2)
    #expect(g.tokens == d("0.007") && g.grounding == d("0.028") && g.total == d("0.035"))
  }

  @Test func flexAndPriority() throws {
    // Flex: as batch, 5,100 /1M.
    #expect(try total("gemini-3.8-flash", cachedUsage, tier: .flex).total == d("0.0051"))
    // Priority ×1.8: 2,000×0.75×1.8 = 2,700; 8,000×0.075×1.8 = 1,080; 2,000×3.75×1.8 = 13,500 → 17,280 /1M.
    #expect(try total("gemini-3.8-flash", cachedUsage, tier: .priority).total == d("0.01728"))
    // A priority request the server downgraded is priced at the tier that ran: standard, 9,600 /1M.
    #expect(try total("gemini-3.8-flash", cachedUsage, tier: .standard).total == d("0.0096"))
  }

  @Test func imageOutput() throws {
    // 2.5 Flash Image: 20 text in, 1,300 out = 1,290 IMAGE + 10 TEXT:
    // 20×0.30 = 6; 10×2.50 = 25; 1,290×30 = 38,700 → 38,731 /1M. One image alone: 1,290×30 /1M = $0.0387.
    var u = UsageMetadata(promptTokenCount: 20, candidatesTokenCount: 1300)
    u.candidatesTokensDetails = [.init(modality: "IMAGE", tokenCount: 1290), .init(modality: "TEXT", tokenCount: 10)]
    let c = try total("gemini-2.5-flash-image", u, images: 1)
    #expect(c.imageTokens == 1290 && c.outputTokens == 10)
    #expect(c.imageOutput == d("0.0387"))
    #expect(c.total == d("0.038731"))
    // Without per-modality counts, one image is taken as 1,290 tokens: the same cost.
    #expect(
      try total("gemini-2.5-flash-image", UsageMetadata(promptTokenCount: 20, candidatesTokenCount: 1300), images: 1)
        .total == d("0.038731"))
    // Batch halves the image too: 1,290×30×0.5 = 19,350 /1M ($0.0195 per image, as published, rounded).
    #expect(try total("gemini-2.5-flash-image", u, tier: .batch, images: 1).imageOutput == d("0.01935"))
    // 3 Pro Image: 100 in, 1,120 IMAGE + 50 TEXT out, 200 thoughts:
    // 100×2 = 200; (50+200)×12 = 3,000; 1,120×120 = 134,400 → 137,600 /1M.
    var p = UsageMetadata(promptTokenCount: 100, candidatesTokenCount: 1170, thoughtsTokenCount: 200)
    p.candidatesTokensDetails = [.init(modality: "IMAGE", tokenCount: 1120), .init(modality: "TEXT", tokenCount: 50)]
    #expect(try total("gemini-3-pro-image", p, images: 1).total == d("0.1376"))
  }

  @Test func aRoutedModelVersionIsPricedAtTheModelThatRan() throws {
    let u = UsageMetadata(promptTokenCount: 1000, candidatesTokenCount: 1000)
    // Asked for 2.5 Pro, answered by 3.8 Flash: 1,000×0.75 + 1,000×3.75 = 4,500 /1M
    // (2.5 Pro's rates would give 1,000×1.25 + 1,000×10 = 11,250 /1M).
    let c = try total("gemini-2.5-pro", u, served: "gemini-3.8-flash")
    #expect(c.priceKey == "gemini-3.8-flash" && c.total == d("0.0045"))
    // No modelVersion: on 2026-11-30 2.5 Pro still ran at its own rates…
    #expect(try total("gemini-2.5-pro", u, on: CatalogTestSupport.day("2026-11-30")).total == d("0.01125"))
    // …from its shutdown on it is billed where it routes.
    let routed = try total("gemini-2.5-pro", u)
    #expect(
      routed.priceKey == "gemini-3.8-flash" && routed.routedFrom == "gemini-2.5-pro" && routed.total == d("0.0045"))
    // 2.5 Flash → 3.5 Flash-Lite: 1,000×0.30 + 1,000×2.50 = 2,800 /1M.
    #expect(try total("gemini-2.5-flash", u).priceKey == "gemini-3.5-flash-lite")
    // A modelVersion with a version suffix still names its model; an unknown one falls back to the request.
    #expect(try total("gemini-3.8-flash", u, served: "gemini-3.8-flash-001").priceKey == "gemini-3.8-flash")
    #expect(try total("gemini-3.8-flash", u, served: "some-proxy-name").priceKey == "gemini-3.8-flash")
  }

  @Test func groundingPerPromptPerQueryAndMaps() throws {
    let u = UsageMetadata(promptTokenCount: 100, candidatesTokenCount: 100)
    // 2.5 Flash-Lite, 3 queries in one prompt: one grounded prompt, 35/1000 = 0.035; tokens 100×0.10 + 100×0.40 = 50 /1M.
    let f = try total("gemini-2.5-flash-lite", u, queries: 3)
    #expect(f.groundingUnits == 1 && f.grounding == d("0.035") && f.total == d("0.03505"))
    // 3 Flash Preview, 3 queries: 3×14/1000 = 0.042; tokens 100×0.50 + 100×3 = 350 /1M.
    let g = try total("gemini-3-flash-preview", u, queries: 3)
    #expect(g.groundingUnits == 3 && g.total == d("0.04235"))
    // Maps, one grounded prompt: 25/1000 = 0.025 (n/v) next to 50 /1M of tokens.
    let m = try total("gemini-2.5-flash-lite", u, maps: 1)
    #expect(m.mapsUnits == 1 && m.mapsGrounding == d("0.025") && m.total == d("0.02505"))
  }

  @Test func unpricedIsNeverFree() throws {
    let u = UsageMetadata(promptTokenCount: 10, candidatesTokenCount: 10)
    func reason(_ model: String, on day: CalendarDay? = nil) -> CatalogNotice.Kind? {
      if case .unpriced(let why) = catalog.quote(PriceRequest(model: model, usage: u, date: day ?? dec1)) {
        return why.kind
      }
      return nil
    }
    #expect(reason("gemini-1.5-flash") == .unknownModel)
    #expect(reason("gemini-3.7-flash") == .noPrice)
    #expect(reason("gemini-3-pro-preview") == .priceExpired)  // ended at its shutdown, routes nowhere
    #expect(reason("gemini-3-pro-preview", on: CatalogTestSupport.day("2026-03-01")) == nil)
    #expect(catalog.maxCost(model: "unknown-model", inputTokens: 10, maxOutputTokens: 10, date: dec1) == nil)
  }

  @Test func anExpiredRowIsUnpricedNotReused() throws {
    let path = try CatalogTestSupport.write(
      """
      {"version": "old", "models": [{"id": "my-model", "prices": [{"until": "2026-06-30", "input": 1, "output": 1}]}]}
      """)
    let c = try ModelCatalog.load(overrides: [path])
    let u = UsageMetadata(promptTokenCount: 10, candidatesTokenCount: 10)
    #expect(c.cost(model: "my-model", usage: u, date: CatalogTestSupport.day("2026-06-30")) != nil)
    guard
      case .unpriced(let why) = c.quote(
        PriceRequest(model: "my-model", usage: u, date: CatalogTestSupport.day("2026-07-01")))
    else {
      Issue.record("an expired row must not price")
      return
    }
    #expect(why.kind == .priceExpired && why.message.contains("ended on 2026-06-30"))
  }

  @Test func hostileCountsNeverTrap() throws {
    let max = Int.max
    var u = UsageMetadata(
      promptTokenCount: max, cachedContentTokenCount: max, candidatesTokenCount: max, thoughtsTokenCount: max,
      toolUsePromptTokenCount: max, totalTokenCount: max)
    u.promptTokensDetails = [.init(modality: "AUDIO", tokenCount: max), .init(modality: "AUDIO", tokenCount: max)]
    u.candidatesTokensDetails = [.init(modality: "IMAGE", tokenCount: max), .init(modality: "IMAGE", tokenCount: max)]
    for model in ["gemini-3.8-flash", "gemini-3-pro-image", "gemini-3.1-pro-preview"] {
      for tier in ServiceTier.allCases {
        let c = try #require(
          catalog.cost(
            model: model, usage: u, date: dec1, tier: tier, searchQueries: max, mapsPrompts: max, images: max))
        #expect(c.totalUSD.isFinite && c.totalUSD > 0)
        let t = try #require(try? catalog.priceTarget(model: model, date: dec1).get())
        #expect(
          IntegerPricing(row: t.row, tier: catalog.tierPricing(tier, row: t.row)!)?.costUSD(usage: u, images: max)
            == nil)
      }
    }
    let negative = UsageMetadata(
      promptTokenCount: Int.min, cachedContentTokenCount: -5, candidatesTokenCount: Int.min, thoughtsTokenCount: -1)
    #expect(catalog.cost(model: "gemini-3.8-flash", usage: negative, date: dec1)?.total == 0)
  }

  /// The integer path agrees with the exact path on random usage, for every priced row and tier.
  @Test func integerPathAgreesWithTheExactPath() throws {
    var seed: UInt64 = 42
    func n(_ max: UInt64) -> Int {
      seed = seed &* 6364136223846793005 &+ 1442695040888963407
      return Int((seed >> 33) % max)
    }
    var rows = 0
    for e in catalog.entries {
      for (ri, row) in e.prices.enumerated() {
        let day = row.from ?? row.until ?? dec1
        for tier in ServiceTier.allCases {
          guard let tp = catalog.tierPricing(tier, row: row) else { continue }
          let fast = try #require(IntegerPricing(row: row, tier: tp), "\(e.id) row \(ri) \(tier)")
          rows += 1
          for i in 0..<60 {
            var u = UsageMetadata(
              promptTokenCount: i % 7 == 0 ? nil : n(i % 5 == 0 ? 400_000 : 5_000),
              cachedContentTokenCount: i % 3 == 0 ? n(3_000) : nil, candidatesTokenCount: n(9_000),
              thoughtsTokenCount: i % 2 == 0 ? n(20_000) : nil, toolUsePromptTokenCount: i % 4 == 0 ? n(800) : nil)
            if i % 6 == 0 {
              u.promptTokensDetails = [
                .init(modality: "TEXT", tokenCount: n(1_000)), .init(modality: "audio", tokenCount: n(2_000)),
              ]
            }
            if i % 12 == 0 { u.cacheTokensDetails = [.init(modality: "AUDIO", tokenCount: n(1_500))] }
            if i % 8 == 0 { u.candidatesTokensDetails = [.init(modality: "IMAGE", tokenCount: n(3_000))] }
            if i % 50 == 0 { u.candidatesTokenCount = -5 }
            let images = i % 5
            let t = ModelCatalog.PriceTarget(entry: e, entryIndex: 0, row: row, rowIndex: ri, routedFrom: nil)
            let slow = try #require(
              catalog.breakdown(t, PriceRequest(model: e.id, usage: u, date: day, tier: tier, images: images)).cost)
            #expect(fast.costUSD(usage: u, images: images) == slow.totalUSD, "\(e.id) \(tier) \(u)")
          }
        }
      }
    }
    #expect(rows > 40)
  }
}
