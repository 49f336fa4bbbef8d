import Foundation
import Testing

@testable import GeminiAPI

/// The facts of each recorded SSE stream, computed here independently of the assembler: by
/// splitting the transcript on lines and walking the parsed JSON of every `data:` line.
struct TranscriptFacts {
  var events: [JSONValue] = []
  var answer = ""
  var thoughts = ""
  var functionCalls: [String] = []

  init(_ data: Data) throws {
    let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r", with: "")
    for line in text.split(separator: "\n") where line.hasPrefix("data: ") {
      events.append(try JSONValue.parse(String(line.dropFirst(6))))
    }
    for e in events {
      for part in e["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue ?? [] {
        if let t = part["text"]?.stringValue {
          if part["thought"]?.boolValue == true { thoughts += t } else { answer += t }
        }
        if let name = part["functionCall"]?["name"]?.stringValue { functionCalls.append(name) }
      }
    }
  }

  var lastUsage: JSONValue? { events.last?["usageMetadata"] }
}

@Suite(.enabled(if: Fixtures.available, Fixtures.missingMessage))
struct StreamFixtureTests {
  @Test(arguments: Fixtures.names(withSuffix: ".sse"))
  func everyStreamAssembles(name: String) throws {
    let data = try Fixtures.data(name)
    let facts = try TranscriptFacts(data)
    let (r, events, finished) = try StreamAssembler.assemble(sseTranscript: data)
    #expect(events == facts.events.count && events > 0)
    #expect(finished)
    #expect((r.answerText ?? "") == facts.answer)
    #expect((r.thoughtText ?? "") == facts.thoughts)
    #expect(r.functionCalls.map(\.name) == facts.functionCalls)
    #expect(r.finishReason == .stop)
    let u = try #require(r.usageMetadata)
    #expect(u.promptTokenCount == facts.lastUsage?["promptTokenCount"]?.intValue)
    #expect(u.candidatesTokenCount == facts.lastUsage?["candidatesTokenCount"]?.intValue)
    #expect(u.thoughtsTokenCount == facts.lastUsage?["thoughtsTokenCount"]?.intValue)
    #expect(u.totalTokenCount == facts.lastUsage?["totalTokenCount"]?.intValue)
    #expect(u.isConsistent)
    #expect(r.modelVersion == facts.events.last?["modelVersion"]?.stringValue)
    // Text parts of one kind are merged: at most one thought part and one answer part here.
    let parts = r.firstCandidate?.content?.parts ?? []
    #expect(parts.filter { $0.text != nil && $0.isThought }.count <= 1)
    #expect(parts.filter { $0.text != nil && !$0.isThought }.count <= 1)
    #expect(!parts.contains { $0.text == "" && $0.thoughtSignature == nil })

    // Cut short: without its last event, the stream is not finished.
    let cut = try Self.droppingLastEvent(data)
    let partial = try StreamAssembler.assemble(sseTranscript: cut)
    #expect(!partial.finished)
    #expect(partial.events == facts.events.count - 1)
  }

  @Test func simpleStreamFacts() throws {
    let (r, events, _) = try StreamAssembler.assemble(sseTranscript: try Fixtures.data("stream_simple_gemini-2.0-flash-exp.sse"))
    #expect(events == 3)
    #expect(r.answerText == "The capital of France is Paris.\n")
    // promptTokenCount was 15 mid-stream and 13 at the end: the last one counts.
    #expect(r.usageMetadata?.promptTokenCount == 13 && r.usageMetadata?.totalTokenCount == 21)
  }

