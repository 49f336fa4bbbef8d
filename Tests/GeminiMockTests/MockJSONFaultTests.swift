import Foundation
import GeminiAPI
import GeminiMock
import Testing

/// The JSON-mode answer faults: invalid-json, schema-violation, fenced-json.
@Suite struct MockJSONFaultTests {
  static let schema: JSONValue = [
    "type": "object", "properties": ["name": ["type": "string"], "age": ["type": "integer"]], "required": ["name", "age"],
  ]
  static let jsonConfig: JSONValue = ["responseMimeType": "application/json", "responseJsonSchema": schema]

  func ask(_ c: MockClient, _ text: String, fault: String? = nil, config: JSONValue = jsonConfig) async throws -> String {
    let r = try await c.generate("gemini-2.0-flash", MockTest.prompt(text, config: config), headers: fault.map { [("x-mock-fault", $0)] } ?? [])
    #expect(r.status == 200)
    return r.json.answerText
  }

  func parsed(_ text: String) -> JSONValue? { try? JSONValue.parse(text) }
  func valid(_ text: String) -> Bool {
    parsed(text).map { SchemaValidator.validate($0, against: .jsonSchema(Self.schema)).isEmpty } ?? false
  }

  @Test func eachFaultBreaksTheAnswerItsOwnWay() async throws {
    try await MockTest.withMock { c in
      #expect(valid(try await ask(c, "ok")))
      #expect(parsed(try await ask(c, "a", fault: "invalid-json")) == nil)
      let violating = try await ask(c, "b", fault: "schema-violation")
      #expect(parsed(violating) != nil && !valid(violating), "\(violating)")
      let fenced = try await ask(c, "c", fault: "fenced-json")
      #expect(fenced.hasPrefix("Here is the JSON you asked for:\n```json\n") && fenced.hasSuffix("\n```"))
      #expect(parsed(fenced) == nil)
      let inside = fenced.split(separator: "\n").dropFirst(2).dropLast().joined(separator: "\n")
      #expect(valid(inside))
    }
  }

  @Test func usageFollowsTheChangedText() async throws {
    try await MockTest.withMock { c in
      let r = try await c.generate(
        "gemini-2.0-flash", MockTest.prompt("usage", config: Self.jsonConfig), headers: [("x-mock-fault", "fenced-json")])
      let text = r.json.answerText
      #expect(r.json.usage.int("candidatesTokenCount") == MockTokens.text(text.utf8.count))
    }
  }

  @Test func plainTextRequestsAreLeftAlone() async throws {
    try await MockTest.withMock(MockTest.config { $0.faultRates = [.invalidJSON: 1] }) { c in
      let text = try await ask(c, "plain words", config: ["temperature": 0.5])
      #expect(!text.isEmpty)
      let forced = try await ask(c, "plain again", fault: "fenced-json", config: ["temperature": 0.5])
      #expect(!forced.contains("```"))
    }
  }

  /// A re-ask (the conversation ends with a user turn quoting the validator) is a new request:
  /// a forced fault applies to the first K requests of the conversation only.
  @Test func aReaskGetsAFreshRoll() async throws {
    try await MockTest.withMock { c in
      func conversation(_ marker: String, reasks: Int) -> JSONValue {
        var contents: [JSONValue] = [["role": "user", "parts": [["text": .string("Who? \(marker)")]]]]
        for i in 0..<reasks {
          contents.append(["role": "model", "parts": [["text": .string("{\"name\": \(i)")]]])
          contents.append(["role": "user", "parts": [["text": .string(ReaskPrompt.text(message: "invalid JSON at byte \(i)"))]]])
        }
        return ["contents": .array(contents), "generationConfig": Self.jsonConfig]
      }
      func answer(_ body: JSONValue) async throws -> String { try await c.generate("gemini-2.0-flash", body).json.answerText }
      let first = try await answer(conversation("[[mock:invalid-json]]", reasks: 0))
      let reasked = try await answer(conversation("[[mock:invalid-json]]", reasks: 1))
      #expect(parsed(first) == nil)
      #expect(valid(reasked), "\(reasked)")
      // `*2`: the original and the first re-ask fail, the second re-ask succeeds.
      let once = try await answer(conversation("[[mock:invalid-json*2]]", reasks: 1))
      let twice = try await answer(conversation("[[mock:invalid-json*2]]", reasks: 2))
      #expect(parsed(once) == nil)
      #expect(valid(twice), "\(twice)")
    }
  }

  @Test func ratesAreRoughlyRightAndSeeded() async throws {
    let config = MockTest.config {
      $0.faultRates = [.invalidJSON: 0.15, .schemaViolation: 0.1, .fencedJSON: 0.1]
      $0.seed = 7
    }
    func run() async throws -> [String] {
      try await MockTest.withMock(config) { c in
        var out: [String] = []
        for i in 0..<400 { out.append(try await ask(c, "job \(i)")) }
        return out
      }
    }
    let a = try await run()
    #expect(a == (try await run()), "the same seed gives the same answers")
    let invalid = a.filter { parsed($0) == nil && !$0.contains("```") }.count
    let fenced = a.filter { $0.contains("```") }.count
    let violating = a.filter { parsed($0) != nil && !valid($0) }.count
    // Binomial(400, p): the bounds are about four standard deviations wide.
    #expect((30...90).contains(invalid), "\(invalid)")
    #expect((15...65).contains(fenced), "\(fenced)")
    #expect((15...65).contains(violating), "\(violating)")
    #expect(a.count - invalid - fenced - violating >= 200)
  }

  @Test func aSchemaWithoutRequiredIsBrokenByAWrongType() async throws {
    let schema: JSONValue = ["type": "OBJECT", "properties": ["n": ["type": "INTEGER"]]]
    try await MockTest.withMock { c in
      let text = try await ask(c, "n?", fault: "schema-violation", config: ["responseMimeType": "application/json", "responseSchema": schema])
      let v = try #require(parsed(text))
      #expect(!SchemaValidator.validate(v, against: .openAPI(schema)).isEmpty, "\(text)")
    }
  }
}
