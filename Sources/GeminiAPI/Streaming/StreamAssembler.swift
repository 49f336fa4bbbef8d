import Foundation

/// Merges the events of a `streamGenerateContent` answer into one `GenerateContentResponse`,
/// the one a non-stream `generateContent` call would have returned.
///
/// Rules, per candidate (by `index`, absent meaning 0, in order of first appearance):
/// - consecutive text parts of the same kind (thought or answer) are joined; a text part that
///   carries a `thoughtSignature` starts a new part, so the signature stays on the first part
///   it came with; thought parts are never merged with answer parts;
/// - every other part (functionCall with its thoughtSignature, inline data, code, …) is kept as is;
/// - empty `{"text":""}` parts with nothing else on them are dropped;
/// - `finishReason`, `finishMessage`, `safetyRatings`, `citationMetadata`, `tokenCount`,
///   `avgLogprobs`, `logprobsResult`, `urlContextMetadata` come from the last event that has them;
/// - `groundingMetadata` comes from the last non-empty one (middle events send `{}`).
///
/// At the top level `usageMetadata` (running totals), `modelVersion`, `responseId`, `createTime`,
/// `promptFeedback` and `modelStatus` come from the last event that has them.
public struct StreamAssembler: Sendable {
  private var candidates: [Candidate] = []
  private var response = GenerateContentResponse()
  public private(set) var eventCount = 0
  /// True once an event carried a `finishReason` (or the prompt was blocked): the stream ended
  /// the way the API ends it, not because the connection did.
  public private(set) var finished = false

  public init() {}

  public mutating func add(_ event: GenerateContentResponse) {
    eventCount += 1
    if let u = event.usageMetadata { response.usageMetadata = u }
    if let v = event.modelVersion { response.modelVersion = v }
    if let v = event.responseId { response.responseId = v }
    if let v = event.createTime { response.createTime = v }
    if let v = event.modelStatus { response.modelStatus = v }
    if let v = event.promptFeedback {
      response.promptFeedback = v
      if v.blockReason != nil { finished = true }
    }
    for c in event.candidates ?? [] { merge(c) }
  }

  /// The response assembled so far.
  public var result: GenerateContentResponse {
    var r = response
    r.candidates = candidates.isEmpty ? nil : candidates
    return r
  }

  private mutating func merge(_ c: Candidate) {
    let idx = c.index ?? 0
    guard let at = candidates.firstIndex(where: { ($0.index ?? 0) == idx }) else {
      var fresh = c
      fresh.content?.parts = nil
      if fresh.content != nil { fresh.content!.parts = [] }
      if let g = fresh.groundingMetadata, g.isEmpty { fresh.groundingMetadata = nil }
      candidates.append(fresh)
      appendParts(c.content, to: candidates.count - 1)
      if c.finishReason != nil { finished = true }
      return
    }
    // In its own scope: a copy of the candidate still alive during `appendParts` would share
    // the parts array and its text, and make every append copy the whole text (quadratic).
    do {
      var t = candidates[at]
      if t.index == nil { t.index = c.index }
      if let v = c.finishReason {
        t.finishReason = v
        finished = true
      }
      if let v = c.finishMessage { t.finishMessage = v }
      if let v = c.safetyRatings { t.safetyRatings = v }
      if let v = c.citationMetadata { t.citationMetadata = v }
      if let v = c.tokenCount { t.tokenCount = v }
      if let v = c.avgLogprobs { t.avgLogprobs = v }
      if let v = c.logprobsResult { t.logprobsResult = v }
      if let v = c.urlContextMetadata { t.urlContextMetadata = v }
      if let g = c.groundingMetadata, !g.isEmpty { t.groundingMetadata = g }
      if t.content == nil, let content = c.content { t.content = Content(role: content.role, parts: []) }
      if t.content?.role == nil, let role = c.content?.role { t.content?.role = role }
      candidates[at] = t
    }
    appendParts(c.content, to: at)
  }

  /// Joins text in place: the parts are taken out of the candidate first, so that the array and
  /// the text of its last part are uniquely referenced and `append` grows them (amortised O(1)
  /// per byte) instead of copying everything received so far for each event.
  private mutating func appendParts(_ content: Content?, to at: Int) {
    guard let incoming = content?.parts, !incoming.isEmpty else { return }
    if candidates[at].content == nil { candidates[at].content = Content(role: content?.role) }
    var parts = candidates[at].content!.parts ?? []
    candidates[at].content!.parts = nil
    for p in incoming {
      if Self.isEmptyText(p) { continue }
      if Self.isPlainText(p), p.thoughtSignature == nil, let last = parts.indices.last, Self.isPlainText(parts[last]),
        parts[last].isThought == p.isThought
      {
        if parts[last].text == nil { parts[last].text = "" }
        parts[last].text!.append(p.text ?? "")
        continue
      }
      parts.append(p)
    }
    candidates[at].content!.parts = parts
  }

