import Foundation

/// The messages of a `GenerateContentRequest`, one function each, in the wire model's order.
extension RequestWalker {
  typealias V = RequestValidator

  mutating func request(_ body: JSONValue) {
    var declared: [String] = []
    let o = message(body, "GenerateContentRequest", what: "a GenerateContentRequest") { w, field, v in
      switch field {
      case "contents":
        w.array(v, of: "Content", nonEmpty: true) { w, _, c in w.content(c, system: false) }
      case "systemInstruction": w.content(v, system: true)
      case "tools": w.array(v, of: "Tool") { w, _, t in w.tool(t, declared: &declared) }
      case "toolConfig": break  // after tools: it names declared functions
      case "safetySettings": w.safetySettings(v)
      case "generationConfig": w.generationConfig(v)
      case "cachedContent":
        if let s = w.string(v), !s.hasPrefix("cachedContents/") {
          w.fail("must be a cached content name, cachedContents/…")
        }
      case "serviceTier": w.enumValue(v, V.serviceTiers)
      default: break
      }
    }
    guard let o else { return }
    if o["contents"] == nil, !full { fail("contents is missing: a request needs at least one Content") }
    if let tc = o["toolConfig"] {
      within(.field("toolConfig")) { w in w.toolConfig(tc, declared: declared) }
    }
  }

  // MARK: Content and parts

  mutating func content(_ v: JSONValue, system: Bool) {
    let o = message(v, "Content") { w, field, v in
      switch field {
      case "role":
        guard let r = w.string(v) else { return }
        if !system, !r.isEmpty, !V.roles.contains(r) {
          w.fail("unknown role \(JSONValue.string(String(r.prefix(40))).serialized()); use user or model")
        }
      case "parts": w.array(v, of: "Part", nonEmpty: true) { w, _, p in w.part(p) }
      default: break
      }
    }
    if let o, o["parts"] == nil { fail("parts is missing: a Content needs at least one Part") }
  }

  static let partData = [
    "text", "inlineData", "fileData", "functionCall", "functionResponse", "executableCode", "codeExecutionResult",
  ]

  mutating func part(_ v: JSONValue) {
    let o = message(v, "Part") { w, field, v in
      switch field {
      case "text": w.string(v, show: false)
      case "inlineData": w.blob(v)
      case "fileData": w.fileData(v)
      case "functionCall": w.functionCall(v)
      case "functionResponse": w.functionResponse(v)
      case "executableCode":
        w.message(v, "ExecutableCode") { w, f, v in
          if f == "language" { w.enumValue(v, ["LANGUAGE_UNSPECIFIED", "PYTHON"]) }
          if f == "code" { w.string(v, show: false) }
        }.map { if $0["code"] == nil { w.fail("code is missing") } }
      case "codeExecutionResult":
        w.message(v, "CodeExecutionResult") { w, f, v in
          if f == "outcome" {
            w.enumValue(v, ["OUTCOME_UNSPECIFIED", "OUTCOME_OK", "OUTCOME_FAILED", "OUTCOME_DEADLINE_EXCEEDED"])
          }
          if f == "output" { w.string(v, show: false) }
        }
      case "thought": w.bool(v)
      case "thoughtSignature":
        if let s = w.string(v, show: false), !s.isBase64 {
          w.fail("must be base64 (send the signature back unchanged)")
        }
      case "videoMetadata": w.videoMetadata(v)
      case "partMetadata": _ = w.object(v, "an object (a Struct)")
      default: break  // mediaResolution: the SDK's per-part object, passed through
      }
    }
    guard let o else { return }
    let present = Self.partData.filter { o[$0] != nil }
    if present.isEmpty, !Self.hasUnknown(v, "Part") {
      fail("a Part needs one of \(Self.partData.joined(separator: ", "))")
    } else if present.count > 1 {
      fail(
        "a Part holds exactly one of \(Self.partData.joined(separator: ", ")); this one has \(present.joined(separator: " and "))"
      )
    }
  }

