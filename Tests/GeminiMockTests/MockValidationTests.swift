import Foundation
import GeminiAPI
import GeminiMock
import Testing

@Suite struct MockValidationTests {
  let hello = MockTest.prompt("Hello")

  @Test func missingKeyIs403PermissionDenied() async throws {
    try await MockTest.withMock { c in
      let r = try await c.send(.POST, "/v1beta/models/gemini-2.5-flash:generateContent", body: hello.serialized(), key: nil)
      #expect(r.status == 403)
      #expect(r.error?.status == "PERMISSION_DENIED")
      #expect(r.error?.message?.hasPrefix("Method doesn't allow unregistered callers") == true)
    }
  }

  @Test func wrongKeyIs400ApiKeyInvalid() async throws {
    try await MockTest.withMock(MockTest.config { $0.apiKey = "right" }) { c in
      let r = try await c.send(.POST, "/v1beta/models/gemini-2.5-flash:generateContent", body: hello.serialized(), key: "wrong")
      #expect(r.status == 400)
      #expect(r.error?.status == "INVALID_ARGUMENT")
      #expect(r.error?.message == "API key not valid. Please pass a valid API key.")
      let reasons = r.error?.details.compactMap { d -> String? in
        if case .errorInfo(let reason, _, _) = d { return reason }
        return nil
      }
      #expect(reasons == ["API_KEY_INVALID"])
      // Never echoes the key.
      #expect(!r.text.contains("wrong"))
    }
  }

  @Test func keyByBearerOrQueryIsAccepted() async throws {
    try await MockTest.withMock(MockTest.config { $0.apiKey = "right" }) { c in
      let a = try await c.send(
        .POST, "/v1beta/models/gemini-2.5-flash:generateContent", body: hello.serialized(),
        headers: [("authorization", "Bearer right")], key: nil)
      #expect(a.status == 200)
      let b = try await c.send(.POST, "/v1beta/models/gemini-2.5-flash:generateContent?key=right", body: hello.serialized(), key: nil)
      #expect(b.status == 200)
      let d = try await c.send(
        .POST, "/v1beta/models/gemini-2.5-flash:generateContent", body: hello.serialized(),
        headers: [("authorization", "Bearer nope")], key: nil)
      #expect(d.status == 400)
    }
  }

