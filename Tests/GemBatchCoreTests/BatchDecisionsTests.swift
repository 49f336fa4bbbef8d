import Foundation
import GeminiAPI
import Testing

@testable import GemBatchCore

/// The pure decisions of Batch Mode, with times passed in: nothing sleeps.
@Suite struct BatchDecisionsTests {
  @Test func pollDelayGrowsWhileNothingChangesAndIsCapped() {
    let base = Duration.seconds(30)
    #expect(BatchDecisions.pollDelay(base: base, unchangedPolls: 0) == .seconds(30))
    #expect(BatchDecisions.pollDelay(base: base, unchangedPolls: 1) == .seconds(45))
    #expect(BatchDecisions.pollDelay(base: base, unchangedPolls: 2) == .milliseconds(67_500))
    // Ten times the base at most, and never over 10 minutes.
    #expect(BatchDecisions.pollDelay(base: base, unchangedPolls: 50) == .seconds(300))
    #expect(BatchDecisions.pollDelay(base: .seconds(120), unchangedPolls: 50) == .seconds(600))
    // A base over 10 minutes stays the base.
    #expect(BatchDecisions.pollDelay(base: .seconds(900), unchangedPolls: 9) == .seconds(900))
  }

  @Test func onlyAPendingBatchPastTheTimeoutIsCancelled() {
    let day = Duration.seconds(86_400)
    #expect(!BatchDecisions.pendingTooLong(phase: .pending, submittedAt: 1000, now: 1000 + 86_399, timeout: day))
    #expect(BatchDecisions.pendingTooLong(phase: .pending, submittedAt: 1000, now: 1000 + 86_400, timeout: day))
    // Running batches are making progress; an unsubmitted row has no age.
    #expect(!BatchDecisions.pendingTooLong(phase: .running, submittedAt: 1000, now: 1e9, timeout: day))
    #expect(!BatchDecisions.pendingTooLong(phase: .pending, submittedAt: nil, now: 1e9, timeout: day))
  }

  @Test func createBackoffDoublesHonoursTheServerAndIsCapped() {
    let base = Duration.seconds(10)
    #expect(BatchDecisions.createBackoff(base: base, failures: 1, suggested: nil) == .seconds(10))
    #expect(BatchDecisions.createBackoff(base: base, failures: 2, suggested: nil) == .seconds(20))
    #expect(BatchDecisions.createBackoff(base: base, failures: 4, suggested: nil) == .seconds(80))
    #expect(BatchDecisions.createBackoff(base: base, failures: 30, suggested: nil) == .seconds(300))
    #expect(BatchDecisions.createBackoff(base: base, failures: 1, suggested: .seconds(45)) == .seconds(45))
  }

  @Test func shardCapKeepsAModelsLiveBatchesUnderItsBudget() {
    #expect(BatchDecisions.shardTokenCap(budget: 1000, liveTokens: 0, nextJobTokens: 10) == 1000)
    // A job over the budget goes alone when nothing is live, and waits otherwise.
    #expect(BatchDecisions.shardTokenCap(budget: 1000, liveTokens: 0, nextJobTokens: 5000) == 5000)
    #expect(BatchDecisions.shardTokenCap(budget: 1000, liveTokens: 600, nextJobTokens: 300) == 400)
    #expect(BatchDecisions.shardTokenCap(budget: 1000, liveTokens: 900, nextJobTokens: 300) == nil)
    #expect(BatchDecisions.defaultMaxTokens(model: "gemini-2.5-flash-lite") > BatchDecisions.defaultMaxTokens(model: "gemini-2.5-flash"))
    #expect(BatchDecisions.defaultMaxTokens(model: "gemini-2.5-pro") <= 5_000_000)
  }

  @Test func batchPricesAreHalfWithCachedTokensAtTheNormalCacheRate() throws {
    let table = try PriceTable.load(overrides: nil)
    let usage = UsageMetadata(promptTokenCount: 10_000, candidatesTokenCount: 2_000, totalTokenCount: 12_000)
    let standard = try #require(table.cost(model: "gemini-2.5-flash", usage: usage)).totalUSD
    let batch = try #require(BatchPricing.priceFunction(table)("gemini-2.5-flash", usage, 0)).cost
    #expect(abs(batch - standard / 2) < 1e-12)
    var cached = usage
    cached.cachedContentTokenCount = 8_000
    let full = try #require(table.cost(model: "gemini-2.5-flash", usage: cached))
    let b = try #require(BatchPricing.priceFunction(table)("gemini-2.5-flash", cached, 0)).cost
    let expected = (full.total - full.cachedInput) / 2 + full.cachedInput
    #expect(abs(b - NSDecimalNumber(decimal: expected).doubleValue) < 1e-12)
  }
}
