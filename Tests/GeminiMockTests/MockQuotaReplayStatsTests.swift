import Foundation
import GeminiAPI
import GeminiMock
import Testing

@Suite struct QuotaTrackerTests {
  @Test func requestsPerMinuteSlide() {
    var q = QuotaTracker()
    let l = QuotaLimits(rpm: 2)
    #expect(q.admit(model: "m", inputTokens: 1, limits: l, now: 0) == nil)
    #expect(q.admit(model: "m", inputTokens: 1, limits: l, now: 10) == nil)
    let r = q.admit(model: "m", inputTokens: 1, limits: l, now: 20)
    #expect(r?.kind == .requestsPerMinute)
    #expect(r?.limit == 2)
    #expect(abs((r?.retryAfter ?? 0) - 40) < 1e-9)  // the request at t=0 leaves at t=60
    #expect(q.admit(model: "m", inputTokens: 1, limits: l, now: 60.5) == nil)
    // Other models have their own window.
    #expect(q.admit(model: "other", inputTokens: 1, limits: l, now: 20) == nil)
  }

  @Test func tokensPerMinuteWaitsForEnoughTokens() {
    var q = QuotaTracker()
    let l = QuotaLimits(tpm: 100)
    #expect(q.admit(model: "m", inputTokens: 60, limits: l, now: 0) == nil)
    #expect(q.admit(model: "m", inputTokens: 30, limits: l, now: 5) == nil)
    let r = q.admit(model: "m", inputTokens: 50, limits: l, now: 10)
    #expect(r?.kind == .inputTokensPerMinute)
    #expect(abs((r?.retryAfter ?? 0) - 50) < 1e-9)  // after t=60 only 30 remain
    #expect(q.admit(model: "m", inputTokens: 10, limits: l, now: 10) == nil)  // fits: 100
  }

  @Test func requestsPerDayComeFirst() {
    var q = QuotaTracker()
    let l = QuotaLimits(rpm: 10, rpd: 1)
    #expect(q.admit(model: "m", inputTokens: 1, limits: l, now: 0) == nil)
    let r = q.admit(model: "m", inputTokens: 1, limits: l, now: 100)
    #expect(r?.kind == .requestsPerDay)
    #expect(abs((r?.retryAfter ?? 0) - 86_300) < 1e-9)
    #expect(QuotaKind.requestsPerDay.quotaId == "GenerateRequestsPerDayPerProjectPerModel")
  }

  @Test func refusedRequestsDoNotCount() {
    var q = QuotaTracker()
    let l = QuotaLimits(rpm: 1)
    #expect(q.admit(model: "m", inputTokens: 1, limits: l, now: 0) == nil)
    for t in 1..<30 { #expect(q.admit(model: "m", inputTokens: 1, limits: l, now: Double(t)) != nil) }
    #expect(q.admit(model: "m", inputTokens: 1, limits: l, now: 60.01) == nil)
  }
}

@Suite struct MockQuotaServerTests {
  @Test func rpmGives429WithQuotaFailureHelpAndRetryInfo() async throws {
    let config = MockTest.config { $0.quotas = ["gemini-2.5-flash": QuotaLimits(rpm: 2)] }
    try await MockTest.withMock(config) { c in
      #expect(try await c.generate("gemini-2.5-flash", MockTest.prompt("1")).status == 200)
      #expect(try await c.generate("gemini-2.5-flash", MockTest.prompt("2")).status == 200)
      let r = try await c.generate("gemini-2.5-flash", MockTest.prompt("3"))
      #expect(r.status == 429)
      let e = try #require(r.error)
      #expect(e.status == "RESOURCE_EXHAUSTED")
      #expect(e.quotaViolations.first?.quotaId == "GenerateRequestsPerMinutePerProjectPerModel")
      #expect(e.quotaViolations.first?.quotaValue == "2")
      #expect(e.quotaViolations.first?.quotaDimensions["model"] == "gemini-2.5-flash")
      let delay = try #require(e.retryInfo?.retryDelay)
      #expect(delay > .seconds(50) && delay <= .seconds(60))
      #expect(e.details.contains { if case .help = $0 { true } else { false } })
      // Another model is not limited.
      #expect(try await c.generate("gemini-2.0-flash", MockTest.prompt("3")).status == 200)
    }
  }

