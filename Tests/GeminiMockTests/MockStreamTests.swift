import Foundation
import GeminiAPI
import GeminiMock
import Testing

@Suite struct MockStreamTests {
  @Test func sseHasTheRealShape() async throws {
    let r = try await MockTest.withMock(MockTest.config { $0.streamChunks = 4 }) { c in
      try await c.stream("gemini-2.5-flash", MockTest.prompt("Stream please [[mock:words=40]]", extra: [("tools", [["googleSearch": [:]]])]))
    }
    #expect(r.status == 200)
    #expect(r.contentType == "text/event-stream")
    #expect(r.text.hasPrefix("data: {"))
    #expect(r.text.hasSuffix("}\r\n\r\n"))
    let events = sseEvents(r.text)
    #expect(events.count == 4)
    #expect(r.text.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }.count == events.count)
    for (i, e) in events.enumerated() {
      let last = i == events.count - 1
      #expect(e["usageMetadata"] != nil)
      #expect(e["modelVersion"]?.stringValue == "gemini-3.5-flash-lite")  // routed: 2.5 Flash is shut down
      #expect(e["responseId"] == events[0]["responseId"])
      let cand = e["candidates"]?.arrayValue?.first
      #expect((cand?["finishReason"] != nil) == last)
      if last {
        #expect((cand?["groundingMetadata"]?["groundingChunks"]?.arrayValue?.count ?? 0) >= 2)
      } else {
        #expect(cand?["groundingMetadata"] == .object(JSONObject()))
      }
    }
    // Running totals: candidates never decrease; the last equals the text's tokens.
    let counts = events.map { $0.usage.int("candidatesTokenCount") }
    #expect(counts == counts.sorted())
    let text = events.map(\.answerText).joined()
    #expect(counts.last == (text.utf8.count + 3) / 4)
    let u = events.last!.usage
    #expect(u.int("totalTokenCount") == u.int("promptTokenCount") + u.int("candidatesTokenCount") + u.int("thoughtsTokenCount") + u.int("toolUsePromptTokenCount"))
  }

  @Test func streamTextEqualsNonStreamText() async throws {
    let body = MockTest.prompt("Same answer either way")
    let (one, streamed) = try await MockTest.withMock { c in
      (try await c.generate("gemini-2.5-flash", body).json.answerText,
       sseEvents(try await c.stream("gemini-2.5-flash", body).text).map(\.answerText).joined())
    }
    #expect(one == streamed)
    #expect(!one.isEmpty)
  }

  @Test func thoughtsStreamFirstAndSignatureOnFirstAnswerChunk() async throws {
    let r = try await MockTest.withMock { c in
      try await c.stream("gemini-2.5-pro", MockTest.prompt("hi", config: ["thinkingConfig": ["includeThoughts": true]]))
    }
    let events = sseEvents(r.text)
    let first = events.first?["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue?.first
    #expect(first?["thought"]?.boolValue == true)
    #expect(events.first?.usage.int("thoughtsTokenCount") ?? 0 > 0)
    let second = events.dropFirst().first?["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue?.first
    #expect(second?["thoughtSignature"] != nil)
  }

  @Test func chunksAndDelayPerRequest() async throws {
    let clock = ContinuousClock()
    let start = clock.now
    let r = try await MockTest.withMock { c in
      try await c.stream("gemini-2.0-flash", MockTest.prompt("x [[mock:words=30]]"), headers: [("x-mock-chunks", "3"), ("x-mock-chunk-delay", "60ms")])
    }
    let elapsed = clock.now - start
    #expect(sseEvents(r.text).count == 3)
    #expect(elapsed >= .milliseconds(120))
  }

  @Test func jsonArrayFormWithoutAlt() async throws {
    let r = try await MockTest.withMock { c in try await c.stream("gemini-2.0-flash", MockTest.prompt("x [[mock:words=20]]"), sse: false) }
    #expect(r.contentType?.hasPrefix("application/json") == true)
    #expect(r.text.hasPrefix("[{"))
    #expect(r.text.contains("\n,\r\n"))
    #expect(r.text.hasSuffix("}\n]"))
    let arr = try JSONValue.parse(r.text).arrayValue ?? []
    #expect(arr.count == 3)
    #expect(arr.last?["candidates"]?.arrayValue?.first?["finishReason"]?.stringValue == "STOP")
  }

  @Test func errorsInJsonArrayStreamAreWrapped() async throws {
    let r = try await MockTest.withMock { c in
      try await c.stream("gemini-2.0-flash", MockTest.prompt("x"), sse: false, headers: [("x-mock-fault", "overloaded")])
    }
    #expect(r.status == 503)
    #expect(r.text.hasPrefix("[{"))
    #expect(r.error?.status == "UNAVAILABLE")
  }
}
