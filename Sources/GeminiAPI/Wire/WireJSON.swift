import Foundation

/// Order-keeping JSON coding for the wire types.
///
/// Foundation's `JSONEncoder` and `JSONDecoder` on Linux do not keep object key order (neither for
/// struct fields nor inside `JSONValue`), and key order matters here: a schema's `properties` order is
/// the order the model writes fields in, and a request must hash the same every time. These go
/// through `JSONValue` instead: struct fields in declaration order, `JSONValue` objects as written.
public enum WireJSON {
  /// Compact JSON bytes of a wire value, keys in declaration / insertion order.
  public static func encode<T: Encodable>(_ value: T) throws -> Data { try encodeValue(value).serializedData() }

  public static func encodeValue<T: Encodable>(_ value: T) throws -> JSONValue {
    if let j = value as? JSONValue { return j }
    let node = Node()
    try value.encode(to: NodeEncoder(node: node, codingPath: []))
    return node.build()
  }

  /// Decodes a wire value from JSON bytes, keeping the order of every `JSONValue` inside it.
  public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
    try decode(type, from: try JSONValue.parse(data))
  }

  public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
    if T.self == JSONValue.self { return value as! T }
    return try T(from: NodeDecoder(value: value, codingPath: []))
  }
}

// MARK: - Encoding

private final class Node {
  var value: JSONValue?
  var keys: [String] = []
  var children: [String: Node] = [:]
  var items: [Node] = []
  enum Shape { case empty, object, array, single }
  var shape = Shape.empty

  func child(_ key: String) -> Node {
    shape = .object
    if let n = children[key] { return n }
    let n = Node()
    keys.append(key)
    children[key] = n
    return n
  }

  func append() -> Node {
    shape = .array
    let n = Node()
    items.append(n)
    return n
  }

  func set(_ v: JSONValue) {
    shape = .single
    value = v
  }

  func build() -> JSONValue {
    switch shape {
    case .empty: return .object(JSONObject())
    case .single: return value ?? .null
    case .array: return .array(items.map { $0.build() })
    case .object:
      var o = JSONObject()
      for k in keys { o[k] = children[k]!.build() }
      return .object(o)
    }
  }

  func encode<T: Encodable>(_ v: T, path: [CodingKey]) throws {
    if let j = v as? JSONValue { set(j); return }
    try v.encode(to: NodeEncoder(node: self, codingPath: path))
  }
}

private struct IndexKey: CodingKey {
  var intValue: Int?
  var stringValue: String { String(intValue ?? 0) }
  init(_ i: Int) { intValue = i }
  init?(stringValue: String) { nil }
  init?(intValue: Int) { self.intValue = intValue }
}

private struct NodeEncoder: Encoder {
  let node: Node
  var codingPath: [CodingKey]
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
    node.shape = .object
    return KeyedEncodingContainer(KeyedEnc<Key>(node: node, codingPath: codingPath))
  }
  func unkeyedContainer() -> UnkeyedEncodingContainer {
    node.shape = .array
    return UnkeyedEnc(node: node, codingPath: codingPath)
  }
  func singleValueContainer() -> SingleValueEncodingContainer { SingleEnc(node: node, codingPath: codingPath) }
}

private func num<T: BinaryInteger>(_ v: T) -> JSONValue { .number(Double(v)) }

private struct KeyedEnc<Key: CodingKey>: KeyedEncodingContainerProtocol {
  let node: Node
  var codingPath: [CodingKey]
  func put(_ v: JSONValue, _ key: Key) { node.child(key.stringValue).set(v) }
  mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
  mutating func encode(_ v: Bool, forKey key: Key) throws { put(.bool(v), key) }
  mutating func encode(_ v: String, forKey key: Key) throws { put(.string(v), key) }
  mutating func encode(_ v: Double, forKey key: Key) throws { put(.number(v), key) }
  mutating func encode(_ v: Float, forKey key: Key) throws { put(.number(Double(v)), key) }
  mutating func encode(_ v: Int, forKey key: Key) throws { put(num(v), key) }
  mutating func encode(_ v: Int8, forKey key: Key) throws { put(num(v), key) }
  mutating func encode(_ v: Int16, forKey key: Key) throws { put(num(v), key) }
  mutating func encode(_ v: Int32, forKey key: Key) throws { put(num(v), key) }
  mutating func encode(_ v: Int64, forKey key: Key) throws { put(num(v), key) }
  mutating func encode(_ v: UInt, forKey key: Key) throws { put(num(v), key) }
  mutating func encode(_ v: UInt8, forKey key: Key) throws { put(num(v), key) }
  mutating func encode(_ v: UInt16, forKey key: Key) throws { put(num(v), key) }
  mutating func encode(_ v: UInt32, forKey key: Key) throws { put(num(v), key) }
  mutating func encode(_ v: UInt64, forKey key: Key) throws { put(num(v), key) }
  mutating func encode<T: Encodable>(_ v: T, forKey key: Key) throws {
    try node.child(key.stringValue).encode(v, path: codingPath + [key])
  }
  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
    -> KeyedEncodingContainer<NestedKey>
  {
    let c = node.child(key.stringValue)
    c.shape = .object
    return KeyedEncodingContainer(KeyedEnc<NestedKey>(node: c, codingPath: codingPath + [key]))
  }
  mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
    let c = node.child(key.stringValue)
    c.shape = .array
    return UnkeyedEnc(node: c, codingPath: codingPath + [key])
  }
  mutating func superEncoder() -> Encoder { NodeEncoder(node: node.child("super"), codingPath: codingPath) }
  mutating func superEncoder(forKey key: Key) -> Encoder {
    NodeEncoder(node: node.child(key.stringValue), codingPath: codingPath + [key])
  }
}