  mutating func blob(_ v: JSONValue) {
    let o = message(v, "Blob") { w, f, v in
      if f == "mimeType", let m = w.nonEmptyString(v), !m.contains("/") {
        w.fail("must be a MIME type such as image/png")
      }
      if f == "data" { w.string(v, show: false) }
    }
    guard let o else { return }
    for f in ["mimeType", "data"] where o[f] == nil { fail("\(f) is missing") }
  }

  mutating func fileData(_ v: JSONValue) {
    let o = message(v, "FileData") { w, f, v in
      if f == "mimeType", let m = w.nonEmptyString(v), !m.contains("/") {
        w.fail("must be a MIME type such as application/pdf")
      }
      if f == "fileUri" { w.nonEmptyString(v) }
    }
    if let o, o["fileUri"] == nil { fail("fileUri is missing") }
  }

  mutating func functionCall(_ v: JSONValue) {
    let o = message(v, "FunctionCall") { w, f, v in
      switch f {
      case "id": w.string(v)
      case "name": w.nonEmptyString(v)
      case "args": _ = w.object(v, "an object (a Struct of arguments)")
      default: break
      }
    }
    if let o, o["name"] == nil { fail("name is missing") }
  }

  mutating func functionResponse(_ v: JSONValue) {
    let o = message(v, "FunctionResponse") { w, f, v in
      switch f {
      case "id": w.string(v)
      case "name": w.nonEmptyString(v)
      case "response": _ = w.object(v, "an object (a Struct)")
      case "parts": w.array(v, of: "parts") { _, _, _ in }
      case "willContinue": w.bool(v)
      case "scheduling": w.enumValue(v, ["SCHEDULING_UNSPECIFIED", "SILENT", "WHEN_IDLE", "INTERRUPT"])
      default: break
      }
    }
    if let o, o["name"] == nil { fail("name is missing") }
  }

  mutating func videoMetadata(_ v: JSONValue) {
    message(v, "VideoMetadata") { w, f, v in
      switch f {
      case "startOffset", "endOffset":
        if let s = w.string(v), !s.isDuration { w.fail("must be a duration such as \"1.5s\"") }
      case "fps": w.number(v, 0.000_001...24, rangeText: "more than 0 and at most 24")
      default: break
      }
    }
  }

  // MARK: Tools

  static let toolKinds = RequestValidator.messageFields["Tool"]!

  mutating func tool(_ v: JSONValue, declared: inout [String]) {
    var names: [String] = []
    let o = message(v, "Tool") { w, f, v in
      switch f {
      case "functionDeclarations":
        w.array(v, of: "FunctionDeclaration") { w, _, d in
          if let n = w.functionDeclaration(d) { names.append(n) }
        }
      case "googleSearch":
        w.message(v, "GoogleSearch", what: "an object ({} or {timeRangeFilter})") { w, f, v in
          if f == "timeRangeFilter" {
            if let o = w.object(v, "an Interval object") {
              for (k, x) in o {
                w.within(.field(k)) { w in
                  if k == "startTime" || k == "endTime" {
                    w.string(x)
                  } else {
                    w.unknown(k, among: ["startTime", "endTime"])
                  }
                }
              }
            }
          }
        }
      case "googleSearchRetrieval":
        w.message(v, "GoogleSearchRetrieval") { w, f, v in
          if f == "dynamicRetrievalConfig" {
            w.message(v, "DynamicRetrievalConfig") { w, f, v in
              if f == "mode" { w.enumValue(v, ["MODE_UNSPECIFIED", "MODE_DYNAMIC"]) }
              if f == "dynamicThreshold" { w.number(v) }
            }
          }
        }
      case "codeExecution", "urlContext": w.emptyMessage(v, f)
      case "googleMaps":
        w.message(v, "GoogleMaps", what: "an object ({} or {enableWidget})") { w, f, v in
          if f == "enableWidget" { w.bool(v) }
        }
      default: _ = w.object(v, "an object")  // fileSearch, computerUse: passed through
      }
    }
    guard let o else { return }
    if !Self.toolKinds.contains(where: { o[$0] != nil }), !Self.hasUnknown(v, "Tool") {
      fail("a Tool needs one of \(Self.toolKinds.joined(separator: ", "))")
    }
    for n in names {
      if declared.contains(n) { fail("function \(n) is declared twice") }
      declared.append(n)
    }
  }

