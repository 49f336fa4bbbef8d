import Foundation
import GeminiAPI
import Testing

@Suite struct SchemaValidatorTests {
  func js(_ s: String) -> OutputSchema { .jsonSchema(try! JSONValue.parse(s)) }
  func oa(_ s: String) -> OutputSchema { .openAPI(try! JSONValue.parse(s)) }
  func v(_ s: String) -> JSONValue { try! JSONValue.parse(s) }

  @Test func acceptsConformingObject() {
    let s = js(#"{"type":"object","properties":{"a":{"type":"integer","minimum":1},"b":{"type":"string"}},"required":["a"]}"#)
    #expect(SchemaValidator.validate(v(#"{"a":3,"b":"x"}"#), against: s).isEmpty)
    #expect(SchemaValidator.validate(v(#"{"a":3}"#), against: s).isEmpty)
  }

  @Test func reportsMissingRequiredWithPath() {
    let s = js(#"{"type":"object","properties":{"inner":{"type":"object","properties":{"x":{"type":"string"}},"required":["x"]}}}"#)
    let out = SchemaValidator.validate(v(#"{"inner":{}}"#), against: s)
    #expect(out.count == 1)
    #expect(out.first?.path == "$.inner")
    #expect(out.first?.message.contains("\"x\"") == true)
  }

  @Test func typeMismatchesAndIntegers() {
    let s = js(#"{"type":"integer"}"#)
    #expect(SchemaValidator.validate(.number(2), against: s).isEmpty)
    #expect(!SchemaValidator.validate(.number(2.5), against: s).isEmpty)
    #expect(!SchemaValidator.validate(.string("2"), against: s).isEmpty)
    #expect(!SchemaValidator.validate(.null, against: s).isEmpty)
  }

  @Test func openAPIDialectUpperCaseAndNullable() {
    let s = oa(#"{"type":"OBJECT","properties":{"n":{"type":"STRING","nullable":true},"m":{"type":"NUMBER"}},"required":["n"]}"#)
    #expect(SchemaValidator.validate(v(#"{"n":null,"m":1.5}"#), against: s).isEmpty)
    let bad = SchemaValidator.validate(v(#"{"n":null,"m":"x"}"#), against: s)
    #expect(bad.map(\.path) == ["$.m"])
    let notNullable = oa(#"{"type":"STRING"}"#)
    #expect(!SchemaValidator.validate(.null, against: notNullable).isEmpty)
  }

  @Test func enumsMinMaxAndLengths() {
    let s = js(#"{"type":"object","properties":{"e":{"enum":["a","b"]},"n":{"type":"number","minimum":0,"maximum":1},"s":{"type":"string","minLength":2,"maxLength":3}}}"#)
    #expect(SchemaValidator.validate(v(#"{"e":"a","n":0.5,"s":"ab"}"#), against: s).isEmpty)
    let out = SchemaValidator.validate(v(#"{"e":"c","n":2,"s":"abcd"}"#), against: s)
    #expect(Set(out.map(\.path)) == ["$.e", "$.n", "$.s"])
    #expect(SchemaValidator.validate(v(#"{"n":-0.1}"#), against: s).first?.message.contains("minimum") == true)
    #expect(SchemaValidator.validate(v(#"{"s":"a"}"#), against: s).first?.message.contains("minLength") == true)
  }

  @Test func arraysItemsPrefixItemsAndCounts() {
    let s = js(#"{"type":"array","prefixItems":[{"type":"string"}],"items":{"type":"integer"},"minItems":2,"maxItems":3}"#)
    #expect(SchemaValidator.validate(v(#"["a",1,2]"#), against: s).isEmpty)
    #expect(SchemaValidator.validate(v(#"["a"]"#), against: s).first?.message.contains("minItems") == true)
    #expect(SchemaValidator.validate(v(#"["a",1,2,3]"#), against: s).first?.message.contains("maxItems") == true)
    #expect(SchemaValidator.validate(v(#"[1,1]"#), against: s).map(\.path) == ["$[0]"])
    #expect(SchemaValidator.validate(v(#"["a","b"]"#), against: s).map(\.path) == ["$[1]"])
  }

  @Test func refsDefsAndRecursion() {
    let s = js(##"{"$ref":"#/$defs/n","$defs":{"n":{"type":"object","properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/n"}}},"required":["v"]}}}"##)
    #expect(SchemaValidator.validate(v(#"{"v":1,"kids":[{"v":2,"kids":[{"v":3}]}]}"#), against: s).isEmpty)
    let out = SchemaValidator.validate(v(#"{"v":1,"kids":[{"v":2,"kids":[{"v":"x"}]}]}"#), against: s)
    #expect(out.map(\.path) == ["$.kids[0].kids[0].v"])
  }

  @Test func anyOfOneOfAndAdditionalProperties() {
    let s = js(#"{"type":"object","properties":{"x":{"anyOf":[{"type":"string"},{"type":"null"}]},"y":{"oneOf":[{"type":"integer"},{"enum":["k"]}]}},"additionalProperties":false}"#)
    #expect(SchemaValidator.validate(v(#"{"x":null,"y":"k"}"#), against: s).isEmpty)
    #expect(SchemaValidator.validate(v(#"{"x":1}"#), against: s).first?.message.contains("anyOf") == true)
    #expect(SchemaValidator.validate(v(#"{"z":1}"#), against: s).first?.message.contains("not allowed") == true)
    let typed = js(#"{"type":"object","additionalProperties":{"type":"integer"}}"#)
    #expect(SchemaValidator.validate(v(#"{"a":1}"#), against: typed).isEmpty)
    #expect(SchemaValidator.validate(v(#"{"a":"1"}"#), against: typed).map(\.path) == ["$.a"])
  }

  @Test func formats() {
    #expect(SchemaValidator.isDate("2024-02-29"))
    #expect(!SchemaValidator.isDate("2023-02-29"))
    #expect(!SchemaValidator.isDate("2024-13-01"))
    #expect(!SchemaValidator.isDate("24-01-01"))
    #expect(SchemaValidator.isDateTime("2024-05-01T10:00:00Z"))
    #expect(SchemaValidator.isDateTime("2024-05-01T10:00:00.123+02:00"))
    #expect(!SchemaValidator.isDateTime("2024-05-01T10:00:00"))
    #expect(!SchemaValidator.isDateTime("2024-05-01 25:00:00Z"))
    let s = js(#"{"type":"string","format":"date"}"#)
    #expect(SchemaValidator.validate(.string("2024-01-31"), against: s).isEmpty)
    #expect(!SchemaValidator.validate(.string("January 31"), against: s).isEmpty)
  }

  @Test func pattern() {
    let s = js(#"{"type":"string","pattern":"^[A-Z]{3}-\\d+$"}"#)
    #expect(SchemaValidator.validate(.string("INV-42"), against: s).isEmpty)
    #expect(!SchemaValidator.validate(.string("inv-42"), against: s).isEmpty)
  }

  @Test func checkSchemaAcceptsGoodSchemas() {
    #expect(SchemaValidator.checkSchema(js(#"{"type":"object","properties":{"a":{"type":["string","null"]}},"required":["a"]}"#)).isEmpty)
    #expect(SchemaValidator.checkSchema(oa(#"{"type":"ARRAY","items":{"type":"STRING","enum":["x"]}}"#)).isEmpty)
  }

  @Test func checkSchemaFindsProblems() {
    #expect(SchemaValidator.checkSchema(js(#"{"type":"strnig"}"#)).first?.contains("unknown type") == true)
    #expect(SchemaValidator.checkSchema(js(##"{"$ref":"#/$defs/missing"}"##)).first?.contains("missing definition") == true)
    #expect(SchemaValidator.checkSchema(js(#"{"type":"object","properties":{"a":{}},"required":["b"]}"#)).first?.contains("\"b\"") == true)
    #expect(SchemaValidator.checkSchema(js(#"{"type":"object","properties":{"a":"string"}}"#)).first?.contains("must be a JSON object") == true)
    #expect(SchemaValidator.checkSchema(js(#"{"type":"array","items":[1]}"#)).first?.contains("must be a JSON object") == true)
    #expect(SchemaValidator.checkSchema(js(#"{"anyOf":{"type":"string"}}"#)).first?.contains("list of schemas") == true)
    #expect(SchemaValidator.checkSchema(js(#"{"type":"string","minLength":5,"maxLength":2}"#)).first?.contains("greater") == true)
    #expect(SchemaValidator.checkSchema(js(#""string""#)).first?.contains("must be a JSON object") == true)
    #expect(SchemaValidator.checkSchema(oa(#"{"type":"OBJECT","properties":{"a":{"type":"STRING"}},"propertyOrdering":["a","b"]}"#)).count == 1)
  }

  @Test func everyExampleSchemaIsWellFormed() throws {
    for (name, schema) in try ExampleSchemas.load() {
      #expect(SchemaValidator.checkSchema(schema).isEmpty, "\(name)")
    }
  }
}

/// The schemas under `schemas/`: `*.openapi.json` are `responseSchema`, the rest `responseJsonSchema`.
enum ExampleSchemas {
  static func load() throws -> [(String, OutputSchema)] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("schemas")
    guard let e = FileManager.default.enumerator(atPath: root.path) else { return [] }
    var out: [(String, OutputSchema)] = []
    for case let rel as String in e where rel.hasSuffix(".json") {
      let v = try JSONValue.parse(try Data(contentsOf: root.appendingPathComponent(rel)))
      out.append((rel, rel.hasSuffix(".openapi.json") ? .openAPI(v) : .jsonSchema(v)))
    }
    return out.sorted { $0.0 < $1.0 }
  }
}
