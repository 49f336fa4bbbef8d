import Foundation
import GeminiAPI

/// Decides what the mock answers to a valid request. Pure: the same request and generator state
/// give the same answer.
enum AnswerBuilder {
  static func build(_ req: MockRequest, kind: Answer.Kind, rng: inout SplitMix64) -> Answer {
    var a = Answer(kind: kind, model: req.spec.servedId, responseId: responseId(&rng))
    a.serviceTier = req.serviceTier

    // Prompt usage.
    let textTokens = MockTokens.text(req.promptTextBytes)
    if let cache = req.cachedContent, !cache.isEmpty {
      var h = Hasher.stable(cache)
      a.cachedTokens = 1024 + Int(h.next() % 3072)
    }
    var details: [(String, Int)] = [("TEXT", textTokens + a.cachedTokens)]
    if !req.mediaParts.isEmpty {  // text-only requests (most) skip the five lookups
      for m in ["IMAGE", "AUDIO", "VIDEO", "DOCUMENT"] {
        if let n = req.mediaParts[m] { details.append((m, n * MockTokens.perMediaPart)) }
      }
      if let n = req.mediaParts["TEXT"] { details[0].1 += n * MockTokens.perMediaPart }
    }
    a.promptDetails = details
    a.promptTokens = details.reduce(0) { $0 + $1.1 }
    if kind == .promptBlocked { return a }

    // Thinking.
    a.thoughtsTokens = thoughts(req, &rng)
    let thinkingModel = req.spec.thinks
    if req.includeThoughts, a.thoughtsTokens > 0 {
      a.thoughtText = "**Planning the answer**\n\nI am reading the request (\(textTokens) tokens) and working out a short, direct answer."
    }
    if thinkingModel { a.signature = signature(&rng) }
    a.signTextPart = req.spec.usesLevels || a.thoughtText != nil

    var budget = Int.max
    if let max = req.maxOutputTokens {
      if a.thoughtsTokens >= max {
        // The whole budget went on thinking: no parts at all, as the real API does.
        a.thoughtsTokens = max
        a.thoughtText = nil
        a.finishReason = "MAX_TOKENS"
        return a
      }
      budget = max - a.thoughtsTokens
    }

    if kind == .safety {
      a.finishReason = "SAFETY"
      a.thoughtText = nil
      return a
    }

    // Function calls.
    let calls = functionCalls(req, &rng)
    if !calls.isEmpty {
      a.functionCalls = calls
      a.candidatesTokens = calls.reduce(0) { $0 + MockTokens.text($1.serialized().utf8.count) }
      if req.spec.usesLevels { a.finishMessage = "Model generated function call(s)." }
      if a.candidatesTokens > budget {
        a.functionCalls = []
        a.candidatesTokens = budget
        a.finishReason = "MAX_TOKENS"
      }
      return a
    }

    // Images: one PNG for a request that asks for IMAGE (text beside it only if TEXT is asked too).
    if req.wantsImages {
      let png = MockPNG.image(&rng)
      let tokens = req.spec.tokensPerImage
      if tokens > budget {
        a.finishReason = "MAX_TOKENS"
        a.candidatesTokens = budget
        return a
      }
      a.images = [AnswerBuilder.base64(png, url: false)]
      a.imageTokens = tokens
      a.candidatesTokens = tokens
      budget -= tokens
      if !req.wantsText { return a }
    }

    // Text.
    var text = answerText(req, &rng)
    if kind == .recitation {
      text = String(text.prefix(max(1, text.count / 2)))
      a.finishReason = "RECITATION"
    }
    let (fitted, tokens, truncated) = fit(text, budget: budget)
    if truncated { a.finishReason = "MAX_TOKENS" }
    a.text = fitted
    a.candidatesTokens += tokens

    // candidateCount > 1: more candidates, each its own text under the same output budget.
    // (A text answer only; function calls and the rare kinds keep one candidate.)
    if req.candidateCount > 1, kind == .normal {
      for _ in 1..<req.candidateCount {
        let (t, n, truncated) = fit(answerText(req, &rng), budget: budget)
        a.extraCandidates.append(.init(text: t, finishReason: truncated ? "MAX_TOKENS" : "STOP"))
        a.candidatesTokens += n
      }
    }

    if req.googleSearch || req.googleMaps {
      a.toolUseTokens = 60 + rng.below(200)
      a.grounding = grounding(req, text: text, &rng)
    }
    return a
  }

