import Foundation
import GeminiAPI
import Testing

@testable import GemBatchCore

/// The runner's integer pricing stores exactly the Double the `Decimal` path gives.
@Suite struct IntegerPricingTests {
  let table: PriceTable
  init() throws { table = try PriceTable.bundled() }

  @Test func everyBundledModelHasIntegerRates() {
    for (key, price) in table.models { #expect(IntegerPricing(price) != nil, "\(key)") }
  }

  @Test func agreesWithTheDecimalPathOnRandomUsage() throws {
    var rng = SplitMix64(seed: 42)
    func n(_ max: UInt64) -> Int { Int(rng.next() % max) }
    for (key, price) in table.models.sorted(by: { $0.key < $1.key }) {
      let fast = try #require(IntegerPricing(price))
      for i in 0..<300 {
        var u = UsageMetadata(
          promptTokenCount: i % 7 == 0 ? nil : n(i % 5 == 0 ? 400_000 : 5_000),
          cachedContentTokenCount: i % 3 == 0 ? n(3_000) : nil,
          candidatesTokenCount: n(9_000), thoughtsTokenCount: i % 2 == 0 ? n(20_000) : nil,
          toolUsePromptTokenCount: i % 4 == 0 ? n(800) : nil)
        if i % 6 == 0 { u.promptTokensDetails = [.init(modality: "TEXT", tokenCount: n(1_000)), .init(modality: "audio", tokenCount: n(2_000))] }
        if i % 12 == 0 { u.cacheTokensDetails = [.init(modality: "AUDIO", tokenCount: n(1_500))] }
        if i % 50 == 0 { u.candidatesTokenCount = -5 }  // nonsense counts are clamped, never negative
        let slow = try #require(table.cost(priceKey: key, usage: u)).totalUSD
        #expect(fast.costUSD(usage: u, webSearchQueries: 0) == slow, "\(key) \(u)")
      }
    }
  }

  @Test func groundingAndOddRatesUseTheDecimalPath() throws {
    let flash = try #require(table.models["gemini-2.5-flash"])
    let u = UsageMetadata(promptTokenCount: 10, candidatesTokenCount: 10)
    #expect(IntegerPricing(flash)?.costUSD(usage: u, webSearchQueries: 2) == nil)
    #expect(IntegerPricing(flash)?.costUSD(usage: u, webSearchQueries: 0) != nil)
    var odd = flash
    odd.base.input = Decimal(string: "0.0000000001")!  // below a nano-dollar per 1M tokens
    #expect(IntegerPricing(odd) == nil)
    // The price function still prices grounded results (through Decimal).
    let price = Pricing(table: table).priceFunction
    let grounded = try #require(price("gemini-2.5-flash", u, 2))
    #expect(grounded.cost == table.cost(model: "gemini-2.5-flash", usage: u, webSearchQueries: 2)!.totalUSD)
    #expect(price("no-such-model", u, 0) == nil)
  }
}
