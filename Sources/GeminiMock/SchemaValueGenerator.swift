import GeminiAPI

/// Builds a JSON value that conforms to a schema (either dialect), deterministically from a seeded
/// generator. Used for JSON-mode answers and function-call arguments.
///
/// Rules: `$ref`/`ref` are followed; recursion stops by leaving out optional properties and using
/// `minItems` (0 when unset) once the depth passes `recursionDepth`; `anyOf`/`oneOf` pick one branch
/// (a non-recursive one when deep); `enum`/`const` pick a listed value; objects follow
/// `propertyOrdering`, then declaration order; arrays get a length inside `minItems...maxItems`;
/// strings honour `format` (date, date-time, time, email, uri, uuid), `minLength` and `maxLength`;
/// numbers stay inside `minimum`/`maximum` (exclusive bounds too). A string with a `pattern` (and
/// no `format`) matches it when the pattern keeps to the common subset `PatternStringGenerator`
/// reads; otherwise it is a plain word, as the real model is not bound by the pattern either.
struct SchemaValueGenerator {
  let root: JSONValue
  var rng: SplitMix64
  var recursionDepth = 3

  init(schema: OutputSchema, rng: SplitMix64) {
    root = schema.value
    self.rng = rng
  }

  static func value(for schema: OutputSchema, rng: inout SplitMix64) -> JSONValue {
    var g = SchemaValueGenerator(schema: schema, rng: rng)
    let v = g.make(schema.value, depth: 0, refDepth: 0)
    rng = g.rng
    return v
  }

  mutating func make(_ node: JSONValue, depth: Int, refDepth: Int) -> JSONValue {
    guard depth < 48, case .object = node else { return node.boolValue == false ? .null : .string(word()) }
    if let ref = SchemaValidator.refString(node), let target = SchemaValidator.resolve(ref: ref, root: root) {
      return make(target, depth: depth + 1, refDepth: refDepth + 1)
    }
    if let c = node["const"] { return c }
    if let e = node["enum"]?.arrayValue, !e.isEmpty { return e[rng.below(e.count)] }
    if let branches = SchemaValidator.branches(node) {
      let deep = refDepth >= recursionDepth
      let pick: JSONValue
      if deep, let simple = branches.first(where: { !mayRecurse($0) }) {
        pick = simple
      } else {
        pick = branches[rng.below(branches.count)]
      }
      return make(merged(pick, with: node), depth: depth + 1, refDepth: refDepth)
    }
    let types = SchemaValidator.types(node) ?? inferTypes(node)
    var type = types.first(where: { $0 != "null" }) ?? types.first ?? "string"
    if refDepth >= recursionDepth, types.contains("null") || node["nullable"]?.boolValue == true, type == "object" {
      type = "null"
    }
    switch type {
    case "null": return .null
    case "boolean": return .bool(rng.below(2) == 1)
    case "integer": return .number(Double(integer(node)))
    case "number": return .number(number(node))
    case "string": return .string(string(node))
    case "array": return array(node, depth: depth, refDepth: refDepth)
    case "object": return object(node, depth: depth, refDepth: refDepth)
    default: return .string(word())
    }
  }

  /// Keywords of the parent (other than the branches) apply to the chosen branch too.
  private func merged(_ branch: JSONValue, with parent: JSONValue) -> JSONValue {
    guard case .object(var b) = branch, case .object(let p) = parent else { return branch }
    if SchemaValidator.refString(branch) != nil { return branch }
    for (k, v) in p where k != "anyOf" && k != "oneOf" && b[k] == nil && k != "nullable" { b[k] = v }
    return .object(b)
  }

  private func inferTypes(_ node: JSONValue) -> [String] {
    if node["properties"] != nil { return ["object"] }
    if node["items"] != nil || node["prefixItems"] != nil { return ["array"] }
    if node["minimum"] != nil || node["maximum"] != nil { return ["number"] }
    return ["string"]
  }

  private func mayRecurse(_ node: JSONValue) -> Bool {
    if SchemaValidator.refString(node) != nil { return true }
    if let t = SchemaValidator.types(node), t.contains("object") || t.contains("array") { return true }
    return node["properties"] != nil || node["items"] != nil
  }

  private mutating func integer(_ node: JSONValue) -> Int {
    var lo = node["minimum"]?.doubleValue.map { Int($0.rounded(.up)) } ?? 0
    var hi = node["maximum"]?.doubleValue.map { Int($0.rounded(.down)) } ?? max(lo, 0) + 100
    if node["exclusiveMinimum"]?.boolValue == true, let m = node["minimum"]?.doubleValue, Double(lo) == m { lo += 1 }
    if node["exclusiveMaximum"]?.boolValue == true, let m = node["maximum"]?.doubleValue, Double(hi) == m { hi -= 1 }
    if let m = node["exclusiveMinimum"]?.doubleValue { lo = max(lo, Int(m.rounded(.down)) + 1) }
    if let m = node["exclusiveMaximum"]?.doubleValue { hi = min(hi, Int(m.rounded(.up)) - 1) }
    if node["maximum"] == nil, node["exclusiveMaximum"] == nil { hi = max(hi, lo + 100) }
    guard hi >= lo else { return lo }
    return lo + rng.below(min(hi - lo + 1, 1 << 30))
  }