  // MARK: pieces

  /// `text` within an output budget of `budget` tokens: cut at budget × 4 bytes when longer.
  static func fit(_ text: String, budget: Int) -> (text: String, tokens: Int, truncated: Bool) {
    let tokens = MockTokens.text(text.utf8.count)
    guard tokens > budget else { return (text, tokens, false) }
    return (cut(text, toBytes: budget * 4), budget, true)
  }

  static func thoughts(_ req: MockRequest, _ rng: inout SplitMix64) -> Int {
    let base = 40 + rng.below(400)
    guard let rule = req.spec.thinking else { return 0 }
    switch rule.control {
    case .budget:
      switch req.thinkingBudget {
      case .some(0): return 0
      case .some(-1): return base
      case let b?: return min(b, base)
      case nil: return rule.defaultValue == "off" ? 0 : base
      }
    case .level:
      if req.thinkingBudget == 0 { return 0 }
      switch req.thinkingLevel ?? rule.defaultValue {
      case "MINIMAL"?: return 0
      case "LOW"?: return 20 + rng.below(120)
      case "MEDIUM"?: return 100 + rng.below(300)
      default: return 200 + rng.below(700)
      }
    case .none: return 0
    }
  }

  static func answerText(_ req: MockRequest, _ rng: inout SplitMix64) -> String {
    if req.responseMimeType == "text/x.enum", let e = req.schema?.value["enum"]?.arrayValue, !e.isEmpty {
      return e[rng.below(e.count)].stringValue ?? e[0].serialized()
    }
    if req.isJSONMode {
      if let schema = req.schema { return SchemaValueGenerator.value(for: schema, rng: &rng).serialized() }
      var g = SchemaValueGenerator(schema: .jsonSchema(.object(JSONObject())), rng: rng)
      let v: JSONValue = ["answer": .string(g.word() + " " + g.word()), "confidence": .number(Double(50 + g.rng.below(50)) / 100)]
      rng = g.rng
      return v.serialized()
    }
    let words: Int
    if let w = req.marker("words").flatMap(Int.init), w >= 0 {
      words = w
    } else {
      words = 12 + rng.below(36)
    }
    return prose(words: words, &rng)
  }

  /// The word list flattened for `prose`: all words back to back, plain and capitalised, and
  /// where each starts (one entry more than there are words).
  struct WordTable: Sendable {
    var plain: [UInt8] = []
    var capital: [UInt8] = []
    var start: [Int] = [0]
    var longest = 0

    init(_ words: [String]) {
      for w in words {
        let cap = Array((w.prefix(1).uppercased() + w.dropFirst()).utf8)
        precondition(cap.count == w.utf8.count, "prose: capitalising must keep the length")
        plain += Array(w.utf8)
        capital += cap
        start.append(plain.count)
        longest = max(longest, cap.count)
      }
    }
  }

  static let wordTable = WordTable(SchemaValueGenerator.words)

  /// "Mock answer." and `words` words in sentences of 6 to 11, written into one string of the
  /// right capacity (no intermediate strings).
  static func prose(words: Int, _ rng: inout SplitMix64) -> String {
    let table = wordTable
    let count = table.start.count - 1
    let capacity = 13 + words * (table.longest + 2)
    return table.plain.withUnsafeBufferPointer { plain in
      table.capital.withUnsafeBufferPointer { capital in
        table.start.withUnsafeBufferPointer { start in
          String(unsafeUninitializedCapacity: capacity) { out in
            let o = out.baseAddress!
            var n = 0
            for b in "Mock answer.".utf8 {
              o[n] = b
              n += 1
            }
            var inSentence = 0
            for _ in 0..<words {
              // The list has 40 words: with a constant the modulo compiles to a multiply (same value).
              let i = count == 40 ? rng.below(40) : rng.below(count)
              o[n] = UInt8(ascii: " ")
              n += 1
              let from = (inSentence == 0 ? capital : plain).baseAddress! + start[i]
              let length = start[i + 1] - start[i]
              (o + n).update(from: from, count: length)
              n += length
              inSentence += 1
              if inSentence >= 6 + rng.below(6) {
                o[n] = UInt8(ascii: ".")
                n += 1
                inSentence = 0
              }
            }
            if inSentence > 0 {
              o[n] = UInt8(ascii: ".")
              n += 1
            }
            return n
          }
        }
      }
    }
  }