  /// A message with no fields (`codeExecution: {}`).
  mutating func emptyMessage(_ v: JSONValue, _ name: String) {
    guard let o = object(v, "an empty object ({})") else { return }
    for k in o.keys { within(.field(k)) { w in w.fail("unknown field (\(name) takes no fields: send {})") } }
  }

  /// Returns the function's name when it is usable.
  mutating func functionDeclaration(_ v: JSONValue) -> String? {
    var name: String?
    let o = message(v, "FunctionDeclaration") { w, f, v in
      switch f {
      case "name":
        guard let s = w.nonEmptyString(v) else { return }
        if s.isFunctionName {
          name = s
        } else {
          w.fail("must start with a letter or _ and hold only letters, digits, _ . : - (at most 64 characters)")
        }
      case "description": w.string(v, show: false)
      case "parameters", "response": w.schema(v, .openAPI(v))
      case "parametersJsonSchema", "responseJsonSchema":
        if case .bool = v { return }
        w.schema(v, .jsonSchema(v))
      case "behavior": w.enumValue(v, ["UNSPECIFIED", "BLOCKING", "NON_BLOCKING"])
      default: break
      }
    }
    guard let o else { return nil }
    if o["name"] == nil { fail("name is missing") }
    if o["parameters"] != nil && o["parametersJsonSchema"] != nil {
      fail("give parameters or parametersJsonSchema, not both")
    }
    if o["response"] != nil && o["responseJsonSchema"] != nil { fail("give response or responseJsonSchema, not both") }
    return name
  }

  /// A schema: an object (or, for JSON Schema, a boolean), well formed.
  mutating func schema(_ v: JSONValue, _ schema: OutputSchema) {
    guard object(v, "a schema") != nil else { return }
    if let first = SchemaValidator.checkSchema(schema).first { fail("bad schema: \(first)") }
  }

  mutating func toolConfig(_ v: JSONValue, declared: [String]) {
    message(v, "ToolConfig") { w, f, v in
      switch f {
      case "functionCallingConfig":
        var mode = "AUTO"
        var allowed: [String] = []
        let o = w.message(v, "FunctionCallingConfig") { w, f, v in
          if f == "mode", let m = w.enumValue(v, V.functionCallingModes) { mode = m }
          if f == "allowedFunctionNames" {
            w.array(v, of: "function names") { w, _, n in if let s = w.nonEmptyString(n) { allowed.append(s) } }
          }
        }
        guard o?["allowedFunctionNames"] != nil, !allowed.isEmpty else { return }
        w.within(.field("allowedFunctionNames")) { w in
          if mode != "ANY" && mode != "VALIDATED" {
            w.fail("applies only with mode ANY or VALIDATED (mode is \(mode))")
          }
          for n in allowed where !declared.contains(n) {
            w.fail("function \(n) is not declared in tools")
          }
        }
      case "retrievalConfig":
        w.message(v, "RetrievalConfig") { w, f, v in
          if f == "languageCode" { w.string(v) }
          if f == "latLng" {
            w.message(v, "LatLng") { w, f, v in
              if f == "latitude" { w.number(v, -90...90) }
              if f == "longitude" { w.number(v, -180...180) }
            }
          }
        }
      default: break
      }
    }
  }

  // MARK: Safety

