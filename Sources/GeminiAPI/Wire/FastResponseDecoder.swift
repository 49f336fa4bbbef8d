import Foundation

/// A direct byte-level decoder for the common shape of a `generateContent` answer: text (and
/// thought) parts, finish reason, usage, model version and id. It builds the structs without
/// `JSONDecoder`'s per-key generic machinery, which was the largest single cost per job in the
/// runner's profile.
///
/// It never guesses: any key outside that shape (function calls, grounding, safety ratings,
/// prompt feedback, …), a number that is not a plain integer where an integer is expected, an
/// escape it does not know, invalid UTF-8, a duplicate key or anything else unusual returns nil,
/// and the caller decodes with `JSONDecoder` as before. So for every body it accepts, the value
/// equals what `JSONDecoder` gives (a test checks this over every fixture, every mock answer and
/// thousands of mutated bodies).
enum FastResponseDecoder {
  static func decode(_ data: Data) -> GenerateContentResponse? {
    data.withUnsafeBytes { raw -> GenerateContentResponse? in
      var s = Scanner(bytes: raw.bindMemory(to: UInt8.self))
      guard let r = s.response() else { return nil }
      s.skipWS()
      return s.i == s.bytes.count ? r : nil
    }
  }

  struct Scanner: JSONByteScanning {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    // MARK: - The shape

    mutating func response() -> GenerateContentResponse? {
      var r = GenerateContentResponse()
      var seen: UInt8 = 0
      let ok = object { s, key -> Bool in
        switch key {
        case "candidates":
          guard mark(&seen, 0) else { return false }
          if s.null() { return true }
          var list: [Candidate] = []
          guard s.array({ s in
            guard let c = s.candidate() else { return false }
            list.append(c)
            return true
          }) else { return false }
          r.candidates = list
        case "usageMetadata":
          guard mark(&seen, 1) else { return false }
          if s.null() { return true }
          guard let u = s.usage() else { return false }
          r.usageMetadata = u
        case "modelVersion":
          guard mark(&seen, 2), s.optionalString(&r.modelVersion) else { return false }
        case "responseId":
          guard mark(&seen, 3), s.optionalString(&r.responseId) else { return false }
        case "createTime":
          guard mark(&seen, 4), s.optionalString(&r.createTime) else { return false }
        default:
          return false
        }
        return true
      }
      return ok ? r : nil
    }

    mutating func candidate() -> Candidate? {
      var c = Candidate()
      var seen: UInt8 = 0
      let ok = object { s, key -> Bool in
        switch key {
        case "content":
          guard mark(&seen, 0) else { return false }
          if s.null() { return true }
          guard let content = s.content() else { return false }
          c.content = content
        case "finishReason":
          guard mark(&seen, 1) else { return false }
          var v: String?
          guard s.optionalString(&v) else { return false }
          c.finishReason = v.map(FinishReason.init(rawValue:))
        case "finishMessage":
          guard mark(&seen, 2), s.optionalString(&c.finishMessage) else { return false }
        case "index":
          guard mark(&seen, 3), s.optionalInt(&c.index) else { return false }
        case "tokenCount":
          guard mark(&seen, 4), s.optionalInt(&c.tokenCount) else { return false }
        default:
          return false
        }
        return true
      }
      return ok ? c : nil
    }

    mutating func content() -> Content? {
      var c = Content()
      var seen: UInt8 = 0
      let ok = object { s, key -> Bool in
        switch key {
        case "role":
          guard mark(&seen, 0), s.optionalString(&c.role) else { return false }
        case "parts":
          guard mark(&seen, 1) else { return false }
          if s.null() { return true }
          var parts: [Part] = []
          guard s.array({ s in
            guard let p = s.part() else { return false }
            parts.append(p)
            return true
          }) else { return false }
          c.parts = parts
        default:
          return false
        }
        return true
      }
      return ok ? c : nil
    }

    mutating func part() -> Part? {
      var p = Part()
      var seen: UInt8 = 0
      let ok = object { s, key -> Bool in
        switch key {
        case "text":
          guard mark(&seen, 0), s.optionalString(&p.text) else { return false }
        case "thought":
          guard mark(&seen, 1), s.optionalBool(&p.thought) else { return false }
        case "thoughtSignature":
          guard mark(&seen, 2), s.optionalString(&p.thoughtSignature) else { return false }
        default:
          return false
        }
        return true
      }
      return ok ? p : nil
    }

    mutating func usage() -> UsageMetadata? {
      var u = UsageMetadata()
      var seen: UInt16 = 0
      let ok = object { s, key -> Bool in
        func once(_ bit: UInt16) -> Bool {
          if seen & (1 << bit) != 0 { return false }
          seen |= 1 << bit
          return true
        }
        switch key {
        case "promptTokenCount": return once(0) && s.optionalInt(&u.promptTokenCount)
        case "cachedContentTokenCount": return once(1) && s.optionalInt(&u.cachedContentTokenCount)
        case "candidatesTokenCount": return once(2) && s.optionalInt(&u.candidatesTokenCount)
        case "thoughtsTokenCount": return once(3) && s.optionalInt(&u.thoughtsTokenCount)
        case "toolUsePromptTokenCount": return once(4) && s.optionalInt(&u.toolUsePromptTokenCount)
        case "totalTokenCount": return once(5) && s.optionalInt(&u.totalTokenCount)
        case "promptTokensDetails": return once(6) && s.details(&u.promptTokensDetails)
        case "candidatesTokensDetails": return once(7) && s.details(&u.candidatesTokensDetails)
        case "cacheTokensDetails": return once(8) && s.details(&u.cacheTokensDetails)
        case "toolUsePromptTokensDetails": return once(9) && s.details(&u.toolUsePromptTokensDetails)
        case "trafficType": return once(10) && s.optionalString(&u.trafficType)
        case "serviceTier": return once(11) && s.optionalString(&u.serviceTier)
        default: return false
        }
      }
      return ok ? u : nil
    }

