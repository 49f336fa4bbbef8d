import Foundation
import GeminiAPI
import NIOCore

/// The token rule of the mock: a text costs ceil(UTF-8 bytes / 4) tokens; each inline or file
/// media part costs 258 tokens (Gemini's per-image figure).
public enum MockTokens {
  public static func text(_ bytes: Int) -> Int { (bytes + 3) / 4 }
  public static let perMediaPart = 258
}

/// A generated answer before it is rendered as one body or as stream events.
struct Answer: Sendable {
  enum Kind: Sendable {
    case normal
    case promptBlocked
    case safety
    case recitation
  }

  var kind: Kind = .normal
  var model: String
  var responseId: String
  var thoughtText: String?
  var text: String?
  var functionCalls: [JSONValue] = []
  var signature: String?
  /// Put the signature on the first text part (otherwise only on the first function call).
  var signTextPart = false
  var finishReason = "STOP"
  var finishMessage: String?
  var grounding: JSONValue?
  /// Generated images (base64 PNG), after the text part.
  var images: [String] = []
  /// Output tokens of the images (counted in `candidatesTokens`).
  var imageTokens = 0
  /// The tier that ran, reported in the usage when the request named one.
  var serviceTier: String?
  /// Candidates 1… when the request asked for `candidateCount` > 1 (text answers): each its own
  /// text and finish reason. Their tokens are counted in `candidatesTokens`.
  var extraCandidates: [ExtraCandidate] = []

  struct ExtraCandidate: Sendable {
    var text: String
    var finishReason: String
  }

  var promptTokens = 0
  var promptDetails: [(String, Int)] = []
  var cachedTokens = 0
  var candidatesTokens = 0
  var thoughtsTokens = 0
  var toolUseTokens = 0

  var total: Int { promptTokens + candidatesTokens + thoughtsTokens + toolUseTokens }

  // MARK: Rendering

  /// Usage with `candidates` and `thoughts` as given (running totals in streams).
  func usage(candidates: Int, thoughts: Int, final: Bool) -> JSONValue {
    var u = JSONObject()
    u["promptTokenCount"] = .number(Double(promptTokens))
    if candidates > 0 || (final && hasParts) { u["candidatesTokenCount"] = .number(Double(candidates)) }
    u["totalTokenCount"] = .number(Double(promptTokens + candidates + thoughts + toolUseTokens))
    if cachedTokens > 0 { u["cachedContentTokenCount"] = .number(Double(cachedTokens)) }
    u["promptTokensDetails"] = .array(promptDetails.map { ["modality": .string($0.0), "tokenCount": .number(Double($0.1))] })
    if cachedTokens > 0 {
      u["cacheTokensDetails"] = [["modality": "TEXT", "tokenCount": .number(Double(cachedTokens))]]
    }
    if toolUseTokens > 0 {
      u["toolUsePromptTokenCount"] = .number(Double(toolUseTokens))
      u["toolUsePromptTokensDetails"] = [["modality": "TEXT", "tokenCount": .number(Double(toolUseTokens))]]
    }
    if thoughts > 0 { u["thoughtsTokenCount"] = .number(Double(thoughts)) }
    if imageTokens > 0, final {
      u["candidatesTokensDetails"] = [
        ["modality": "TEXT", "tokenCount": .number(Double(max(0, candidates - imageTokens)))],
        ["modality": "IMAGE", "tokenCount": .number(Double(imageTokens))],
      ]
    }
    if let serviceTier { u["serviceTier"] = .string(serviceTier) }
    return .object(u)
  }

  var hasParts: Bool { text != nil || !functionCalls.isEmpty || thoughtText != nil || !images.isEmpty }

  /// Parts of the whole answer.
  func parts(text textOverride: String?? = nil, includeThought: Bool = true, includeCalls: Bool = true, sign: Bool = true)
    -> [JSONValue]
  {
    var out: [JSONValue] = []
    if includeThought, let t = thoughtText { out.append(["text": .string(t), "thought": true]) }
    let t = textOverride ?? text
    if let t {
      var p = JSONObject([("text", .string(t))])
      if sign, signTextPart, let signature { p["thoughtSignature"] = .string(signature) }
      out.append(.object(p))
    }
    if includeCalls {
      for data in images { out.append(["inlineData": ["mimeType": "image/png", "data": .string(data)]]) }
      for (i, c) in functionCalls.enumerated() {
        var p = JSONObject([("functionCall", c)])
        if i == 0, let signature, !signTextPart || text == nil { p["thoughtSignature"] = .string(signature) }
        out.append(.object(p))
      }
    }
    return out
  }