  mutating func safetySettings(_ v: JSONValue) {
    var seen: [String] = []
    array(v, of: "SafetySetting") { w, _, s in
      let o = w.message(s, "SafetySetting", what: "a SafetySetting {category, threshold}") { w, f, v in
        if f == "category", let c = w.enumValue(v, V.harmCategories) {
          if seen.contains(c) { w.fail("\(c) is set twice; send at most one setting per category") }
          seen.append(c)
        }
        if f == "threshold" { w.enumValue(v, V.harmThresholds) }
      }
      guard let o else { return }
      for f in ["category", "threshold"] where o[f] == nil { w.fail("\(f) is missing") }
    }
  }

  // MARK: generationConfig

  mutating func generationConfig(_ v: JSONValue) {
    let o = message(v, "GenerationConfig") { w, f, v in
      switch f {
      case "temperature": w.number(v, 0...2)
      case "topP": w.number(v, 0...1)
      case "topK": w.int(v, min: 1)
      case "candidateCount": w.int(v, min: 1, max: 8)
      case "maxOutputTokens": w.int(v, min: 1)
      case "stopSequences":
        w.array(v, of: "strings", max: 5) { w, _, s in w.string(s, show: false) }
      case "presencePenalty", "frequencyPenalty": w.number(v, -2...2)
      case "seed": w.int(v, min: Int(Int32.min), max: Int(Int32.max), rangeText: "a 32-bit integer")
      case "responseLogprobs", "enableEnhancedCivicAnswers": w.bool(v)
      case "logprobs": w.int(v, min: 0, max: 20)
      case "responseMimeType": w.enumValue(v, V.responseMimeTypes)
      case "responseSchema": w.schema(v, .openAPI(v))
      case "responseJsonSchema", "_responseJsonSchema":
        if case .bool = v { return }
        w.schema(v, .jsonSchema(v))
      case "responseModalities":
        w.array(v, of: "modalities") { w, _, m in w.enumValue(m, V.modalities) }
      case "thinkingConfig": w.thinkingConfig(v)
      case "mediaResolution": w.enumValue(v, V.mediaResolutions)
      case "speechConfig": w.speechConfig(v)
      case "imageConfig": w.imageConfig(v)
      default: break
      }
    }
    guard let o else { return }
    let schemaField =
      o["responseSchema"] != nil
      ? "responseSchema" : (o["responseJsonSchema"] ?? o["_responseJsonSchema"]) != nil ? "responseJsonSchema" : nil
    if o["responseSchema"] != nil && (o["responseJsonSchema"] ?? o["_responseJsonSchema"]) != nil {
      fail("responseSchema and responseJsonSchema are both set; give one")
    }
    let mime = o["responseMimeType"]?.stringValue?.lowercased()
    if let schemaField {
      let ok = mime == "application/json" || (mime == "text/x.enum" && schemaField == "responseSchema")
      if !ok {
        within(.field("responseMimeType")) { w in
          w.fail(
            "\(schemaField) needs responseMimeType application/json\(schemaField == "responseSchema" ? " (or text/x.enum)" : "")"
          )
        }
      }
    }
    if mime == "text/x.enum", o["responseSchema"]?["enum"]?.arrayValue == nil {
      within(.field("responseMimeType")) { w in
        w.fail("text/x.enum needs a responseSchema of type STRING with enum values")
      }
    }
    if let lp = o["logprobs"], !lp.isNull, o["responseLogprobs"]?.boolValue != true {
      within(.field("logprobs")) { w in w.fail("needs responseLogprobs: true") }
    }
  }

  mutating func thinkingConfig(_ v: JSONValue) {
    message(v, "ThinkingConfig") { w, f, v in
      switch f {
      case "thinkingBudget": w.int(v, min: -1, rangeText: "-1 (dynamic), 0 (off) or a token budget")
      case "thinkingLevel": w.enumValue(v, V.thinkingLevels)
      case "includeThoughts": w.bool(v)
      default: break
      }
    }
  }

