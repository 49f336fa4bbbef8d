import Foundation
import GeminiAPI
import GeminiMock
import Testing

@Suite struct MockAnswerTests {
  @Test func sameRequestSameBodyAndSeedMatters() async throws {
    let body = MockTest.prompt("Tell me something")
    let (a, b) = try await MockTest.withMock { c in
      (try await c.generate("gemini-2.5-flash", body).text, try await c.generate("gemini-2.5-flash", body).text)
    }
    #expect(a == b)
    let other = try await MockTest.withMock(MockTest.config { $0.seed = 7 }) { c in try await c.generate("gemini-2.5-flash", body).text }
    #expect(other != a)
    let otherPrompt = try await MockTest.withMock { c in try await c.generate("gemini-2.5-flash", MockTest.prompt("Tell me more")).text }
    #expect(otherPrompt != a)
  }

  @Test func usageFollowsTheTokenRule() async throws {
    let prompt = "Count these bytes: ü"  // 21 UTF-8 bytes -> 6 tokens
    let r = try await MockTest.withMock { c in try await c.generate("gemini-2.5-flash", MockTest.prompt(prompt)) }
    #expect(r.status == 200)
    let u = r.json.usage
    #expect(u.int("promptTokenCount") == 6)
    let text = r.json.answerText
    #expect(u.int("candidatesTokenCount") == (text.utf8.count + 3) / 4)
    #expect(u.int("totalTokenCount") == u.int("promptTokenCount") + u.int("candidatesTokenCount") + u.int("thoughtsTokenCount") + u.int("toolUsePromptTokenCount"))
    #expect(u.int("thoughtsTokenCount") > 0)  // 2.5 Flash thinks by default
    // 2.5 Flash was shut down on 2026-12-01: its requests are answered by 3.5 Flash-Lite.
    #expect(r.json["modelVersion"]?.stringValue == "gemini-3.5-flash-lite")
    #expect((r.json["responseId"]?.stringValue?.count ?? 0) > 10)
    #expect(r.json["candidates"]?.arrayValue?.first?["finishReason"]?.stringValue == "STOP")
    // Decodes with the shared wire types.
    let decoded = try JSONDecoder().decode(GenerateContentResponse.self, from: Data(r.body))
    #expect(decoded.usageMetadata?.totalTokenCount == u.int("totalTokenCount"))
  }

  @Test func candidateCountGivesThatManyCandidatesAndTheirTokens() async throws {
    let body = MockTest.prompt("Give me options", config: ["candidateCount": 3, "thinkingConfig": ["thinkingBudget": 0]])
    try await MockTest.withMock { c in
      let r = try await c.generate("gemini-2.5-flash", body)
      #expect(r.status == 200)
      let cands = r.json["candidates"]?.arrayValue ?? []
      #expect(cands.map { $0["index"]?.intValue } == [0, 1, 2])
      let texts = cands.map { ($0["content"]?["parts"]?.arrayValue?.first?["text"]?.stringValue) ?? "" }
      #expect(Set(texts).count == 3 && texts.allSatisfy { !$0.isEmpty })
      #expect(cands.allSatisfy { $0["finishReason"]?.stringValue == "STOP" })
      // candidatesTokenCount counts every candidate.
      #expect(r.json.usage.int("candidatesTokenCount") == texts.reduce(0) { $0 + ($1.utf8.count + 3) / 4 })
      let decoded = try JSONDecoder().decode(GenerateContentResponse.self, from: Data(r.body))
      #expect(decoded.candidates?.count == 3)

      // Streamed: the same three candidates once the events are assembled, and the same usage.
      let s = try await c.stream("gemini-2.5-flash", body)
      var assembler = StreamAssembler()
      for e in sseEvents(s.text) { assembler.add(try JSONDecoder().decode(GenerateContentResponse.self, from: e.serializedData())) }
      #expect(assembler.finished)
      let streamed = assembler.result
      #expect(streamed.candidates?.map { $0.index ?? 0 } == [0, 1, 2])
      #expect(streamed.candidates?.allSatisfy { $0.finishReason == .stop } == true)
      #expect(streamed.usageMetadata?.candidatesTokenCount == r.json.usage.int("candidatesTokenCount"))

      // A budget applies to each candidate.
      let capped = try await c.generate(
        "gemini-2.5-flash",
        MockTest.prompt("Give me options", config: ["candidateCount": 2, "maxOutputTokens": 3, "thinkingConfig": ["thinkingBudget": 0]]))
      let cc = capped.json["candidates"]?.arrayValue ?? []
      #expect(cc.count == 2 && cc.allSatisfy { $0["finishReason"]?.stringValue == "MAX_TOKENS" })
      #expect(capped.json.usage.int("candidatesTokenCount") == 6)
    }
  }

