import Foundation

/// An arbitrary JSON value: schemas, function arguments, metadata and anything open-ended.
///
/// Objects keep their keys in insertion order so that a request written by a user
/// (for example a schema with `propertyOrdering`) encodes back the way it was read.
public enum JSONValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object(JSONObject)

  @inlinable
  public subscript(key: String) -> JSONValue? {
    if case .object(let o) = self { return o[key] }
    return nil
  }

  @inlinable public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
  @inlinable public var doubleValue: Double? { if case .number(let n) = self { return n } else { return nil } }
  @inlinable public var intValue: Int? {
    if case .number(let n) = self, n.rounded() == n, abs(n) < 9.0e15 { return Int(n) }
    return nil
  }
  @inlinable public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
  @inlinable public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
  @inlinable public var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }
  @inlinable public var isNull: Bool { if case .null = self { return true } else { return false } }

  /// The JSON type name as JSON Schema spells it.
  public var typeName: String {
    switch self {
    case .null: "null"
    case .bool: "boolean"
    case .number(let n): n.rounded() == n ? "integer" : "number"
    case .string: "string"
    case .array: "array"
    case .object: "object"
    }
  }
}

/// A JSON object that keeps key order.
///
/// The entries live in one array in insertion order. Small objects (nearly all of them: request
/// parts, configs, answers) are searched linearly, which is cheaper than hashing every key;
/// objects with more than `indexedFrom` keys also keep a key → position dictionary.
public struct JSONObject: Sendable, Hashable, Sequence {
  // Inlinable (with the storage usable from inline code) so that lookups and walks in other
  // modules (the mock's request checks) are specialised rather than called through.
  @usableFromInline
  struct Entry: Sendable {
    @usableFromInline var key: String
    @usableFromInline var value: JSONValue
    @inlinable init(key: String, value: JSONValue) {
      self.key = key
      self.value = value
    }
  }

  @usableFromInline var entries: [Entry] = []
  @usableFromInline var index: [String: Int]?
  private static let indexedFrom = 12

  public init() {}
  public init(_ pairs: [(String, JSONValue)]) {
    entries.reserveCapacity(pairs.count)
    for (k, v) in pairs { self[k] = v }
  }

  /// The keys in order.
  public var keys: [String] { entries.map(\.key) }
  @inlinable public var count: Int { entries.count }
  @inlinable public var isEmpty: Bool { entries.isEmpty }

  @inlinable
  func position(of key: String) -> Int? {
    if let index { return index[key] }
    for i in entries.indices where entries[i].key == key { return i }
    return nil
  }

  private mutating func reindex() {
    guard entries.count > Self.indexedFrom else {
      index = nil
      return
    }
    var d: [String: Int] = [:]
    d.reserveCapacity(entries.count)
    for (i, e) in entries.enumerated() { d[e.key] = i }
    index = d
  }

  public subscript(key: String) -> JSONValue? {
    @inlinable get { position(of: key).map { entries[$0].value } }
    set {
      if let newValue {
        if let i = position(of: key) {
          entries[i].value = newValue
        } else {
          entries.append(Entry(key: key, value: newValue))
          if index != nil {
            index![key] = entries.count - 1
          } else if entries.count > Self.indexedFrom {
            reindex()
          }
        }
      } else if let i = position(of: key) {
        entries.remove(at: i)
        if index != nil { reindex() }
      }
    }
  }

  /// Calls `body` with each key and value in order (no iterator boxing, for hot loops).
  @inlinable
  public func forEachEntry<E: Error>(_ body: (String, JSONValue) throws(E) -> Void) throws(E) {
    for e in entries { try body(e.key, e.value) }
  }

  public func makeIterator() -> AnyIterator<(key: String, value: JSONValue)> {
    var it = entries.makeIterator()
    return AnyIterator {
      guard let e = it.next() else { return nil }
      return (e.key, e.value)
    }
  }

  /// Equal when both hold the same keys with equal values, whatever the order.
  public static func == (a: JSONObject, b: JSONObject) -> Bool {
    guard a.entries.count == b.entries.count else { return false }
    for e in a.entries {
      guard let v = b[e.key], v == e.value else { return false }
    }
    return true
  }