    mutating func details(_ out: inout [ModalityTokenCount]?) -> Bool {
      if null() { return true }
      var list: [ModalityTokenCount] = []
      let ok = array { s in
        var m = ModalityTokenCount()
        var seen: UInt8 = 0
        guard s.object({ s, key -> Bool in
          switch key {
          case "modality": return mark(&seen, 0) && s.optionalString(&m.modality)
          case "tokenCount": return mark(&seen, 1) && s.optionalInt(&m.tokenCount)
          default: return false
          }
        }) else { return false }
        list.append(m)
        return true
      }
      guard ok else { return false }
      out = list
      return true
    }

    // MARK: - JSON pieces

    /// `{ "key": value, … }`; `member` reads the value after the colon and says whether it could.
    mutating func object(_ member: (inout Scanner, String) -> Bool) -> Bool {
      container(open: UInt8(ascii: "{"), close: UInt8(ascii: "}")) { s in
        guard let key = s.string() else { return false }
        s.skipWS()
        guard s.i < s.bytes.count, s.bytes[s.i] == UInt8(ascii: ":") else { return false }
        s.i += 1
        s.skipWS()
        return member(&s, key)
      }
    }

    mutating func array(_ element: (inout Scanner) -> Bool) -> Bool {
      container(open: UInt8(ascii: "["), close: UInt8(ascii: "]"), element)
    }

    /// Consumes `null` if it is next.
    mutating func null() -> Bool {
      guard i + 4 <= bytes.count, bytes[i] == UInt8(ascii: "n"), bytes[i + 1] == UInt8(ascii: "u"),
        bytes[i + 2] == UInt8(ascii: "l"), bytes[i + 3] == UInt8(ascii: "l")
      else { return false }
      i += 4
      return true
    }

    mutating func optionalString(_ out: inout String?) -> Bool {
      if null() { return true }
      guard let s = string() else { return false }
      out = s
      return true
    }

    mutating func optionalBool(_ out: inout Bool?) -> Bool {
      if null() { return true }
      if i + 4 <= bytes.count, bytes[i] == UInt8(ascii: "t"), bytes[i + 1] == UInt8(ascii: "r"),
        bytes[i + 2] == UInt8(ascii: "u"), bytes[i + 3] == UInt8(ascii: "e")
      {
        i += 4
        out = true
        return true
      }
      if i + 5 <= bytes.count, bytes[i] == UInt8(ascii: "f"), bytes[i + 1] == UInt8(ascii: "a"),
        bytes[i + 2] == UInt8(ascii: "l"), bytes[i + 3] == UInt8(ascii: "s"), bytes[i + 4] == UInt8(ascii: "e")
      {
        i += 5
        out = false
        return true
      }
      return false
    }

    /// A plain integer (`-?[0-9]+`, no leading zeros, at most 18 digits); anything else (a
    /// fraction, an exponent, a huge number) is left to `JSONDecoder`.
    mutating func optionalInt(_ out: inout Int?) -> Bool {
      if null() { return true }
      var j = i
      var negative = false
      if j < bytes.count, bytes[j] == UInt8(ascii: "-") {
        negative = true
        j += 1
      }
      let start = j
      var v = 0
      while j < bytes.count, bytes[j] >= 0x30, bytes[j] <= 0x39 {
        // Wrapping: more than 18 digits is declined below, before `v` is used.
        v = v &* 10 &+ Int(bytes[j] - 0x30)
        j += 1
      }
      let digits = j - start
      guard digits > 0, digits <= 18, !(digits > 1 && bytes[start] == 0x30) else { return false }
      if j < bytes.count {
        let b = bytes[j]
        if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") { return false }
      }
      i = j
      out = negative ? -v : v
      return true
    }

    /// A JSON string, decoded by the same code as `JSONValue.parse` (escapes, surrogate pairs).
    /// That parser repairs invalid UTF-8 where `JSONDecoder` rejects it, so the raw bytes between
    /// the quotes are validated first (escapes are ASCII, so this covers the whole content).
    mutating func string() -> String? {
      guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
      var p = JSONParser(bytes: bytes)
      p.i = i
      guard let s = try? p.parseString() else { return nil }
      let raw = UnsafeBufferPointer(rebasing: bytes[(i + 1)..<(p.i - 1)])
      guard raw.allSatisfy({ $0 < 0x80 }) || String(validating: raw, as: UTF8.self) != nil else { return nil }
      i = p.i
      return s
    }
  }

  /// Records that a key was seen in this object; false on a duplicate (left to `JSONDecoder`).
  static func mark(_ seen: inout UInt8, _ bit: UInt8) -> Bool {
    if seen & (1 << bit) != 0 { return false }
    seen |= 1 << bit
    return true
  }
}

private func mark(_ seen: inout UInt8, _ bit: UInt8) -> Bool { FastResponseDecoder.mark(&seen, bit) }