  @Test func legacyModelsDoNotThinkAndBudgetZeroTurnsThinkingOff() async throws {
    try await MockTest.withMock { c in
      let legacy = try await c.generate("gemini-2.0-flash", MockTest.prompt("hi"))
      #expect(legacy.json.usage["thoughtsTokenCount"] == nil)
      let off = try await c.generate("gemini-2.5-flash", MockTest.prompt("hi", config: ["thinkingConfig": ["thinkingBudget": 0]]))
      #expect(off.json.usage["thoughtsTokenCount"] == nil)
      let capped = try await c.generate("gemini-2.5-flash", MockTest.prompt("hi", config: ["thinkingConfig": ["thinkingBudget": 10]]))
      #expect(capped.json.usage.int("thoughtsTokenCount") == 10)
    }
  }

  @Test func includeThoughtsGivesThoughtPartAndSignature() async throws {
    let r = try await MockTest.withMock { c in
      try await c.generate("gemini-3.1-pro-preview", MockTest.prompt("hi", config: ["thinkingConfig": ["includeThoughts": true]]))
    }
    let parts = r.json["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue ?? []
    #expect(parts.count == 2)
    #expect(parts.first?["thought"]?.boolValue == true)
    #expect(parts.last?["thoughtSignature"]?.stringValue != nil)
    #expect(Data(base64Encoded: parts.last?["thoughtSignature"]?.stringValue ?? "") != nil)
  }

  @Test func maxOutputTokensCutsTheText() async throws {
    try await MockTest.withMock { c in
      let r = try await c.generate(
        "gemini-2.0-flash", MockTest.prompt("long please [[mock:words=200]]", config: ["maxOutputTokens": 5]))
      let cand = r.json["candidates"]?.arrayValue?.first
      #expect(cand?["finishReason"]?.stringValue == "MAX_TOKENS")
      #expect(r.json.answerText.utf8.count <= 20)
      #expect(r.json.usage.int("candidatesTokenCount") == 5)

      // JSON mode: the cut gives invalid JSON, as the real API does.
      let schema: JSONValue = ["type": "object", "properties": ["items": ["type": "array", "minItems": 5, "items": ["type": "string"]]], "required": ["items"]]
      let j = try await c.generate(
        "gemini-2.0-flash", MockTest.prompt("x", config: ["maxOutputTokens": 4, "responseMimeType": "application/json", "responseJsonSchema": schema]))
      #expect(j.json["candidates"]?.arrayValue?.first?["finishReason"]?.stringValue == "MAX_TOKENS")
      #expect((try? JSONValue.parse(j.json.answerText)) == nil)

      // Thinking eats the whole budget: no parts at all.
      let t = try await c.generate("gemini-2.5-pro", MockTest.prompt("x", config: ["maxOutputTokens": 3]))
      let content = t.json["candidates"]?.arrayValue?.first?["content"]
      #expect(content?["parts"] == nil)
      #expect(content?["role"]?.stringValue == "model")
      #expect(t.json.usage["candidatesTokenCount"] == nil)
      #expect(t.json.usage.int("thoughtsTokenCount") == 3)
    }
  }

  @Test func jsonModeConformsForEveryExampleSchema() async throws {
    let schemas = try ExampleSchemas.load()
    #expect(schemas.count >= 4)
    try await MockTest.withMock { c in
      for (name, schema) in schemas {
        for i in 0..<6 {
          let key = schema.isOpenAPI ? "responseSchema" : "responseJsonSchema"
          let r = try await c.generate(
            "gemini-2.5-flash", MockTest.prompt("Extract #\(i)", config: ["responseMimeType": "application/json", key: schema.value]))
          #expect(r.status == 200, "\(name): \(r.text)")
          let value = try JSONValue.parse(r.json.answerText)
          let violations = SchemaValidator.validate(value, against: schema)
          #expect(violations.isEmpty, "\(name) #\(i): \(violations) in \(value.serialized())")
        }
      }
    }
  }

  @Test func enumMimeTypeAnswersOneValue() async throws {
    let r = try await MockTest.withMock { c in
      try await c.generate(
        "gemini-2.5-flash",
        MockTest.prompt("x", config: ["responseMimeType": "text/x.enum", "responseSchema": ["type": "STRING", "enum": ["red", "green"]]]))
    }
    #expect(["red", "green"].contains(r.json.answerText))
  }

  @Test func functionCallsConformToDeclaredParameters() async throws {
    let params: JSONValue = [
      "type": "OBJECT",
      "properties": ["city": ["type": "STRING"], "days": ["type": "INTEGER", "minimum": 1, "maximum": 7], "unit": ["type": "STRING", "enum": ["C", "F"]]],
      "required": ["city", "days"],
    ]
    let jsonParams: JSONValue = ["type": "object", "properties": ["q": ["type": "string", "minLength": 3]], "required": ["q"]]
    let tools: JSONValue = [["functionDeclarations": [["name": "get_weather", "parameters": params], ["name": "search_docs", "parametersJsonSchema": jsonParams]]]]
    try await MockTest.withMock { c in
      let any = try await c.generate(
        "gemini-3-flash-preview",
        MockTest.prompt("Plan my trip", extra: [("tools", tools), ("toolConfig", ["functionCallingConfig": ["mode": "ANY"]])]))
      #expect(any.status == 200)
      let cand = any.json["candidates"]?.arrayValue?.first
      let parts = cand?["content"]?["parts"]?.arrayValue ?? []
      let call = parts.first?["functionCall"]
      #expect(call?["name"]?.stringValue == "get_weather")
      let v1 = SchemaValidator.validate(call?["args"] ?? .null, against: .openAPI(params))
      #expect(v1.isEmpty)
      #expect(parts.first?["thoughtSignature"] != nil)
      #expect(cand?["finishMessage"]?.stringValue == "Model generated function call(s).")
      #expect(cand?["finishReason"]?.stringValue == "STOP")

      // AUTO: a prompt that names the function gets a call, with args from parametersJsonSchema.
      let named = try await c.generate("gemini-2.5-flash", MockTest.prompt("Please use search_docs", extra: [("tools", tools)]))
      let call2 = named.json["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue?.first?["functionCall"]
      #expect(call2?["name"]?.stringValue == "search_docs")
      let v2 = SchemaValidator.validate(call2?["args"] ?? .null, against: .jsonSchema(jsonParams))
      #expect(v2.isEmpty)
      #expect(named.json["candidates"]?.arrayValue?.first?["finishMessage"] == nil)

      // AUTO with an unrelated prompt: plain text.
      let text = try await c.generate("gemini-2.5-flash", MockTest.prompt("Hello", extra: [("tools", tools)]))
      #expect(!text.json.answerText.isEmpty)

      // Marker for several calls.
      let many = try await c.generate("gemini-2.5-flash", MockTest.prompt("[[mock:call=get_weather,search_docs]]", extra: [("tools", tools)]))
      #expect(many.json["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue?.count == 2)

      // NONE: never.
      let none = try await c.generate(
        "gemini-2.5-flash", MockTest.prompt("use get_weather", extra: [("tools", tools), ("toolConfig", ["functionCallingConfig": ["mode": "NONE"]])]))
      #expect(!none.json.answerText.isEmpty)
    }
  }

  @Test func googleSearchGivesGroundingAndToolUseTokens() async throws {
    let r = try await MockTest.withMock { c in
      try await c.generate("gemini-2.5-pro", MockTest.prompt("Weather in Paris today?", extra: [("tools", [["googleSearch": [:]]])]))
    }
    let cand = r.json["candidates"]?.arrayValue?.first
    let g = cand?["groundingMetadata"]
    let chunks = g?["groundingChunks"]?.arrayValue ?? []
    #expect(chunks.count >= 2)
    #expect(chunks.allSatisfy { $0["web"]?["uri"]?.stringValue?.hasPrefix("https://vertexaisearch.cloud.google.com/grounding-api-redirect/") == true })
    #expect(g?["webSearchQueries"]?.arrayValue?.first?.stringValue == "Weather in Paris today?")
    #expect(g?["searchEntryPoint"]?["renderedContent"]?.stringValue?.contains("<style>") == true)
    let supports = g?["groundingSupports"]?.arrayValue ?? []
    #expect(!supports.isEmpty)
    let text = Array(r.json.answerText.utf8)
    for s in supports {
      let start = s["segment"]?.int("startIndex") ?? -1, end = s["segment"]?.int("endIndex") ?? -1
      #expect(start >= 0 && end <= text.count && start < end)
      let seg = String(decoding: text[start..<end], as: UTF8.self)
      #expect(seg.trimmingCharacters(in: .whitespaces) == s["segment"]?["text"]?.stringValue)
    }
    let u = r.json.usage
    #expect(u.int("toolUsePromptTokenCount") > 0)
    #expect(u.int("totalTokenCount") == u.int("promptTokenCount") + u.int("candidatesTokenCount") + u.int("thoughtsTokenCount") + u.int("toolUsePromptTokenCount"))
  }

  @Test func cachedContentAndImagesShowInUsage() async throws {
    let body: JSONValue = [
      "contents": [["role": "user", "parts": [["text": "What is this?"], ["inlineData": ["mimeType": "image/png", "data": "iVBORw0KGgo="]]]]],
      "cachedContent": "cachedContents/abc123",
    ]
    let r = try await MockTest.withMock { c in try await c.generate("gemini-2.5-flash", body) }
    let u = r.json.usage
    let cached = u.int("cachedContentTokenCount")
    #expect(cached > 0)
    let details = u["promptTokensDetails"]?.arrayValue ?? []
    let image = details.first { $0["modality"]?.stringValue == "IMAGE" }
    #expect(image?.int("tokenCount") == 258)
    let textTokens = details.first { $0["modality"]?.stringValue == "TEXT" }?.int("tokenCount") ?? 0
    #expect(textTokens == 4 + cached)  // "What is this?" = 13 bytes -> 4 tokens, plus the cache
    #expect(u.int("promptTokenCount") == textTokens + 258)
    #expect(u["cacheTokensDetails"] != nil)
  }
}

extension OutputSchema {
  var isOpenAPI: Bool { if case .openAPI = self { true } else { false } }
}
