import Foundation
import GemBatchCore
import GeminiAPI
import Testing

@Suite struct ReaskBuilderTests {
  static let body: JSONValue = [
    "contents": [["role": "user", "parts": [["text": "Extract the person."]]]],
    "systemInstruction": ["parts": [["text": "Be exact."]]],
    "safetySettings": [["category": "HARM_CATEGORY_HARASSMENT", "threshold": "OFF"]],
    "generationConfig": [
      "temperature": 0.2, "maxOutputTokens": 512, "responseMimeType": "application/json",
      "responseJsonSchema": ["type": "object", "properties": ["name": ["type": "string"]], "required": ["name"]],
    ],
  ]

  @Test func appendsTheAnswerAndTheMessageAndNothingElse() throws {
    let out = try ReaskBuilder.build(
      body: Self.body.serializedData(), answerText: "{\"name\": 7}", message: "$.name: expected string, found integer")
    let v = try JSONValue.parse(out)
    let contents = try #require(v["contents"]?.arrayValue)
    #expect(contents.count == 3)
    #expect(contents[0] == Self.body["contents"]?.arrayValue?[0])
    #expect(contents[1] == ["role": "model", "parts": [["text": "{\"name\": 7}"]]])
    #expect(contents[2]["role"] == "user")
    let asked = try #require(contents[2]["parts"]?.arrayValue?.first?["text"]?.stringValue)
    #expect(asked == ReaskPrompt.text(message: "$.name: expected string, found integer"))
    #expect(asked.contains("$.name: expected string, found integer"))
    // Everything but contents is the same, in the same order.
    var rest = try #require(v.objectValue)
    rest["contents"] = nil
    var original = Self.body.objectValue!
    original["contents"] = nil
    #expect(JSONValue.object(rest) == JSONValue.object(original))
    #expect(rest.keys == original.keys)
    #expect(JSONValue.object(rest).serialized() == JSONValue.object(original).serialized())
  }

  @Test func keepsTheAnswersPartsWithTheirSignatures() throws {
    let parts: [JSONValue] = [["text": "thinking…", "thought": true], ["text": "{\"name\": 7}", "thoughtSignature": "c2ln"]]
    let v = try ReaskBuilder.build(body: Self.body, answerText: "{\"name\": 7}", message: "m", modelParts: parts)
    #expect(v["contents"]?.arrayValue?[1] == ["role": "model", "parts": [["text": "{\"name\": 7}", "thoughtSignature": "c2ln"]]])
  }

  @Test func aSecondReaskGrowsTheConversation() throws {
    let once = try ReaskBuilder.build(body: Self.body, answerText: "a", message: "m1")
    let twice = try ReaskBuilder.build(body: once, answerText: "b", message: "m2")
    #expect(twice["contents"]?.arrayValue?.count == 5)
    #expect(ReaskPrompt.count(in: twice.serialized()) == 2)
  }

  @Test func refusesWhatIsNotARequest() {
    #expect(throws: ReaskBuilder.Failure.self) { try ReaskBuilder.build(body: Data("[]".utf8), answerText: "a", message: "m") }
    #expect(throws: ReaskBuilder.Failure.self) { try ReaskBuilder.build(body: ["contents": []], answerText: "a", message: "m") }
  }
}

@Suite struct MaxTokensGrowthTests {
  @Test func doublesUpToTheLimit() {
    #expect(MaxTokensGrowth.nextLimit(current: 256, outputLimit: 65536) == 512)
    #expect(MaxTokensGrowth.nextLimit(current: 40000, outputLimit: 65536) == 65536)
    #expect(MaxTokensGrowth.nextLimit(current: 65536, outputLimit: 65536) == nil)
    #expect(MaxTokensGrowth.nextLimit(current: 70000, outputLimit: 65536) == nil)
    #expect(MaxTokensGrowth.nextLimit(current: nil, outputLimit: 65536) == 2 * MaxTokensGrowth.unsetDefault)
    #expect(MaxTokensGrowth.nextLimit(current: nil, outputLimit: 8192, unsetDefault: 8192) == nil)
    #expect(MaxTokensGrowth.nextLimit(current: Int.max / 2 + 1, outputLimit: Int.max) == Int.max)
  }

  @Test func changesOnlyMaxOutputTokens() throws {
    let body: JSONValue = [
      "contents": [["role": "user", "parts": [["text": "Extract."]]]],
      "generationConfig": ["maxOutputTokens": 256, "responseMimeType": "application/json", "thinkingConfig": ["thinkingBudget": 512]],
    ]
    let step = try #require(MaxTokensGrowth.grow(body: body.serializedData(), outputLimit: 65536))
    #expect(step.from == 256 && step.to == 512)
    let v = try JSONValue.parse(step.body)
    #expect(v["generationConfig"]?["maxOutputTokens"] == 512)
    // Never the cut answer appended: the conversation is the same.
    #expect(v["contents"] == body["contents"])
    var gc = v["generationConfig"]!.objectValue!
    gc["maxOutputTokens"] = 256
    #expect(JSONValue.object(gc) == body["generationConfig"])
  }

  @Test func setsOneWhenUnsetAndStopsAtTheCap() throws {
    let body: JSONValue = ["contents": [["role": "user", "parts": [["text": "x"]]]]]
    let step = try #require(MaxTokensGrowth.grow(body: body.serializedData(), outputLimit: 65536))
    #expect(step.from == nil && step.to == 16384)
    let capped: JSONValue = ["contents": body["contents"]!, "generationConfig": ["maxOutputTokens": 8192]]
    #expect(MaxTokensGrowth.grow(body: capped.serializedData(), outputLimit: 8192) == nil)
  }
}