  private mutating func number(_ node: JSONValue) -> Double {
    var lo = node["minimum"]?.doubleValue ?? node["exclusiveMinimum"]?.doubleValue ?? 0
    var hi = node["maximum"]?.doubleValue ?? node["exclusiveMaximum"]?.doubleValue ?? lo + 1000
    if hi < lo { hi = lo }
    // Stay strictly inside for exclusive bounds; two decimals like a model would write.
    let span = hi - lo
    lo += span * 0.01
    hi -= span * 0.01
    let v = lo + (hi - lo) * rng.nextUnit()
    let r = (v * 100).rounded() / 100
    return (r >= lo && r <= hi) ? r : v
  }

  private mutating func string(_ node: JSONValue) -> String {
    if node["format"] == nil, let p = node["pattern"]?.stringValue,
      let s = PatternStringGenerator.string(
        matching: p, minLength: node["minLength"]?.intValue, maxLength: node["maxLength"]?.intValue, rng: &rng)
    {
      return s
    }
    var s: String
    switch node["format"]?.stringValue?.lowercased() {
    case "date"?: s = date()
    case "date-time"?: s = date() + "T" + time() + "Z"
    case "time"?: s = time()
    case "email"?: s = word() + "." + word() + "@example.com"
    case "uri"?, "url"?: s = "https://example.com/" + word()
    case "uuid"?: s = uuid()
    default:
      let n = 1 + rng.below(3)
      s = (0..<n).map { _ in word() }.joined(separator: " ")
    }
    let len = s.unicodeScalars.count
    if let min = node["minLength"]?.intValue, len < min {
      while s.unicodeScalars.count < min { s += " " + word() }
    }
    if let max = node["maxLength"]?.intValue, s.unicodeScalars.count > max {
      s = String(String.UnicodeScalarView(s.unicodeScalars.prefix(max)))
    }
    return s
  }

  private mutating func array(_ node: JSONValue, depth: Int, refDepth: Int) -> JSONValue {
    let prefix = node["prefixItems"]?.arrayValue ?? []
    let minItems = node["minItems"]?.intValue ?? 0
    let maxItems = node["maxItems"]?.intValue ?? Int.max
    var count: Int
    if refDepth >= recursionDepth {
      count = minItems
    } else {
      count = max(minItems, min(maxItems, 1 + rng.below(3)))
    }
    if node["items"] == nil || node["items"]?.boolValue == false { count = min(count, prefix.count) }
    count = max(count, min(prefix.count, maxItems), minItems)
    var out: [JSONValue] = []
    out.reserveCapacity(count)
    for i in 0..<count {
      let s = i < prefix.count ? prefix[i] : (node["items"] ?? .object(JSONObject()))
      let childRef = refDepth + (SchemaValidator.refString(s) != nil ? 0 : 0)
      out.append(make(s, depth: depth + 1, refDepth: childRef))
    }
    return .array(out)
  }

  private mutating func object(_ node: JSONValue, depth: Int, refDepth: Int) -> JSONValue {
    let props = node["properties"]?.objectValue ?? JSONObject()
    let required = Set((node["required"]?.arrayValue ?? []).compactMap(\.stringValue))
    var order: [String] = (node["propertyOrdering"]?.arrayValue ?? []).compactMap(\.stringValue).filter { props[$0] != nil }
    for k in props.keys where !order.contains(k) { order.append(k) }
    let maxProps = node["maxProperties"]?.intValue ?? Int.max
    var out = JSONObject()
    for k in order {
      guard out.count < maxProps || required.contains(k) else { continue }
      let s = props[k]!
      let optional = !required.contains(k)
      // Leave optional properties out once deep, so recursive schemas end; and now and then anyway.
      if optional, refDepth >= recursionDepth || (mayRecurse(s) && refDepth >= 1 && rng.below(3) == 0) { continue }
      out[k] = make(s, depth: depth + 1, refDepth: refDepth)
    }
    let minProps = node["minProperties"]?.intValue ?? 0
    var extra = 0
    while out.count < minProps, node["additionalProperties"]?.boolValue != false {
      extra += 1
      let s = node["additionalProperties"].flatMap { $0.objectValue != nil ? $0 : nil } ?? .object(JSONObject())
      out["extra_\(extra)"] = make(s, depth: depth + 1, refDepth: refDepth)
    }
    return .object(out)
  }

  // MARK: words and dates

  static let words = [
    "alpha", "amber", "atlas", "beacon", "birch", "cedar", "comet", "coral", "delta", "ember", "fable", "fjord",
    "garnet", "harbor", "iris", "jade", "juniper", "kestrel", "lagoon", "lumen", "maple", "meadow", "nectar", "nova",
    "onyx", "orbit", "pebble", "prism", "quartz", "quill", "raven", "river", "saffron", "sierra", "tundra", "umber",
    "vale", "velvet", "willow", "zephyr",
  ]

  mutating func word() -> String { Self.words[rng.below(Self.words.count)] }

  private mutating func date() -> String {
    let y = 2020 + rng.below(7), m = 1 + rng.below(12), d = 1 + rng.below(28)
    return "\(y)-\(Self.two(m))-\(Self.two(d))"
  }

  private mutating func time() -> String {
    "\(Self.two(rng.below(24))):\(Self.two(rng.below(60))):\(Self.two(rng.below(60)))"
  }

  private mutating func uuid() -> String {
    let hex = Array("0123456789abcdef")
    var s = ""
    for i in 0..<32 {
      if [8, 12, 16, 20].contains(i) { s += "-" }
      s.append(i == 12 ? "4" : hex[rng.below(16)])
    }
    return s
  }

  static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
