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

  /// The field table, built once per message type.
  var fields: [String: FieldKind] { MessageName.tables[ordinal] }

  /// Position in `all` (a switch: hashing a raw-value enum would hash its name string).
  private var ordinal: Int {
    switch self {
    case .GenerateContentRequest: 0
    case .CountTokensRequest: 1
    case .Content: 2
    case .Part: 3
    case .Blob: 4
    case .FileData: 5
    case .FunctionCall: 6
    case .FunctionResponse: 7
    case .ExecutableCode: 8
    case .CodeExecutionResult: 9
    case .Tool: 10
    case .FunctionDeclaration: 11
    case .ToolConfig: 12
    case .FunctionCallingConfig: 13
    case .SafetySetting: 14
    case .GenerationConfig: 15
    case .ThinkingConfig: 16
    case .VideoMetadata: 17
    }
  }

  private static let all: [MessageName] = [
    .GenerateContentRequest, .CountTokensRequest, .Content, .Part, .Blob, .FileData, .FunctionCall, .FunctionResponse,
    .ExecutableCode, .CodeExecutionResult, .Tool, .FunctionDeclaration, .ToolConfig, .FunctionCallingConfig,
    .SafetySetting, .GenerationConfig, .ThinkingConfig, .VideoMetadata,
  ]
  private static let tables: [[String: FieldKind]] = {
    precondition(all.enumerated().allSatisfy { $0.offset == $0.element.ordinal })
    return all.map { $0.buildFields() }
  }()

  private func buildFields() -> [String: FieldKind] {
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
///
/// The field path of an error (`contents[0].parts[0]`) is built only when there is an error:
/// each level prepends its step while the error unwinds, so the success path allocates no paths.
struct RequestNormalizer {
  static func normalize(_ body: JSONValue, as message: MessageName) throws(MockError) -> JSONValue {
    do {
      return try normalize(body, kind: .message(message))
    } catch {
      throw error.mockError
    }
  }

  /// A shape error on its way up, collecting its path.
  struct ShapeError: Error {
    enum Problem {
      case unknownName(String)
      case invalidValue(FieldKind, JSONValue)
    }
    var problem: Problem
    /// Path steps from the innermost up: `.field("parts")`, `.index(0)`, …
    var steps: [Step] = []

    enum Step {
      case field(String)
      case index(Int)
      case key(String)
    }

    var path: String {
      var out = ""
      for step in steps.reversed() {
        switch step {
        case .field(let f): out += (out.isEmpty ? "" : ".") + RequestNormalizer.snake(f)
        case .index(let i): out += "[\(i)]"
        case .key(let k): out += "[" + JSONValue.string(k).serialized() + "]"
        }
      }
      return out
    }

    var mockError: MockError {
      let p = path
      switch problem {
      case .unknownName(let k):
        let at = p.isEmpty ? "" : " at '\(p)'"
        return MockError.invalidArgument(
          "Invalid JSON payload received. Unknown name \(JSONValue.string(k).serialized())\(at): Cannot find field.",
          fieldViolation: true)
      case .invalidValue(let kind, let v):
        let shown: String
        switch v {
        case .string(let s): shown = JSONValue.string(s).serialized()
        case .object: shown = "{...}"
        case .array: shown = "[...]"
        default: shown = v.serialized()
        }
        var e = MockError.invalidArgument("Invalid value at '\(p)' (\(kind.protoTypeName)), \(shown)")
        e.details = [
          [
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [["field": .string(p), "description": .string(e.message)]],
          ]
        ]
        return e
      }
    }
  }

  static func camel(_ s: String) -> String {
    guard s.utf8.contains(UInt8(ascii: "_")), !s.hasPrefix("_") else { return s }
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

  private static func invalid(_ kind: FieldKind, _ v: JSONValue) -> ShapeError {
    ShapeError(problem: .invalidValue(kind, v))
  }

  private static func normalize(_ v: JSONValue, kind: FieldKind) throws(ShapeError) -> JSONValue {
    try rewrite(v, kind: kind) ?? v
  }

  /// Checks `v` against `kind` and returns its normal form only when that differs from `v` (a
  /// snake_case name, a quoted number somewhere inside); nil when `v` is already normal, the usual
  /// case, so a well-formed request is validated without being copied.
  private static func rewrite(_ v: JSONValue, kind: FieldKind) throws(ShapeError) -> JSONValue? {
    switch kind {
    case .opaque: return nil
    case .string:
      guard case .string = v else { throw invalid(kind, v) }
      return nil
    case .bool:
      guard case .bool = v else { throw invalid(kind, v) }
      return nil
    case .number:
      switch v {
      case .number: return nil
      case .string(let s): if let d = Double(s) { return .number(d) }  // proto JSON accepts quoted numbers
      default: break
      }
      throw invalid(kind, v)
    case .int:
      switch v {
      case .number(let n) where n.rounded() == n: return nil
      case .string(let s): if let i = Int(s) { return .number(Double(i)) }
      default: break
      }
      throw invalid(kind, v)
    case .repeated(let inner):
      if case .null = v { return nil }
      guard case .array(let a) = v else { throw invalid(inner, v) }
      var out: [JSONValue]?
      for i in a.indices {
        let r: JSONValue?
        do { r = try rewrite(a[i], kind: inner) } catch {
          var err = error
          err.steps.append(.index(i))
          throw err
        }
        if let r {
          if out == nil { out = a }
          out![i] = r
        }
      }
      return out.map { .array($0) }
    case .map(let inner):
      guard case .object(let o) = v else { throw invalid(kind, v) }
      var out: JSONObject?
      try o.forEachEntry { (k, e) throws(ShapeError) in
        let r: JSONValue?
        do throws(ShapeError) { r = try rewrite(e, kind: inner) } catch {
          var err = error
          err.steps.append(.key(k))
          throw err
        }
        if let r {
          if out == nil { out = o }
          out![k] = r
        }
      }
      return out.map { .object($0) }
    case .message(let m):
      return try object(v, fields: m.fields, kind: kind)
    case .schema:
      return try object(v, fields: MessageName.schemaFields, kind: kind)
    }
  }

  /// A message: every name must be a field (camelCase or snake_case); values are checked by kind.
  /// Returns nil when no name needed renaming and no value changed.
  private static func object(_ v: JSONValue, fields: [String: FieldKind], kind: FieldKind) throws(ShapeError) -> JSONValue? {
    if case .null = v { return nil }
    guard case .object(let o) = v else { throw invalid(kind, v) }
    // `out` stays nil while nothing changed; it is a copy of `o` with values replaced while no
    // name changed, and a rebuilt object (names in camelCase) from the first renamed name on.
    var out: JSONObject?
    var rebuilt = false
    var j = 0
    try o.forEachEntry { (k, e) throws(ShapeError) in
      defer { j += 1 }
      let name = camel(k)
      guard let fk = fields[name] else { throw ShapeError(problem: .unknownName(k)) }
      let r: JSONValue?
      do throws(ShapeError) { r = try rewrite(e, kind: fk) } catch {
        var err = error
        err.steps.append(.field(name))
        throw err
      }
      if rebuilt {
        out![name] = r ?? e
      } else if name != k {
        // First renamed name: rebuild from the (unrenamed) names before it.
        let before = out ?? o
        var fresh = JSONObject()
        for p in before.keys.prefix(j) { fresh[p] = before[p] }
        fresh[name] = r ?? e
        out = fresh
        rebuilt = true
      } else if let r {
        if out == nil { out = o }
        out![k] = r
      }
    }
    return out.map { .object($0) }
  }
}
