import Foundation

/// Checks a whole `GenerateContentRequest` body against the API's schema before it is sent: the
/// type, range and enum of every field the wire model knows (`GenerateContentRequest` and the
/// types below it), unknown names (with "did you mean"), part shapes (exactly one data field),
/// tool and `toolConfig` shapes, safety categories and thresholds, roles. Every problem names its
/// JSON path. A body that passes may still be refused for model-specific reasons (thinking rules
/// are `ThinkingRules`' job), but not for its shape.
///
/// Field names may be camelCase or snake_case (the REST mapping accepts both); enum values are
/// compared case-insensitively, as the API does. `null` counts as unset, as in proto JSON.
///
/// The source of truth is the wire model (`Sources/GeminiAPI/Wire`) and
/// `docs/job-format.md`; when a field is added there, add it here (a test holds the two equal).
public enum RequestValidator {
  /// At most this many problems are reported per body (the first ones, in field order).
  public static let maxProblems = 20

  /// Every problem found in `body`; empty when it may be sent.
  public static func validate(_ body: JSONValue) -> [RequestProblem] {
    var w = RequestWalker()
    w.request(body)
    return w.problems
  }

  // MARK: - Vocabulary (shared with the docs and the tests)

  public static let roles = ["user", "model"]
  public static let harmCategories = [
    "HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "HARM_CATEGORY_DANGEROUS_CONTENT", "HARM_CATEGORY_CIVIC_INTEGRITY",
  ]
  public static let harmThresholds = [
    "BLOCK_LOW_AND_ABOVE", "BLOCK_MEDIUM_AND_ABOVE", "BLOCK_ONLY_HIGH", "BLOCK_NONE", "OFF",
    "HARM_BLOCK_THRESHOLD_UNSPECIFIED",
  ]
  public static let responseMimeTypes = [
    "text/plain", "application/json", "text/x.enum", "application/xml", "application/yaml",
  ]
  public static let modalities = ["TEXT", "IMAGE", "AUDIO"]
  public static let mediaResolutions = [
    "MEDIA_RESOLUTION_UNSPECIFIED", "MEDIA_RESOLUTION_LOW", "MEDIA_RESOLUTION_MEDIUM", "MEDIA_RESOLUTION_HIGH",
  ]
  public static let thinkingLevels = ["MINIMAL", "LOW", "MEDIUM", "HIGH", "THINKING_LEVEL_UNSPECIFIED"]
  public static let functionCallingModes = ["AUTO", "ANY", "NONE", "VALIDATED", "MODE_UNSPECIFIED"]
  public static let serviceTiers = ["flex", "standard", "priority"]

  /// The fields of each message, by the name the API gives it. Kept next to the wire model:
  /// `RequestValidatorTests` checks every stored property of the wire types is listed.
  public static let messageFields: [String: [String]] = [
    "GenerateContentRequest": [
      "contents", "systemInstruction", "tools", "toolConfig", "safetySettings", "generationConfig", "cachedContent",
      "serviceTier",
    ],
    "Content": ["role", "parts"],
    "Part": [
      "text", "inlineData", "fileData", "functionCall", "functionResponse", "executableCode", "codeExecutionResult",
      "thought", "thoughtSignature", "videoMetadata", "partMetadata", "mediaResolution",
    ],
    "Blob": ["mimeType", "data"],
    "FileData": ["mimeType", "fileUri"],
    "FunctionCall": ["id", "name", "args"],
    "FunctionResponse": ["id", "name", "response", "parts", "willContinue", "scheduling"],
    "ExecutableCode": ["language", "code"],
    "CodeExecutionResult": ["outcome", "output"],
    "VideoMetadata": ["startOffset", "endOffset", "fps"],
    "Tool": [
      "functionDeclarations", "googleSearch", "googleSearchRetrieval", "codeExecution", "urlContext", "googleMaps",
      "fileSearch", "computerUse",
    ],
    "FunctionDeclaration": [
      "name", "description", "parameters", "parametersJsonSchema", "response", "responseJsonSchema", "behavior",
    ],
    "ToolConfig": ["functionCallingConfig", "retrievalConfig"],
    "FunctionCallingConfig": ["mode", "allowedFunctionNames"],
    "SafetySetting": ["category", "threshold"],
    "GenerationConfig": [
      "temperature", "topP", "topK", "candidateCount", "maxOutputTokens", "stopSequences", "presencePenalty",
      "frequencyPenalty", "seed", "responseLogprobs", "logprobs", "responseMimeType", "responseSchema",
      "responseJsonSchema", "_responseJsonSchema", "responseModalities", "thinkingConfig", "mediaResolution",
      "speechConfig", "imageConfig", "enableEnhancedCivicAnswers",
    ],
    "ThinkingConfig": ["thinkingBudget", "thinkingLevel", "includeThoughts"],
  ]

