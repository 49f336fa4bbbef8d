import AsyncHTTPClient
import Foundation
import GeminiAPI
import GeminiMock
import Testing

@Suite struct MockFaultTests {
  let body = MockTest.prompt("Fault me")

  @Test(arguments: [
    ("internal", 500, "INTERNAL"), ("overloaded", 503, "UNAVAILABLE"), ("exhausted-503", 503, "RESOURCE_EXHAUSTED"),
    ("rate-limited", 429, "RESOURCE_EXHAUSTED"),
  ])
  func errorFaultsHaveGooglesBody(name: String, status: Int, apiStatus: String) async throws {
    let r = try await MockTest.withMock { c in try await c.generate("gemini-2.5-flash", body, headers: [("x-mock-fault", name)]) }
    #expect(r.status == status)
    #expect(r.error?.status == apiStatus)
    #expect(r.error?.code == status)
    if name == "overloaded" { #expect(r.error?.message == "The model is overloaded. Please try again later.") }
    if name == "rate-limited" { #expect(r.error?.retryInfo?.retryDelay != nil) }
  }

  @Test func markerInPromptForcesAFault() async throws {
    let r = try await MockTest.withMock { c in try await c.generate("gemini-2.5-flash", MockTest.prompt("hi [[mock:internal]]")) }
    #expect(r.status == 500)
  }

  @Test func countedFaultLetsTheRetrySucceed() async throws {
    try await MockTest.withMock { c in
      let p = MockTest.prompt("retry me [[mock:overloaded*2]]")
      var statuses: [Int] = []
      for _ in 0..<3 { statuses.append(try await c.generate("gemini-2.5-flash", p).status) }
      #expect(statuses == [503, 503, 200])
    }
  }

  @Test func malformedBodyIs200NotJSON() async throws {
    let r = try await MockTest.withMock { c in try await c.generate("gemini-2.5-flash", body, headers: [("x-mock-fault", "malformed")]) }
    #expect(r.status == 200)
    #expect((try? JSONValue.parse(r.text)) == nil)
  }

  @Test func proxyHTMLIs502() async throws {
    let r = try await MockTest.withMock { c in try await c.generate("gemini-2.5-flash", body, headers: [("x-mock-fault", "html-502")]) }
    #expect(r.status == 502)
    #expect(r.contentType?.hasPrefix("text/html") == true)
    #expect(r.error == nil)
    #expect(GeminiError.fromHTTP(status: 502, body: Data(r.body)).detail.contains("502"))
  }

  @Test func blockedPromptHasNoCandidates() async throws {
    let r = try await MockTest.withMock { c in try await c.generate("gemini-2.5-flash", body, headers: [("x-mock-fault", "prompt-blocked")]) }
    #expect(r.status == 200)
    #expect(r.json["candidates"] == nil)
    #expect(r.json["promptFeedback"]?["blockReason"]?.stringValue == "SAFETY")
  }

  @Test func safetyAndRecitationStopTheCandidate() async throws {
    try await MockTest.withMock { c in
      let s = try await c.generate("gemini-2.5-flash", body, headers: [("x-mock-fault", "safety")])
      let cand = s.json["candidates"]?.arrayValue?.first
      #expect(cand?["finishReason"]?.stringValue == "SAFETY")
      #expect(cand?["content"] == .object(JSONObject()))
      #expect(cand?["safetyRatings"]?.arrayValue?.contains { $0["blocked"]?.boolValue == true } == true)
      let r = try await c.generate("gemini-2.5-flash", body, headers: [("x-mock-fault", "recitation")])
      #expect(r.json["candidates"]?.arrayValue?.first?["finishReason"]?.stringValue == "RECITATION")
    }
  }

  @Test func droppedConnectionsFailTheClient() async throws {
    try await MockTest.withMock { c in
      await #expect(throws: (any Error).self) {
        _ = try await c.generate("gemini-2.5-flash", body, headers: [("x-mock-fault", "drop-before")])
      }
      await #expect(throws: (any Error).self) {
        _ = try await c.generate("gemini-2.5-flash", body, headers: [("x-mock-fault", "drop-mid")])
      }
      await #expect(throws: (any Error).self) {
        _ = try await c.stream("gemini-2.5-flash", MockTest.prompt("x [[mock:words=40]]"), headers: [("x-mock-fault", "drop-mid")])
      }
      // The server still works afterwards.
      #expect(try await c.generate("gemini-2.5-flash", body).status == 200)
      let stats = try await c.stats()
      #expect(stats["byStatus"]?.int("drop") == 3)
    }
  }

  @Test func cutStreamLacksItsLastEvent() async throws {
    let r = try await MockTest.withMock { c in
      try await c.stream("gemini-2.5-flash", MockTest.prompt("x [[mock:words=40]]"), headers: [("x-mock-fault", "cut-stream")])
    }
    #expect(r.status == 200)
    let events = sseEvents(r.text)
    #expect(events.count == 2)
    #expect(events.allSatisfy { $0["candidates"]?.arrayValue?.first?["finishReason"] == nil })
  }

  @Test func slowFirstByte() async throws {
    let clock = ContinuousClock()
    let start = clock.now
    let r = try await MockTest.withMock(MockTest.config { $0.slowFirstByteDelay = .milliseconds(300) }) { c in
      try await c.generate("gemini-2.5-flash", body, headers: [("x-mock-fault", "slow-first-byte")])
    }
    #expect(r.status == 200)
    #expect(clock.now - start >= .milliseconds(300))
  }

  @Test func ratesAreSeededAndRoughlyRight() async throws {
    let config = MockTest.config {
      $0.faultRates = [.overloaded: 0.3, .internalError: 0.2]
      $0.seed = 42
    }
    func run() async throws -> [Int] {
      try await MockTest.withMock(config) { c in
        var out: [Int] = []
        for i in 0..<60 { out.append(try await c.generate("gemini-2.0-flash", MockTest.prompt("n\(i)")).status) }
        return out
      }
    }
    let a = try await run()
    let b = try await run()
    #expect(a == b)
    let failures = a.filter { $0 != 200 }.count
    #expect(failures >= 15 && failures <= 45)
    #expect(a.contains(503) && a.contains(500))
  }

  @Test func latencyHeaderDelaysTheAnswer() async throws {
    let clock = ContinuousClock()
    let start = clock.now
    _ = try await MockTest.withMock { c in try await c.generate("gemini-2.5-flash", body, headers: [("x-mock-latency", "150ms")]) }
    #expect(clock.now - start >= .milliseconds(150))
  }
}