  @Test func thinkingStreamKeepsThoughtsApart() throws {
    let (r, events, _) = try StreamAssembler.assemble(
      sseTranscript: try Fixtures.data("stream_thinking_includeThoughts_gemini-2.5-pro.sse"))
    #expect(events == 23)
    let parts = try #require(r.firstCandidate?.content?.parts)
    #expect(parts.count == 2)
    #expect(parts[0].isThought && parts[0].thoughtSignature == nil)
    #expect(!parts[1].isThought && parts[1].thoughtSignature != nil)
    #expect(r.answerText?.hasPrefix("This is a great question! Safely crossing the stre") == true)
    #expect(r.answerText?.hasSuffix("me a driver might not see you.") == true)
    #expect(r.thoughtText?.unicodeScalars.count == 1575)
    #expect(r.usageMetadata?.thoughtsTokenCount == 787 && r.usageMetadata?.totalTokenCount == 1290)
  }

  @Test func functionCallStreamKeepsSignatureAndDropsEmptyText() throws {
    let (r, _, _) = try StreamAssembler.assemble(
      sseTranscript: try Fixtures.data("stream_function_call_thoughtsig_gemini-3-pro-preview.sse"))
    let parts = try #require(r.firstCandidate?.content?.parts)
    #expect(parts.count == 1)  // the final `{"text":""}` is dropped
    #expect(parts[0].functionCall?.name == "get_country" && parts[0].thoughtSignature != nil)

    let (one, _, _) = try StreamAssembler.assemble(
      sseTranscript: try Fixtures.data("stream_function_call_finishMessage_gemini-2.5-flash.sse"))
    #expect(one.functionCalls == [FunctionCall(name: "getWeather", args: ["location": "Tokyo"])])
    #expect(one.firstCandidate?.finishMessage != nil)
  }

  @Test func groundingComesFromTheLastNonEmptyEvent() throws {
    let (r, events, _) = try StreamAssembler.assemble(
      sseTranscript: try Fixtures.data("stream_google_search_grounding_gemini-2.5-pro.sse"))
    #expect(events == 10)
    let g = try #require(r.firstCandidate?.groundingMetadata)
    #expect(!g.isEmpty && (g.groundingChunks?.count ?? 0) > 0)
    #expect(r.usageMetadata?.toolUsePromptTokenCount == 102 && r.usageMetadata?.totalTokenCount == 772)
    #expect(r.answerText?.hasPrefix("### Weather in San Francisco is Mild and Partly Cl") == true)
  }

  @Test func longStreamWithLFSeparators() throws {
    let data = try Fixtures.data("stream_long_123_events_gemini-2.5-flash.sse")
    #expect(!data.contains(0x0D))
    let (r, events, finished) = try StreamAssembler.assemble(sseTranscript: data)
    #expect(events == 123 && finished)
    #expect(r.answerText?.unicodeScalars.count == 19149)
    #expect(r.usageMetadata?.candidatesTokenCount == 5947 && r.usageMetadata?.totalTokenCount == 7993)
  }

  /// Feeding the transcript split at every byte offset gives the same events and result.
  @Test func everyChunkBoundaryGivesTheSameResult() throws {
    let data = try Fixtures.data("stream_usage_cumulative_gemini-2.5-flash.sse")
    let whole = try StreamAssembler.assemble(sseTranscript: data)
    var reference = SSEParser()
    let expected = reference.feed(data) + reference.finish()
    #expect(expected.count == 3)
    let bytes = [UInt8](data)
    for cut in 0...bytes.count {
      var p = SSEParser()
      let events = p.feed(bytes[..<cut]) + p.feed(bytes[cut...]) + p.finish()
      #expect(events == expected, "split at \(cut)")
    }
    // Also byte by byte.
    var p = SSEParser()
    var events: [SSEEvent] = []
    for b in bytes { events += p.feed([b]) }
    events += p.finish()
    #expect(events == expected)
    #expect(whole.response.answerText == (1...30).map(String.init).joined(separator: "\n"))
  }