  /// Order-independent, like `==`.
  public func hash(into h: inout Hasher) {
    var combined = 0
    for e in entries {
      var one = Hasher()
      one.combine(e.key)
      one.combine(e.value)
      combined ^= one.finalize()
    }
    h.combine(entries.count)
    h.combine(combined)
  }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
  ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
  public init(stringLiteral v: String) { self = .string(v) }
  public init(integerLiteral v: Int) { self = .number(Double(v)) }
  public init(floatLiteral v: Double) { self = .number(v) }
  public init(booleanLiteral v: Bool) { self = .bool(v) }
  public init(arrayLiteral v: JSONValue...) { self = .array(v) }
  public init(dictionaryLiteral v: (String, JSONValue)...) { self = .object(JSONObject(v)) }
  public init(nilLiteral: ()) { self = .null }
}

private struct AnyKey: CodingKey {
  var stringValue: String
  var intValue: Int? { nil }
  init(_ s: String) { stringValue = s }
  init?(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { nil }
}

extension JSONValue: Codable {
  public init(from decoder: Decoder) throws {
    if let c = try? decoder.container(keyedBy: AnyKey.self) {
      var o = JSONObject()
      for k in c.allKeys { o[k.stringValue] = try c.decode(JSONValue.self, forKey: k) }
      self = .object(o)
      return
    }
    if var a = try? decoder.unkeyedContainer() {
      var out: [JSONValue] = []
      if let n = a.count { out.reserveCapacity(n) }
      while !a.isAtEnd { out.append(try a.decode(JSONValue.self)) }
      self = .array(out)
      return
    }
    let s = try decoder.singleValueContainer()
    if s.decodeNil() { self = .null }
    else if let b = try? s.decode(Bool.self) { self = .bool(b) }
    else if let d = try? s.decode(Double.self) { self = .number(d) }
    else { self = .string(try s.decode(String.self)) }
  }

  public func encode(to encoder: Encoder) throws {
    switch self {
    case .null:
      var s = encoder.singleValueContainer(); try s.encodeNil()
    case .bool(let b):
      var s = encoder.singleValueContainer(); try s.encode(b)
    case .number(let n):
      var s = encoder.singleValueContainer()
      if n.rounded() == n, abs(n) < 9.0e15 { try s.encode(Int64(n)) } else { try s.encode(n) }
    case .string(let str):
      var s = encoder.singleValueContainer(); try s.encode(str)
    case .array(let a):
      var c = encoder.unkeyedContainer()
      for v in a { try c.encode(v) }
    case .object(let o):
      var c = encoder.container(keyedBy: AnyKey.self)
      for (k, v) in o { try c.encode(v, forKey: AnyKey(k)) }
    }
  }
}

extension JSONValue {
  /// Parses JSON bytes, keeping object key order (JSONSerialization does not, so this is a small
  /// hand-written parser; it is also faster than going through `Any`).
  public static func parse(_ data: Data) throws -> JSONValue {
    try data.withUnsafeBytes { raw in
      var p = JSONParser(bytes: raw.bindMemory(to: UInt8.self))
      return try p.parseDocument()
    }
  }

  /// Parses JSON read in place from raw bytes (a network buffer's readable bytes), without
  /// copying them into a `Data` first.
  public static func parse(bytes: UnsafeRawBufferPointer) throws -> JSONValue {
    var p = JSONParser(bytes: bytes.bindMemory(to: UInt8.self))
    return try p.parseDocument()
  }

  public static func parse(_ string: String) throws -> JSONValue {
    try parse(Data(string.utf8))
  }

  /// Compact JSON text. Keys keep their order; `sortedKeys` gives a canonical form for hashing.
  public func serialized(sortedKeys: Bool = false) -> String {
    String(decoding: serializedBytes(sortedKeys: sortedKeys), as: UTF8.self)
  }

  public func serializedData(sortedKeys: Bool = false) -> Data { Data(serializedBytes(sortedKeys: sortedKeys)) }

  /// The compact JSON text as UTF-8 bytes. Written into a byte array: appending to a `String`
  /// piece by piece was 14% of reading a job file (every job's body is serialized once).
  public func serializedBytes(sortedKeys: Bool = false) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(256)
    write(to: &out, sortedKeys: sortedKeys)
    return out
  }

