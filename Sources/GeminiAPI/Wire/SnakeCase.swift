/// Normalises the field names of a user-written request to the API's camelCase.
///
/// The REST mapping accepts snake_case too (`response_mime_type`, `google_search`), but gembatch
/// hashes, validates and reads requests by their camelCase names, so job files are normalised once
/// on input. Only field names of the wire model (and of the schema dialects) are converted, and
/// never inside data:
/// - the immediate keys of a schema's `properties`, `$defs`, `defs` or `definitions` object are
///   user names (their values are still schemas and are converted);
/// - `args`, `response` of a functionResponse, `metadata`, `partMetadata`, `example`, `examples`,
///   `default`, `enum`, `const` and `labels` values are kept exactly as written;
/// - unknown snake_case names are left as they are (the API may know them).
/// When a snake_case and a camelCase spelling of one field are both present, the camelCase one wins.
public enum WireKeys {
  public static func camelCased(_ v: JSONValue) -> JSONValue { convert(v, .wire(parent: nil)) }

  /// camelCase spelling of a snake_case name (`response_json_schema` → `responseJsonSchema`).
  public static func camelCase(_ name: String) -> String {
    // utf8.contains, not String.contains(String): the latter goes through Foundation (NSString
    // range(of:)), which was 10% of reading a job file.
    guard name.utf8.contains(UInt8(ascii: "_")), !name.hasPrefix("_"), !name.hasPrefix("$") else { return name }
    var out = ""
    var upper = false
    for ch in name {
      if ch == "_" {
        upper = true
        continue
      }
      if upper {
        out += ch.uppercased()
        upper = false
      } else {
        out.append(ch)
      }
    }
    return out
  }

  /// The camelCase names this normaliser converts to: every stored field of the wire request
  /// types (read by reflection, so the list follows the types) plus the schema keywords and the
  /// pass-through objects modelled as JSONValue.
  public static let knownNames: Set<String> = {
    var names = Set<String>()
    let samples: [Any] = [
      GenerateContentRequest(contents: []), Content(), Part(), Blob(mimeType: "", data: ""),
      FileData(fileUri: ""), FunctionCall(name: ""), FunctionResponse(name: ""), ExecutableCode(code: ""),
      CodeExecutionResult(), VideoMetadata(), Tool(), FunctionDeclaration(name: ""), ToolConfig(),
      FunctionCallingConfig(), SafetySetting(category: "", threshold: ""), GenerationConfig(), ThinkingConfig(),
    ]
    for s in samples {
      for child in Mirror(reflecting: s).children {
        if let label = child.label { names.insert(label.hasPrefix("_") ? String(label.dropFirst()) : label) }
      }
    }
    names.formUnion(schemaKeywords)
    names.formUnion([
      // tools and toolConfig objects held as JSONValue
      "timeRangeFilter", "startTime", "endTime", "dynamicRetrievalConfig", "dynamicThreshold", "enableWidget",
      "latLng", "latitude", "longitude", "languageCode", "fileSearchStoreNames", "metadataFilter", "topK",
      "excludedPredefinedFunctions", "environment",
      // speechConfig / imageConfig
      "voiceConfig", "prebuiltVoiceConfig", "voiceName", "multiSpeakerVoiceConfig", "speakerVoiceConfigs",
      "speaker", "aspectRatio", "imageSize",
    ])
    return names
  }()

  /// Keywords of both schema dialects (`responseSchema` and JSON Schema).
  static let schemaKeywords: Set<String> = [
    "type", "format", "title", "description", "nullable", "enum", "items", "minItems", "maxItems", "properties",
    "required", "minProperties", "maxProperties", "minimum", "maximum", "minLength", "maxLength", "pattern",
    "example", "anyOf", "oneOf", "allOf", "propertyOrdering", "default", "additionalProperties", "prefixItems",
    "defs", "ref", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "uniqueItems", "const", "examples",
  ]

  enum Context {
    case wire(parent: String?)
    case schema
    case opaque
  }

  /// Keys whose value is a schema, in a wire object (by the key under which that object sits).
  static func childContext(key: String, parent: String?) -> Context {
    switch key {
    case "responseSchema", "responseJsonSchema", "parameters", "parametersJsonSchema":
      return .schema
    case "response":
      return parent == "functionDeclarations" ? .schema : .opaque
    case "args", "metadata", "partMetadata", "labels":
      return .opaque
    default:
      return .wire(parent: key)
    }
  }

  static func schemaChildContext(key: String) -> Context {
    switch key {
    case "enum", "example", "examples", "default", "const", "required", "propertyOrdering":
      return .opaque
    default:
      return .schema
    }
  }

  static func convert(_ v: JSONValue, _ ctx: Context) -> JSONValue {
    switch (v, ctx) {
    case (_, .opaque):
      return v
    case (.array(let a), _):
      return .array(a.map { convert($0, ctx) })
    case (.object(let o), .wire(let parent)):
      return .object(convertKeys(o) { key, value in convert(value, childContext(key: key, parent: parent)) })
    case (.object(let o), .schema):
      return .object(
        convertKeys(o) { key, value in
          switch key {
          case "properties", "$defs", "defs", "definitions", "patternProperties":
            // The keys are user names; each value is a schema.
            guard case .object(let names) = value else { return value }
            var out = JSONObject()
            for (name, sub) in names { out[name] = convert(sub, .schema) }
            return .object(out)
          default:
            return convert(value, schemaChildContext(key: key))
          }
        })
    default:
      return v
    }
  }

  private static func convertKeys(_ o: JSONObject, _ value: (String, JSONValue) -> JSONValue) -> JSONObject {
    var out = JSONObject()
    for (key, v) in o {
      let camel = camelCase(key)
      let target = camel != key && knownNames.contains(camel) ? camel : key
      if target != key, o[target] != nil { continue }  // the camelCase spelling is also present: it wins
      out[target] = value(target, v)
    }
    return out
  }
}
