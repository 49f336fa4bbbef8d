import GemBatchCore
import GeminiAPI
import Testing

/// The zero-token repair removes wrapper noise and never touches content.
@Suite struct LocalJSONRepairTests {
  @Test(arguments: [
    ("```json\n{\"a\": 1}\n```", "{\"a\": 1}"),
    ("```\n[1, 2]\n```", "[1, 2]"),
    ("Here is the JSON you asked for:\n```json\n{\"a\": {\"b\": [true]}}\n```", "{\"a\": {\"b\": [true]}}"),
    ("```json\n{\"a\": 1}\n```\nLet me know if you need more.", "{\"a\": 1}"),
    ("```json {\"a\": 1}```", "{\"a\": 1}"),
    ("\u{FEFF}{\"a\": 1}", "{\"a\": 1}"),
    ("\u{FEFF}```json\n{\"a\": 1}\n```", "{\"a\": 1}"),
    ("Sure! The answer is {\"name\": \"Ada\", \"born\": 1815}. Hope that helps.", "{\"name\": \"Ada\", \"born\": 1815}"),
    ("Result:\n[{\"x\": 1}, {\"x\": 2}]\n", "[{\"x\": 1}, {\"x\": 2}]"),
    // Brackets and quotes inside strings are content, not structure.
    ("Here: {\"a\": \"x } y {\", \"b\": [1, \"]\"], \"c\": \"say \\\"hi\\\" {\"}", "{\"a\": \"x } y {\", \"b\": [1, \"]\"], \"c\": \"say \\\"hi\\\" {\"}"),
  ])
  func wrapperNoiseIsRemoved(_ input: String, _ expected: String) {
    #expect(LocalJSONRepair.repair(input) == expected)
  }

  @Test(arguments: [
    // Nothing to remove: the caller parses it as it is.
    "{\"a\": 1}",
    // Two JSON values: which one is the answer is not for a repair to choose.
    "{\"a\": 1} and also {\"b\": 2}",
    "```json\n{\"a\": 1}\n```\n```json\n{\"b\": 2}\n```",
    "Example: [1]\n```json\n{\"a\": 1}\n```",
    // Broken inside: repairing would change content.
    "{\"a\": 1,}",
    "Here: {\"a\": 1",
    "{\"a\": {\"b\": 1}",
    "```json\n{\"a\": 1,}\n```",
    "```json\n{\"a\": \n```",
    // A bracket in the prose that opens nothing valid.
    "Note [see above]: {\"a\": 1}",
    // A bare scalar in prose, and no JSON at all.
    "The answer is 42.",
    "no json here",
    "",
  ])
  func anythingElseIsLeftAlone(_ input: String) {
    #expect(LocalJSONRepair.repair(input) == nil)
  }

  @Test func parsingUsesTheRepairAndSaysSo() {
    let fenced = JSONOutput.parse("Here you go:\n```json\n{\"a\": 1}\n```", schema: nil, truncated: false)
    #expect(fenced.status == .valid && fenced.repairedLocally)
    #expect(fenced.value == ["a": 1])
    let plain = JSONOutput.parse("{\"a\": 1}", schema: nil, truncated: false)
    #expect(plain.status == .valid && !plain.repairedLocally)
    // --repair 0: no local repair either.
    let off = JSONOutput.parse("```json\n{\"a\": 1}\n```", schema: nil, truncated: false, localRepair: false)
    #expect(off.status == .invalidJSON)
    // A repaired value is still checked against the schema.
    let schema = OutputSchema.jsonSchema(["type": "object", "required": ["b"]])
    let mismatch = JSONOutput.parse("```json\n{\"a\": 1}\n```", schema: schema, truncated: false)
    #expect(mismatch.status == .schemaMismatch && mismatch.repairedLocally)
  }
}