  private func write(to out: inout [UInt8], sortedKeys: Bool) {
    switch self {
    case .null: out.append(contentsOf: "null".utf8)
    case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
    case .number(let n):
      if n.rounded() == n, abs(n) < 9.0e15 {
        out.append(contentsOf: String(Int64(n)).utf8)
      } else if n.isFinite {
        out.append(contentsOf: "\(n)".utf8)
      } else {
        out.append(contentsOf: "null".utf8)
      }
    case .string(let s): JSONValue.writeString(s, to: &out)
    case .array(let a):
      out.append(UInt8(ascii: "["))
      for (i, v) in a.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        v.write(to: &out, sortedKeys: sortedKeys)
      }
      out.append(UInt8(ascii: "]"))
    case .object(let o):
      out.append(UInt8(ascii: "{"))
      if sortedKeys {
        for (i, k) in o.keys.sorted().enumerated() {
          if i > 0 { out.append(UInt8(ascii: ",")) }
          JSONValue.writeString(k, to: &out)
          out.append(UInt8(ascii: ":"))
          o[k]!.write(to: &out, sortedKeys: sortedKeys)
        }
      } else {
        var first = true
        o.forEachEntry { k, v in
          if !first { out.append(UInt8(ascii: ",")) }
          first = false
          JSONValue.writeString(k, to: &out)
          out.append(UInt8(ascii: ":"))
          v.write(to: &out, sortedKeys: sortedKeys)
        }
      }
      out.append(UInt8(ascii: "}"))
    }
  }

  static func writeString(_ s: String, to out: inout String) {
    if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
      out += "\""
      out += s
      out += "\""
      return
    }
    var bytes: [UInt8] = []
    writeString(s, to: &bytes)
    out += String(decoding: bytes, as: UTF8.self)
  }

  static func writeString(_ s: String, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    // Fast path: nothing to escape (the usual case), appended whole.
    if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
      out.append(contentsOf: s.utf8)
      out.append(UInt8(ascii: "\""))
      return
    }
    let hex = Array("0123456789abcdef".utf8)
    for b in s.utf8 {
      switch b {
      case 0x22: out.append(contentsOf: [0x5C, 0x22])  // \"
      case 0x5C: out.append(contentsOf: [0x5C, 0x5C])  // \\
      case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
      case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
      case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
      case _ where b < 0x20:
        out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(b >> 4)], hex[Int(b & 0xF)]])
      default: out.append(b)
      }
    }
    out.append(UInt8(ascii: "\""))
  }
}

/// An error in JSON text, with the byte offset where it was found.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
  public let offset: Int
  public let reason: String
  public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// `package`: the mock's one-pass request reader decodes strings with it, so they come out exactly
