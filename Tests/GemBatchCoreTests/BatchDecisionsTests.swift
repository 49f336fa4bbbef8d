import Foundation
import GeminiAPI
import GeminiCatalog
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
    let catalog = try ModelCatalog.load(overrides: [])
    let now = 1_796_126_400.0  // 2026-12-01 12:00 UTC
    let day = CalendarDay(unixTime: now)
    let interpreter = BatchPricing.interpreter(policy: RetryPolicy(), catalog: catalog)
    func line(_ usage: String) throws -> ResultRecord {
      let body = Data(
        #"{"candidates":[{"content":{"role":"model","parts":[{"text":"ok"}]},"finishReason":"STOP"}],"usageMetadata":\#(usage),"modelVersion":"gemini-3.8-flash"}"#
          .utf8)
      let response = try JSONDecoder().decode(GenerateContentResponse.self, from: body)
      let job = DispatchJob(
        id: "j", seq: 0, model: "gemini-3.8-flash", body: Data("{}".utf8), requestHash: "h", estimatedInputTokens: 1,
        isJSONMode: false, outputSchema: nil, attempts: 1)
      let ex = Exchange(httpStatus: 200, rawBody: body, result: .success(response), latency: .zero)
      return try #require(interpreter.interpret(job: job, attemptId: 1, attemptNo: 1, runId: 1, exchange: ex, random: 0, now: now).0.result)
    }
    let usage = UsageMetadata(promptTokenCount: 10_000, candidatesTokenCount: 2_000, totalTokenCount: 12_000)
    let standard = try #require(catalog.cost(model: "gemini-3.8-flash", usage: usage, date: day)).totalUSD
    let plain = try line(#"{"promptTokenCount":10000,"candidatesTokenCount":2000,"totalTokenCount":12000}"#)
    #expect(plain.serviceTier == "batch")
    #expect(abs((plain.costUSD ?? -1) - standard / 2) < 1e-12)
    // Cached tokens are not halved.
    var cached = usage
    cached.cachedContentTokenCount = 8_000
    let full = try #require(catalog.cost(model: "gemini-3.8-flash", usage: cached, date: day))
    let withCache = try line(
      #"{"promptTokenCount":10000,"cachedContentTokenCount":8000,"candidatesTokenCount":2000,"totalTokenCount":12000}"#)
    let expected = (full.total - full.cachedInput) / 2 + full.cachedInput
    #expect(abs((withCache.costUSD ?? -1) - NSDecimalNumber(decimal: expected).doubleValue) < 1e-12)
  }
}