  /// A part holding only text (and possibly `thought` / `thoughtSignature`).
  static func isPlainText(_ p: Part) -> Bool {
    p.text != nil && p.inlineData == nil && p.fileData == nil && p.functionCall == nil && p.functionResponse == nil
      && p.executableCode == nil && p.codeExecutionResult == nil && p.videoMetadata == nil && p.partMetadata == nil
      && p.mediaResolution == nil
  }

  static func isEmptyText(_ p: Part) -> Bool {
    isPlainText(p) && (p.text ?? "").isEmpty && p.thoughtSignature == nil
  }
}

extension StreamAssembler {
  /// Assembles a whole SSE transcript (as stored). Throws a `GeminiError` when the transcript
  /// holds an unframed error body or an event that does not decode. An event cut at the end of
  /// the transcript is skipped; `finished` then tells whether the stream really ended.
  public static func assemble(sseTranscript: Data) throws -> (
    response: GenerateContentResponse, events: Int, finished: Bool
  ) {
    var parser = SSEParser()
    var assembler = StreamAssembler()
    let decoder = JSONDecoder()
    for event in parser.feed(sseTranscript) + parser.finish() {
      switch try StreamEventDecoder.decode(event, decoder: decoder) {
      case .response(let r): assembler.add(r)
      case .skip: continue
      }
    }
    return (assembler.result, assembler.eventCount, assembler.finished)
  }

  /// Assembles the non-SSE stream form: one JSON array of responses (`[{…}\n,\r\n{…}]`).
  /// An `{"error":…}` element throws the matching `GeminiError`.
  public static func assemble(jsonArrayStream data: Data) throws -> (
    response: GenerateContentResponse, events: Int, finished: Bool
  ) {
    let value: JSONValue
    do { value = try JSONValue.parse(data) } catch {
      throw GeminiError(code: .malformedBody, detail: "stream body is not a JSON array: \(error)")
    }
    if let env = APIErrorBody.decode(value) { throw GeminiError.fromEnvelope(env) }
    guard value.arrayValue != nil else {
      throw GeminiError(code: .malformedBody, detail: "stream body is not a JSON array")
    }
    let events: [GenerateContentResponse]
    do { events = try JSONDecoder().decode([GenerateContentResponse].self, from: data) } catch {
      throw GeminiError(code: .malformedBody, detail: "a stream element does not decode as a response")
    }
    var assembler = StreamAssembler()
    for e in events { assembler.add(e) }
    return (assembler.result, assembler.eventCount, assembler.finished)
  }
}

/// Turns one SSE event into a response, an error or nothing.
enum StreamEventDecoder {
  enum Outcome {
    case response(GenerateContentResponse)
    case skip
  }

  static func decode(_ event: SSEEvent, decoder: JSONDecoder) throws(GeminiError) -> Outcome {
    switch event.kind {
    case .unframed:
      if let env = APIErrorBody.decode(event.data) { throw GeminiError.fromEnvelope(env) }
      // Stray text that is not an error body (a proxy's note, a cut error body): not an event.
      return .skip
    case .data:
      let data = event.data
      if data.isEmpty || data.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A }) { return .skip }
      if let r = FastResponseDecoder.decode(data) ?? (try? decoder.decode(GenerateContentResponse.self, from: data)) {
        if r.candidates == nil, r.usageMetadata == nil, r.promptFeedback == nil,
          let env = APIErrorBody.decode(data)
        {
          throw GeminiError.fromEnvelope(env)
        }
        return .response(r)
      }
      if let env = APIErrorBody.decode(data) { throw GeminiError.fromEnvelope(env) }
      if !event.terminated { return .skip }
      throw GeminiError(code: .malformedBody, detail: "an SSE event does not decode as a response")
    }
  }
}

extension GeminiError {
  /// An error envelope that arrived inside a 200 answer (a stream's error body): classified by the
  /// code it carries.
  static func fromEnvelope(_ env: APIErrorBody) -> GeminiError {
    GeminiError(
      code: .httpStatus, httpStatus: env.code ?? env.status.flatMap { statusCodes[$0] }, body: env,
      detail: env.message ?? env.status ?? "error body in the stream")
  }

  /// google.rpc.Code names to their HTTP mapping, for an envelope that has no `code`.
  static let statusCodes: [String: Int] = [
    "INVALID_ARGUMENT": 400, "FAILED_PRECONDITION": 400, "OUT_OF_RANGE": 400, "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403, "NOT_FOUND": 404, "ABORTED": 409, "ALREADY_EXISTS": 409,
    "RESOURCE_EXHAUSTED": 429, "CANCELLED": 499, "INTERNAL": 500, "UNKNOWN": 500, "DATA_LOSS": 500,
    "NOT_IMPLEMENTED": 501, "UNIMPLEMENTED": 501, "UNAVAILABLE": 503, "DEADLINE_EXCEEDED": 504,
  ]
}
