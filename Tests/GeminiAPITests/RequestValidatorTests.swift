import Foundation
import GeminiAPI
import Testing

/// The bad-request corpus: each wrong request gives exactly the problem expected, at its path.
@Suite struct RequestValidatorTests {
  struct Case: Sendable, CustomTestStringConvertible {
    let name: String
    /// Merged into a minimal valid request (top-level keys).
    let body: String
    let path: String
    let says: String
    var testDescription: String { name }
  }

  static let minimal = #"{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}"#

  static func request(_ extra: String) -> JSONValue {
    var base = try! JSONValue.parse(minimal).objectValue!
    for (k, v) in try! JSONValue.parse(extra).objectValue! { base[k] = v }
    return .object(base)
  }

  static let corpus: [Case] = [
    // generationConfig: types
    Case(name: "temperature as a word", body: #"{"generationConfig":{"temperature":"hot"}}"#,
         path: "generationConfig.temperature", says: #"must be a number from 0..2, not the string "hot""#),
    Case(name: "topK as a fraction", body: #"{"generationConfig":{"topK":2.5}}"#,
         path: "generationConfig.topK", says: "must be an integer, not the number 2.5"),
    Case(name: "maxOutputTokens as an object", body: #"{"generationConfig":{"maxOutputTokens":{}}}"#,
         path: "generationConfig.maxOutputTokens", says: "must be an integer, not an object"),
    Case(name: "responseLogprobs as a string", body: #"{"generationConfig":{"responseLogprobs":"yes"}}"#,
         path: "generationConfig.responseLogprobs", says: #"must be true or false, not the string "yes""#),
    Case(name: "stopSequences as a string", body: #"{"generationConfig":{"stopSequences":"END"}}"#,
         path: "generationConfig.stopSequences", says: "must be an array of strings, not a string"),
    Case(name: "thinkingConfig as a number", body: #"{"generationConfig":{"thinkingConfig":1}}"#,
         path: "generationConfig.thinkingConfig", says: "must be a ThinkingConfig object, not a number"),
    Case(name: "includeThoughts as a number", body: #"{"generationConfig":{"thinkingConfig":{"includeThoughts":1}}}"#,
         path: "generationConfig.thinkingConfig.includeThoughts", says: "must be true or false, not the number 1"),
    // generationConfig: ranges
    Case(name: "temperature above 2", body: #"{"generationConfig":{"temperature":2.5}}"#,
         path: "generationConfig.temperature", says: "2.5 is out of range; use 0..2"),
    Case(name: "negative temperature", body: #"{"generationConfig":{"temperature":-0.1}}"#,
         path: "generationConfig.temperature", says: "-0.1 is out of range; use 0..2"),
    Case(name: "topP above 1", body: #"{"generationConfig":{"topP":1.5}}"#,
         path: "generationConfig.topP", says: "1.5 is out of range; use 0..1"),
    Case(name: "topK zero", body: #"{"generationConfig":{"topK":0}}"#,
         path: "generationConfig.topK", says: "0 is out of range; use 1 or more"),
    Case(name: "candidateCount 9", body: #"{"generationConfig":{"candidateCount":9}}"#,
         path: "generationConfig.candidateCount", says: "9 is out of range; use 1..8"),
    Case(name: "maxOutputTokens zero", body: #"{"generationConfig":{"maxOutputTokens":0}}"#,
         path: "generationConfig.maxOutputTokens", says: "0 is out of range; use 1 or more"),
    Case(name: "six stop sequences", body: #"{"generationConfig":{"stopSequences":["a","b","c","d","e","f"]}}"#,
         path: "generationConfig.stopSequences", says: "has 6 entries; at most 5 are allowed"),
    Case(name: "presencePenalty 3", body: #"{"generationConfig":{"presencePenalty":3}}"#,
         path: "generationConfig.presencePenalty", says: "3 is out of range; use -2..2"),
    Case(name: "frequencyPenalty -3", body: #"{"generationConfig":{"frequencyPenalty":-3}}"#,
         path: "generationConfig.frequencyPenalty", says: "-3 is out of range; use -2..2"),
    Case(name: "seed beyond 32 bits", body: #"{"generationConfig":{"seed":5000000000}}"#,
         path: "generationConfig.seed", says: "5000000000 is out of range; use a 32-bit integer"),
    Case(name: "logprobs 21", body: #"{"generationConfig":{"responseLogprobs":true,"logprobs":21}}"#,
         path: "generationConfig.logprobs", says: "21 is out of range; use 0..20"),
    Case(name: "logprobs without responseLogprobs", body: #"{"generationConfig":{"logprobs":3}}"#,
         path: "generationConfig.logprobs", says: "needs responseLogprobs: true"),
    Case(name: "thinkingBudget -2", body: #"{"generationConfig":{"thinkingConfig":{"thinkingBudget":-2}}}"#,
         path: "generationConfig.thinkingConfig.thinkingBudget", says: "-2 is out of range; use -1 (dynamic), 0 (off) or a token budget"),
    Case(name: "fps zero", body: #"{"contents":[{"parts":[{"fileData":{"fileUri":"https://x/v.mp4"},"videoMetadata":{"fps":0}}]}]}"#,
         path: "contents[0].parts[0].videoMetadata.fps", says: "0 is out of range; use more than 0 and at most 24"),
    // generationConfig: enums
    Case(name: "responseMimeType text/csv", body: #"{"generationConfig":{"responseMimeType":"text/csv"}}"#,
         path: "generationConfig.responseMimeType", says: #"unknown value "text/csv"; use one of text/plain, application/json"#),
    Case(name: "responseModalities VIDEO", body: #"{"generationConfig":{"responseModalities":["TEXT","VIDEO"]}}"#,
         path: "generationConfig.responseModalities[1]", says: #"unknown value "VIDEO"; use one of TEXT, IMAGE, AUDIO"#),
    Case(name: "mediaResolution ULTRA", body: #"{"generationConfig":{"mediaResolution":"MEDIA_RESOLUTION_ULTRA"}}"#,
         path: "generationConfig.mediaResolution", says: #"unknown value "MEDIA_RESOLUTION_ULTRA""#),
    Case(name: "thinkingLevel EXTREME", body: #"{"generationConfig":{"thinkingConfig":{"thinkingLevel":"EXTREME"}}}"#,
         path: "generationConfig.thinkingConfig.thinkingLevel", says: #"unknown value "EXTREME"; use one of MINIMAL, LOW, MEDIUM, HIGH"#),
    Case(name: "unknown generationConfig field", body: #"{"generationConfig":{"temprature":0.2}}"#,
         path: "generationConfig.temprature", says: "unknown field (did you mean temperature?)"),
    Case(name: "Vertex-only field", body: #"{"generationConfig":{"routingConfig":{}}}"#,
         path: "generationConfig.routingConfig", says: "routingConfig is a Vertex AI field; the Gemini API refuses it"),
    Case(name: "speechConfig voice as a string", body: #"{"generationConfig":{"speechConfig":{"voiceConfig":"Kore"}}}"#,
         path: "generationConfig.speechConfig.voiceConfig", says: "must be a VoiceConfig object, not a string"),
    Case(name: "speechConfig unknown field", body: #"{"generationConfig":{"speechConfig":{"voice":"Kore"}}}"#,
         path: "generationConfig.speechConfig.voice", says: "unknown field"),
    Case(name: "imageConfig aspect ratio", body: #"{"generationConfig":{"imageConfig":{"aspectRatio":"wide"}}}"#,
         path: "generationConfig.imageConfig.aspectRatio", says: #"must be a ratio such as "16:9""#),
    Case(name: "schema without JSON mime type", body: #"{"generationConfig":{"responseMimeType":"text/plain","responseSchema":{"type":"STRING"}}}"#,
         path: "generationConfig.responseMimeType", says: "responseSchema needs responseMimeType application/json (or text/x.enum)"),
    Case(name: "text/x.enum without enum", body: #"{"generationConfig":{"responseMimeType":"text/x.enum"}}"#,
         path: "generationConfig.responseMimeType", says: "text/x.enum needs a responseSchema of type STRING with enum values"),
    Case(name: "bad schema type", body: #"{"generationConfig":{"responseMimeType":"application/json","responseSchema":{"type":"TEXT"}}}"#,
         path: "generationConfig.responseSchema", says: "bad schema: $: unknown type"),
    // safety
    Case(name: "unknown harm category", body: #"{"safetySettings":[{"category":"HARM_CATEGORY_FOO","threshold":"BLOCK_NONE"}]}"#,
         path: "safetySettings[0].category", says: #"unknown value "HARM_CATEGORY_FOO"; use one of HARM_CATEGORY_HARASSMENT"#),
    Case(name: "misspelt threshold", body: #"{"safetySettings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_ONLY_HIHG"}]}"#,
         path: "safetySettings[0].threshold", says: #"unknown value "BLOCK_ONLY_HIHG" (did you mean BLOCK_ONLY_HIGH?)"#),
    Case(name: "category twice", body: #"{"safetySettings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"OFF"},{"category":"harm_category_harassment","threshold":"OFF"}]}"#,
         path: "safetySettings[1].category", says: "HARM_CATEGORY_HARASSMENT is set twice"),
    Case(name: "threshold missing", body: #"{"safetySettings":[{"category":"HARM_CATEGORY_HARASSMENT"}]}"#,
         path: "safetySettings[0]", says: "threshold is missing"),
    // tools and toolConfig
    Case(name: "empty tool", body: #"{"tools":[{}]}"#, path: "tools[0]", says: "a Tool needs one of functionDeclarations"),
    Case(name: "unknown tool", body: #"{"tools":[{"googleSerch":{}}]}"#,
         path: "tools[0].googleSerch", says: "unknown field (did you mean googleSearch?)"),
    Case(name: "googleSearch as true", body: #"{"tools":[{"googleSearch":true}]}"#,
         path: "tools[0].googleSearch", says: "must be an object ({} or {timeRangeFilter}), not true/false"),
    Case(name: "codeExecution with a field", body: #"{"tools":[{"codeExecution":{"language":"PYTHON"}}]}"#,
         path: "tools[0].codeExecution.language", says: "codeExecution takes no fields"),
    Case(name: "function name with a space", body: #"{"tools":[{"functionDeclarations":[{"name":"get weather"}]}]}"#,
         path: "tools[0].functionDeclarations[0].name", says: "must start with a letter or _"),
    Case(name: "function without name", body: #"{"tools":[{"functionDeclarations":[{"description":"x"}]}]}"#,
         path: "tools[0].functionDeclarations[0]", says: "name is missing"),
    Case(name: "both parameter schemas", body: #"{"tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"OBJECT"},"parametersJsonSchema":{"type":"object"}}]}]}"#,
         path: "tools[0].functionDeclarations[0]", says: "give parameters or parametersJsonSchema, not both"),
    Case(name: "function declared twice", body: #"{"tools":[{"functionDeclarations":[{"name":"f"}]},{"functionDeclarations":[{"name":"f"}]}]}"#,
         path: "tools[1]", says: "function f is declared twice"),
    Case(name: "googleMaps widget as a string", body: #"{"tools":[{"googleMaps":{"enableWidget":"yes"}}]}"#,
         path: "tools[0].googleMaps.enableWidget", says: "must be true or false"),
    Case(name: "function calling mode", body: #"{"tools":[{"functionDeclarations":[{"name":"f"}]}],"toolConfig":{"functionCallingConfig":{"mode":"ALWAYS"}}}"#,
         path: "toolConfig.functionCallingConfig.mode", says: #"unknown value "ALWAYS"; use one of AUTO, ANY, NONE, VALIDATED"#),
    Case(name: "allowed names with AUTO", body: #"{"tools":[{"functionDeclarations":[{"name":"f"}]}],"toolConfig":{"functionCallingConfig":{"mode":"AUTO","allowedFunctionNames":["f"]}}}"#,
         path: "toolConfig.functionCallingConfig.allowedFunctionNames", says: "applies only with mode ANY or VALIDATED"),
    Case(name: "allowed name not declared", body: #"{"tools":[{"functionDeclarations":[{"name":"f"}]}],"toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["g"]}}}"#,
         path: "toolConfig.functionCallingConfig.allowedFunctionNames", says: "function g is not declared in tools"),
    Case(name: "latitude out of range", body: #"{"toolConfig":{"retrievalConfig":{"latLng":{"latitude":91,"longitude":0}}}}"#,
         path: "toolConfig.retrievalConfig.latLng.latitude", says: "91 is out of range; use -90..90"),
    // contents, parts, roles
    Case(name: "unknown role", body: #"{"contents":[{"role":"assistant","parts":[{"text":"x"}]}]}"#,
         path: "contents[0].role", says: #"unknown role "assistant"; use user or model"#),
    Case(name: "empty parts", body: #"{"contents":[{"role":"user","parts":[]}]}"#, path: "contents[0].parts", says: "must not be empty"),
    Case(name: "content without parts", body: #"{"contents":[{"role":"user"}]}"#,
         path: "contents[0]", says: "parts is missing"),
    Case(name: "part with no data", body: #"{"contents":[{"parts":[{"thought":true}]}]}"#,
         path: "contents[0].parts[0]", says: "a Part needs one of text, inlineData"),
    Case(name: "part with two data fields", body: #"{"contents":[{"parts":[{"text":"a","inlineData":{"mimeType":"image/png","data":"AAAA"}}]}]}"#,
         path: "contents[0].parts[0]", says: "this one has text and inlineData"),
    Case(name: "text as a number", body: #"{"contents":[{"parts":[{"text":42}]}]}"#,
         path: "contents[0].parts[0].text", says: "must be a string, not a number"),
    Case(name: "inlineData without data", body: #"{"contents":[{"parts":[{"inlineData":{"mimeType":"image/png"}}]}]}"#,
         path: "contents[0].parts[0].inlineData", says: "data is missing"),
    Case(name: "inlineData mime type", body: #"{"contents":[{"parts":[{"inlineData":{"mimeType":"png","data":"AAAA"}}]}]}"#,
         path: "contents[0].parts[0].inlineData.mimeType", says: "must be a MIME type such as image/png"),
    Case(name: "fileData without uri", body: #"{"contents":[{"parts":[{"fileData":{"mimeType":"application/pdf"}}]}]}"#,
         path: "contents[0].parts[0].fileData", says: "fileUri is missing"),
    Case(name: "functionCall args as a list", body: #"{"contents":[{"role":"model","parts":[{"functionCall":{"name":"f","args":[1]}}]}]}"#,
         path: "contents[0].parts[0].functionCall.args", says: "must be an object (a Struct of arguments), not an array"),
    Case(name: "functionResponse scheduling", body: #"{"contents":[{"parts":[{"functionResponse":{"name":"f","response":{},"scheduling":"LATER"}}]}]}"#,
         path: "contents[0].parts[0].functionResponse.scheduling", says: #"unknown value "LATER""#),
    Case(name: "executableCode language", body: #"{"contents":[{"role":"model","parts":[{"executableCode":{"language":"RUBY","code":"1"}}]}]}"#,
         path: "contents[0].parts[0].executableCode.language", says: #"unknown value "RUBY"; use one of LANGUAGE_UNSPECIFIED, PYTHON"#),
    Case(name: "codeExecutionResult outcome", body: #"{"contents":[{"role":"model","parts":[{"codeExecutionResult":{"outcome":"OK"}}]}]}"#,
         path: "contents[0].parts[0].codeExecutionResult.outcome", says: #"unknown value "OK" (did you mean OUTCOME_OK?)"#),
    Case(name: "thoughtSignature not base64", body: #"{"contents":[{"role":"model","parts":[{"text":"a","thoughtSignature":"not base64!"}]}]}"#,
         path: "contents[0].parts[0].thoughtSignature", says: "must be base64"),
    Case(name: "videoMetadata offset", body: #"{"contents":[{"parts":[{"fileData":{"fileUri":"https://x/v.mp4"},"videoMetadata":{"startOffset":"10"}}]}]}"#,
         path: "contents[0].parts[0].videoMetadata.startOffset", says: #"must be a duration such as "1.5s""#),
    Case(name: "unknown part field", body: #"{"contents":[{"parts":[{"txt":"a"}]}]}"#,
         path: "contents[0].parts[0].txt", says: "unknown field (did you mean text?)"),
    Case(name: "systemInstruction parts as text", body: #"{"systemInstruction":{"parts":"be brief"}}"#,
         path: "systemInstruction.parts", says: "must be an array of Part, not a string"),
    // top level
    Case(name: "cachedContent name", body: #"{"cachedContent":"abc"}"#, path: "cachedContent", says: "must be a cached content name"),
    Case(name: "serviceTier", body: #"{"serviceTier":"gold"}"#, path: "serviceTier", says: #"unknown value "gold"; use one of flex, standard, priority"#),
    Case(name: "empty contents", body: #"{"contents":[]}"#, path: "contents", says: "must not be empty"),
  ]

  @Test(arguments: corpus)
  func badRequest(_ c: Case) {
    let problems = RequestValidator.validate(Self.request(c.body))
    #expect(problems.count == 1, "\(problems)")
    let p = problems.first
    #expect(p?.path == c.path, "\(problems)")
    #expect(p?.message.contains(c.says) == true, "\(p?.message ?? "none")")
  }

  @Test func validRequestsPass() throws {
    let bodies = [
      Self.minimal,
      #"{"contents":[{"role":"user","parts":[{"text":"x"},{"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}}]},{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"c2ln"}]},{"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"t":21}}}]}],"systemInstruction":{"role":"user","parts":[{"text":"be brief"}]},"tools":[{"functionDeclarations":[{"name":"get_weather","description":"d","parameters":{"type":"OBJECT","properties":{"city":{"type":"STRING"}},"required":["city"]}}]},{"googleSearch":{}},{"codeExecution":{}},{"urlContext":{}},{"googleMaps":{"enableWidget":true}}],"toolConfig":{"functionCallingConfig":{"mode":"any","allowedFunctionNames":["get_weather"]},"retrievalConfig":{"latLng":{"latitude":48.8,"longitude":2.3},"languageCode":"fr"}},"safetySettings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_ONLY_HIGH"},{"category":"HARM_CATEGORY_HATE_SPEECH","threshold":"off"}],"generationConfig":{"temperature":0.2,"topP":0.9,"topK":40,"candidateCount":2,"maxOutputTokens":1024,"stopSequences":["END"],"presencePenalty":0.5,"frequencyPenalty":-0.5,"seed":7,"responseLogprobs":true,"logprobs":3,"responseMimeType":"application/json","responseJsonSchema":{"type":"object"},"responseModalities":["TEXT"],"thinkingConfig":{"thinkingBudget":-1,"includeThoughts":true},"mediaResolution":"MEDIA_RESOLUTION_LOW","speechConfig":{"voiceConfig":{"prebuiltVoiceConfig":{"voiceName":"Kore"}}},"imageConfig":{"aspectRatio":"16:9"}},"cachedContent":"cachedContents/abc","serviceTier":"flex"}"#,
      // snake_case names, as the REST mapping accepts them
      #"{"contents":[{"role":"user","parts":[{"text":"x"}]}],"generation_config":{"max_output_tokens":10,"response_mime_type":"text/x.enum","response_schema":{"type":"STRING","enum":["a","b"]}},"tools":[{"google_search":{}}]}"#,
    ]
    for b in bodies {
      let problems = RequestValidator.validate(try JSONValue.parse(b))
      #expect(problems.isEmpty, "\(problems)")
    }
  }

  @Test func problemsNeverShowPromptText() {
    let body = Self.request(#"{"contents":[{"role":"narrator","parts":[{"text":{"secret":"do not print"}}]}]}"#)
    let text = RequestValidator.validate(body).map(\.description).joined()
    #expect(!text.contains("do not print"))
    #expect(text.contains("contents[0].parts[0].text: must be a string, not an object"))
  }

  @Test func severalProblemsAreAllReported() {
    let body = Self.request(#"{"generationConfig":{"temperature":9,"topP":-1,"candidateCount":0}}"#)
    #expect(RequestValidator.validate(body).map(\.path) == [
      "generationConfig.temperature", "generationConfig.topP", "generationConfig.candidateCount",
    ])
  }

  /// Every stored property of the wire request types is a field the validator knows: a field
  /// added to the wire model without a check here fails this test.
  @Test func fieldTablesFollowTheWireModel() {
    let samples: [(String, Any)] = [
      ("GenerateContentRequest", GenerateContentRequest(contents: [])), ("Content", Content()), ("Part", Part()),
      ("Blob", Blob(mimeType: "", data: "")), ("FileData", FileData(fileUri: "")), ("FunctionCall", FunctionCall(name: "")),
      ("FunctionResponse", FunctionResponse(name: "")), ("ExecutableCode", ExecutableCode(code: "")),
      ("CodeExecutionResult", CodeExecutionResult()), ("VideoMetadata", VideoMetadata()), ("Tool", Tool()),
      ("FunctionDeclaration", FunctionDeclaration(name: "")), ("ToolConfig", ToolConfig()),
      ("FunctionCallingConfig", FunctionCallingConfig()), ("SafetySetting", SafetySetting(category: "", threshold: "")),
      ("GenerationConfig", GenerationConfig()), ("ThinkingConfig", ThinkingConfig()),
    ]
    for (name, sample) in samples {
      let wire = Set(Mirror(reflecting: sample).children.compactMap(\.label))
      let known = Set(RequestValidator.messageFields[name] ?? [])
      #expect(wire.subtracting(known).isEmpty, "\(name): \(wire.subtracting(known).sorted())")
    }
  }
}
