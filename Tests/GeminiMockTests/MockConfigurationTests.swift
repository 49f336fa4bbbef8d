import Foundation
import GeminiAPI
import GeminiMock
import Testing

@Suite struct LatencyModelTests {
  @Test func parsesEveryForm() {
    #expect(LatencyModel.parse("50ms") == .fixed(.milliseconds(50)))
    #expect(LatencyModel.parse("1.5s") == .fixed(.milliseconds(1500)))
    #expect(LatencyModel.parse("0") == LatencyModel.none)
    #expect(LatencyModel.parse("uniform:10ms-200ms") == .uniform(.milliseconds(10), .milliseconds(200)))
    #expect(LatencyModel.parse("lognormal:median=200ms,sigma=0.5") == .logNormal(median: .milliseconds(200), sigma: 0.5))
  }

  @Test func rejectsBadForms() {
    for bad in ["fast", "-5ms", "uniform:200ms-10ms", "uniform:10ms", "lognormal:median=1s", "lognormal:sigma=1", "lognormal:median=1s,sigma=-1", "5parsecs"] {
      #expect(LatencyModel.parse(bad) == nil, "\(bad)")
    }
  }

  @Test func samplesStayInRangeAndAreSeeded() {
    var rng = SplitMix64(seed: 1)
    let u = LatencyModel.uniform(.milliseconds(10), .milliseconds(20))
    for _ in 0..<200 {
      let d = u.sample(&rng)
      #expect(d >= .milliseconds(10) && d <= .milliseconds(20))
    }
    var a = SplitMix64(seed: 9), b = SplitMix64(seed: 9)
    let ln = LatencyModel.logNormal(median: .milliseconds(100), sigma: 0.5)
    #expect((0..<10).map { _ in ln.sample(&a) } == (0..<10).map { _ in ln.sample(&b) })
    var c = SplitMix64(seed: 3)
    let samples = (0..<2001).map { _ in ln.sample(&c) }.sorted()
    let median = samples[1000]
    #expect(median > .milliseconds(85) && median < .milliseconds(115))
  }
}

@Suite struct SchemaCorpusTests {
  /// Schemas beyond `schemas/`: every keyword the reference lists, in both dialects.
  static let corpus: [(String, OutputSchema)] = [
    ("string-formats", .jsonSchema(["type": "object", "properties": ["d": ["type": "string", "format": "date"], "t": ["type": "string", "format": "date-time"], "h": ["type": "string", "format": "time"]], "required": ["d", "t", "h"]])),
    ("bounded-numbers", .jsonSchema(["type": "array", "minItems": 3, "maxItems": 3, "items": ["type": "number", "minimum": -1.5, "maximum": -1.25]])),
    ("exclusive", .jsonSchema(["type": "integer", "exclusiveMinimum": 3, "exclusiveMaximum": 5])),
    ("lengths", .openAPI(["type": "STRING", "minLength": 30, "maxLength": 31])),
    ("nullable-openapi", .openAPI(["type": "OBJECT", "properties": ["x": ["type": "INTEGER", "nullable": true]], "required": ["x"]])),
    ("anyof-top", .jsonSchema(["anyOf": [["type": "string", "enum": ["a"]], ["type": "object", "properties": ["k": ["type": "boolean"]], "required": ["k"]]]])),
    ("prefix-items", .jsonSchema(["type": "array", "prefixItems": [["type": "string"], ["type": "integer"]], "items": false])),
    ("linked-list", .jsonSchema(["$defs": ["n": ["type": "object", "properties": ["v": ["type": "integer"], "next": ["$ref": "#/$defs/n"]], "required": ["v"]]], "$ref": "#/$defs/n"])),
    ("self-root", .jsonSchema(["type": "object", "properties": ["name": ["type": "string"], "sub": ["type": "array", "items": ["$ref": "#"]]], "required": ["name"]])),
    ("min-properties", .jsonSchema(["type": "object", "minProperties": 2, "additionalProperties": ["type": "integer"]])),
    ("openapi-defs", .openAPI(["type": "OBJECT", "properties": ["a": ["ref": "#/defs/x"]], "required": ["a"], "defs": ["x": ["type": "STRING", "enum": ["q", "r"]]]])),
    ("const", .jsonSchema(["type": "object", "properties": ["v": ["const": 3]], "required": ["v"]])),
    ("ordering", .openAPI(["type": "OBJECT", "properties": ["b": ["type": "STRING"], "a": ["type": "STRING"]], "propertyOrdering": ["a", "b"], "required": ["a", "b"]])),
  ]

  @Test func generatedAnswersConform() async throws {
    try await MockTest.withMock { c in
      for (name, schema) in Self.corpus {
        #expect(SchemaValidator.checkSchema(schema).isEmpty, "\(name)")
        for i in 0..<8 {
          let key = schema.isOpenAPI ? "responseSchema" : "responseJsonSchema"
          let r = try await c.generate(
            "gemini-2.0-flash", MockTest.prompt("\(name) \(i)", config: ["responseMimeType": "application/json", key: schema.value]))
          #expect(r.status == 200, "\(name): \(r.text)")
          let v = try JSONValue.parse(r.json.answerText)
          #expect(SchemaValidator.validate(v, against: schema).isEmpty, "\(name): \(v.serialized())")
          if name == "ordering" { #expect(v.objectValue?.keys == ["a", "b"]) }
        }
      }
    }
  }
}
