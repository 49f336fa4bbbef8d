import Foundation

/// Things a request may be sent with that probably do not do what was meant: checked with the
/// request problems, reported as warnings (a run goes on unless `--strict`).
public enum RequestWarnings {
  /// Below this, a `maxOutputTokens` leaves little room next to a thinking level (the mock's
  /// HIGH level alone spends up to 900 tokens; the real models spend more).
  public static let smallMaxOutputTokens = 1024

  /// The thinking and schema warnings of a request body (camelCase) for `model`.
  /// - Parameter defaultThinking: how the model thinks when the request says nothing, in words
  ///   ("gemini-3.8-flash's default thinking level (HIGH)"), from the catalog; nil when it does not.
  public static func check(_ body: JSONValue, model: String, defaultThinking: String? = nil) -> [RequestWarning] {
    var out: [RequestWarning] = []
    guard let gc = body["generationConfig"]?.objectValue else { return out }
    if let w = thinkingTokens(gc, model: model, defaultThinking: defaultThinking) { out.append(w) }
    if let s = gc["responseJsonSchema"] ?? gc["_responseJsonSchema"] {
      out += ignoredKeywords(.jsonSchema(s), at: "generationConfig.responseJsonSchema")
    } else if let s = gc["responseSchema"] {
      out += ignoredKeywords(.openAPI(s), at: "generationConfig.responseSchema")
    }
    return out
  }

  // MARK: Thinking against maxOutputTokens

  /// Thoughts count against `maxOutputTokens`: at or below the budget, or small next to a level
  /// (set, or the model's default thinking), the answer may be empty (`MAX_TOKENS`, no parts).
  public static func thinkingTokens(_ gc: JSONObject, model: String, defaultThinking: String? = nil) -> RequestWarning? {
    guard let max = gc["maxOutputTokens"]?.intValue else { return nil }
    let tc = gc["thinkingConfig"]?.objectValue
    let budget = tc?["thinkingBudget"]?.intValue
    let level = tc?["thinkingLevel"]?.stringValue?.uppercased()
    let path = "generationConfig.maxOutputTokens"
    let tail = "thoughts count against maxOutputTokens; the answer may be empty"
    if let budget, budget > 0 {
      guard max <= budget else { return nil }
      return RequestWarning(
        kind: .thinkingTokens, path: path, message: "\(max) is at or below thinkingBudget \(budget): \(tail)")
    }
    guard max < smallMaxOutputTokens, budget != 0, level != "MINIMAL" else { return nil }
    let thinks: String?
    if let level {
      thinks = "thinkingLevel \(level)"
    } else if budget == -1 {
      thinks = "a dynamic thinking budget"
    } else {
      thinks = defaultThinking
    }
    guard let thinks else { return nil }
    return RequestWarning(kind: .thinkingTokens, path: path, message: "\(max) is small next to \(thinks): \(tail)")
  }

  // MARK: Schema keywords the dialect ignores

  /// JSON Schema keywords `responseJsonSchema` supports (the proto comment's list), plus `$`
  /// keywords, which it accepts and ignores harmlessly.
  static let jsonSchemaSupported: Set<String> = [
    "type", "format", "title", "description", "enum", "items", "prefixItems", "minItems", "maxItems", "minimum",
    "maximum", "anyOf", "oneOf", "properties", "additionalProperties", "required", "propertyOrdering",
  ]
  /// Annotations: ignored by every validator, so not worth a warning.
  static let annotations: Set<String> = ["default", "examples", "example", "deprecated", "readOnly", "writeOnly"]
  /// Constraints `responseJsonSchema` ignores but `responseSchema` honours.
  static let openAPIOnly: Set<String> = ["minLength", "maxLength", "pattern", "minProperties", "maxProperties"]
  /// `format` values `responseSchema` acts on; others are accepted and have no effect.
  static let openAPIFormats: Set<String> = ["enum", "date-time", "int32", "int64", "float", "double"]

