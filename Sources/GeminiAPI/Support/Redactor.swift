import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Takes an API key out of anything a server sent back before it is stored or printed: the key
/// as is, URL-escaped, JSON-escaped and base64-encoded (at each of the three alignments it can
/// have inside a longer base64 text, standard and URL-safe alphabets), plus the value of any
/// `key=` query parameter in error texts.
///
/// A server that echoes the request (a proxy's debug page, a 302 to a URL with the key in it, an
/// error quoting the header) must not put the key into `attempts`, `jobs.failure_reason`,
/// exports or a terminal. Searching a body for a handful of byte patterns costs far less than
/// decoding it.
public struct Redactor: Sendable, Hashable {
  public static let mask = "[redacted]"
  private static let maskBytes = Array(mask.utf8)

  /// Byte patterns, longest first (so a longer encoding is replaced before a shorter one inside it).
  let patterns: [[UInt8]]

  /// Nothing to redact (no key, or one too short to search for without mangling ordinary text).
  public static let none = Redactor(patterns: [])

  private init(patterns: [[UInt8]]) { self.patterns = patterns }

  /// - Parameter secret: the key; nil or shorter than 4 characters redacts nothing.
  public init(secret: String?) {
    guard let secret, secret.utf8.count >= 4 else {
      self.init(patterns: [])
      return
    }
    var set = Set<[UInt8]>()
    set.insert(Array(secret.utf8))
    // Encoders differ in what they leave alone: RFC 3986's unreserved set, letters and digits
    // only, or everything a query allows; and in the case of their hex digits.
    var unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    let alnum = unreserved
    unreserved.insert(charactersIn: "-._~")
    for allowed in [unreserved, alnum, CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+?#"))] {
      guard let escaped = secret.addingPercentEncoding(withAllowedCharacters: allowed), escaped != secret else {
        continue
      }
      set.insert(Array(escaped.utf8))
      set.insert(Array(Self.lowercasingEscapes(escaped).utf8))
    }
    set.insert(Array(JSONValue.string(secret).serialized().dropFirst().dropLast().utf8))
    set.insert(Array(secret.replacingOccurrences(of: "/", with: "\\/").utf8))
    for inner in Self.base64Forms(Array(secret.utf8)) where inner.count >= 8 { set.insert(inner) }
    self.init(
      patterns: set.filter { !$0.isEmpty }.sorted {
        $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1)
      })
  }

  public var isEmpty: Bool { patterns.isEmpty }

  /// Whether `data` holds any form of the key.
  public func contains(_ data: Data) -> Bool {
    guard !patterns.isEmpty, !data.isEmpty else { return false }
    return data.withUnsafeBytes { raw in patterns.contains { Self.find($0, in: raw, from: 0) != nil } }
  }

  /// `data` with every form of the key replaced by `[redacted]`. Returns `data` itself when it
  /// holds none (the common case costs the searches, not a copy).
  public func redact(_ data: Data) -> Data {
    guard contains(data) else { return data }
    var out = data
    for p in patterns { out = Self.replace(p, in: out) }
    return out
  }

  /// `text` with every form of the key replaced; with `queryKeys`, also the value of every
  /// `key=` parameter (`?key=…`, `&api_key=…`), for error texts that quote a URL.
  public func redact(_ text: String, queryKeys: Bool = false) -> String {
    var data = Data(text.utf8)
    var changed = false
    if contains(data) {
      data = redact(data)
      changed = true
    }
    if queryKeys, let d = Self.redactQueryKeys(data) {
      data = d
      changed = true
    }
    return changed ? String(decoding: data, as: UTF8.self) : text
  }

  /// `redact(data)`, then the value of every `key=` parameter: for bodies of failed requests.
  public func redactFailureBody(_ data: Data) -> Data {
    let d = redact(data)
    return Self.redactQueryKeys(d) ?? d
  }

  /// `text` with the value of every `key=` parameter replaced (a URL a user gave, before it is stored).
  public static func redactQueryKeys(_ text: String) -> String {
    redactQueryKeys(Data(text.utf8)).map { String(decoding: $0, as: UTF8.self) } ?? text
  }

  /// Replaces the value of every `key=` parameter (case-insensitive, `api_key=` and
  /// `x-goog-api-key=` included) up to the next `&`, quote, space, `<`, `>`, `#` or line end.
  /// nil when there is none.
  public static func redactQueryKeys(_ data: Data) -> Data? {
    data.withUnsafeBytes { raw -> Data? in
      let bytes = raw.bindMemory(to: UInt8.self)
      guard bytes.count >= 5 else { return nil }
      var out = Data()
      var copied = 0
      var i = 0
      while i + 4 < bytes.count {
        // Cheap skip: only an `=` can end a `key=`.
        guard bytes[i + 3] == 0x3D, bytes[i] | 0x20 == 0x6B, bytes[i + 1] | 0x20 == 0x65, bytes[i + 2] | 0x20 == 0x79
        else {
          i += 1
          continue
        }
        var j = i + 4
        while j < bytes.count, !isStop(bytes[j]) { j += 1 }
        if j > i + 4 {
          if out.isEmpty { out.reserveCapacity(bytes.count) }
          out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[copied..<(i + 4)]))
          out.append(contentsOf: maskBytes)
          copied = j
        }
        i = j
      }
      if copied == 0 { return nil }
      out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[copied...]))
      return out
    }
  }

  static func isStop(_ b: UInt8) -> Bool {
    switch b {
    case 0x26, 0x22, 0x27, 0x20, 0x3C, 0x3E, 0x23, 0x0A, 0x0D, 0x09, 0x5C, 0x2C, 0x3B, 0x29, 0x7D, 0x5D, 0x5B: true
    default: false
    }
  }

  // MARK: - internals

  /// The part of the key's base64 that does not depend on the bytes around it, for each of the
  /// three offsets (mod 3) the key can start at, in both alphabets.
  static func base64Forms(_ key: [UInt8]) -> [[UInt8]] {
    var out: [[UInt8]] = []
    for lead in 0..<3 {
      var bytes = [UInt8](repeating: 0, count: lead)
      bytes += key
      var text = Array(Data(bytes).base64EncodedString().utf8)
      while text.last == UInt8(ascii: "=") { text.removeLast() }
      // Characters that mix in bits of the unknown neighbours: the first one or two after the lead
      // bytes, and the last one when the key does not end on a 3-byte boundary.
      let dropFront = lead == 0 ? 0 : (lead == 1 ? 2 : 3)
      let dropBack = bytes.count % 3 == 0 ? 0 : 1
      guard text.count > dropFront + dropBack else { continue }
      let inner = Array(text[dropFront..<(text.count - dropBack)])
      out.append(inner)
      out.append(
        inner.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: "-") : $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0 })
    }
    return out
  }

  static func lowercasingEscapes(_ s: String) -> String {
    var out = ""
    var pending = 0
    for ch in s {
      if ch == "%" {
        pending = 2
        out.append(ch)
      } else if pending > 0 {
        pending -= 1
        out += ch.lowercased()
      } else {
        out.append(ch)
      }
    }
    return out
  }

  static func find(_ pattern: [UInt8], in raw: UnsafeRawBufferPointer, from: Int) -> Int? {
    guard let base = raw.baseAddress, from < raw.count, raw.count - from >= pattern.count else { return nil }
    // memchr for the first byte, memcmp for the rest: portable (memmem is a GNU extension) and
    // as fast on text where the first byte is not everywhere.
    return pattern.withUnsafeBytes { p -> Int? in
      let first = Int32(pattern[0])
      let end = raw.count - pattern.count
      var i = from
      while i <= end {
        guard let hit = memchr(base + i, first, end - i + 1) else { return nil }
        let at = base.distance(to: UnsafeRawPointer(hit))
        if memcmp(base + at, p.baseAddress!, p.count) == 0 { return at }
        i = at + 1
      }
      return nil
    }
  }

  static func replace(_ pattern: [UInt8], in data: Data) -> Data {
    data.withUnsafeBytes { raw -> Data in
      var out = Data()
      var at = 0
      while let hit = find(pattern, in: raw, from: at) {
        if out.isEmpty { out.reserveCapacity(raw.count) }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[at..<hit]))
        out.append(contentsOf: maskBytes)
        at = hit + pattern.count
      }
      if at == 0 { return data }
      out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[at...]))
      return out
    }
  }
}

extension Endpoint {
  /// Why a key cannot be sent in an HTTP header (a control character, a space, a non-ASCII
  /// character), or nil when it can. Never quotes the key.
  public static func keyProblem(_ key: String) -> String? {
    if key.isEmpty { return "the API key is empty" }
    for (i, b) in key.utf8.enumerated() where b < 0x21 || b > 0x7E {
      let what = b == 0x20 ? "a space" : (b < 0x20 || b == 0x7F ? "a control character" : "a non-ASCII character")
      return
        "the API key holds \(what) (at character \(i + 1)), which cannot be sent in an HTTP header; the key is not shown"
    }
    return nil
  }
}