  /// Fields the SDK refuses outside Vertex AI: named as such rather than as unknown.
  static let vertexOnly: Set<String> = [
    "routingConfig", "modelSelectionConfig", "labels", "audioTimestamp", "modelArmorConfig", "retrieval",
    "enterpriseWebSearch", "googleSearchRetrievalConfig",
  ]
}

/// The walk over one body: a stack of path steps (rendered only when a problem is found, so a
/// valid body allocates no paths) and the problems so far.
struct RequestWalker {
  enum Step {
    case field(String)
    case index(Int)
  }

  var steps: [Step] = []
  var problems: [RequestProblem] = []
  var full: Bool { problems.count >= RequestValidator.maxProblems }

  var path: String {
    var out = ""
    for s in steps {
      switch s {
      case .field(let f): out += out.isEmpty ? f : "." + f
      case .index(let i): out += "[\(i)]"
      }
    }
    return out
  }

  mutating func fail(_ message: String) {
    guard !full else { return }
    problems.append(RequestProblem(path: path, message: message))
  }

  mutating func within(_ step: Step, _ body: (inout RequestWalker) -> Void) {
    steps.append(step)
    body(&self)
    steps.removeLast()
  }

  // MARK: Value helpers

  /// "a string", "the number 3", … for messages; `show` adds short scalar values.
  static func describe(_ v: JSONValue, show: Bool) -> String {
    switch v {
    case .null: return "null"
    case .bool(let b): return show ? "\(b)" : "true/false"
    case .number(let n): return show ? "the number \(JSONValue.number(n).serialized())" : "a number"
    case .string(let s):
      return show && s.count <= 40 ? "the string \(JSONValue.string(s).serialized())" : "a string"
    case .array: return "an array"
    case .object: return "an object"
    }
  }

  /// The object of a message, or nil (with a problem) when `v` is not one.
  mutating func object(_ v: JSONValue, _ what: String) -> JSONObject? {
    guard case .object(let o) = v else {
      fail("must be \(what), not \(Self.describe(v, show: false))")
      return nil
    }
    return o
  }

  /// Walks the fields of message `name`: unknown names are problems; `visit` gets each known
  /// field (camelCased) with the path pointing at it. Returns the object with camelCase keys.
  @discardableResult
  mutating func message(
    _ v: JSONValue, _ name: String, what: String? = nil, _ visit: (inout RequestWalker, String, JSONValue) -> Void
  ) -> JSONObject? {
    if v.isNull { return nil }
    guard let o = object(v, what ?? "a \(name) object") else { return nil }
    let fields = RequestValidator.messageFields[name] ?? RequestValidator.nestedFields[name] ?? []
    var normalized = JSONObject()
    for (key, value) in o {
      let ck = WireKeys.camelCase(key)
      guard fields.contains(ck) else {
        within(.field(key)) { w in w.unknown(key, among: fields) }
        continue
      }
      if value.isNull { continue }
      normalized[ck] = value
      within(.field(ck)) { w in visit(&w, ck, value) }
      if full { break }
    }
    return normalized
  }

  /// Whether `v` holds a name that is not a field of message `name` (already reported).
  static func hasUnknown(_ v: JSONValue, _ name: String) -> Bool {
    let fields = RequestValidator.messageFields[name] ?? RequestValidator.nestedFields[name] ?? []
    return v.objectValue?.keys.contains { !fields.contains(WireKeys.camelCase($0)) } ?? false
  }

  mutating func unknown(_ key: String, among fields: [String]) {
    let ck = WireKeys.camelCase(key)
    if RequestValidator.vertexOnly.contains(ck) {
      fail("\(key) is a Vertex AI field; the Gemini API refuses it")
      return
    }
    if let s = NameSuggester(known: fields.filter { !$0.hasPrefix("_") }).suggestion(for: ck) {
      fail("unknown field (did you mean \(s)?)")
    } else {
      fail("unknown field (known: \(fields.filter { !$0.hasPrefix("_") }.joined(separator: ", ")))")
    }
  }

