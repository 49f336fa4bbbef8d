import Foundation

/// One place where a value breaks its schema: a JSON path (`$.items[2].price`) and what is wrong.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
  public let path: String
  public let message: String
  public init(path: String, message: String) {
    self.path = path
    self.message = message
  }
  public var description: String { "\(path): \(message)" }
}

/// Validates JSON values against the two schema dialects of JSON mode, and checks that a schema
/// itself is well formed.
///
/// Both dialects are read by one set of rules: type names are case-insensitive (`OBJECT` or
/// `object`), `type` may be a list (`["string","null"]`), `nullable: true` admits null, `oneOf`
/// is treated as `anyOf` (as the API does), `$ref` resolves `#/$defs/…`, `#/definitions/…`,
/// `#/defs/…` and `#`. Unknown keywords are ignored by `validate` (they are `checkSchema`'s job).
/// Formats checked: `date`, `date-time`, `time`; `pattern` is checked with NSRegularExpression.
public enum SchemaValidator {
  /// Every violation of `schema` by `value`; empty means the value conforms.
  public static func validate(_ value: JSONValue, against schema: OutputSchema) -> [SchemaViolation] {
    var v = Walker(root: schema.value)
    v.check(value, schema.value, path: "$", depth: 0)
    return v.out
  }

  /// Problems with the schema itself, as readable sentences; empty means usable.
  public static func checkSchema(_ schema: OutputSchema) -> [String] {
    var out: [String] = []
    checkNode(schema.value, root: schema.value, path: "$", out: &out, depth: 0)
    return out
  }

  static let typeNames: Set<String> = ["string", "number", "integer", "boolean", "array", "object", "null"]

  // MARK: - Shared helpers

