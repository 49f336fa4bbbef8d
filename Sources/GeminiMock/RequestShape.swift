import GeminiAPI

/// The proto shape of a `GenerateContentRequest`, enough to do what the real front end does:
/// accept camelCase and snake_case names, reject unknown names and values of the wrong type with
/// Google's messages, and hand back one normalised (camelCase) tree.
enum FieldKind: Sendable {
  case string, int, number, bool
  /// Any JSON (a protobuf Struct or Value): kept as sent, not checked.
  case opaque
  case message(MessageName)
  /// The OpenAPI-subset `Schema` message (recursive).
  case schema
  indirect case repeated(FieldKind)
  indirect case map(FieldKind)

  var protoTypeName: String {
    switch self {
    case .string: "TYPE_STRING"
    case .int: "TYPE_INT32"
    case .number: "TYPE_FLOAT"
    case .bool: "TYPE_BOOL"
    case .message(let m): "type.googleapis.com/google.ai.generativelanguage.v1beta.\(m.rawValue)"
    case .schema: "type.googleapis.com/google.ai.generativelanguage.v1beta.Schema"
    case .repeated(let k), .map(let k): k.protoTypeName
    case .opaque: "google.protobuf.Value"
    }
  }
}

enum MessageName: String, Sendable {
  case GenerateContentRequest, CountTokensRequest, Content, Part, Blob, FileData, FunctionCall, FunctionResponse
  case ExecutableCode, CodeExecutionResult, Tool, FunctionDeclaration, ToolConfig, FunctionCallingConfig
  case SafetySetting, GenerationConfig, ThinkingConfig, VideoMetadata

  var fields: [String: FieldKind] {
    switch self {
    case .GenerateContentRequest:
      [
        "model": .string, "contents": .repeated(.message(.Content)), "systemInstruction": .message(.Content),
        "tools": .repeated(.message(.Tool)), "toolConfig": .message(.ToolConfig),
        "safetySettings": .repeated(.message(.SafetySetting)), "generationConfig": .message(.GenerationConfig),
        "cachedContent": .string, "serviceTier": .string, "store": .bool,
      ]
    case .CountTokensRequest:
      ["contents": .repeated(.message(.Content)), "generateContentRequest": .message(.GenerateContentRequest)]
    case .Content: ["role": .string, "parts": .repeated(.message(.Part))]
    case .Part:
      [
        "text": .string, "inlineData": .message(.Blob), "fileData": .message(.FileData),
        "functionCall": .message(.FunctionCall), "functionResponse": .message(.FunctionResponse),
        "executableCode": .message(.ExecutableCode), "codeExecutionResult": .message(.CodeExecutionResult),
        "thought": .bool, "thoughtSignature": .string, "videoMetadata": .message(.VideoMetadata),
        "partMetadata": .opaque, "mediaResolution": .opaque,
      ]
    case .Blob: ["mimeType": .string, "data": .string]
    case .FileData: ["mimeType": .string, "fileUri": .string]
    case .FunctionCall: ["id": .string, "name": .string, "args": .opaque]
    case .FunctionResponse:
      [
        "id": .string, "name": .string, "response": .opaque, "parts": .repeated(.opaque), "willContinue": .bool,
        "scheduling": .string,
      ]
    case .ExecutableCode: ["language": .string, "code": .string]
    case .CodeExecutionResult: ["outcome": .string, "output": .string]
    case .VideoMetadata: ["startOffset": .string, "endOffset": .string, "fps": .number]
    case .Tool:
      [
        "functionDeclarations": .repeated(.message(.FunctionDeclaration)), "googleSearch": .opaque,
        "googleSearchRetrieval": .opaque, "codeExecution": .opaque, "urlContext": .opaque, "googleMaps": .opaque,
        "fileSearch": .opaque, "computerUse": .opaque,
      ]
    case .FunctionDeclaration:
      [
        "name": .string, "description": .string, "parameters": .schema, "parametersJsonSchema": .opaque,
        "response": .schema, "responseJsonSchema": .opaque, "behavior": .string,
      ]
    case .ToolConfig: ["functionCallingConfig": .message(.FunctionCallingConfig), "retrievalConfig": .opaque]
    case .FunctionCallingConfig: ["mode": .string, "allowedFunctionNames": .repeated(.string)]
    case .SafetySetting: ["category": .string, "threshold": .string]
    case .GenerationConfig:
      [
        "temperature": .number, "topP": .number, "topK": .int, "candidateCount": .int, "maxOutputTokens": .int,
        "stopSequences": .repeated(.string), "presencePenalty": .number, "frequencyPenalty": .number,
        "seed": .int, "responseLogprobs": .bool, "logprobs": .int, "responseMimeType": .string,
        "responseSchema": .schema, "responseJsonSchema": .opaque, "_responseJsonSchema": .opaque,
        "responseModalities": .repeated(.string), "thinkingConfig": .message(.ThinkingConfig),
        "mediaResolution": .string, "speechConfig": .opaque, "imageConfig": .opaque,
        "enableEnhancedCivicAnswers": .bool,
      ]
    case .ThinkingConfig: ["thinkingBudget": .int, "thinkingLevel": .string, "includeThoughts": .bool]
    }
  }