  mutating func speechConfig(_ v: JSONValue) {
    func voiceConfig(_ w: inout RequestWalker, _ v: JSONValue) {
      w.message(v, "VoiceConfig") { w, f, v in
        if f == "prebuiltVoiceConfig" {
          w.message(v, "PrebuiltVoiceConfig") { w, f, v in if f == "voiceName" { w.nonEmptyString(v) } }
        }
      }
    }
    let o = message(v, "SpeechConfig") { w, f, v in
      switch f {
      case "voiceConfig": voiceConfig(&w, v)
      case "languageCode": w.string(v)
      case "multiSpeakerVoiceConfig":
        w.message(v, "MultiSpeakerVoiceConfig") { w, f, v in
          guard f == "speakerVoiceConfigs" else { return }
          w.array(v, of: "SpeakerVoiceConfig") { w, _, s in
            w.message(s, "SpeakerVoiceConfig") { w, f, v in
              if f == "speaker" { w.nonEmptyString(v) }
              if f == "voiceConfig" { voiceConfig(&w, v) }
            }
          }
        }
      default: break
      }
    }
    if let o, o["voiceConfig"] != nil, o["multiSpeakerVoiceConfig"] != nil {
      fail("give voiceConfig or multiSpeakerVoiceConfig, not both")
    }
  }

  mutating func imageConfig(_ v: JSONValue) {
    message(v, "ImageConfig") { w, f, v in
      if f == "aspectRatio", let s = w.string(v), !s.isAspectRatio { w.fail("must be a ratio such as \"16:9\"") }
      if f == "imageSize" { w.string(v) }
    }
  }
}

extension RequestValidator {
  /// Fields of the nested objects the wire model keeps as `JSONValue` (tools' and configs'
  /// insides), for unknown-name checks and suggestions.
  static let nestedFields: [String: [String]] = [
    "GoogleSearch": ["timeRangeFilter"],
    "GoogleSearchRetrieval": ["dynamicRetrievalConfig"],
    "DynamicRetrievalConfig": ["mode", "dynamicThreshold"],
    "GoogleMaps": ["enableWidget"],
    "RetrievalConfig": ["latLng", "languageCode"],
    "LatLng": ["latitude", "longitude"],
    "SpeechConfig": ["voiceConfig", "multiSpeakerVoiceConfig", "languageCode"],
    "VoiceConfig": ["prebuiltVoiceConfig"],
    "PrebuiltVoiceConfig": ["voiceName"],
    "MultiSpeakerVoiceConfig": ["speakerVoiceConfigs"],
    "SpeakerVoiceConfig": ["speaker", "voiceConfig"],
    "ImageConfig": ["aspectRatio", "imageSize"],
  ]
}

extension String {
  /// Base64 (standard or URL-safe alphabet, padding allowed).
  var isBase64: Bool {
    utf8.allSatisfy { c in
      (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2B || c == 0x2F
        || c == 0x3D || c == 0x2D || c == 0x5F
    }
  }

  /// A proto Duration in JSON: `"1.5s"`, `"90s"`.
  var isDuration: Bool {
    guard hasSuffix("s") else { return false }
    let n = dropLast()
    return !n.isEmpty && Double(n) != nil && !n.hasPrefix("-")
  }

  var isAspectRatio: Bool {
    let p = split(separator: ":", omittingEmptySubsequences: false)
    return p.count == 2 && p.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
  }

  /// The API's function name rule: `[A-Za-z_][A-Za-z0-9_.:-]{0,63}`.
  var isFunctionName: Bool {
    let u = Array(utf8)
    guard let first = u.first, u.count <= 64 else { return false }
    func letter(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F }
    guard letter(first) else { return false }
    return u.dropFirst().allSatisfy {
      letter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x3A || $0 == 0x2D
    }
  }
}