  public static func ignoredKeywords(_ schema: OutputSchema, at base: String) -> [RequestWarning] {
    var found: [(path: String, keyword: String)] = []
    var walker = KeywordWalker()
    switch schema {
    case .jsonSchema(let v): walker.jsonSchema(v, path: base, depth: 0, into: &found)
    case .openAPI(let v): walker.openAPI(v, path: base, depth: 0, into: &found)
    }
    let dialect = schema.isJSONSchema ? "responseJsonSchema" : "responseSchema"
    // One warning per keyword (its first place), so a big schema does not flood the output.
    var seen = Set<String>()
    var out: [RequestWarning] = []
    for f in found where seen.insert(f.keyword).inserted {
      let others = found.filter { $0.keyword == f.keyword }.count - 1
      let more = others > 0 ? " (and \(others) more place\(others == 1 ? "" : "s"))" : ""
      let hint = schema.isJSONSchema && openAPIOnly.contains(f.keyword) ? "; responseSchema supports it" : ""
      out.append(
        RequestWarning(
          kind: .ignoredSchemaKeyword, path: f.path,
          message:
            "\(dialect) ignores \(f.keyword)\(more)\(hint): the model is not held to it (gembatch still checks answers against it)"
        ))
    }
    return out
  }

  struct KeywordWalker {
    mutating func jsonSchema(
      _ v: JSONValue, path: String, depth: Int, into out: inout [(path: String, keyword: String)]
    ) {
      guard depth < 64, case .object(let o) = v else { return }
      for (k, x) in o {
        if k.hasPrefix("$") {
          if k == "$defs", case .object(let defs) = x {
            for (name, d) in defs { jsonSchema(d, path: path + ".$defs." + name, depth: depth + 1, into: &out) }
          }
          continue
        }
        guard RequestWarnings.jsonSchemaSupported.contains(k) else {
          if !RequestWarnings.annotations.contains(k) { out.append((path + "." + k, k)) }
          continue
        }
        switch k {
        case "properties":
          if case .object(let props) = x {
            for (name, s) in props { jsonSchema(s, path: path + ".properties." + name, depth: depth + 1, into: &out) }
          }
        case "items", "additionalProperties": jsonSchema(x, path: path + "." + k, depth: depth + 1, into: &out)
        case "anyOf", "oneOf", "prefixItems":
          for (i, s) in (x.arrayValue ?? []).enumerated() {
            jsonSchema(s, path: path + ".\(k)[\(i)]", depth: depth + 1, into: &out)
          }
        default: break
        }
      }
    }

    mutating func openAPI(_ v: JSONValue, path: String, depth: Int, into out: inout [(path: String, keyword: String)]) {
      guard depth < 64, case .object(let o) = v else { return }
      if let f = o["format"]?.stringValue, !RequestWarnings.openAPIFormats.contains(f.lowercased()) {
        out.append((path + ".format", "format \(JSONValue.string(f).serialized())"))
      }
      if let props = o["properties"]?.objectValue {
        for (name, s) in props { openAPI(s, path: path + ".properties." + name, depth: depth + 1, into: &out) }
      }
      if let items = o["items"] { openAPI(items, path: path + ".items", depth: depth + 1, into: &out) }
      for (i, s) in (o["anyOf"]?.arrayValue ?? []).enumerated() {
        openAPI(s, path: path + ".anyOf[\(i)]", depth: depth + 1, into: &out)
      }
    }
  }

  // MARK: Model names

  /// A warning for a model name not among `known` (bare names such as `gemini-2.5-flash`): a
  /// name that is a known one plus a version suffix (`gemini-2.5-flash-preview-09-2025`,
  /// `-001`) counts as known. Tuned models and other resource paths are not checked.
  public static func modelName(_ model: String, known: [String]) -> RequestWarning? {
    var m = model
    if m.hasPrefix("models/") { m.removeFirst(7) }
    if m.contains("/") || known.isEmpty { return nil }
    if known.contains(where: { m == $0 || m.hasPrefix($0 + "-") }) { return nil }
    let suggester = NameSuggester(known: known)
    let shown = JSONValue.string(String(model.prefix(80))).serialized()
    if m.trimmingSpaces != m, let s = suggester.suggestion(for: m) {
      return RequestWarning(
        kind: .unknownModel, path: "model", message: "\(shown) has stray spaces; did you mean \(s)?")
    }
    if let s = suggester.suggestion(for: m) {
      return RequestWarning(
        kind: .unknownModel, path: "model", message: "the catalog does not know \(shown); did you mean \(s)?")
    }
    let gemini = m.lowercased().hasPrefix("gemini")
    return RequestWarning(
      kind: .unknownModel, path: "model",
      message:
        "the catalog does not know \(shown)\(gemini ? "" : " (not a Gemini model name)"); `gembatch models` lists the known ones"
    )
  }
}

extension OutputSchema {
  var isJSONSchema: Bool { if case .jsonSchema = self { true } else { false } }
}