  static let schemaFields: [String: FieldKind] = [
    "type": .string, "format": .string, "title": .string, "description": .string, "nullable": .bool,
    "enum": .repeated(.string), "items": .schema, "maxItems": .int, "minItems": .int,
    "properties": .map(.schema), "required": .repeated(.string), "minProperties": .int, "maxProperties": .int,
    "minimum": .number, "maximum": .number, "minLength": .int, "maxLength": .int, "pattern": .string,
    "example": .opaque, "anyOf": .repeated(.schema), "propertyOrdering": .repeated(.string), "default": .opaque,
    "additionalProperties": .opaque, "defs": .map(.schema), "ref": .string,
  ]
}

/// Turns a parsed request body into its camelCase form, or the 400 Google would send.
struct RequestNormalizer {
  static func normalize(_ body: JSONValue, as message: MessageName) throws(MockError) -> JSONValue {
    try normalize(body, kind: .message(message), path: "")
  }

  static func camel(_ s: String) -> String {
    guard s.contains("_"), !s.hasPrefix("_") else { return s }
    var out = ""
    var up = false
    for c in s {
      if c == "_" { up = true; continue }
      out.append(up ? Character(c.uppercased()) : c)
      up = false
    }
    return out
  }

  static func snake(_ s: String) -> String {
    var out = ""
    for c in s {
      if c.isUppercase { out.append("_"); out.append(Character(c.lowercased())) } else { out.append(c) }
    }
    return out
  }

  private static func invalid(_ path: String, _ kind: FieldKind, _ v: JSONValue) -> MockError {
    let shown: String
    switch v {
    case .string(let s): shown = JSONValue.string(s).serialized()
    case .object: shown = "{...}"
    case .array: shown = "[...]"
    default: shown = v.serialized()
    }
    var e = MockError.invalidArgument("Invalid value at '\(path)' (\(kind.protoTypeName)), \(shown)")
    e.details = [
      [
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        "fieldViolations": [["field": .string(path), "description": .string(e.message)]],
      ]
    ]
    return e
  }

  private static func normalize(_ v: JSONValue, kind: FieldKind, path: String) throws(MockError) -> JSONValue {
    switch kind {
    case .opaque: return v
    case .string:
      guard case .string = v else { throw invalid(path, kind, v) }
      return v
    case .bool:
      guard case .bool = v else { throw invalid(path, kind, v) }
      return v
    case .number:
      switch v {
      case .number: return v
      case .string(let s): if let d = Double(s) { return .number(d) }  // proto JSON accepts quoted numbers
      default: break
      }
      throw invalid(path, kind, v)
    case .int:
      switch v {
      case .number(let n) where n.rounded() == n: return v
      case .string(let s): if let i = Int(s) { return .number(Double(i)) }
      default: break
      }
      throw invalid(path, kind, v)
    case .repeated(let inner):
      if case .null = v { return v }
      guard case .array(let a) = v else { throw invalid(path, inner, v) }
      var out: [JSONValue] = []
      out.reserveCapacity(a.count)
      for (i, e) in a.enumerated() { out.append(try normalize(e, kind: inner, path: "\(path)[\(i)]")) }
      return .array(out)
    case .map(let inner):
      guard case .object(let o) = v else { throw invalid(path, kind, v) }
      var out = JSONObject()
      for (k, e) in o { out[k] = try normalize(e, kind: inner, path: "\(path)[\(JSONValue.string(k).serialized())]") }
      return .object(out)
    case .message(let m):
      return try object(v, fields: m.fields, kind: kind, path: path)
    case .schema:
      return try object(v, fields: MessageName.schemaFields, kind: kind, path: path)
    }
  }

  private static func object(_ v: JSONValue, fields: [String: FieldKind], kind: FieldKind, path: String) throws(MockError)
    -> JSONValue
  {
    if case .null = v { return v }
    guard case .object(let o) = v else { throw invalid(path, kind, v) }
    var out = JSONObject()
    for (k, e) in o {
      let name = camel(k)
      guard let fk = fields[name] else {
        let at = path.isEmpty ? "" : " at '\(path)'"
        throw MockError.invalidArgument(
          "Invalid JSON payload received. Unknown name \(JSONValue.string(k).serialized())\(at): Cannot find field.",
          fieldViolation: true)
      }
      let childPath = path.isEmpty ? snake(name) : "\(path).\(snake(name))"
      out[name] = try normalize(e, kind: fk, path: childPath)
    }
    return .object(out)
  }
}