private struct UnkeyedEnc: UnkeyedEncodingContainer {
  let node: Node
  var codingPath: [CodingKey]
  var count: Int { node.items.count }
  func put(_ v: JSONValue) { node.append().set(v) }
  mutating func encodeNil() throws { put(.null) }
  mutating func encode(_ v: Bool) throws { put(.bool(v)) }
  mutating func encode(_ v: String) throws { put(.string(v)) }
  mutating func encode(_ v: Double) throws { put(.number(v)) }
  mutating func encode(_ v: Float) throws { put(.number(Double(v))) }
  mutating func encode(_ v: Int) throws { put(num(v)) }
  mutating func encode(_ v: Int8) throws { put(num(v)) }
  mutating func encode(_ v: Int16) throws { put(num(v)) }
  mutating func encode(_ v: Int32) throws { put(num(v)) }
  mutating func encode(_ v: Int64) throws { put(num(v)) }
  mutating func encode(_ v: UInt) throws { put(num(v)) }
  mutating func encode(_ v: UInt8) throws { put(num(v)) }
  mutating func encode(_ v: UInt16) throws { put(num(v)) }
  mutating func encode(_ v: UInt32) throws { put(num(v)) }
  mutating func encode(_ v: UInt64) throws { put(num(v)) }
  mutating func encode<T: Encodable>(_ v: T) throws {
    try node.append().encode(v, path: codingPath + [IndexKey(count)])
  }
  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
    let c = node.append()
    c.shape = .object
    return KeyedEncodingContainer(KeyedEnc<NestedKey>(node: c, codingPath: codingPath + [IndexKey(count - 1)]))
  }
  mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
    let c = node.append()
    c.shape = .array
    return UnkeyedEnc(node: c, codingPath: codingPath + [IndexKey(count - 1)])
  }
  mutating func superEncoder() -> Encoder { NodeEncoder(node: node.append(), codingPath: codingPath) }
}

private struct SingleEnc: SingleValueEncodingContainer {
  let node: Node
  var codingPath: [CodingKey]
  mutating func encodeNil() throws { node.set(.null) }
  mutating func encode(_ v: Bool) throws { node.set(.bool(v)) }
  mutating func encode(_ v: String) throws { node.set(.string(v)) }
  mutating func encode(_ v: Double) throws { node.set(.number(v)) }
  mutating func encode(_ v: Float) throws { node.set(.number(Double(v))) }
  mutating func encode(_ v: Int) throws { node.set(num(v)) }
  mutating func encode(_ v: Int8) throws { node.set(num(v)) }
  mutating func encode(_ v: Int16) throws { node.set(num(v)) }
  mutating func encode(_ v: Int32) throws { node.set(num(v)) }
  mutating func encode(_ v: Int64) throws { node.set(num(v)) }
  mutating func encode(_ v: UInt) throws { node.set(num(v)) }
  mutating func encode(_ v: UInt8) throws { node.set(num(v)) }
  mutating func encode(_ v: UInt16) throws { node.set(num(v)) }
  mutating func encode(_ v: UInt32) throws { node.set(num(v)) }
  mutating func encode(_ v: UInt64) throws { node.set(num(v)) }
  mutating func encode<T: Encodable>(_ v: T) throws { try node.encode(v, path: codingPath) }
}

// MARK: - Decoding

