import Foundation
import GeminiAPI

/// The parts of an answer that used to be only in its raw body, as the JSON stored in `results`:
/// media parts, Maps sources, safety ratings and the blocking category, citations, grounding
/// supports and every candidate. Each is nil when the answer has none (most answers), so a
/// plain text answer costs a few empty checks.
struct AnswerDetails {
  var media: String?
  var images = 0
  var mapsSources: String?
  var mapsGrounded = false
  var safetyRatings: String?
  var blockCategory: String?
  var citations: String?
  var groundingSupports: String?
  var candidates: String?

  init(_ r: GenerateContentResponse) {
    let all = r.candidates ?? []
    let first = r.firstCandidate

    // Inline media of every candidate: where it is (candidate, part), its type and size. The
    // bytes stay once, in the stored raw response; `export --media-dir` writes them out.
    var media: [JSONValue] = []
    for (ci, c) in all.enumerated() {
      for (pi, p) in (c.content?.parts ?? []).enumerated() {
        guard let blob = p.inlineData else { continue }
        if blob.mimeType.lowercased().hasPrefix("image/") { images += 1 }
        media.append([
          "candidate": .number(Double(c.index ?? ci)), "part": .number(Double(pi)), "mimeType": .string(blob.mimeType),
          "bytes": .number(Double(Self.decodedLength(blob.data))),
        ])
      }
    }
    if !media.isEmpty { self.media = JSONValue.array(media).serialized() }

    let chunks = first?.groundingMetadata?.groundingChunks ?? []
    let maps = chunks.compactMap(\.maps)
    if !maps.isEmpty {
      mapsGrounded = true
      mapsSources = JSONValue.array(
        maps.map { m in
          var o = JSONObject()
          for k in ["uri", "title", "placeId", "text"] { if let v = m[k], !v.isNull { o[k] = v } }
          return .object(o)
        }
      ).serialized()
    }
    if let supports = first?.groundingMetadata?.groundingSupports, !supports.isEmpty {
      groundingSupports = JSONValue.array(
        supports.map { s in
          var o = JSONObject()
          if let seg = s.segment {
            var so = JSONObject()
            if let v = seg.partIndex { so["partIndex"] = .number(Double(v)) }
            if let v = seg.startIndex { so["startIndex"] = .number(Double(v)) }
            if let v = seg.endIndex { so["endIndex"] = .number(Double(v)) }
            if let v = seg.text { so["text"] = .string(v) }
            o["segment"] = .object(so)
          }
          if let i = s.groundingChunkIndices { o["chunks"] = .array(i.map { .number(Double($0)) }) }
          if let c = s.confidenceScores { o["confidence"] = .array(c.map(JSONValue.number)) }
          return .object(o)
        }
      ).serialized()
    }

    // Safety: the first candidate's ratings and, for a blocked prompt, the prompt's.
    func ratings(_ list: [SafetyRating]?) -> [JSONValue] {
      (list ?? []).map { s in
        var o = JSONObject()
        if let v = s.category { o["category"] = .string(v) }
        if let v = s.probability { o["probability"] = .string(v) }
        if s.blocked == true { o["blocked"] = true }
        if let v = s.severity { o["severity"] = .string(v) }
        return .object(o)
      }
    }
    let candidateRatings = ratings(first?.safetyRatings)
    let promptRatings = ratings(r.promptFeedback?.safetyRatings)
    if !candidateRatings.isEmpty || !promptRatings.isEmpty {
      var o = JSONObject()
      if !candidateRatings.isEmpty { o["candidate"] = .array(candidateRatings) }
      if !promptRatings.isEmpty { o["prompt"] = .array(promptRatings) }
      safetyRatings = JSONValue.object(o).serialized()
    }
    blockCategory = Self.blockingCategory(r, first)

    if let cites = first?.citationMetadata?.all, !cites.isEmpty {
      citations = JSONValue.array(
        cites.map { c in
          var o = JSONObject()
          if let v = c.startIndex { o["startIndex"] = .number(Double(v)) }
          if let v = c.endIndex { o["endIndex"] = .number(Double(v)) }
          if let v = c.uri { o["uri"] = .string(v) }
          if let v = c.title { o["title"] = .string(v) }
          if let v = c.license, !v.isEmpty { o["license"] = .string(v) }
          return .object(o)
        }
      ).serialized()
    }

    if all.count > 1 {
      candidates = JSONValue.array(
        all.enumerated().map { (i, c) in
          var o = JSONObject([("index", .number(Double(c.index ?? i)))])
          o["text"] = c.answerText.map(JSONValue.string) ?? .null
          o["finishReason"] = c.finishReason.map { .string($0.rawValue) } ?? .null
          let calls = c.functionCalls
          if !calls.isEmpty {
            o["functionCalls"] = .array(
              calls.map { ["name": .string($0.name), "args": $0.args ?? .object(JSONObject())] })
          }
          return .object(o)
        }
      ).serialized()
    }
  }

  /// The harm category that blocked: a rating marked `blocked`, else (a safety block without
  /// the mark) the rating of the highest probability.
  static func blockingCategory(_ r: GenerateContentResponse, _ c: Candidate?) -> String? {
    let promptBlocked = r.blockReason != nil
    let candidateBlocked = c?.finishReason.map { $0.isContentBlock } ?? false
    guard promptBlocked || candidateBlocked else { return nil }
    let list = (promptBlocked ? r.promptFeedback?.safetyRatings : c?.safetyRatings) ?? []
    if let b = list.first(where: { $0.blocked == true })?.category { return b }
    let order = ["HIGH", "MEDIUM", "LOW"]
    for level in order {
      if let hit = list.first(where: { $0.probability?.uppercased() == level })?.category { return hit }
    }
    return nil
  }

  /// Bytes of a base64 text, without decoding it.
  static func decodedLength(_ b64: String) -> Int {
    let n = b64.utf8.count
    let pad = b64.utf8.reversed().prefix(2).filter { $0 == UInt8(ascii: "=") }.count
    return max(0, n / 4 * 3 + (n % 4 == 0 ? 0 : (n % 4) - 1) - pad)
  }
}