  func candidate(parts: [JSONValue], finish: Bool, grounding: JSONValue?) -> JSONValue {
    var c = JSONObject()
    switch kind {
    case .safety where finish:
      c["content"] = .object(JSONObject())
    default:
      var content = JSONObject()
      if !parts.isEmpty { content["parts"] = .array(parts) }
      content["role"] = "model"
      c["content"] = .object(content)
    }
    if finish {
      c["finishReason"] = .string(finishReason)
      if let finishMessage { c["finishMessage"] = .string(finishMessage) }
      if kind == .safety {
        c["safetyRatings"] = [
          ["category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"],
          ["category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"],
          ["category": "HARM_CATEGORY_HARASSMENT", "probability": "MEDIUM", "blocked": true],
          ["category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "NEGLIGIBLE"],
        ]
      }
      if kind == .recitation, let t = text {
        c["citationMetadata"] = [
          "citationSources": [
            [
              "startIndex": 0, "endIndex": .number(Double(t.utf8.count)),
              "uri": "https://example.com/recited-source", "license": "",
            ]
          ]
        ]
      }
    }
    if let grounding { c["groundingMetadata"] = grounding }
    c["index"] = 0
    return .object(c)
  }

  /// Extra candidate `k` (index k + 1), whole: its text part, role, finish reason.
  func extraCandidate(_ k: Int) -> JSONValue {
    let e = extraCandidates[k]
    return [
      "content": ["parts": [["text": .string(e.text)]], "role": "model"],
      "finishReason": .string(e.finishReason),
      "index": .number(Double(k + 1)),
    ]
  }

  func envelope(candidates: [JSONValue]?, usage: JSONValue) -> JSONValue {
    var o = JSONObject()
    if kind == .promptBlocked {
      o["promptFeedback"] = [
        "blockReason": "SAFETY",
        "safetyRatings": [
          ["category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"],
          ["category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"],
          ["category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"],
          ["category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH"],
        ],
      ]
    } else if let candidates {
      o["candidates"] = .array(candidates)
    }
    o["usageMetadata"] = usage
    o["modelVersion"] = .string(model)
    o["responseId"] = .string(responseId)
    return .object(o)
  }

  /// The whole non-streamed body as text; see `bodyBuffer()`.
  func body() -> String { String(buffer: bodyBuffer()) }

  /// The whole non-streamed body, written straight into a buffer (the hot path of the mock).
  /// Produces exactly the bytes of `bodyTree()`, which builds a JSONValue first; a test holds them equal.
  /// The rare kinds (blocked, safety, recitation) go through the tree.
  func bodyBuffer() -> ByteBuffer {
    if kind == .promptBlocked || kind == .safety || kind == .recitation || !extraCandidates.isEmpty || !images.isEmpty {
      return ByteBuffer(string: bodyTree())
    }
    // The rare parts are serialised first; everything else is bounded by its size.
    let calls = functionCalls.map { $0.serialized() }
    let groundingJSON = grounding?.serialized()
    typealias W = JSONByteWriter
    var bound = 1024 + promptDetails.count * (64 + W.intBound) + 8 * W.intBound
    bound += W.stringBound(finishReason) + W.stringBound(model) + W.stringBound(responseId)
    bound += (finishMessage.map(W.stringBound) ?? 0) + (thoughtText.map(W.stringBound) ?? 0) + (text.map(W.stringBound) ?? 0)
    bound += 2 * (signature.map(W.stringBound) ?? 0)
    bound += calls.reduce(0) { $0 + $1.utf8.count + 64 } + (groundingJSON?.utf8.count ?? 0)
    bound += promptDetails.reduce(0) { $0 + W.stringBound($1.0) } + (serviceTier.map(W.stringBound) ?? 0)
    return W.buffer(bound: bound) { w in
      w.raw("{\"candidates\":[{\"content\":{")
      if hasParts {
        w.raw("\"parts\":[")
        writeParts(&w, calls: calls)
        w.raw("],")
      }
      w.raw("\"role\":\"model\"},\"finishReason\":")
      w.string(finishReason)
      if let finishMessage {
        w.raw(",\"finishMessage\":")
        w.string(finishMessage)
      }
      if let groundingJSON {
        w.raw(",\"groundingMetadata\":")
        w.json(groundingJSON)
      }
      w.raw(",\"index\":0}],\"usageMetadata\":")
      writeUsage(&w, candidates: candidatesTokens, thoughts: thoughtsTokens, final: true)
      w.raw(",\"modelVersion\":")
      w.string(model)
      w.raw(",\"responseId\":")
      w.string(responseId)
      w.raw("}")
    }
  }

  /// `parts()` (all defaults) written as JSON array elements, same keys in the same order.
  private func writeParts(_ w: inout JSONByteWriter, calls: [String]) {
    var first = true
    if let t = thoughtText {
      w.raw("{\"text\":")
      w.string(t)
      w.raw(",\"thought\":true}")
      first = false
    }
    if let t = text {
      if !first { w.raw(",") }
      w.raw("{\"text\":")
      w.string(t)
      if signTextPart, let signature {
        w.raw(",\"thoughtSignature\":")
        w.string(signature)
      }
      w.raw("}")
      first = false
    }
    for (i, c) in calls.enumerated() {
      if !first { w.raw(",") }
      w.raw("{\"functionCall\":")
      w.json(c)
      if i == 0, let signature, !signTextPart || text == nil {
        w.raw(",\"thoughtSignature\":")
        w.string(signature)
      }
      w.raw("}")
      first = false
    }
  }

  /// `usage(...)` written directly, same keys in the same order.
  private func writeUsage(_ w: inout JSONByteWriter, candidates: Int, thoughts: Int, final: Bool) {
    w.raw("{\"promptTokenCount\":")
    w.int(promptTokens)
    if candidates > 0 || (final && hasParts) {
      w.raw(",\"candidatesTokenCount\":")
      w.int(candidates)
    }
    w.raw(",\"totalTokenCount\":")
    w.int(promptTokens + candidates + thoughts + toolUseTokens)
    if cachedTokens > 0 {
      w.raw(",\"cachedContentTokenCount\":")
      w.int(cachedTokens)
    }
    w.raw(",\"promptTokensDetails\":[")
    for (i, d) in promptDetails.enumerated() {
      if i > 0 { w.raw(",") }
      w.raw("{\"modality\":")
      w.string(d.0)
      w.raw(",\"tokenCount\":")
      w.int(d.1)
      w.raw("}")
    }
    w.raw("]")
    if cachedTokens > 0 {
      w.raw(",\"cacheTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":")
      w.int(cachedTokens)
      w.raw("}]")
    }
    if toolUseTokens > 0 {
      w.raw(",\"toolUsePromptTokenCount\":")
      w.int(toolUseTokens)
      w.raw(",\"toolUsePromptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":")
      w.int(toolUseTokens)
      w.raw("}]")
    }
    if thoughts > 0 {
      w.raw(",\"thoughtsTokenCount\":")
      w.int(thoughts)
    }
    if let serviceTier {
      w.raw(",\"serviceTier\":")
      w.string(serviceTier)
    }
    w.raw("}")
  }

  /// The whole non-streamed body, built as a JSONValue tree (reference form of `body()`).
  func bodyTree() -> String {
    let usage = usage(candidates: candidatesTokens, thoughts: thoughtsTokens, final: true)
    if kind == .promptBlocked { return envelope(candidates: nil, usage: usage).serialized() }
    let cand = candidate(parts: parts(), finish: true, grounding: grounding)
    return envelope(candidates: [cand] + extraCandidates.indices.map(extraCandidate), usage: usage).serialized()
  }

  /// Stream events (compact JSON each), `chunks` text pieces at most. Running usage in every
  /// event; finishReason, finishMessage and full grounding only in the last.
  func events(chunks: Int) -> [String] {
    if kind == .promptBlocked {
      return [envelope(candidates: nil, usage: usage(candidates: 0, thoughts: 0, final: true)).serialized()]
    }
    var out: [String] = []
    var thoughtsSoFar = 0
    if let t = thoughtText {
      thoughtsSoFar = thoughtsTokens
      let c = candidate(parts: [["text": .string(t), "thought": true]], finish: false, grounding: nil)
      out.append(envelope(candidates: [c], usage: usage(candidates: 0, thoughts: thoughtsSoFar, final: false)).serialized())
    }
    thoughtsSoFar = thoughtsTokens
    let pieces = text.map { Answer.split($0, into: max(1, chunks)) } ?? []
    let emptyGrounding: JSONValue? = grounding == nil ? nil : .object(JSONObject())
    var sentBytes = 0
    let totalBytes = max(1, text?.utf8.count ?? 1)
    for (i, piece) in pieces.enumerated() {
      let last = i == pieces.count - 1
      sentBytes += piece.utf8.count
      let candSoFar = last ? candidatesTokens : min(candidatesTokens, candidatesTokens * sentBytes / totalBytes)
      var ps: [JSONValue] = []
      var p = JSONObject([("text", .string(piece))])
      if i == 0, signTextPart, let signature { p["thoughtSignature"] = .string(signature) }
      ps.append(.object(p))
      if last {
        ps += parts(text: .some(nil), includeThought: false, includeCalls: true)
      }
      let c = candidate(parts: ps, finish: last, grounding: last ? grounding : emptyGrounding)
      // Extra candidates arrive whole in the last event, beside the first one's last piece.
      let extras = last ? extraCandidates.indices.map(extraCandidate) : []
      out.append(
        envelope(candidates: [c] + extras, usage: usage(candidates: candSoFar, thoughts: thoughtsSoFar, final: last))
          .serialized())
    }
    if pieces.isEmpty {
      let c = candidate(parts: parts(text: .some(nil), includeThought: false), finish: true, grounding: grounding)
      out.append(envelope(candidates: [c], usage: usage(candidates: candidatesTokens, thoughts: thoughtsSoFar, final: true)).serialized())
    }
    return out
  }

  /// Splits text into about `n` pieces at word boundaries (never inside a character).
  static func split(_ text: String, into n: Int) -> [String] {
    guard n > 1, !text.isEmpty else { return [text] }
    let chars = Array(text)
    let target = max(1, chars.count / n)
    var out: [String] = []
    var start = 0
    while start < chars.count {
      if out.count == n - 1 { out.append(String(chars[start...])); break }
      var end = min(chars.count, start + target)
      while end < chars.count, chars[end] != " " { end += 1 }
      out.append(String(chars[start..<end]))
      start = end
    }
    return out
  }
}
