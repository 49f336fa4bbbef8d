import Foundation
import Testing

@testable import GeminiAPI

struct RequestRoundTripTests {
  static let requestJSON = #"""
    {"contents":[{"role":"user","parts":[{"text":"Hi"},{"inlineData":{"mimeType":"image/png","data":"iVBORw0K"}},{"fileData":{"mimeType":"application/pdf","fileUri":"gs://b/f.pdf"}}]},{"role":"model","parts":[{"functionCall":{"id":"c1","name":"lookup","args":{"zeta":1,"alpha":[true,null,"s"],"max_output_tokens":2}},"thoughtSignature":"c2ln"}]},{"role":"user","parts":[{"functionResponse":{"name":"lookup","response":{"b":1,"a":{"nested_key":"v"}}}}]}],"systemInstruction":{"role":"user","parts":[{"text":"Be brief."}]},"tools":[{"functionDeclarations":[{"name":"lookup","description":"Find","parameters":{"type":"OBJECT","properties":{"query":{"type":"STRING"},"limit":{"type":"INTEGER","nullable":true}},"required":["query"],"propertyOrdering":["query","limit"]}}]},{"googleSearch":{}}],"toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["lookup"]}},"safetySettings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_ONLY_HIGH"}],"generationConfig":{"temperature":0.5,"topP":0.9,"topK":40,"candidateCount":1,"maxOutputTokens":256,"stopSequences":["END"],"seed":7,"responseMimeType":"application/json","responseJsonSchema":{"$defs":{"Item":{"type":"object","properties":{"zname":{"type":"string"},"anum":{"anyOf":[{"type":"integer"},{"type":"null"}]}},"propertyOrdering":["zname","anum"]}},"type":"object","properties":{"items":{"type":"array","items":{"$ref":"#/$defs/Item"}},"choice":{"anyOf":[{"type":"string","enum":["x","y"]},{"anyOf":[{"type":"number"},{"type":"boolean"}]}]}},"required":["items"]},"thinkingConfig":{"thinkingBudget":1024,"includeThoughts":true}},"cachedContent":"cachedContents/abc","serviceTier":"flex"}
    """#

  @Test func requestSurvivesEncodeDecodeEncode() throws {
    let data = Data(Self.requestJSON.utf8)
    let decoded = try WireJSON.decode(GenerateContentRequest.self, from: data)
    let encoded = try WireJSON.encode(decoded)
    // Compact input in declaration order comes back byte for byte.
    #expect(String(decoding: encoded, as: UTF8.self) == Self.requestJSON)
    let again = try WireJSON.decode(GenerateContentRequest.self, from: encoded)
    #expect(again == decoded)
    #expect(try WireJSON.encode(again) == encoded)
    // Spot checks of typed fields.
    #expect(decoded.generationConfig?.thinkingConfig == ThinkingConfig(thinkingBudget: 1024, includeThoughts: true))
    #expect(decoded.contents[1].parts?[0].functionCall?.args?["max_output_tokens"] == 2)
    #expect(decoded.tools?[1].googleSearch == .object(JSONObject()))
    #expect(decoded.serviceTier == "flex" && decoded.cachedContent == "cachedContents/abc")
    // Foundation's coders agree on the values (not on key order).
    let viaFoundation = try JSONDecoder().decode(GenerateContentRequest.self, from: data)
    #expect(viaFoundation == decoded)
    #expect(try JSONValue.parse(JSONEncoder().encode(viaFoundation)) == JSONValue.parse(data))
  }

  /// Key order inside schemas and args matters (it is the order the model generates in).
  @Test func keyOrderIsKept() throws {
    let decoded = try WireJSON.decode(GenerateContentRequest.self, from: Data(Self.requestJSON.utf8))
    let schema = try #require(decoded.generationConfig?.responseJsonSchema)
    #expect(schema.objectValue?.keys == ["$defs", "type", "properties", "required"])
    #expect(schema["$defs"]?["Item"]?["properties"]?.objectValue?.keys == ["zname", "anum"])
    #expect(decoded.contents[1].parts?[0].functionCall?.args?.objectValue?.keys == ["zeta", "alpha", "max_output_tokens"])
    let encoded = String(decoding: try WireJSON.encode(decoded), as: UTF8.self)
    let z = try #require(encoded.range(of: "\"zname\""))
    let a = try #require(encoded.range(of: "\"anum\""))
    #expect(z.lowerBound < a.lowerBound)
  }

  @Test func wireDecodingRejectsWrongTypes() {
    #expect(throws: DecodingError.self) { try WireJSON.decode(GenerateContentRequest.self, from: Data(#"{"contents":{}}"#.utf8)) }
    #expect(throws: DecodingError.self) { try WireJSON.decode(GenerationConfig.self, from: Data(#"{"topK":1.5}"#.utf8)) }
    #expect(throws: DecodingError.self) { try WireJSON.decode(Content.self, from: Data(#"{"role":3}"#.utf8)) }
    #expect(throws: DecodingError.self) { try WireJSON.decode(FunctionCall.self, from: Data(#"{"args":{}}"#.utf8)) }
    #expect(throws: JSONParseError.self) { try WireJSON.decode(Content.self, from: Data("{".utf8)) }
  }

  @Test func responsesDecodeTheSameWithBothCoders() throws {
    let body = Data(GeminiClientTests.okBody.utf8)
    #expect(try WireJSON.decode(GenerateContentResponse.self, from: body) == JSONDecoder().decode(GenerateContentResponse.self, from: body))
  }

  @Test func jsonValueSerializationRoundTrips() throws {
    let text = #"{"b":[1,2.5,-3e2,true,false,null],"a":{"s":"q\"\\\n\u0001é😀"}}"#
    let v = try JSONValue.parse(text)
    #expect(v.objectValue?.keys == ["b", "a"])
    #expect(try JSONValue.parse(v.serialized()) == v)
    #expect(v["b"]?.arrayValue?[2] == -300)
    #expect(v["a"]?["s"]?.stringValue == "q\"\\\n\u{1}é😀")
  }

  @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "\"\\x\"", "[1] 2", "\"\\ud800\"", "tru"])
  func badJSONIsRejected(text: String) {
    #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
  }
}

struct SnakeCaseTests {
  func convert(_ s: String) throws -> JSONValue { WireKeys.camelCased(try JSONValue.parse(s)) }

  @Test func wireFieldsAreConverted() throws {
    let v = try convert(#"""
      {"contents":[{"role":"user","parts":[{"text":"x"},{"inline_data":{"mime_type":"image/png","data":"AA=="}},{"file_data":{"file_uri":"gs://a","mime_type":"text/plain"}}]}],
       "system_instruction":{"parts":[{"text":"s"}]},
       "tools":[{"google_search":{}},{"function_declarations":[{"name":"f","parameters_json_schema":{"type":"object"}}]},{"code_execution":{}}],
       "tool_config":{"function_calling_config":{"mode":"ANY","allowed_function_names":["f"]}},
       "safety_settings":[{"category":"C","threshold":"T"}],
       "generation_config":{"response_mime_type":"application/json","max_output_tokens":10,"stop_sequences":["x"],"top_p":0.5,
         "thinking_config":{"include_thoughts":true,"thinking_budget":128},"response_json_schema":{"type":"string"}},
       "cached_content":"cachedContents/x","service_tier":"flex"}
      """#)
    #expect(v.objectValue?.keys == ["contents", "systemInstruction", "tools", "toolConfig", "safetySettings", "generationConfig", "cachedContent", "serviceTier"])
    #expect(v["contents"]?.arrayValue?[0]["parts"]?.arrayValue?[1]["inlineData"]?["mimeType"] == "image/png")
    #expect(v["contents"]?.arrayValue?[0]["parts"]?.arrayValue?[2]["fileData"]?["fileUri"] == "gs://a")
    #expect(v["tools"]?.arrayValue?[0]["googleSearch"] != nil)
    #expect(v["tools"]?.arrayValue?[1]["functionDeclarations"]?.arrayValue?[0]["parametersJsonSchema"] != nil)
    #expect(v["tools"]?.arrayValue?[2]["codeExecution"] != nil)
    #expect(v["toolConfig"]?["functionCallingConfig"]?["allowedFunctionNames"] == ["f"])
    let g = try #require(v["generationConfig"])
    #expect(g.objectValue?.keys == ["responseMimeType", "maxOutputTokens", "stopSequences", "topP", "thinkingConfig", "responseJsonSchema"])
    #expect(g["thinkingConfig"] == ["includeThoughts": true, "thinkingBudget": 128])
    // And the result decodes into the typed request with every field set.
    let req = try WireJSON.decode(GenerateContentRequest.self, from: v)
    #expect(req.generationConfig?.maxOutputTokens == 10 && req.generationConfig?.isJSONMode == true)
    #expect(req.generationConfig?.thinkingConfig?.thinkingBudget == 128)
    #expect(req.systemInstruction?.parts?.first?.text == "s")
    #expect(req.serviceTier == "flex")
  }

  @Test func dataIsNeverConverted() throws {
    let v = try convert(#"""
      {"contents":[{"parts":[{"function_call":{"name":"f","args":{"max_output_tokens":1,"inner":{"top_k":2}}}},
                              {"function_response":{"name":"f","response":{"response_mime_type":"x"}}}]}],
       "generation_config":{"response_schema":{"type":"OBJECT",
           "properties":{"max_output_tokens":{"type":"INTEGER","min_length":1,"example":{"some_key":1}},
                         "nested":{"type":"OBJECT","properties":{"top_p":{"type":"NUMBER","default":{"a_b":1}}},"property_ordering":["top_p"]}},
           "property_ordering":["max_output_tokens","nested"],"required":["max_output_tokens"],
           "any_of":[{"type":"STRING","enum":["snake_value"]}]}}}
      """#)
    let call = v["contents"]?.arrayValue?[0]["parts"]?.arrayValue?[0]["functionCall"]
    #expect(call?["args"] == ["max_output_tokens": 1, "inner": ["top_k": 2]])
    let resp = v["contents"]?.arrayValue?[0]["parts"]?.arrayValue?[1]["functionResponse"]
    #expect(resp?["response"] == ["response_mime_type": "x"])
    let schema = try #require(v["generationConfig"]?["responseSchema"])
    #expect(schema["properties"]?.objectValue?.keys == ["max_output_tokens", "nested"])
    let prop = try #require(schema["properties"]?["max_output_tokens"])
    #expect(prop["minLength"] == 1 && prop["min_length"] == nil)  // the property's schema is converted
    #expect(prop["example"] == ["some_key": 1])  // its example is data
    #expect(schema["properties"]?["nested"]?["properties"]?.objectValue?.keys == ["top_p"])
    #expect(schema["properties"]?["nested"]?["properties"]?["top_p"]?["default"] == ["a_b": 1])
    #expect(schema["properties"]?["nested"]?["propertyOrdering"] == ["top_p"])
    #expect(schema["propertyOrdering"] == ["max_output_tokens", "nested"])
    #expect(schema["required"] == ["max_output_tokens"])
    #expect(schema["anyOf"]?.arrayValue?[0]["enum"] == ["snake_value"])
  }

  @Test func defsAndFunctionDeclarationResponseSchemas() throws {
    let v = try convert(#"""
      {"generationConfig":{"responseJsonSchema":{"$defs":{"my_type":{"type":"object","additional_properties":false,"properties":{"a_b":{"type":"string","max_length":3}}}},"$ref":"#/$defs/my_type"}},
       "tools":[{"functionDeclarations":[{"name":"f","response":{"type":"OBJECT","properties":{"out_val":{"type":"STRING","min_length":1}}}}]}],
       "metadata":{"job_key":"x"},"unknown_field":{"top_k":1}}
      """#)
    let defs = try #require(v["generationConfig"]?["responseJsonSchema"]?["$defs"])
    #expect(defs.objectValue?.keys == ["my_type"])
    #expect(defs["my_type"]?["additionalProperties"] == false)
    #expect(defs["my_type"]?["properties"]?["a_b"]?["maxLength"] == 3)
    #expect(v["generationConfig"]?["responseJsonSchema"]?["$ref"] == "#/$defs/my_type")
    let decl = v["tools"]?.arrayValue?[0]["functionDeclarations"]?.arrayValue?[0]
    #expect(decl?["response"]?["properties"]?["out_val"]?["minLength"] == 1)
    #expect(v["metadata"] == ["job_key": "x"])
    #expect(v["unknown_field"] != nil)  // unknown names are left for the API
  }

  @Test func camelCaseWinsOverSnakeDuplicate() throws {
    let v = try convert(#"{"generationConfig":{"max_output_tokens":1,"maxOutputTokens":2}}"#)
    #expect(v["generationConfig"] == ["maxOutputTokens": 2])
  }

  @Test func camelCaseSpelling() {
    #expect(WireKeys.camelCase("response_json_schema") == "responseJsonSchema")
    #expect(WireKeys.camelCase("google_search") == "googleSearch")
    #expect(WireKeys.camelCase("already") == "already")
    #expect(WireKeys.camelCase("_private") == "_private")
    #expect(WireKeys.knownNames.isSuperset(of: ["responseJsonSchema", "functionDeclarations", "includeThoughts", "fileUri", "thoughtSignature", "propertyOrdering"]))
  }
}