/// as `JSONValue.parse` decodes them.
package struct JSONParser {
  let bytes: UnsafeBufferPointer<UInt8>
  package var i = 0
  var depth = 0

  package init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

  mutating func parseDocument() throws -> JSONValue {
    skipWS()
    let v = try parseValue()
    skipWS()
    if i != bytes.count { throw fail("unexpected data after the JSON value") }
    return v
  }

  func fail(_ r: String) -> JSONParseError { JSONParseError(offset: i, reason: r) }

  mutating func skipWS() {
    while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
  }

  mutating func parseValue() throws -> JSONValue {
    guard i < bytes.count else { throw fail("unexpected end of input") }
    switch bytes[i] {
    case UInt8(ascii: "{"): return try parseObject()
    case UInt8(ascii: "["): return try parseArray()
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"): try expect("true"); return .bool(true)
    case UInt8(ascii: "f"): try expect("false"); return .bool(false)
    case UInt8(ascii: "n"): try expect("null"); return .null
    default: return try parseNumber()
    }
  }

  mutating func expect(_ word: StaticString) throws {
    let n = word.utf8CodeUnitCount
    guard i + n <= bytes.count else { throw fail("unexpected end of input") }
    let p = word.utf8Start
    for k in 0..<n where bytes[i + k] != p[k] { throw fail("invalid literal") }
    i += n
  }

  mutating func parseObject() throws -> JSONValue {
    depth += 1
    if depth > 512 { throw fail("nesting too deep") }
    defer { depth -= 1 }
    i += 1
    var o = JSONObject()
    skipWS()
    if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
    while true {
      skipWS()
      guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
      let k = try parseString()
      skipWS()
      guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
      i += 1
      skipWS()
      o[k] = try parseValue()
      skipWS()
      guard i < bytes.count else { throw fail("unexpected end of input") }
      if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
      if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
      throw fail("expected ',' or '}'")
    }
  }

  mutating func parseArray() throws -> JSONValue {
    depth += 1
    if depth > 512 { throw fail("nesting too deep") }
    defer { depth -= 1 }
    i += 1
    var a: [JSONValue] = []
    skipWS()
    if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
    while true {
      skipWS()
      a.append(try parseValue())
      skipWS()
      guard i < bytes.count else { throw fail("unexpected end of input") }
      if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
      if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
      throw fail("expected ',' or ']'")
    }
  }

  package mutating func parseString() throws -> String {
    i += 1
    let start = i
    // Fast path: no escapes.
    while i < bytes.count {
      let c = bytes[i]
      if c == UInt8(ascii: "\"") {
        let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        i += 1
        return s
      }
      if c == UInt8(ascii: "\\") { break }
      if c < 0x20 { throw fail("control character in string") }
      i += 1
    }
    var buf = [UInt8](UnsafeBufferPointer(rebasing: bytes[start..<i]))
    while i < bytes.count {
      let c = bytes[i]
      if c == UInt8(ascii: "\"") { i += 1; return String(decoding: buf, as: UTF8.self) }
      if c < 0x20 { throw fail("control character in string") }
      if c != UInt8(ascii: "\\") { buf.append(c); i += 1; continue }
      i += 1
      guard i < bytes.count else { break }
      let e = bytes[i]
      i += 1
      switch e {
      case UInt8(ascii: "\""): buf.append(0x22)
      case UInt8(ascii: "\\"): buf.append(0x5C)
      case UInt8(ascii: "/"): buf.append(0x2F)
      case UInt8(ascii: "b"): buf.append(0x08)
      case UInt8(ascii: "f"): buf.append(0x0C)
      case UInt8(ascii: "n"): buf.append(0x0A)
      case UInt8(ascii: "r"): buf.append(0x0D)
      case UInt8(ascii: "t"): buf.append(0x09)
      case UInt8(ascii: "u"):
        var scalar = try hex4()
        if (0xD800..<0xDC00).contains(scalar) {
          guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
            throw fail("unpaired surrogate")
          }
          i += 2
          let low = try hex4()
          guard (0xDC00..<0xE000).contains(low) else { throw fail("invalid surrogate pair") }
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(scalar) {
          throw fail("unpaired surrogate")
        }
        guard let u = Unicode.Scalar(scalar) else { throw fail("invalid unicode escape") }
        buf.append(contentsOf: Array(String(Character(u)).utf8))
      default: throw fail("invalid escape")
      }
    }
    throw fail("unterminated string")
  }

  mutating func hex4() throws -> UInt32 {
    guard i + 4 <= bytes.count else { throw fail("short unicode escape") }
    var v: UInt32 = 0
    for _ in 0..<4 {
      let c = bytes[i]
      let d: UInt32
      switch c {
      case 0x30...0x39: d = UInt32(c - 0x30)
      case 0x41...0x46: d = UInt32(c - 0x41 + 10)
      case 0x61...0x66: d = UInt32(c - 0x61 + 10)
      default: throw fail("invalid hex digit")
      }
      v = v * 16 + d
      i += 1
    }
    return v
  }

  mutating func parseNumber() throws -> JSONValue {
    let start = i
    if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
    let intStart = i
    while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
    if i == intStart { throw fail("invalid value") }
    if bytes[intStart] == 0x30 && i - intStart > 1 { throw fail("leading zero in number") }
    if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
      i += 1
      let f = i
      while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
      if i == f { throw fail("invalid number") }
    }
    if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
      i += 1
      if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
      let e = i
      while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
      if i == e { throw fail("invalid exponent") }
    }
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
    guard let d = Double(text) else { throw fail("invalid number") }
    return .number(d)
  }
}
