import Foundation
import GeminiAPI
import GeminiCatalog

/// A validated `generateContent` request, reduced to what the answer generator needs.
struct MockRequest: Sendable {
  struct Function: Sendable {
    var name: String
    var parameters: OutputSchema?
  }

  var model: String
  /// The catalog's facts for the model asked for, and the model that answers.
  var spec: MockModel
  /// All user-visible prompt text (system instruction + contents), joined.
  var promptText: String = ""
  var promptTextBytes: Int = 0
  /// Inline media counts by modality (IMAGE, AUDIO, VIDEO, DOCUMENT).
  var mediaParts: [String: Int] = [:]
  var functions: [Function] = []
  var functionMode: String = "AUTO"
  var allowedFunctionNames: [String] = []
  var googleSearch = false
  var googleMaps = false
  var mapsWidget = false
  var cachedContent: String?
  /// `serviceTier` as sent (lower case), nil when absent.
  var serviceTier: String?
  /// `generationConfig.responseModalities`, upper case.
  var responseModalities: [String] = []
  var maxOutputTokens: Int?
  var responseMimeType: String = "text/plain"
  var schema: OutputSchema?
  var thinkingBudget: Int?
  var thinkingLevel: String?
  var includeThoughts = false
  var candidateCount = 1

  /// Names from `[[mock:<name>]]` markers in the prompt text, e.g. `internal`, `replay=file.json`.
  var markers: [String] = []

  var isJSONMode: Bool { responseMimeType == "application/json" }
  var wantsImages: Bool { responseModalities.contains("IMAGE") }
  /// Text is wanted unless the request asked for images only.
  var wantsText: Bool { responseModalities.isEmpty || responseModalities.contains("TEXT") }

  /// The Gemini API's harm categories (the proto's, and the SDK's image and jailbreak ones).
  static let harmCategories: Set<String> = [
    "HARM_CATEGORY_UNSPECIFIED", "HARM_CATEGORY_DEROGATORY", "HARM_CATEGORY_TOXICITY", "HARM_CATEGORY_VIOLENCE",
    "HARM_CATEGORY_SEXUAL", "HARM_CATEGORY_MEDICAL", "HARM_CATEGORY_DANGEROUS", "HARM_CATEGORY_HARASSMENT",
    "HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_SEXUALLY_EXPLICIT", "HARM_CATEGORY_DANGEROUS_CONTENT",
    "HARM_CATEGORY_CIVIC_INTEGRITY", "HARM_CATEGORY_IMAGE_HATE", "HARM_CATEGORY_IMAGE_DANGEROUS_CONTENT",
    "HARM_CATEGORY_IMAGE_HARASSMENT", "HARM_CATEGORY_IMAGE_SEXUALLY_EXPLICIT", "HARM_CATEGORY_JAILBREAK",
  ]
  static let harmThresholds: Set<String> = [
    "HARM_BLOCK_THRESHOLD_UNSPECIFIED", "BLOCK_LOW_AND_ABOVE", "BLOCK_MEDIUM_AND_ABOVE", "BLOCK_ONLY_HIGH", "BLOCK_NONE",
    "OFF",
  ]
  static let modalities: Set<String> = ["MODALITY_UNSPECIFIED", "TEXT", "IMAGE", "AUDIO"]

  /// A `serviceTier` value the API takes (any case, or the SDK's `SERVICE_TIER_*` form).
  static func tier(_ value: String) -> String? { ServiceTier(wire: value).map(\.rawValue) }

  static let allowedMimeTypes: Set<String> = [
    "text/plain", "application/json", "application/xml", "application/yaml", "text/x.enum",
  ]

  /// A request with nothing set yet (the fast path fills it in).
  init(model: String, spec: MockModel) {
    self.model = model
    self.spec = spec
  }

  /// Sets the prompt text and what is derived from it.
  mutating func setPrompt(_ text: String) {
    promptText = text
    promptTextBytes = text.utf8.count
    markers = MockRequest.markers(in: text)
  }

  /// `init(model:spec:body:)` with the model looked up in the bundled catalog as of today.
  init(model: String, body: JSONValue) throws(MockError) {
    try self.init(model: model, spec: MockModels.standard.spec(model), body: body)
  }