  @Test func crlfAndLFTranscriptsAreEquivalent() throws {
    let crlf = try Fixtures.data("stream_thinking_includeThoughts_gemini-2.5-pro.sse")
    #expect(crlf.range(of: Data("\r\n\r\n".utf8)) != nil)
    let lf = Data(String(decoding: crlf, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").utf8)
    let a = try StreamAssembler.assemble(sseTranscript: crlf)
    let b = try StreamAssembler.assemble(sseTranscript: lf)
    #expect(a.response == b.response && a.events == b.events)
  }

  /// The transcript without its last event (kept up to the separator before it).
  static func droppingLastEvent(_ data: Data) throws -> Data {
    let text = String(decoding: data, as: UTF8.self)
    let range = try #require(text.range(of: "data:", options: .backwards))
    return Data(text[..<range.lowerBound].utf8)
  }
}

struct SSEParserTests {
  func parse(_ s: String) -> [SSEEvent] {
    var p = SSEParser()
    return p.feed(Data(s.utf8)) + p.finish()
  }

  @Test func multiLineDataCommentsAndIgnoredFields() {
    let events = parse(": keep-alive\r\nevent: message\r\nid: 7\r\nretry: 100\r\ndata: {\"a\":\ndata:1}\r\n\r\n")
    #expect(events == [SSEEvent(kind: .data, data: Data("{\"a\":\n1}".utf8))])
  }

  @Test func mixedSeparatorsAndBareCR() {
    let events = parse("data: 1\n\ndata: 2\r\n\r\ndata: 3\r\rdata:4\n\r\n")
    #expect(events.map { String(decoding: $0.data, as: UTF8.self) } == ["1", "2", "3", "4"])
    #expect(events.allSatisfy { $0.terminated })
  }

  @Test func unterminatedLastEventIsMarked() {
    let events = parse("data: {\"x\":1}\r\n\r\ndata: {\"y\":")
    #expect(events.count == 2)
    #expect(events[1].terminated == false && events[1].data == Data("{\"y\":".utf8))
  }

  @Test func unframedErrorBodyIsCollectedUntilBalanced() {
    let body = "data: {\"candidates\":[]}\r\n\r\n{\n  \"error\": {\n    \"code\": 503,\n\n    \"message\": \"a } in text {\",\n    \"status\": \"UNAVAILABLE\"\n  }\n}\n"
    let events = parse(body)
    #expect(events.count == 2)
    #expect(events[1].kind == .unframed)
    let env = APIErrorBody.decode(events[1].data)
    #expect(env?.code == 503 && env?.message == "a } in text {")
  }

  @Test func arrayWrappedErrorIsOneUnframedEvent() {
    let events = parse("[{\n  \"error\": {\"code\": 400, \"status\": \"INVALID_ARGUMENT\"}\n}\n]\n")
    #expect(events.count == 1 && events[0].kind == .unframed)
    #expect(APIErrorBody.decode(events[0].data)?.status == "INVALID_ARGUMENT")
  }

  @Test func cutUnframedBodyIsReturnedUnterminated() {
    let events = parse("{\n \"error\": {\"code\": 5")
    #expect(events.count == 1 && events[0].kind == .unframed && !events[0].terminated)
  }

  @Test func transcriptWithErrorThrows() {
    let t = Data("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]}}]}\r\n\r\n{\"error\":{\"code\":500,\"message\":\"boom\",\"status\":\"INTERNAL\"}}\r\n".utf8)
    let e = #expect(throws: GeminiError.self) { try StreamAssembler.assemble(sseTranscript: t) }
    #expect(e?.httpStatus == 500 && e?.detail == "boom" && e?.errorClass == .transient(suggestedDelay: nil))
  }

  @Test func errorWithoutCodeIsMappedFromStatus() {
    let t = Data("{\"error\":{\"message\":\"slow down\",\"status\":\"RESOURCE_EXHAUSTED\"}}\n".utf8)
    let e = #expect(throws: GeminiError.self) { try StreamAssembler.assemble(sseTranscript: t) }
    #expect(e?.httpStatus == 429)
    #expect(e?.errorClass.name == "rate_limited")
  }

  @Test func garbageDataEventIsMalformed() {
    let t = Data("data: not json\r\n\r\ndata: {}\r\n\r\n".utf8)
    let e = #expect(throws: GeminiError.self) { try StreamAssembler.assemble(sseTranscript: t) }
    #expect(e?.code == .malformedBody)
  }

  @Test func strayUnframedTextIsIgnored() throws {
    let t = Data("hello proxy\r\ndata: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"ok\"}]},\"finishReason\":\"STOP\"}]}\r\n\r\n".utf8)
    let a = try StreamAssembler.assemble(sseTranscript: t)
    #expect(a.finished && a.events == 1 && a.response.answerText == "ok")
  }
}

struct StreamAssemblerRuleTests {
  func event(_ json: String) throws -> GenerateContentResponse {
    try JSONDecoder().decode(GenerateContentResponse.self, from: Data(json.utf8))
  }

  @Test func mergeRules() throws {
    var a = StreamAssembler()
    a.add(try event(#"{"candidates":[{"content":{"role":"model","parts":[{"text":"think 1 ","thought":true}]}}],"usageMetadata":{"promptTokenCount":5,"thoughtsTokenCount":3},"modelVersion":"m","responseId":"r1"}"#))
    a.add(try event(#"{"candidates":[{"content":{"parts":[{"text":"think 2","thought":true}]},"groundingMetadata":{}}]}"#))
    a.add(try event(#"{"candidates":[{"content":{"parts":[{"text":"Ans","thoughtSignature":"c2ln"}]},"safetyRatings":[{"category":"A","probability":"LOW"}]}]}"#))
    a.add(try event(#"{"candidates":[{"content":{"parts":[{"text":""},{"text":"wer"}]}},{"index":1,"content":{"parts":[{"text":"second"}]}}]}"#))
    a.add(try event(#"{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"x":1}},"thoughtSignature":"czI="}]}}]}"#))
    a.add(try event(#"{"candidates":[{"content":{"parts":[{"text":"after"}]},"finishReason":"STOP","finishMessage":"done","groundingMetadata":{"webSearchQueries":["q"]}},{"index":1,"finishReason":"MAX_TOKENS"}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":4,"thoughtsTokenCount":3,"totalTokenCount":12},"responseId":"r1"}"#))
    #expect(a.finished && a.eventCount == 6)
    let r = a.result
    let c0 = try #require(r.candidates?.first)
    let parts = try #require(c0.content?.parts)
    #expect(parts.count == 4)
    #expect(parts[0] == Part(text: "think 1 think 2", thought: true))
    #expect(parts[1] == Part(text: "Answer", thoughtSignature: "c2ln"))
    #expect(parts[2].functionCall?.name == "f" && parts[2].thoughtSignature == "czI=")
    #expect(parts[3] == Part(text: "after"))
    #expect(c0.content?.role == "model")
    #expect(c0.finishReason == .stop && c0.finishMessage == "done")
    #expect(c0.safetyRatings?.first?.probability == "LOW")
    #expect(c0.groundingMetadata?.webSearchQueries == ["q"])
    let c1 = try #require(r.candidates?.last)
    #expect(r.candidates?.count == 2 && c1.index == 1 && c1.answerText == "second" && c1.finishReason == .maxTokens)
    #expect(r.usageMetadata?.totalTokenCount == 12 && r.modelVersion == "m" && r.responseId == "r1")
  }

  @Test func emptyGroundingIsNotKept() throws {
    var a = StreamAssembler()
    a.add(try event(#"{"candidates":[{"content":{"parts":[{"text":"x"}]},"groundingMetadata":{}}]}"#))
    #expect(a.result.firstCandidate?.groundingMetadata == nil)
    #expect(!a.finished)
  }

  @Test func blockedPromptFinishesTheStream() throws {
    var a = StreamAssembler()
    a.add(try event(#"{"promptFeedback":{"blockReason":"SAFETY"}}"#))
    #expect(a.finished && a.result.blockReason == .safety && a.result.candidates == nil)
  }
}