  /// Resolves a `$ref` (or OpenAPI `ref`) against the root schema; nil when it does not exist.
  public static func resolve(ref: String, root: JSONValue) -> JSONValue? {
    if ref == "#" { return root }
    guard ref.hasPrefix("#/") else {
      // A bare definition name, as some SDKs write `ref: "Node"`.
      for key in ["$defs", "definitions", "defs"] { if let d = root[key]?[ref] { return d } }
      return nil
    }
    var cur: JSONValue = root
    for raw in ref.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
      let token = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
      switch cur {
      case .object(let o):
        guard let next = o[token] else { return nil }
        cur = next
      case .array(let a):
        guard let i = Int(token), a.indices.contains(i) else { return nil }
        cur = a[i]
      default: return nil
      }
    }
    return cur
  }

  /// The `$ref`/`ref` string of a schema node, if it has one.
  public static func refString(_ node: JSONValue) -> String? {
    node["$ref"]?.stringValue ?? node["ref"]?.stringValue
  }

  /// The lower-cased type names a node allows, nil when it sets no type.
  public static func types(_ node: JSONValue) -> [String]? {
    switch node["type"] {
    case .string(let s)?: return [s.lowercased()]
    case .array(let a)?: return a.compactMap { $0.stringValue?.lowercased() }
    default: return nil
    }
  }

  /// `anyOf` plus `oneOf` branches.
  public static func branches(_ node: JSONValue) -> [JSONValue]? {
    let a = (node["anyOf"]?.arrayValue ?? []) + (node["oneOf"]?.arrayValue ?? [])
    return a.isEmpty ? nil : a
  }

  /// True for a valid `YYYY-MM-DD` calendar date.
  public static func isDate(_ s: String) -> Bool {
    let u = Array(s.utf8)
    guard u.count == 10, u[4] == 0x2D, u[7] == 0x2D else { return false }
    guard let y = digits(u, 0, 4), let m = digits(u, 5, 2), let d = digits(u, 8, 2) else { return false }
    guard (1...12).contains(m), d >= 1 else { return false }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
    let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    return d <= days
  }

  /// True for an RFC 3339 time `HH:MM:SS[.frac](Z|±HH:MM)`; the offset is optional when `offsetRequired` is false.
  public static func isTime(_ s: String, offsetRequired: Bool = false) -> Bool {
    let u = Array(s.utf8)
    guard u.count >= 8, u[2] == 0x3A, u[5] == 0x3A,
      let h = digits(u, 0, 2), let mi = digits(u, 3, 2), let se = digits(u, 6, 2),
      h < 24, mi < 60, se <= 60
    else { return false }
    var i = 8
    if i < u.count, u[i] == 0x2E {
      i += 1
      let start = i
      while i < u.count, (0x30...0x39).contains(u[i]) { i += 1 }
      if i == start { return false }
    }
    if i == u.count { return !offsetRequired }
    if u[i] == 0x5A || u[i] == 0x7A { return i + 1 == u.count }
    guard u[i] == 0x2B || u[i] == 0x2D, u.count - i == 6, u[i + 3] == 0x3A,
      let oh = digits(u, i + 1, 2), let om = digits(u, i + 4, 2), oh < 24, om < 60
    else { return false }
    return true
  }

  /// True for an RFC 3339 date-time (`2024-05-01T10:00:00Z`).
  public static func isDateTime(_ s: String) -> Bool {
    guard let t = s.firstIndex(where: { $0 == "T" || $0 == "t" || $0 == " " }) else { return false }
    return isDate(String(s[..<t])) && isTime(String(s[s.index(after: t)...]), offsetRequired: true)
  }

  private static func digits(_ u: [UInt8], _ at: Int, _ n: Int) -> Int? {
    var v = 0
    for k in at..<(at + n) {
      guard (0x30...0x39).contains(u[k]) else { return nil }
      v = v * 10 + Int(u[k] - 0x30)
    }
    return v
  }

  // MARK: - Value validation

  private struct Walker {
    let root: JSONValue
    var out: [SchemaViolation] = []

    mutating func fail(_ path: String, _ m: String) { out.append(SchemaViolation(path: path, message: m)) }

    /// Validates without recording, for anyOf branches.
    func matches(_ value: JSONValue, _ schema: JSONValue, depth: Int) -> Bool {
      var w = Walker(root: root)
      w.check(value, schema, path: "$", depth: depth)
      return w.out.isEmpty
    }

    mutating func check(_ value: JSONValue, _ schema: JSONValue, path: String, depth: Int) {
      guard depth < 64 else { return fail(path, "schema nesting too deep (cyclic $ref?)") }
      switch schema {
      case .bool(let b):
        if !b { fail(path, "no value is allowed here") }
        return
      case .object: break
      default: return
      }
      if let ref = SchemaValidator.refString(schema) {
        guard let target = SchemaValidator.resolve(ref: ref, root: root) else {
          return fail(path, "schema $ref \(ref) does not resolve")
        }
        check(value, target, path: path, depth: depth + 1)
        return
      }
      if value.isNull, schema["nullable"]?.boolValue == true { return }
      if let branches = SchemaValidator.branches(schema) {
        if !branches.contains(where: { matches(value, $0, depth: depth + 1) }) {
          fail(path, "matches none of the \(branches.count) anyOf/oneOf alternatives")
        }
      }
      if let all = schema["allOf"]?.arrayValue {
        for s in all { check(value, s, path: path, depth: depth + 1) }
      }
      if let c = schema["const"], !JSONEquality.equal(c, value) {
        fail(path, "must be \(c.serialized())")
      }
      if let e = schema["enum"]?.arrayValue, !e.contains(where: { JSONEquality.equal($0, value) }) {
        let shown = e.prefix(8).map { $0.serialized() }.joined(separator: ", ")
        fail(path, "\(short(value)) is not one of [\(shown)\(e.count > 8 ? ", …" : "")]")
      }
      if let ts = SchemaValidator.types(schema), !ts.isEmpty {
        let ok = ts.contains { t in
          switch (t, value) {
          case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object),
            ("number", .number):
            return true
          case ("integer", .number(let n)): return n.rounded() == n
          default: return false
          }
        }
        if !ok {
          return fail(path, "expected \(ts.joined(separator: " or ")), found \(value.isNull ? "null" : value.typeName)")
        }
      }
      switch value {
      case .string(let s): checkString(s, schema, path)
      case .number(let n): checkNumber(n, schema, path)
      case .array(let a): checkArray(a, schema, path, depth)
      case .object(let o): checkObject(o, schema, path, depth)
      default: break
      }
    }

    mutating func checkString(_ s: String, _ schema: JSONValue, _ path: String) {
      let len = s.unicodeScalars.count
      if let m = schema["minLength"]?.intValue, len < m { fail(path, "string shorter than minLength \(m)") }
      if let m = schema["maxLength"]?.intValue, len > m { fail(path, "string longer than maxLength \(m)") }
      if let p = schema["pattern"]?.stringValue {
        if let re = try? NSRegularExpression(pattern: p) {
          let r = NSRange(s.startIndex..., in: s)
          if re.firstMatch(in: s, range: r) == nil { fail(path, "does not match pattern \(p)") }
        }
      }
      switch schema["format"]?.stringValue?.lowercased() {
      case "date"?: if !SchemaValidator.isDate(s) { fail(path, "\(short(.string(s))) is not a date (YYYY-MM-DD)") }
      case "date-time"?:
        if !SchemaValidator.isDateTime(s) { fail(path, "\(short(.string(s))) is not an RFC 3339 date-time") }
      case "time"?: if !SchemaValidator.isTime(s) { fail(path, "\(short(.string(s))) is not a time (HH:MM:SS)") }
      default: break
      }
    }

    mutating func checkNumber(_ n: Double, _ schema: JSONValue, _ path: String) {
      if let m = schema["minimum"]?.doubleValue {
        if schema["exclusiveMinimum"]?.boolValue == true ? n <= m : n < m { fail(path, "\(fmt(n)) is below minimum \(fmt(m))") }
      }
      if let m = schema["maximum"]?.doubleValue {
        if schema["exclusiveMaximum"]?.boolValue == true ? n >= m : n > m { fail(path, "\(fmt(n)) is above maximum \(fmt(m))") }
      }
      if let m = schema["exclusiveMinimum"]?.doubleValue, n <= m { fail(path, "\(fmt(n)) is not above \(fmt(m))") }
      if let m = schema["exclusiveMaximum"]?.doubleValue, n >= m { fail(path, "\(fmt(n)) is not below \(fmt(m))") }
    }

    mutating func checkArray(_ a: [JSONValue], _ schema: JSONValue, _ path: String, _ depth: Int) {
      if let m = schema["minItems"]?.intValue, a.count < m { fail(path, "\(a.count) items, fewer than minItems \(m)") }
      if let m = schema["maxItems"]?.intValue, a.count > m { fail(path, "\(a.count) items, more than maxItems \(m)") }
      let prefix = schema["prefixItems"]?.arrayValue ?? []
      for (i, v) in a.enumerated() {
        if i < prefix.count {
          check(v, prefix[i], path: "\(path)[\(i)]", depth: depth + 1)
        } else if let items = schema["items"] {
          check(v, items, path: "\(path)[\(i)]", depth: depth + 1)
        }
      }
    }

    mutating func checkObject(_ o: JSONObject, _ schema: JSONValue, _ path: String, _ depth: Int) {
      let props = schema["properties"]?.objectValue
      for r in schema["required"]?.arrayValue ?? [] {
        if let name = r.stringValue, o[name] == nil { fail(path, "missing required property \"\(name)\"") }
      }
      if let m = schema["minProperties"]?.intValue, o.count < m { fail(path, "fewer than minProperties \(m)") }
      if let m = schema["maxProperties"]?.intValue, o.count > m { fail(path, "more than maxProperties \(m)") }
      for (k, v) in o {
        let childPath = path + "." + k
        if let ps = props?[k] {
          check(v, ps, path: childPath, depth: depth + 1)
        } else {
          switch schema["additionalProperties"] {
          case .bool(false)?: fail(path, "property \"\(k)\" is not allowed")
          case .object?: check(v, schema["additionalProperties"]!, path: childPath, depth: depth + 1)
          default: break
          }
        }
      }
    }

    func short(_ v: JSONValue) -> String {
      let s = v.serialized()
      return s.count > 40 ? String(s.prefix(40)) + "…" : s
    }
    func fmt(_ d: Double) -> String { d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : "\(d)" }
  }

  // MARK: - Schema checks

  private static let schemaMapKeys = ["properties", "$defs", "definitions", "defs", "patternProperties"]
  private static let schemaListKeys = ["anyOf", "oneOf", "allOf", "prefixItems"]

  private static func checkNode(_ node: JSONValue, root: JSONValue, path: String, out: inout [String], depth: Int) {
    guard depth < 64 else { out.append("\(path): schema nested too deeply"); return }
    guard case .object(let o) = node else {
      if case .bool = node, depth > 0 { return }
      out.append("\(path): a schema must be a JSON object, found \(node.isNull ? "null" : node.typeName)")
      return
    }
    if let ref = refString(node) {
      if resolve(ref: ref, root: root) == nil { out.append("\(path): $ref \(ref) points to a missing definition") }
    } else if let r = o["$ref"] ?? o["ref"], r.stringValue == nil {
      out.append("\(path): $ref must be a string")
    }
    if let t = o["type"] {
      let names: [JSONValue]
      switch t {
      case .string: names = [t]
      case .array(let a): names = a
      default: names = []; out.append("\(path): type must be a string or a list of strings")
      }
      for n in names {
        guard let s = n.stringValue, typeNames.contains(s.lowercased()) else {
          out.append("\(path): unknown type \(n.serialized()) (use string, number, integer, boolean, array, object or null)")
          continue
        }
      }
    }
    if let e = o["enum"], e.arrayValue == nil { out.append("\(path): enum must be a list") }
    if let e = o["enum"]?.arrayValue, e.isEmpty { out.append("\(path): enum is empty") }
    if let r = o["required"] {
      if let list = r.arrayValue {
        let props = o["properties"]?.objectValue
        for name in list {
          guard let s = name.stringValue else { out.append("\(path): required must list property names"); continue }
          if let props, props[s] == nil { out.append("\(path): required names \"\(s)\", which is not in properties") }
          if props == nil, o["additionalProperties"]?.boolValue == false {
            out.append("\(path): required names \"\(s)\" but no properties are allowed")
          }
        }
      } else {
        out.append("\(path): required must be a list of property names")
      }
    }
    for (lo, hi) in [("minItems", "maxItems"), ("minLength", "maxLength"), ("minimum", "maximum"), ("minProperties", "maxProperties")] {
      if let a = o[lo], a.doubleValue == nil { out.append("\(path): \(lo) must be a number") }
      if let b = o[hi], b.doubleValue == nil { out.append("\(path): \(hi) must be a number") }
      if let a = o[lo]?.doubleValue, let b = o[hi]?.doubleValue, a > b { out.append("\(path): \(lo) \(a) is greater than \(hi) \(b)") }
    }
    if let p = o["pattern"] {
      if let s = p.stringValue {
        if (try? NSRegularExpression(pattern: s)) == nil { out.append("\(path): pattern is not a valid regular expression") }
      } else {
        out.append("\(path): pattern must be a string")
      }
    }
    for key in schemaMapKeys {
      guard let m = o[key] else { continue }
      guard case .object(let map) = m else { out.append("\(path).\(key): must be an object of schemas"); continue }
      for (k, v) in map { checkNode(v, root: root, path: "\(path).\(key).\(k)", out: &out, depth: depth + 1) }
    }
    for key in schemaListKeys {
      guard let m = o[key] else { continue }
      guard case .array(let list) = m else { out.append("\(path).\(key): must be a list of schemas"); continue }
      for (i, v) in list.enumerated() { checkNode(v, root: root, path: "\(path).\(key)[\(i)]", out: &out, depth: depth + 1) }
    }
    if let items = o["items"] {
      checkNode(items, root: root, path: "\(path).items", out: &out, depth: depth + 1)
    }
    if let ap = o["additionalProperties"], ap.boolValue == nil {
      checkNode(ap, root: root, path: "\(path).additionalProperties", out: &out, depth: depth + 1)
    }
    if let po = o["propertyOrdering"] {
      if let list = po.arrayValue, let props = o["properties"]?.objectValue {
        for n in list where n.stringValue.map({ props[$0] == nil }) ?? true {
          out.append("\(path): propertyOrdering names \(n.serialized()), which is not in properties")
        }
      } else if po.arrayValue == nil {
        out.append("\(path): propertyOrdering must be a list of property names")
      }
    }
  }
}

/// JSON equality where `1` and `1.0` are the same number and object key order does not matter.
enum JSONEquality {
  static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool { a == b }
}