  /// Validates a normalised request body the way the API does (after the shape checks);
  /// `spec` is the model the caller looked up.
  init(model: String, spec: MockModel, body: JSONValue) throws(MockError) {
    self.model = model
    self.spec = spec
    guard let o = body.objectValue else { throw MockError.invalidArgument("Invalid JSON payload received.") }

    var text = ""
    func collect(_ content: JSONValue) {
      for part in content["parts"]?.arrayValue ?? [] {
        if let t = part["text"]?.stringValue {
          if !text.isEmpty { text += "\n" }
          text += t
        }
        if let mime = part["inlineData"]?["mimeType"]?.stringValue ?? part["fileData"]?["mimeType"]?.stringValue {
          let m = MockRequest.modality(mime)
          mediaParts[m, default: 0] += 1
        } else if part["fileData"] != nil {
          mediaParts["DOCUMENT", default: 0] += 1
        }
      }
    }
    if let si = o["systemInstruction"], !si.isNull { collect(si) }
    let contents = o["contents"]?.arrayValue ?? []
    if contents.isEmpty {
      throw MockError.invalidArgument("* GenerateContentRequest.contents: contents is not specified\n")
    }
    for (i, c) in contents.enumerated() {
      if (c["parts"]?.arrayValue ?? []).isEmpty {
        throw MockError.invalidArgument("* GenerateContentRequest.contents[\(i)].parts: contents.parts must not be empty.\n")
      }
      if let role = c["role"]?.stringValue, !role.isEmpty, role != "user", role != "model", role != "function" {
        throw MockError.invalidArgument(
          "Please use a valid role: user, model.")
      }
      collect(c)
    }
    setPrompt(text)

    cachedContent = o["cachedContent"]?.stringValue
    if cachedContent != nil {
      let clashing = ["systemInstruction", "tools", "toolConfig"].filter { o[$0] != nil && !(o[$0]!.isNull) }
      if !clashing.isEmpty {
        throw MockError.invalidArgument(
          "CachedContent can not be used with GenerateContent request setting system_instruction, tools or tool_config.\n\nProposed fix: move those values to CachedContent from GenerateContent request.")
      }
    }
    if let t = o["serviceTier"]?.stringValue {
      guard let tier = MockRequest.tier(t) else {
        throw MockError.invalidArgument(
          "Invalid value at 'service_tier' (type.googleapis.com/google.ai.generativelanguage.v1beta.ServiceTier), \(JSONValue.string(t).serialized())",
          fieldViolation: true)
      }
      serviceTier = tier
    }
    for (i, setting) in (o["safetySettings"]?.arrayValue ?? []).enumerated() {
      if let c = setting["category"]?.stringValue, !MockRequest.harmCategories.contains(c.uppercased()) {
        throw MockError.invalidArgument(
          "Invalid value at 'safety_settings[\(i)].category' (type.googleapis.com/google.ai.generativelanguage.v1beta.HarmCategory), \(JSONValue.string(c).serialized())",
          fieldViolation: true)
      }
      if let t = setting["threshold"]?.stringValue, !MockRequest.harmThresholds.contains(t.uppercased()) {
        throw MockError.invalidArgument(
          "Invalid value at 'safety_settings[\(i)].threshold' (type.googleapis.com/google.ai.generativelanguage.v1beta.SafetySetting.HarmBlockThreshold), \(JSONValue.string(t).serialized())",
          fieldViolation: true)
      }
    }

    // tools
    for (ti, tool) in (o["tools"]?.arrayValue ?? []).enumerated() {
      if let s = tool["googleSearch"], !s.isNull { googleSearch = true }
      if let s = tool["googleSearchRetrieval"], !s.isNull { googleSearch = true }
      if let m = tool["googleMaps"], !m.isNull {
        googleMaps = true
        mapsWidget = m["enableWidget"]?.boolValue ?? false
      }
      for (fi, fd) in (tool["functionDeclarations"]?.arrayValue ?? []).enumerated() {
        guard let name = fd["name"]?.stringValue, !name.isEmpty else {
          throw MockError.invalidArgument(
            "* GenerateContentRequest.tools[\(ti)].function_declarations[\(fi)].name: Name cannot be empty.\n")
        }
        let p = fd["parameters"], pj = fd["parametersJsonSchema"]
        if let p, !p.isNull, let pj, !pj.isNull {
          throw MockError.invalidArgument(
            "* GenerateContentRequest.tools[\(ti)].function_declarations[\(fi)]: parameters and parameters_json_schema cannot both be set.\n"
          )
        }
        var schema: OutputSchema?
        if let p, !p.isNull { schema = .openAPI(p) } else if let pj, !pj.isNull { schema = .jsonSchema(pj) }
        if let schema, let problem = SchemaValidator.checkSchema(schema).first {
          throw MockError.invalidArgument(
            "* GenerateContentRequest.tools[\(ti)].function_declarations[\(fi)].parameters: \(problem)\n")
        }
        functions.append(Function(name: name, parameters: schema))
      }
    }
    if let fcc = o["toolConfig"]?["functionCallingConfig"] {
      if let mode = fcc["mode"]?.stringValue {
        let up = mode.uppercased()
        guard ["MODE_UNSPECIFIED", "AUTO", "ANY", "NONE", "VALIDATED"].contains(up) else {
          throw MockError.invalidArgument(
            "Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), \(JSONValue.string(mode).serialized())",
            fieldViolation: true)
        }
        functionMode = up == "MODE_UNSPECIFIED" ? "AUTO" : up
      }
      allowedFunctionNames = (fcc["allowedFunctionNames"]?.arrayValue ?? []).compactMap(\.stringValue)
      if !allowedFunctionNames.isEmpty, functionMode != "ANY", functionMode != "VALIDATED" {
        throw MockError.invalidArgument(
          "* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: allowed_function_names is only allowed when function calling mode is ANY or VALIDATED.\n"
        )
      }
      for n in allowedFunctionNames where !functions.contains(where: { $0.name == n }) {
        throw MockError.invalidArgument(
          "* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: function \(n) is not declared.\n"
        )
      }
    }

    // generationConfig
    guard let gc = o["generationConfig"], !gc.isNull else { return }
    if let t = gc["temperature"]?.doubleValue, !(0...2).contains(t) {
      throw MockError.invalidArgument(
        "* GenerateContentRequest.generation_config.temperature: temperature must be in the range [0.0, 2.0]\n")
    }
    if let c = gc["candidateCount"]?.intValue {
      guard (1...8).contains(c) else {
        throw MockError.invalidArgument(
          "* GenerateContentRequest.generation_config.candidate_count: candidate_count must be in the range [1, 8]\n")
      }
      candidateCount = c
    }
    if let m = gc["maxOutputTokens"]?.intValue {
      guard m > 0 else {
        throw MockError.invalidArgument(
          "* GenerateContentRequest.generation_config.max_output_tokens: max_output_tokens must be positive.\n")
      }
      maxOutputTokens = m
    }
    if let s = gc["stopSequences"]?.arrayValue, s.count > 5 {
      throw MockError.invalidArgument(
        "* GenerateContentRequest.generation_config.stop_sequences: at most 5 stop sequences are allowed.\n")
    }
    if let mime = gc["responseMimeType"]?.stringValue {
      let m = mime.lowercased()
      guard MockRequest.allowedMimeTypes.contains(m) else {
        throw MockError.invalidArgument(
          "* GenerateContentRequest.generation_config.response_mime_type: allowed mimetypes are `text/plain`, `application/json`, `application/xml`, `application/yaml` and `text/x.enum`.\n"
        )
      }
      responseMimeType = m
    }
    let rs = gc["responseSchema"].flatMap { $0.isNull ? nil : $0 }
    let rjs = (gc["responseJsonSchema"] ?? gc["_responseJsonSchema"]).flatMap { $0.isNull ? nil : $0 }
    if rs != nil, rjs != nil {
      throw MockError.invalidArgument(
        "* GenerateContentRequest.generation_config: response_schema and response_json_schema cannot both be set; use only one.\n"
      )
    }
    if let s = rs { schema = .openAPI(s) } else if let s = rjs { schema = .jsonSchema(s) }
    if let schema {
      let field = rs != nil ? "response_schema" : "response_json_schema"
      guard responseMimeType == "application/json" || (responseMimeType == "text/x.enum" && rs != nil) else {
        throw MockError.invalidArgument(
          "* GenerateContentRequest.generation_config.response_mime_type: response_mime_type must be application/json when \(field) is set (text/x.enum is allowed with an enum response_schema).\n"
        )
      }
      if let problem = SchemaValidator.checkSchema(schema).first {
        throw MockError.invalidArgument("* GenerateContentRequest.generation_config.\(field): \(problem)\n")
      }
      if responseMimeType == "text/x.enum", schema.value["enum"]?.arrayValue == nil {
        throw MockError.invalidArgument(
          "* GenerateContentRequest.generation_config.response_schema: text/x.enum needs a schema of type STRING with enum values.\n"
        )
      }
    }

    for (i, m) in (gc["responseModalities"]?.arrayValue ?? []).enumerated() {
      guard let name = m.stringValue, MockRequest.modalities.contains(name.uppercased()) else {
        throw MockError.invalidArgument(
          "Invalid value at 'generation_config.response_modalities[\(i)]' (type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig.Modality), \(m.serialized())",
          fieldViolation: true)
      }
      responseModalities.append(name.uppercased())
    }
    try checkModalities()

    if let tc = gc["thinkingConfig"], !tc.isNull {
      thinkingBudget = tc["thinkingBudget"]?.intValue
      thinkingLevel = tc["thinkingLevel"]?.stringValue?.uppercased()
      includeThoughts = tc["includeThoughts"]?.boolValue ?? false
      try checkThinking()
    }
  }

