import GeminiAPI

/// Reads the common small `generateContent` body (text parts, a plain generation config, safety
/// settings) straight into a `MockRequest`, without building a `JSONValue` tree, walking it for
/// its shape and walking it again for its values. The mock's hot path.
///
/// It only ever accepts: anything it does not handle gives nil and the caller takes the full path
/// (`JSONValue.parse`, `RequestNormalizer`, `MockRequest.init`), which then gives the answer or the
/// 400 exactly as before. Nil for: a name outside the small set below (snake_case names, tools,
/// schemas, media, unknown names), a repeated name, `null`, a string `JSONValue`'s parser
/// refuses, a number other than `-?(0|[1-9][0-9]*)(.[0-9]+)?` (a whole number of at most 15 digits where the field is an
/// integer), a quoted number, and every value `MockRequest.init` would refuse. Where it answers,
/// the request equals the full path's (tests hold the two equal).
struct FastRequestParser: JSONByteScanning {
  let bytes: UnsafeBufferPointer<UInt8>
  var i = 0

  private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

  /// The request in `body`, or nil when the full path must decide.
  static func request(from body: UnsafeRawBufferPointer, model: String, spec: MockModel) -> MockRequest? {
    var p = FastRequestParser(body.bindMemory(to: UInt8.self))
    return p.request(model: model, spec: spec)
  }

  // MARK: - The request

  private static let topNames: [StaticString] = [
    "contents", "systemInstruction", "generationConfig", "safetySettings", "cachedContent", "model", "serviceTier",
    "store",
  ]

  private mutating func request(model: String, spec: MockModel) -> MockRequest? {
    var req = MockRequest(model: model, spec: spec)
    var systemTexts: [String] = []
    var contentTexts: [String] = []
    var contentCount = 0
    var config = GenerationConfig()
    var seen: UInt32 = 0
    skipWS()
    let complete = object { p in
      guard let k = p.name(Self.topNames, seen: &seen) else { return false }
      switch k {
      case 0:
        return p.array { p in
          contentCount += 1
          return p.content(&contentTexts, checkRole: true)
        }
      case 1: return p.content(&systemTexts, checkRole: false)
      case 2: return p.generationConfig(&config)
      case 3:
        return p.array { p in
          var seen: UInt32 = 0
          return p.object { p in
            // An unknown category or threshold is the full path's 400.
            guard let k = p.name(Self.safetyNames, seen: &seen), let v = p.string() else { return false }
            return (k == 0 ? MockRequest.harmCategories : MockRequest.harmThresholds).contains(v)
          }
        }
      case 4:
        guard let s = p.string() else { return false }
        req.cachedContent = s
        return true
      case 5: return p.string() != nil
      case 6:
        guard let s = p.string(), let tier = MockRequest.tier(s) else { return false }
        req.serviceTier = tier
        return true
      default: return p.bool() != nil
      }
    }
    guard complete else { return nil }
    skipWS()
    guard i == bytes.count, contentCount > 0 else { return nil }
    // cachedContent with a system instruction is the full path's 400.
    if req.cachedContent != nil, seen & 2 != 0 { return nil }

    // The prompt text as `MockRequest.init` joins it: the system instruction first, then the contents.
    var text = ""
    for t in systemTexts {
      if !text.isEmpty { text += "\n" }
      text += t
    }
    for t in contentTexts {
      if !text.isEmpty { text += "\n" }
      text += t
    }
    req.setPrompt(text)
    guard config.apply(to: &req) else { return nil }
    return req
  }

  private static let safetyNames: [StaticString] = ["category", "threshold"]
  private static let contentNames: [StaticString] = ["role", "parts"]
  private static let partNames: [StaticString] = ["text", "thought", "thoughtSignature"]
  private static let roles: Set<String> = ["", "user", "model", "function"]