private struct NodeDecoder: Decoder {
  let value: JSONValue
  var codingPath: [CodingKey]
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
    guard case .object(let o) = value else { throw mismatch([String: JSONValue].self, value, codingPath) }
    return KeyedDecodingContainer(KeyedDec<Key>(object: o, codingPath: codingPath))
  }
  func unkeyedContainer() throws -> UnkeyedDecodingContainer {
    guard case .array(let a) = value else { throw mismatch([JSONValue].self, value, codingPath) }
    return UnkeyedDec(items: a, codingPath: codingPath)
  }
  func singleValueContainer() throws -> SingleValueDecodingContainer { SingleDec(value: value, codingPath: codingPath) }
}

private func mismatch(_ type: Any.Type, _ v: JSONValue, _ path: [CodingKey]) -> DecodingError {
  .typeMismatch(type, .init(codingPath: path, debugDescription: "expected \(type), found \(v.typeName)"))
}

private func decodeValue<T: Decodable>(_ type: T.Type, _ v: JSONValue, _ path: [CodingKey]) throws -> T {
  if T.self == JSONValue.self { return v as! T }
  return try T(from: NodeDecoder(value: v, codingPath: path))
}

private func integer<T: FixedWidthInteger>(_ v: JSONValue, _ path: [CodingKey]) throws -> T {
  guard case .number(let d) = v, let i = T(exactly: d) else { throw mismatch(T.self, v, path) }
  return i
}

private func primitive<T>(_ v: JSONValue, _ path: [CodingKey]) throws -> T {
  switch v {
  case .bool(let b): if let r = b as? T { return r }
  case .string(let s): if let r = s as? T { return r }
  case .number(let d):
    if let r = d as? T { return r }
    if T.self == Float.self { return Float(d) as! T }
  default: break
  }
  throw mismatch(T.self, v, path)
}

private struct KeyedDec<Key: CodingKey>: KeyedDecodingContainerProtocol {
  let object: JSONObject
  var codingPath: [CodingKey]
  var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }
  func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }
  func get(_ key: Key) throws -> JSONValue {
    guard let v = object[key.stringValue] else {
      throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no value for \(key.stringValue)"))
    }
    return v
  }
  func decodeNil(forKey key: Key) throws -> Bool { object[key.stringValue]?.isNull ?? true }
  func decode(_ t: Bool.Type, forKey key: Key) throws -> Bool { try primitive(get(key), codingPath + [key]) }
  func decode(_ t: String.Type, forKey key: Key) throws -> String { try primitive(get(key), codingPath + [key]) }
  func decode(_ t: Double.Type, forKey key: Key) throws -> Double { try primitive(get(key), codingPath + [key]) }
  func decode(_ t: Float.Type, forKey key: Key) throws -> Float { try primitive(get(key), codingPath + [key]) }
  func decode(_ t: Int.Type, forKey key: Key) throws -> Int { try integer(get(key), codingPath + [key]) }
  func decode(_ t: Int8.Type, forKey key: Key) throws -> Int8 { try integer(get(key), codingPath + [key]) }
  func decode(_ t: Int16.Type, forKey key: Key) throws -> Int16 { try integer(get(key), codingPath + [key]) }
  func decode(_ t: Int32.Type, forKey key: Key) throws -> Int32 { try integer(get(key), codingPath + [key]) }
  func decode(_ t: Int64.Type, forKey key: Key) throws -> Int64 { try integer(get(key), codingPath + [key]) }
  func decode(_ t: UInt.Type, forKey key: Key) throws -> UInt { try integer(get(key), codingPath + [key]) }
  func decode(_ t: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(get(key), codingPath + [key]) }
  func decode(_ t: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(get(key), codingPath + [key]) }
  func decode(_ t: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(get(key), codingPath + [key]) }
  func decode(_ t: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(get(key), codingPath + [key]) }
  func decode<T: Decodable>(_ t: T.Type, forKey key: Key) throws -> T {
    try decodeValue(t, get(key), codingPath + [key])
  }
  func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
    -> KeyedDecodingContainer<NestedKey>
  {
    try NodeDecoder(value: get(key), codingPath: codingPath + [key]).container(keyedBy: type)
  }
  func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
    try NodeDecoder(value: get(key), codingPath: codingPath + [key]).unkeyedContainer()
  }
  func superDecoder() throws -> Decoder { NodeDecoder(value: object["super"] ?? .null, codingPath: codingPath) }
  func superDecoder(forKey key: Key) throws -> Decoder {
    NodeDecoder(value: object[key.stringValue] ?? .null, codingPath: codingPath + [key])
  }
}

private struct UnkeyedDec: UnkeyedDecodingContainer {
  let items: [JSONValue]
  var codingPath: [CodingKey]
  var currentIndex = 0
  var count: Int? { items.count }
  var isAtEnd: Bool { currentIndex >= items.count }

