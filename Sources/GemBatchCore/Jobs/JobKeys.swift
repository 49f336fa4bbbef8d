import GeminiAPI

/// Snake_case → camelCase for the parts of a job line gembatch itself reads (top-level job fields,
/// `files` entries, `generationConfig` and its `thinkingConfig`). The user's own objects
/// (schemas' property names, function arguments, metadata) are never touched.
///
/// The one place where key normalisation happens: request parts go through
/// `WireKeys.camelCased(_:)` (GeminiAPI), which knows which objects hold user names.
enum JobKeys {
  /// `response_mime_type` → `responseMimeType`; a key without `_` is returned as is.
  /// The same rule as the wire normaliser's, so job fields and request fields agree.
  static func camelCase(_ key: String) -> String { WireKeys.camelCase(key) }

  /// Keys of a generationConfig object, its thinkingConfig and its inline schemas, camelCased.
  static func normalizeGenerationConfig(_ v: JSONValue) -> JSONValue {
    guard case .object(let o) = v else { return v }
    if o.keys.contains(where: { $0.utf8.contains(UInt8(ascii: "_")) }) || o["thinkingConfig"] != nil {
      return WireKeys.camelCased(["generationConfig": v])["generationConfig"] ?? v
    }
    var out = JSONObject()
    for (k, val) in o {
      let ck = camelCase(k)
      if ck == "thinkingConfig", case .object(let t) = val {
        var tc = JSONObject()
        for (tk, tv) in t { tc[camelCase(tk)] = tv }
        out[ck] = .object(tc)
      } else {
        out[ck] = val
      }
    }
    return .object(out)
  }

  /// Request parts (contents, tools, toolConfig, safetySettings, systemInstruction), camelCased
  /// with the user's own names (schema properties, function arguments) kept as written.
  static func normalizeRequestPart(_ key: String, _ v: JSONValue) -> JSONValue {
    guard hasSnakeKey(v) else { return v }
    return WireKeys.camelCased(.object(JSONObject([(key, v)])))[key] ?? v
  }

  /// Whether any object key below `v` has an underscore: most lines have none, and then the
  /// full normalisation (which knows the wire model) is skipped.
  static func hasSnakeKey(_ v: JSONValue) -> Bool {
    switch v {
    case .object(let o):
      for (k, x) in o {
        if k.utf8.contains(UInt8(ascii: "_")) || hasSnakeKey(x) { return true }
      }
      return false
    case .array(let a): return a.contains(where: hasSnakeKey)
    default: return false
    }
  }
}