  /// A `Content` of text parts (at least one): their texts appended to `texts`.
  private mutating func content(_ texts: inout [String], checkRole: Bool) -> Bool {
    var seen: UInt32 = 0
    var parts = 0
    return object { p in
      guard let k = p.name(Self.contentNames, seen: &seen) else { return false }
      if k == 0 {
        guard let role = p.string() else { return false }
        return !checkRole || Self.roles.contains(role)
      }
      let ok = p.array { p in
        parts += 1
        var seen: UInt32 = 0
        return p.object { p in
          guard let k = p.name(Self.partNames, seen: &seen) else { return false }
          switch k {
          case 0:
            guard let t = p.string() else { return false }
            texts.append(t)
            return true
          case 1: return p.bool() != nil
          default: return p.string() != nil
          }
        }
      }
      return ok && parts > 0
    } && (seen & 2) != 0
  }

  // MARK: - generationConfig

  /// The values of a plain `generationConfig` that `MockRequest.init` looks at.
  private struct GenerationConfig {
    var present = false
    var temperature: Double?
    var candidateCount: Int?
    var maxOutputTokens: Int?
    var stopSequences = 0
    var responseModalities: [String] = []
    var responseMimeType: String?
    var thinking = false
    var thinkingBudget: Int?
    var thinkingLevel: String?
    var includeThoughts: Bool?

    /// The checks and settings of `MockRequest.init` for these fields, in its order; false where it throws.
    func apply(to req: inout MockRequest) -> Bool {
      guard present else { return true }
      if let t = temperature, !(0...2).contains(t) { return false }
      if let c = candidateCount {
        guard (1...8).contains(c) else { return false }
        req.candidateCount = c
      }
      if let m = maxOutputTokens {
        guard m > 0 else { return false }
        req.maxOutputTokens = m
      }
      if stopSequences > 5 { return false }
      if let mime = responseMimeType {
        let m = mime.lowercased()
        guard MockRequest.allowedMimeTypes.contains(m) else { return false }
        req.responseMimeType = m
      }
      for m in responseModalities {
        let up = m.uppercased()
        guard MockRequest.modalities.contains(up) else { return false }
        req.responseModalities.append(up)
      }
      do { try req.checkModalities() } catch { return false }
      if thinking {
        req.thinkingBudget = thinkingBudget
        req.thinkingLevel = thinkingLevel?.uppercased()
        req.includeThoughts = includeThoughts ?? false
        do { try req.checkThinking() } catch { return false }
      }
      return true
    }
  }

  private static let configNames: [StaticString] = [
    "temperature", "topP", "presencePenalty", "frequencyPenalty",  // numbers
    "candidateCount", "maxOutputTokens", "topK", "seed", "logprobs",  // integers
    "responseLogprobs", "enableEnhancedCivicAnswers",  // booleans
    "responseMimeType", "mediaResolution",  // strings
    "stopSequences", "responseModalities",  // string lists
    "thinkingConfig",
  ]
  private static let thinkingNames: [StaticString] = ["thinkingBudget", "thinkingLevel", "includeThoughts"]

  private mutating func generationConfig(_ c: inout GenerationConfig) -> Bool {
    c.present = true
    var seen: UInt32 = 0
    return object { p in
      guard let k = p.name(Self.configNames, seen: &seen) else { return false }
      switch k {
      case 0:
        c.temperature = p.number()
        return c.temperature != nil
      case 1, 2, 3: return p.number() != nil
      case 4:
        c.candidateCount = p.int()
        return c.candidateCount != nil
      case 5:
        c.maxOutputTokens = p.int()
        return c.maxOutputTokens != nil
      case 6, 7, 8: return p.int() != nil
      case 9, 10: return p.bool() != nil
      case 11:
        c.responseMimeType = p.string()
        return c.responseMimeType != nil
      case 12: return p.string() != nil
      case 13, 14:
        var n = 0
        var values: [String] = []
        let ok = p.array { p in
          n += 1
          guard let v = p.string() else { return false }
          if k == 14 { values.append(v) }
          return true
        }
        if k == 13 { c.stopSequences = n } else { c.responseModalities = values }
        return ok
      default:
        c.thinking = true
        var seen: UInt32 = 0
        return p.object { p in
          guard let k = p.name(Self.thinkingNames, seen: &seen) else { return false }
          switch k {
          case 0:
            c.thinkingBudget = p.int()
            return c.thinkingBudget != nil
          case 1:
            c.thinkingLevel = p.string()
            return c.thinkingLevel != nil
          default:
            c.includeThoughts = p.bool()
            return c.includeThoughts != nil
          }
        }
      }
    }
  }