  @Test func tpmAndRpdQuotaIds() async throws {
    try await MockTest.withMock(MockTest.config { $0.defaultQuota = QuotaLimits(tpm: 10) }) { c in
      let r = try await c.generate("gemini-2.5-flash", MockTest.prompt(String(repeating: "x", count: 80)))
      #expect(r.status == 429)
      #expect(r.error?.quotaViolations.first?.quotaId == "GenerateContentInputTokensPerModelPerMinute")
    }
    try await MockTest.withMock(MockTest.config { $0.defaultQuota = QuotaLimits(rpd: 1) }) { c in
      #expect(try await c.generate("gemini-2.5-flash", MockTest.prompt("a")).status == 200)
      let r = try await c.generate("gemini-2.5-flash", MockTest.prompt("b"))
      #expect(r.error?.quotaViolations.first?.quotaClass == .requestsPerDay)
    }
  }
}

@Suite struct MockStatsTests {
  @Test func countsRequestsStatusesAndDuplicates() async throws {
    try await MockTest.withMock { c in
      let p = MockTest.prompt("same")
      _ = try await c.generate("gemini-2.5-flash", p)
      _ = try await c.generate("gemini-2.5-flash", p)
      _ = try await c.generate("gemini-2.5-pro", MockTest.prompt("other"))
      _ = try await c.generate("gemini-2.5-pro", MockTest.prompt("x", config: ["bogus": 1]))
      let s = try await c.stats()
      #expect(s.int("requests") == 4)
      #expect(s["byModel"]?.int("gemini-2.5-flash") == 2)
      #expect(s["byStatus"]?.int("200") == 3)
      #expect(s["byStatus"]?.int("400") == 1)
      #expect(s["byModelStatus"]?["gemini-2.5-pro"]?.int("400") == 1)
      #expect(s.int("duplicates") == 1)
      #expect(s["bodies"] == nil)
      let full = try await c.stats(bodies: true)
      let hash = SHA256.hex(Array(p.serialized().utf8))
      #expect(full["bodies"]?.int(hash) == 2)
      #expect(try await c.send(.POST, "/mock/reset", key: nil).status == 403, "the key guards /mock/* too")
      #expect(try await c.send(.GET, "/mock/stats", key: nil).status == 403)
      _ = try await c.send(.POST, "/mock/reset")
      #expect(try await c.stats().int("requests") == 0)
    }
  }
}

@Suite(.enabled(if: MockTest.fixturesPresent, "shared fixtures folder ../shared/fixtures/gemini is absent"))
struct MockReplayTests {
  @Test func everyFixtureIsServedByteForByte() async throws {
    let dir = MockTest.fixtures.path
    let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") || $0.hasSuffix(".sse") }.sorted()
    #expect(names.count >= 25)
    try await MockTest.withMock(MockTest.config { $0.replayDirectory = dir; $0.replayAll = false }) { c in
      for name in names {
        let sse = name.hasSuffix(".sse")
        let r = sse
          ? try await c.stream("gemini-2.5-flash", MockTest.prompt("go"), headers: [("x-mock-replay", name)])
          : try await c.generate("gemini-2.5-flash", MockTest.prompt("go [[mock:replay=\(name)]]"))
        let expected = try Data(contentsOf: MockTest.fixtures.appendingPathComponent(name))
        #expect(Data(r.body) == expected, "\(name)")
        if name.hasPrefix("error_") {
          #expect(r.status == Int(name.dropFirst(6).prefix(3)), "\(name)")
        } else {
          #expect(r.status == 200, "\(name)")
        }
        #expect(r.contentType?.hasPrefix(sse ? "text/event-stream" : "application/json") == true, "\(name)")
      }
      // Without a replay marker, generated answers still work.
      #expect(try await c.generate("gemini-2.5-flash", MockTest.prompt("fresh")).json.answerText.hasPrefix("Mock answer"))
      let missing = try await c.generate("gemini-2.5-flash", MockTest.prompt("[[mock:replay=nope.json]]"))
      #expect(missing.status == 400)
    }
  }

  @Test func roundRobinCyclesTheFolder() async throws {
    let dir = MockTest.fixtures.path
    try await MockTest.withMock(MockTest.config { $0.replayDirectory = dir }) { c in
      let a = try await c.generate("gemini-2.5-flash", MockTest.prompt("1"))
      let b = try await c.generate("gemini-2.5-flash", MockTest.prompt("2"))
      #expect(a.body != b.body)
    }
  }
}