  @Test func unknownModelIs404WithGooglesText() async throws {
    try await MockTest.withMock { c in
      let r = try await c.generate("gemini-3.6-flahs", hello)
      #expect(r.status == 404)
      #expect(r.error?.status == "NOT_FOUND")
      #expect(
        r.error?.message
          == "models/gemini-3.6-flahs is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of supported models and their supported methods."
      )
    }
  }

  @Test func malformedJSONIs400() async throws {
    try await MockTest.withMock { c in
      let r = try await c.send(.POST, "/v1beta/models/gemini-2.5-flash:generateContent", body: #"{"contents": [ "#)
      #expect(r.status == 400)
      #expect(r.error?.status == "INVALID_ARGUMENT")
      #expect(r.error?.message?.hasPrefix("Invalid JSON payload received.") == true)
    }
  }

  @Test func unknownFieldsAreNamedWithTheirPlace() async throws {
    try await MockTest.withMock { c in
      let top = try await c.send(.POST, "/v1beta/models/gemini-2.5-flash:generateContent", body: #"{"contents":[{"parts":[{"text":"x"}]}],"foo":1}"#)
      #expect(top.status == 400)
      #expect(top.error?.message == #"Invalid JSON payload received. Unknown name "foo": Cannot find field."#)

      let nested = try await c.generate(
        "gemini-2.5-flash", MockTest.prompt("x", config: ["temperature": 0.5, "foo": true]))
      #expect(nested.status == 400)
      #expect(nested.error?.message == #"Invalid JSON payload received. Unknown name "foo" at 'generation_config': Cannot find field."#)

      let deep = try await c.send(
        .POST, "/v1beta/models/gemini-2.5-flash:generateContent", body: #"{"contents":[{"parts":[{"txt":"x"}]}]}"#)
      #expect(deep.error?.message == #"Invalid JSON payload received. Unknown name "txt" at 'contents[0].parts[0]': Cannot find field."#)
    }
  }

  @Test func wrongValueTypeIs400() async throws {
    try await MockTest.withMock { c in
      let r = try await c.generate("gemini-2.5-flash", MockTest.prompt("x", config: ["temperature": "hot"]))
      #expect(r.status == 400)
      #expect(r.error?.message?.contains("'generation_config.temperature'") == true)
      let missing = try await c.send(.POST, "/v1beta/models/gemini-2.5-flash:generateContent", body: "{}")
      #expect(missing.status == 400)
      #expect(missing.error?.message?.contains("contents is not specified") == true)
    }
  }

  @Test func snakeCaseIsAccepted() async throws {
    try await MockTest.withMock { c in
      let body = #"""
        {"contents":[{"role":"user","parts":[{"text":"Weather?"}]}],
         "tools":[{"google_search":{}}],
         "generation_config":{"max_output_tokens":500,"thinking_config":{"include_thoughts":true,"thinking_budget":256}}}
        """#
      let r = try await c.send(.POST, "/v1beta/models/gemini-2.5-flash:generateContent", body: body)
      #expect(r.status == 200)
      let cand = r.json["candidates"]?.arrayValue?.first
      #expect(cand?["groundingMetadata"] != nil)
      #expect(cand?["content"]?["parts"]?.arrayValue?.first?["thought"]?.boolValue == true)
    }
  }

  @Test func thinkingRules() async throws {
    try await MockTest.withMock { c in
      let level = try await c.generate("gemini-2.5-flash", MockTest.prompt("x", config: ["thinkingConfig": ["thinkingLevel": "low"]]))
      #expect(level.status == 400)
      #expect(level.error?.message == "Thinking level is not supported for this model.")

      let both = try await c.generate(
        "gemini-3-flash-preview", MockTest.prompt("x", config: ["thinkingConfig": ["thinkingLevel": "LOW", "thinkingBudget": 100]]))
      #expect(both.status == 400)
      #expect(both.error?.message == "You can only set only one of thinking budget and thinking level.")

      let range = try await c.generate("gemini-2.5-flash", MockTest.prompt("x", config: ["thinkingConfig": ["thinkingBudget": 50000]]))
      #expect(range.status == 400)
      #expect(range.error?.message?.contains("between 0 and 24576") == true)

      let proZero = try await c.generate("gemini-2.5-pro", MockTest.prompt("x", config: ["thinkingConfig": ["thinkingBudget": 0]]))
      #expect(proZero.status == 400)

      // The catalog's levels: 3.1 Pro has MEDIUM (not MINIMAL); 3.8 Flash has no MINIMAL.
      let medPro = try await c.generate("gemini-3.1-pro-preview", MockTest.prompt("x", config: ["thinkingConfig": ["thinkingLevel": "MEDIUM"]]))
      #expect(medPro.status == 200)
      let minPro = try await c.generate("gemini-3.1-pro-preview", MockTest.prompt("x", config: ["thinkingConfig": ["thinkingLevel": "MINIMAL"]]))
      #expect(minPro.status == 400)
      #expect(minPro.error?.message == "Unable to submit request because thinking_level MINIMAL is not supported by this model.")
      let minFlash = try await c.generate("gemini-3.8-flash", MockTest.prompt("x", config: ["thinkingConfig": ["thinkingLevel": "minimal"]]))
      #expect(minFlash.status == 400)

      let ok = try await c.generate("gemini-3-flash-preview", MockTest.prompt("x", config: ["thinkingConfig": ["thinkingLevel": "High"]]))
      #expect(ok.status == 200)
      let dynamic = try await c.generate("gemini-2.5-pro", MockTest.prompt("x", config: ["thinkingConfig": ["thinkingBudget": -1]]))
      #expect(dynamic.status == 200)
    }
  }

  @Test func schemaRules() async throws {
    try await MockTest.withMock { c in
      let both = try await c.generate(
        "gemini-2.5-flash",
        MockTest.prompt(
          "x",
          config: [
            "responseMimeType": "application/json", "responseSchema": ["type": "STRING"], "responseJsonSchema": ["type": "string"],
          ]))
      #expect(both.status == 400)
      #expect(both.error?.message?.contains("response_json_schema") == true)

      let noMime = try await c.generate("gemini-2.5-flash", MockTest.prompt("x", config: ["responseSchema": ["type": "STRING"]]))
      #expect(noMime.status == 400)
      #expect(noMime.error?.message?.contains("response_mime_type") == true)

      let badSchema = try await c.generate(
        "gemini-2.5-flash",
        MockTest.prompt("x", config: ["responseMimeType": "application/json", "responseJsonSchema": ["type": "strnig"]]))
      #expect(badSchema.status == 400)

      let badMime = try await c.generate("gemini-2.5-flash", MockTest.prompt("x", config: ["responseMimeType": "text/csv"]))
      #expect(badMime.status == 400)
    }
  }

  @Test func unknownRoutesAndMethods() async throws {
    try await MockTest.withMock { c in
      #expect(try await c.send(.POST, "/v1beta/models/gemini-2.5-flash:embedText", body: "{}").status == 404)
      #expect(try await c.send(.GET, "/nothing/here").status == 404)
      let list = try await c.send(.GET, "/v1beta/models")
      #expect(list.status == 200)
      #expect(list.json["models"]?.arrayValue?.contains { $0["name"]?.stringValue == "models/gemini-3.8-flash" } == true)
    }
  }

  @Test func countTokensFollowsTheTokenRule() async throws {
    try await MockTest.withMock { c in
      let text = String(repeating: "a", count: 41)  // ceil(41/4) = 11
      let r = try await c.send(.POST, "/v1beta/models/gemini-2.5-flash:countTokens", body: MockTest.prompt(text).serialized())
      #expect(r.status == 200)
      #expect(r.json.int("totalTokens") == 11)
      let wrapped = try await c.send(
        .POST, "/v1beta/models/gemini-2.5-flash:countTokens",
        body: JSONValue.object(JSONObject([("generateContentRequest", MockTest.prompt(text))])).serialized())
      #expect(wrapped.json.int("totalTokens") == 11)
      let bad = try await c.send(.POST, "/v1beta/models/gemini-2.5-flash:countTokens", body: #"{"bogus":1}"#)
      #expect(bad.status == 400)
    }
  }
}
