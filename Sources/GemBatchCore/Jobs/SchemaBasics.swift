import GeminiAPI

/// The shape checks for an output schema, before anything is sent: `SchemaValidator.checkSchema`
/// (GeminiAPI, shared with the mock) first, then a few basics of its own (`required` naming a
/// missing property, `items` as an array, an OpenAPI node without type).
enum SchemaBasics {
  static let openAPITypes: Set<String> = ["STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"]
  static let jsonSchemaTypes: Set<String> = ["string", "number", "integer", "boolean", "array", "object", "null"]

  /// Problems found (empty: fine). Paths are JSON-pointer-like (`/properties/name`).
  static func check(_ schema: OutputSchema) -> [String] {
    let shared = SchemaValidator.checkSchema(schema)
    if !shared.isEmpty { return Array(shared.prefix(5)) }
    var out: [String] = []
    switch schema {
    case .openAPI(let v): checkOpenAPI(v, at: "", into: &out)
    case .jsonSchema(let v): checkJSONSchema(v, at: "", into: &out)
    }
    return Array(out.prefix(5))
  }

  private static func checkOpenAPI(_ v: JSONValue, at path: String, into out: inout [String]) {
    guard case .object(let o) = v else {
      out.append("\(path.isEmpty ? "the schema" : path) must be an object")
      return
    }
    if let t = o["type"] {
      if let s = t.stringValue {
        if !openAPITypes.contains(s.uppercased()) { out.append("\(path)/type: unknown type \"\(s)\"") }
      } else {
        out.append("\(path)/type must be a string (responseSchema has one type; use anyOf or nullable)")
      }
    } else if o["anyOf"] == nil {
      out.append("\(path.isEmpty ? "the schema" : path) has no type")
    }
    commonChecks(o, at: path, into: &out) { checkOpenAPI($0, at: $1, into: &$2) }
  }

  private static func checkJSONSchema(_ v: JSONValue, at path: String, into out: inout [String]) {
    if case .bool = v { return }
    guard case .object(let o) = v else {
      out.append("\(path.isEmpty ? "the schema" : path) must be an object or a boolean")
      return
    }
    if let t = o["type"] {
      let names: [JSONValue] = t.arrayValue ?? [t]
      for n in names {
        guard let s = n.stringValue else {
          out.append("\(path)/type must be a string or an array of strings")
          continue
        }
        if !jsonSchemaTypes.contains(s) { out.append("\(path)/type: unknown type \"\(s)\"") }
      }
    }
    if let r = o["$ref"], r.stringValue == nil { out.append("\(path)/$ref must be a string") }
    if let d = o["$defs"] {
      if case .object(let defs) = d {
        for (k, s) in defs { checkJSONSchema(s, at: "\(path)/$defs/\(k)", into: &out) }
      } else {
        out.append("\(path)/$defs must be an object")
      }
    }
    if let ap = o["additionalProperties"], ap.boolValue == nil {
      checkJSONSchema(ap, at: "\(path)/additionalProperties", into: &out)
    }
    commonChecks(o, at: path, into: &out) { checkJSONSchema($0, at: $1, into: &$2) }
  }

  private static func commonChecks(
    _ o: JSONObject, at path: String, into out: inout [String], sub: (JSONValue, String, inout [String]) -> Void
  ) {
    if let p = o["properties"] {
      if case .object(let props) = p {
        for (k, s) in props { sub(s, "\(path)/properties/\(k)", &out) }
      } else {
        out.append("\(path)/properties must be an object")
      }
    }
    if let r = o["required"] {
      if let names = r.arrayValue, names.allSatisfy({ $0.stringValue != nil }) {
        if case .object(let props)? = o["properties"] {
          for n in names.compactMap(\.stringValue) where props[n] == nil {
            out.append("\(path)/required names \"\(n)\", which is not in properties")
          }
        }
      } else {
        out.append("\(path)/required must be an array of strings")
      }
    }
    if let i = o["items"] {
      if case .array = i { out.append("\(path)/items must be one schema, not an array") } else { sub(i, "\(path)/items", &out) }
    }
    for key in ["anyOf", "oneOf"] {
      if let a = o[key] {
        if let list = a.arrayValue, !list.isEmpty {
          for (n, s) in list.enumerated() { sub(s, "\(path)/\(key)/\(n)", &out) }
        } else {
          out.append("\(path)/\(key) must be a non-empty array")
        }
      }
    }
    if let e = o["enum"], e.arrayValue == nil { out.append("\(path)/enum must be an array") }
  }
}
