import GeminiAPI
import Testing

@testable import GemBatchCore

@Suite struct RetryPolicyTests {
  let policy = RetryPolicy(maxAttempts: 4, baseDelay: .seconds(1), maxDelay: .seconds(10))

  @Test func permanentErrorsFailAtOnce() {
    #expect(policy.decide(.permanent, attempt: 1, random: 0.5) == .fail(failureClass: "permanent"))
  }

  @Test func dailyQuotaStopsTheRun() {
    let c = ErrorClass.rateLimited(suggestedDelay: .seconds(30), daily: true, quotaId: "GenerateRequestsPerDayPerProjectPerModel")
    #expect(policy.decide(c, attempt: 1, random: 0.5) == .stopRun(quotaId: "GenerateRequestsPerDayPerProjectPerModel"))
  }

  @Test func transientRetriesWithFullJitterUnderTheCap() {
    // attempt n: ceiling = min(10 s, 1 s × 2^(n-1)); delay = random × ceiling.
    #expect(policy.decide(.transient(suggestedDelay: nil), attempt: 1, random: 0.5) == .retry(after: .milliseconds(500)))
    #expect(policy.decide(.transient(suggestedDelay: nil), attempt: 3, random: 0.25) == .retry(after: .seconds(1)))
    #expect(policy.backoff(attempt: 20, random: 0.999, suggested: nil) <= .seconds(10))
    #expect(policy.backoff(attempt: 2, random: 0, suggested: nil) == .zero)
  }

  @Test func serverDelayWinsWhenLonger() {
    let c = ErrorClass.rateLimited(suggestedDelay: .seconds(26), daily: false, quotaId: nil)
    #expect(policy.decide(c, attempt: 1, random: 0.9) == .retry(after: .seconds(26)))
    // A short server hint does not shorten our own backoff.
    #expect(policy.backoff(attempt: 4, random: 1.0, suggested: .seconds(1)) == .seconds(8))
  }

  @Test func attemptsRunOut() {
    #expect(policy.decide(.transient(suggestedDelay: nil), attempt: 4, random: 0.1) == .fail(failureClass: "attempts_exhausted"))
    #expect(RetryPolicy(maxAttempts: 1).decide(.transient(suggestedDelay: nil), attempt: 1, random: 0) == .fail(failureClass: "attempts_exhausted"))
  }
}

@Suite struct RateLimiterTests {
  @Test func requestsAreSpacedEvenly() {
    // The default safety margin is what keeps an inclusive 60 s window at or under the limit
    // despite floating-point spacing.
    var l = RateLimiter(requestsPerMinute: 600)
    var t = 0.0
    var starts: [Double] = []
    for _ in 0..<1200 {
      let s = l.earliestStart(now: t, tokens: 1)
      l.reserve(at: s, tokens: 1)
      starts.append(s)
      t = s
    }
    // 600 per minute = one every 0.1 s; no 60 s window holds more than 600.
    #expect(abs(starts[1] - starts[0] - 0.101) < 1e-9)
    var j = 0
    for i in starts.indices {
      while starts[i] - starts[j] >= 60 { j += 1 }
      #expect(i - j + 1 <= 600)
    }
    // And it costs only 1% of the throughput.
    #expect(abs(starts[1199] - 1199 * 0.101) < 1e-6)
  }

  @Test func safetyMarginWidensSpacing() {
    var l = RateLimiter(requestsPerMinute: 60)
    l.reserve(at: 0, tokens: 0)
    #expect(l.earliestStart(now: 0, tokens: 0) > 1.0)
    #expect(l.earliestStart(now: 0, tokens: 0) <= 1.0100001)
  }

  @Test func tokensPerMinuteAllowsAMinuteOfBudgetThenSpaces() {
    var l = RateLimiter(tokensPerMinute: 6000, safety: 1.0)
    // 1000-token requests: 6 fit in the first minute at once, the 7th waits.
    var starts: [Double] = []
    for _ in 0..<8 {
      let s = l.earliestStart(now: 0, tokens: 1000)
      l.reserve(at: s, tokens: 1000)
      starts.append(s)
    }
    #expect(starts[0..<6].allSatisfy { $0 == 0 })
    #expect(abs(starts[6] - 10) < 1e-9)
    #expect(abs(starts[7] - 20) < 1e-9)
  }

  @Test func usageCorrectionMovesTheTokenAccount() {
    var l = RateLimiter(tokensPerMinute: 6000, safety: 1.0)
    for _ in 0..<6 { l.reserve(at: 0, tokens: 1000) }
    let before = l.earliestStart(now: 0, tokens: 1000)
    l.correct(estimatedTokens: 1000, actualTokens: 400)  // we over-estimated by 600 = 6 s
    #expect(abs(before - l.earliestStart(now: 0, tokens: 1000) - 6) < 1e-9)
  }

  @Test func pauseAfterA429() {
    var l = RateLimiter(requestsPerMinute: 600, safety: 1.0)
    l.pause(until: 26)
    #expect(l.earliestStart(now: 1, tokens: 1) == 26)
    #expect(RateLimiter().isUnlimited)
    #expect(RateLimiter().earliestStart(now: 5, tokens: 1_000_000) == 5)
  }
}

@Suite struct AdaptiveConcurrencyTests {
  @Test func halvesOncePerBurstThenGrowsBack() {
    var c = AdaptiveConcurrency(maximum: 64, cooldown: 2)
    c.onRateLimited(now: 10)
    c.onRateLimited(now: 10.5)  // same burst: ignored
    #expect(c.limit == 32)
    c.onRateLimited(now: 12.1)
    #expect(c.limit == 16)
    // No growth during the cooldown.
    for _ in 0..<100 { c.onSuccess(now: 13) }
    #expect(c.limit == 16)
    // Then +1 per `limit` successes.
    for _ in 0..<16 { c.onSuccess(now: 15) }
    #expect(c.limit == 17)
    for _ in 0..<10_000 { c.onSuccess(now: 20) }
    #expect(c.limit == 64)
  }

  @Test func neverBelowMinimum() {
    var c = AdaptiveConcurrency(maximum: 4, cooldown: 0)
    for i in 0..<10 { c.onRateLimited(now: Double(i)) }
    #expect(c.limit == 1)
  }
}