  // MARK: - JSON pieces

  /// `{ "name": value, … }` with the cursor on `{`; `member` reads each name (the cursor on its
  /// quote) and its value. False on anything else.
  private mutating func object(_ member: (inout FastRequestParser) -> Bool) -> Bool {
    container(open: UInt8(ascii: "{"), close: UInt8(ascii: "}"), member)
  }

  /// `[ value, … ]` with the cursor on `[`; `element` reads each value. False on anything else.
  private mutating func array(_ element: (inout FastRequestParser) -> Bool) -> Bool {
    container(open: UInt8(ascii: "["), close: UInt8(ascii: "]"), element)
  }

  /// A name (without escapes) among `names`, not seen before in this object, then the `:` and
  /// the blanks after it: its position in `names`.
  private mutating func name(_ names: [StaticString], seen: inout UInt32) -> Int? {
    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
    let start = i + 1
    var end = start
    while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\") { end += 1 }
    guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return nil }
    let length = end - start
    var found: Int?
    for (k, n) in names.enumerated() where n.utf8CodeUnitCount == length {
      var same = true
      for j in 0..<length where bytes[start + j] != n.utf8Start[j] {
        same = false
        break
      }
      if same {
        found = k
        break
      }
    }
    guard let k = found, seen & (1 << UInt32(k)) == 0 else { return nil }
    seen |= 1 << UInt32(k)
    i = end + 1
    skipWS()
    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
    i += 1
    skipWS()
    return k
  }

  /// A string, decoded by `JSONValue.parse`'s own parser (so exactly as the full path decodes
  /// it); nil on anything that parser refuses.
  private mutating func string() -> String? {
    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
    var p = JSONParser(bytes: bytes)
    p.i = i
    guard let s = try? p.parseString() else { return nil }
    i = p.i
    return s
  }

  private mutating func bool() -> Bool? {
    if matches("true") { return true }
    if matches("false") { return false }
    return nil
  }

  private mutating func matches(_ word: StaticString) -> Bool {
    let n = word.utf8CodeUnitCount
    guard i + n <= bytes.count else { return false }
    for k in 0..<n where bytes[i + k] != word.utf8Start[k] { return false }
    i += n
    return true
  }

  /// The digits of `-?(0|[1-9][0-9]*)` at the cursor: (negative, first digit, end).
  private func integerPart() -> (negative: Bool, start: Int, end: Int)? {
    var j = i
    let negative = j < bytes.count && bytes[j] == UInt8(ascii: "-")
    if negative { j += 1 }
    let start = j
    while j < bytes.count, (0x30...0x39).contains(bytes[j]) { j += 1 }
    guard j > start, bytes[start] != 0x30 || j - start == 1 else { return nil }
    return (negative, start, j)
  }

  /// A whole number of at most 15 digits (exact as the Double the full path holds), not followed
  /// by a fraction or an exponent.
  private mutating func int() -> Int? {
    guard let (negative, start, end) = integerPart(), end - start <= 15 else { return nil }
    if end < bytes.count, bytes[end] == UInt8(ascii: ".") || bytes[end] == UInt8(ascii: "e") || bytes[end] == UInt8(ascii: "E") {
      return nil
    }
    var v = 0
    for j in start..<end { v = v * 10 + Int(bytes[j] - 0x30) }
    i = end
    return negative ? -v : v
  }

  /// `-?(0|[1-9][0-9]*)(.[0-9]+)?`, converted as `JSONValue.parse` converts it.
  private mutating func number() -> Double? {
    guard let (_, _, intEnd) = integerPart() else { return nil }
    var end = intEnd
    if end < bytes.count, bytes[end] == UInt8(ascii: ".") {
      end += 1
      let f = end
      while end < bytes.count, (0x30...0x39).contains(bytes[end]) { end += 1 }
      guard end > f else { return nil }
    }
    if end < bytes.count, bytes[end] == UInt8(ascii: "e") || bytes[end] == UInt8(ascii: "E") { return nil }
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<end]), as: UTF8.self)
    guard let d = Double(text) else { return nil }
    i = end
    return d
  }
}