  /// Images asked of a model that has none: the API's 400.
  func checkModalities() throws(MockError) {
    if wantsImages, !spec.outputsImages {
      throw MockError.invalidArgument("Model does not support the requested response modalities: image")
    }
  }

  /// Google's thinking rules for the model asked for (the catalog's), with the texts the API answers.
  func checkThinking() throws(MockError) {
    if thinkingBudget != nil, thinkingLevel != nil {
      throw MockError.invalidArgument("You can only set only one of thinking budget and thinking level.")
    }
    let rule = spec.thinking
    if let level = thinkingLevel {
      guard ThinkingRule.allLevels.contains(level) || level == "THINKING_LEVEL_UNSPECIFIED" else {
        throw MockError.invalidArgument(
          "Invalid value at 'generation_config.thinking_config.thinking_level' (type.googleapis.com/google.ai.generativelanguage.v1beta.ThinkingConfig.ThinkingLevel), \(JSONValue.string(level).serialized())",
          fieldViolation: true)
      }
      if let rule {
        if rule.control != .level {
          throw MockError.invalidArgument("Thinking level is not supported for this model.")
        }
        if level != "THINKING_LEVEL_UNSPECIFIED", !rule.levels.contains(level) {
          throw MockError.invalidArgument(
            "Unable to submit request because thinking_level \(level) is not supported by this model.")
        }
      }
    }
    if let b = thinkingBudget {
      if rule?.control == ThinkingRule.Control.none {
        throw MockError.invalidArgument("Thinking is not supported for this model.")
      }
      if b == -1 { return }
      if let rule, rule.control == .budget, let range = rule.budget {
        if b == 0 {
          if !rule.canDisable { throw MockError.invalidArgument("Budget 0 is invalid. This model only works in thinking mode.") }
          return
        }
        if !range.contains(b) {
          let low = rule.canDisable && range.lowerBound == 1 ? 0 : range.lowerBound
          throw MockError.invalidArgument(
            "The thinking budget \(b) is invalid. Please choose a value between \(low) and \(range.upperBound).")
        }
      } else if b < -1 {
        throw MockError.invalidArgument("The thinking budget \(b) is invalid.")
      }
    }
  }