  /// The first `bytes` bytes of `text`, never splitting a character.
  static func cut(_ text: String, toBytes bytes: Int) -> String {
    let utf8 = text.utf8
    if utf8.count <= bytes { return text }
    // Fast path: ASCII up to and including the byte after the cut. Between two ASCII bytes
    // there is always a character boundary, except inside "\r\n".
    if bytes >= 0, let fast = utf8.withContiguousStorageIfAvailable({ u -> String? in
      for k in 0...bytes where u[k] >= 0x80 { return nil }
      if bytes > 0, u[bytes - 1] == 0x0D, u[bytes] == 0x0A { return nil }
      return String(decoding: UnsafeBufferPointer(rebasing: u[0..<bytes]), as: UTF8.self)
    }), let fast {
      return fast
    }
    var out = ""
    var n = 0
    for ch in text {
      let l = ch.utf8.count
      if n + l > bytes { break }
      out.append(ch)
      n += l
    }
    return out
  }

  static func functionCalls(_ req: MockRequest, _ rng: inout SplitMix64) -> [JSONValue] {
    guard !req.functions.isEmpty, req.functionMode != "NONE" else { return [] }
    let candidates = req.allowedFunctionNames.isEmpty ? req.functions : req.functions.filter { req.allowedFunctionNames.contains($0.name) }
    var chosen: [MockRequest.Function] = []
    if let names = req.marker("call") {
      let wanted = names.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
      chosen = wanted.compactMap { n in candidates.first { $0.name == n } }
    }
    if chosen.isEmpty, req.markers.contains("call") || req.functionMode == "ANY" || mentions(req) {
      let named = candidates.filter { req.promptText.contains($0.name) }
      chosen = named.isEmpty ? Array(candidates.prefix(1)) : named
    }
    return chosen.map { f in
      let args = f.parameters.map { SchemaValueGenerator.value(for: $0, rng: &rng) } ?? .object(JSONObject())
      return ["name": .string(f.name), "args": args]
    }
  }

  private static func mentions(_ req: MockRequest) -> Bool {
    req.functions.contains { req.promptText.contains($0.name) }
  }

  static func grounding(_ req: MockRequest, text: String, _ rng: inout SplitMix64) -> JSONValue {
    var query = req.promptText
    if let r = query.range(of: "[[mock:") { query = String(query[..<r.lowerBound]) }
    query = String(query.split(whereSeparator: \.isNewline).first ?? "").trimmingCharacters(in: .whitespaces)
    if query.count > 80 { query = String(query.prefix(80)) }
    if query.isEmpty { query = "mock search" }
    var chunks: [JSONValue] = []
    if req.googleSearch {
      let sites = ["wikipedia.org", "example.com", "weather.gov", "reuters.com", "nature.com"]
      let n = 2 + rng.below(2)
      for i in 0..<n {
        chunks.append([
          "web": [
            "uri": .string("https://vertexaisearch.cloud.google.com/grounding-api-redirect/" + token(&rng, bytes: 96)),
            "title": .string(sites[(i + rng.below(sites.count)) % sites.count]),
          ]
        ])
      }
    }
    if req.googleMaps {
      let places = ["Café Lumière", "Harbour Books", "Parc des Oiseaux", "Sakura Ramen", "Museum of Maps"]
      for i in 0..<(1 + rng.below(3)) {
        let cid = String(rng.next() % 10_000_000_000_000_000)
        chunks.append([
          "maps": [
            "uri": .string("https://maps.google.com/?cid=" + cid),
            "title": .string(places[(i + rng.below(places.count)) % places.count]),
            "placeId": .string("places/ChIJ" + token(&rng, bytes: 18)),
          ]
        ])
      }
    }
    let n = max(1, chunks.count)
    // Supports: one per sentence (up to three), byte offsets as the API reports them.
    var supports: [JSONValue] = []
    var start = 0
    for sentence in text.split(separator: ".", omittingEmptySubsequences: true).prefix(3) {
      let s = String(sentence) + "."
      let b = s.utf8.count
      let trimmed = s.trimmingCharacters(in: .whitespaces)
      let lead = s.utf8.count - s.drop(while: { $0 == " " }).utf8.count
      supports.append([
        "segment": [
          "startIndex": .number(Double(start + lead)), "endIndex": .number(Double(min(start + b, text.utf8.count))),
          "text": .string(trimmed),
        ],
        "groundingChunkIndices": [.number(Double(supports.count % n))],
      ])
      start += b
      if start >= text.utf8.count { break }
    }
    var o = JSONObject()
    if req.googleSearch {
      let html =
        "<style>\n.container { display: flex; }\n.chip { border-radius: 16px; }\n</style>\n<div class=\"container\"><div class=\"headline\">Google Search</div><div class=\"carousel\"><a class=\"chip\" href=\"https://www.google.com/search?q=\(query.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "q")\">\(query)</a></div></div>\n"
      o["searchEntryPoint"] = ["renderedContent": .string(html)]
    }
    o["groundingChunks"] = .array(chunks)
    o["groundingSupports"] = .array(supports)
    if req.googleSearch {
      o["retrievalMetadata"] = .object(JSONObject())
      o["webSearchQueries"] = [.string(query)]
    }
    if req.googleMaps, req.mapsWidget { o["googleMapsWidgetContextToken"] = .string("widgetcontent/" + token(&rng, bytes: 24)) }
    return .object(o)
  }