  @discardableResult
  mutating func string(_ v: JSONValue, show: Bool = true) -> String? {
    guard case .string(let s) = v else {
      fail("must be a string, not \(Self.describe(v, show: show))")
      return nil
    }
    return s
  }

  @discardableResult
  mutating func nonEmptyString(_ v: JSONValue) -> String? {
    guard let s = string(v) else { return nil }
    if s.isEmpty { fail("must not be empty") }
    return s
  }

  mutating func bool(_ v: JSONValue) {
    guard case .bool = v else {
      fail("must be true or false, not \(Self.describe(v, show: true))")
      return
    }
  }

  /// Proto JSON accepts numbers written as strings ("0.5"); so does this.
  static func numeric(_ v: JSONValue) -> Double? {
    switch v {
    case .number(let n): return n
    case .string(let s): return Double(s)
    default: return nil
    }
  }

  @discardableResult
  mutating func number(_ v: JSONValue, _ range: ClosedRange<Double>? = nil, rangeText: String? = nil) -> Double? {
    guard let n = Self.numeric(v), n.isFinite else {
      fail("must be a number\(range.map { " from \(Self.text($0))" } ?? ""), not \(Self.describe(v, show: true))")
      return nil
    }
    if let range, !range.contains(n) {
      fail("\(Self.shown(n)) is out of range; use \(rangeText ?? Self.text(range))")
    }
    return n
  }

  @discardableResult
  mutating func int(_ v: JSONValue, min lo: Int? = nil, max hi: Int? = nil, rangeText: String? = nil) -> Int? {
    guard let n = Self.numeric(v), n.isFinite, n.rounded() == n, abs(n) < 9.0e15 else {
      fail("must be an integer, not \(Self.describe(v, show: true))")
      return nil
    }
    let i = Int(n)
    if let lo, i < lo {
      fail("\(i) is out of range; use \(rangeText ?? (hi.map { "\(lo)..\($0)" } ?? "\(lo) or more"))")
    } else if let hi, i > hi {
      fail("\(i) is out of range; use \(rangeText ?? (lo.map { "\($0)..\(hi)" } ?? "at most \(hi)"))")
    }
    return i
  }

  /// An enum value, case-insensitive; returns the canonical spelling.
  @discardableResult
  mutating func enumValue(_ v: JSONValue, _ allowed: [String]) -> String? {
    guard case .string(let s) = v else {
      fail("must be one of \(allowed.joined(separator: ", ")), not \(Self.describe(v, show: true))")
      return nil
    }
    if let hit = allowed.first(where: { $0.caseInsensitiveEquals(s) }) { return hit }
    let shown = s.count <= 60 ? JSONValue.string(s).serialized() : "(a long string)"
    var m = "unknown value \(shown)"
    if let guess = NameSuggester(known: allowed).suggestion(for: s) { m += " (did you mean \(guess)?)" }
    fail(m + "; use one of \(allowed.joined(separator: ", "))")
    return nil
  }

  /// An array (null is unset); `each` gets every element with the path at its index.
  mutating func array(
    _ v: JSONValue, of what: String, max: Int? = nil, nonEmpty: Bool = false,
    _ each: (inout RequestWalker, Int, JSONValue) -> Void
  ) {
    guard case .array(let a) = v else {
      fail("must be an array of \(what), not \(Self.describe(v, show: false))")
      return
    }
    if nonEmpty && a.isEmpty { fail("must not be empty") }
    if let max, a.count > max { fail("has \(a.count) entries; at most \(max) are allowed") }
    for (i, e) in a.enumerated() {
      within(.index(i)) { w in each(&w, i, e) }
      if full { return }
    }
  }

  static func text(_ r: ClosedRange<Double>) -> String { "\(shown(r.lowerBound))..\(shown(r.upperBound))" }
  static func shown(_ d: Double) -> String { JSONValue.number(d).serialized() }
}

extension String {
  func caseInsensitiveEquals(_ other: String) -> Bool {
    utf8.count == other.utf8.count && lowercased() == other.lowercased()
  }
}
