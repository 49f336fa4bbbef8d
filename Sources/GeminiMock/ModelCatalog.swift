import GeminiAPI

/// `GET /v1beta/models`: the models the mock answers for, in the API's `Model` shape.
/// Any name `ModelFamily` recognises is accepted for generation; this list is what ListModels shows.
enum ModelCatalog {
  static let models: [(name: String, display: String, input: Int, output: Int, thinking: Bool)] = [
    ("gemini-2.5-pro", "Gemini 2.5 Pro", 1_048_576, 65_536, true),
    ("gemini-2.5-flash", "Gemini 2.5 Flash", 1_048_576, 65_536, true),
    ("gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", 1_048_576, 65_536, true),
    ("gemini-2.0-flash", "Gemini 2.0 Flash", 1_048_576, 8_192, false),
    ("gemini-2.0-flash-lite", "Gemini 2.0 Flash-Lite", 1_048_576, 8_192, false),
    ("gemini-3-pro-preview", "Gemini 3 Pro Preview", 1_048_576, 65_536, true),
    ("gemini-3-flash-preview", "Gemini 3 Flash Preview", 1_048_576, 65_536, true),
  ]

  /// The catalog's names, bare and with `models/`, classified once.
  private static let families: [String: ModelFamily] = {
    var d: [String: ModelFamily] = [:]
    for m in models {
      d[m.name] = ModelFamily(model: m.name)
      d["models/" + m.name] = ModelFamily(model: m.name)
    }
    return d
  }()

  /// `ModelFamily(model:)`, without parsing the name again for a catalog model (per request).
  static func family(of model: String) -> ModelFamily {
    families[model] ?? ModelFamily(model: model)
  }

  static func info(_ model: String) -> JSONValue {
    let m = model.hasPrefix("models/") ? String(model.dropFirst(7)) : model
    let known = models.first { $0.name == m }
    var o = JSONObject()
    o["name"] = .string("models/\(m)")
    o["version"] = "001"
    o["displayName"] = .string(known?.display ?? m)
    o["description"] = .string("Offline mock of \(known?.display ?? m) (gembatch mock).")
    o["inputTokenLimit"] = .number(Double(known?.input ?? 1_048_576))
    o["outputTokenLimit"] = .number(Double(known?.output ?? 65_536))
    o["supportedGenerationMethods"] = ["generateContent", "countTokens", "streamGenerateContent"]
    o["temperature"] = 1
    o["topP"] = 0.95
    o["topK"] = 64
    o["maxTemperature"] = 2
    o["thinking"] = .bool(known?.thinking ?? (ModelFamily(model: m).usesThinkingBudget || ModelFamily(model: m).usesThinkingLevel))
    return .object(o)
  }

  static func list(extra: Set<String>) -> JSONValue {
    let names = models.map(\.name) + extra.sorted()
    return ["models": .array(names.map(info))]
  }
}