  static func token(_ rng: inout SplitMix64, bytes: Int) -> String { base64(randomBytes(&rng, bytes), url: true) }

  /// `bytes` bytes from the generator, 8 per draw, low byte first.
  static func randomBytes(_ rng: inout SplitMix64, _ bytes: Int) -> [UInt8] {
    var raw: [UInt8] = []
    raw.reserveCapacity(bytes)
    while raw.count < bytes {
      var x = rng.next()
      for _ in 0..<8 where raw.count < bytes {
        raw.append(UInt8(x & 0xff))
        x >>= 8
      }
    }
    return raw
  }

  static let base64Standard = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
  static let base64URL = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

  /// Base64 without Foundation (hot path); `url` uses the URL-safe alphabet without padding.
  /// `limit` keeps only the first characters (written, not cut afterwards).
  static func base64(_ bytes: [UInt8], url: Bool, limit: Int = .max) -> String {
    let table = url ? base64URL : base64Standard
    let rest = bytes.count % 3
    let length = bytes.count / 3 * 4 + (rest == 0 ? 0 : url ? rest + 1 : 4)
    // Written in a buffer of the full length (always small), then the first `limit` bytes kept.
    return String(unsafeUninitializedCapacity: length) { out -> Int in
      var i = 0
      var o = 0
      while i + 2 < bytes.count {
        let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
        out[o] = table[Int(n >> 18)]
        out[o + 1] = table[Int(n >> 12 & 63)]
        out[o + 2] = table[Int(n >> 6 & 63)]
        out[o + 3] = table[Int(n & 63)]
        i += 3
        o += 4
      }
      if rest > 0 {
        var n = UInt32(bytes[i]) << 16
        if rest == 2 { n |= UInt32(bytes[i + 1]) << 8 }
        out[o] = table[Int(n >> 18)]
        out[o + 1] = table[Int(n >> 12 & 63)]
        o += 2
        if rest == 2 {
          out[o] = table[Int(n >> 6 & 63)]
          o += 1
        }
        if !url {
          for _ in 0..<(3 - rest) {
            out[o] = UInt8(ascii: "=")
            o += 1
          }
        }
      }
      return min(o, limit)
    }
  }

  /// 22 characters: the base64url of 17 random bytes without its last character.
  static func responseId(_ rng: inout SplitMix64) -> String { base64(randomBytes(&rng, 17), url: true, limit: 22) }

  static func signature(_ rng: inout SplitMix64) -> String {
    var raw: [UInt8] = []
    for _ in 0..<6 {
      var x = rng.next()
      for _ in 0..<8 {
        raw.append(UInt8(x & 0xff))
        x >>= 8
      }
    }
    return base64(raw, url: false)
  }
}

extension Hasher {
  /// A stable (process-independent) 64-bit generator seeded from a string: FNV-1a into SplitMix64.
  static func stable(_ s: String) -> SplitMix64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 {
      h ^= UInt64(b)
      h &*= 0x100_0000_01b3
    }
    return SplitMix64(seed: h)
  }
}