  init(items: [JSONValue], codingPath: [CodingKey]) {
    self.items = items
    self.codingPath = codingPath
  }

  mutating func next() throws -> (JSONValue, [CodingKey]) {
    guard !isAtEnd else {
      throw DecodingError.valueNotFound(
        JSONValue.self, .init(codingPath: codingPath, debugDescription: "the array has no more elements"))
    }
    defer { currentIndex += 1 }
    return (items[currentIndex], codingPath + [IndexKey(currentIndex)])
  }
  mutating func decodeNil() throws -> Bool {
    if !isAtEnd, items[currentIndex].isNull {
      currentIndex += 1
      return true
    }
    return false
  }
  mutating func decode(_ t: Bool.Type) throws -> Bool { let (v, p) = try next(); return try primitive(v, p) }
  mutating func decode(_ t: String.Type) throws -> String { let (v, p) = try next(); return try primitive(v, p) }
  mutating func decode(_ t: Double.Type) throws -> Double { let (v, p) = try next(); return try primitive(v, p) }
  mutating func decode(_ t: Float.Type) throws -> Float { let (v, p) = try next(); return try primitive(v, p) }
  mutating func decode(_ t: Int.Type) throws -> Int { let (v, p) = try next(); return try integer(v, p) }
  mutating func decode(_ t: Int8.Type) throws -> Int8 { let (v, p) = try next(); return try integer(v, p) }
  mutating func decode(_ t: Int16.Type) throws -> Int16 { let (v, p) = try next(); return try integer(v, p) }
  mutating func decode(_ t: Int32.Type) throws -> Int32 { let (v, p) = try next(); return try integer(v, p) }
  mutating func decode(_ t: Int64.Type) throws -> Int64 { let (v, p) = try next(); return try integer(v, p) }
  mutating func decode(_ t: UInt.Type) throws -> UInt { let (v, p) = try next(); return try integer(v, p) }
  mutating func decode(_ t: UInt8.Type) throws -> UInt8 { let (v, p) = try next(); return try integer(v, p) }
  mutating func decode(_ t: UInt16.Type) throws -> UInt16 { let (v, p) = try next(); return try integer(v, p) }
  mutating func decode(_ t: UInt32.Type) throws -> UInt32 { let (v, p) = try next(); return try integer(v, p) }
  mutating func decode(_ t: UInt64.Type) throws -> UInt64 { let (v, p) = try next(); return try integer(v, p) }
  mutating func decode<T: Decodable>(_ t: T.Type) throws -> T { let (v, p) = try next(); return try decodeValue(t, v, p) }
  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
    let (v, p) = try next()
    return try NodeDecoder(value: v, codingPath: p).container(keyedBy: type)
  }
  mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer {
    let (v, p) = try next()
    return try NodeDecoder(value: v, codingPath: p).unkeyedContainer()
  }
  mutating func superDecoder() throws -> Decoder {
    let (v, p) = try next()
    return NodeDecoder(value: v, codingPath: p)
  }
}

private struct SingleDec: SingleValueDecodingContainer {
  let value: JSONValue
  var codingPath: [CodingKey]
  func decodeNil() -> Bool { value.isNull }
  func decode(_ t: Bool.Type) throws -> Bool { try primitive(value, codingPath) }
  func decode(_ t: String.Type) throws -> String { try primitive(value, codingPath) }
  func decode(_ t: Double.Type) throws -> Double { try primitive(value, codingPath) }
  func decode(_ t: Float.Type) throws -> Float { try primitive(value, codingPath) }
  func decode(_ t: Int.Type) throws -> Int { try integer(value, codingPath) }
  func decode(_ t: Int8.Type) throws -> Int8 { try integer(value, codingPath) }
  func decode(_ t: Int16.Type) throws -> Int16 { try integer(value, codingPath) }
  func decode(_ t: Int32.Type) throws -> Int32 { try integer(value, codingPath) }
  func decode(_ t: Int64.Type) throws -> Int64 { try integer(value, codingPath) }
  func decode(_ t: UInt.Type) throws -> UInt { try integer(value, codingPath) }
  func decode(_ t: UInt8.Type) throws -> UInt8 { try integer(value, codingPath) }
  func decode(_ t: UInt16.Type) throws -> UInt16 { try integer(value, codingPath) }
  func decode(_ t: UInt32.Type) throws -> UInt32 { try integer(value, codingPath) }
  func decode(_ t: UInt64.Type) throws -> UInt64 { try integer(value, codingPath) }
  func decode<T: Decodable>(_ t: T.Type) throws -> T { try decodeValue(t, value, codingPath) }
}