  static func modality(_ mime: String) -> String {
    let m = mime.lowercased()
    if m.hasPrefix("image/") { return "IMAGE" }
    if m.hasPrefix("audio/") { return "AUDIO" }
    if m.hasPrefix("video/") { return "VIDEO" }
    if m.hasPrefix("text/") { return "TEXT" }
    return "DOCUMENT"
  }

  /// Finds `[[mock:…]]` markers.
  static func markers(in text: String) -> [String] {
    guard hasMarker(text) else { return [] }
    var out: [String] = []
    var rest = Substring(text)
    while let r = rest.range(of: "[[mock:") {
      rest = rest[r.upperBound...]
      guard let end = rest.range(of: "]]") else { break }
      out.append(String(rest[..<end.lowerBound]).trimmingCharacters(in: .whitespaces))
      rest = rest[end.upperBound...]
    }
    return out
  }

  /// A byte scan for `[[mock:` (Foundation's range(of:) is slow on the hot path).
  static func hasMarker(_ text: String) -> Bool {
    var text = text
    return text.withUTF8 { u in
      let n = u.count
      guard n >= 7 else { return false }
      var i = 0
      while i <= n - 7 {
        if u[i] == 0x5B, u[i + 1] == 0x5B, u[i + 2] == 0x6D, u[i + 3] == 0x6F, u[i + 4] == 0x63, u[i + 5] == 0x6B,
          u[i + 6] == 0x3A
        {
          return true
        }
        i += 1
      }
      return false
    }
  }

  /// The value of a `key=value` marker.
  func marker(_ key: String) -> String? {
    for m in markers where m.hasPrefix(key + "=") { return String(m.dropFirst(key.count + 1)) }
    return nil
  }
}
