/// `generationConfig`: every field of the reference. Unknown future fields are not modelled here;
/// a job file that needs one can pass a whole request, whose raw JSON is what gets sent.
public struct GenerationConfig: Codable, Sendable, Hashable {
  public var temperature: Double?
  public var topP: Double?
  public var topK: Int?
  public var candidateCount: Int?
  public var maxOutputTokens: Int?
  public var stopSequences: [String]?
  public var presencePenalty: Double?
  public var frequencyPenalty: Double?
  public var seed: Int?
  public var responseLogprobs: Bool?
  public var logprobs: Int?
  /// `text/plain`, `application/json` or `text/x.enum`.
  public var responseMimeType: String?
  /// OpenAPI-subset schema.
  public var responseSchema: JSONValue?
  /// JSON Schema; exclusive with `responseSchema`.
  public var responseJsonSchema: JSONValue?
  public var responseModalities: [String]?
  public var thinkingConfig: ThinkingConfig?
  public var mediaResolution: String?
  public var speechConfig: JSONValue?
  public var imageConfig: JSONValue?
  public var enableEnhancedCivicAnswers: Bool?

  public init(
    temperature: Double? = nil, topP: Double? = nil, topK: Int? = nil, candidateCount: Int? = nil,
    maxOutputTokens: Int? = nil, stopSequences: [String]? = nil, seed: Int? = nil,
    responseMimeType: String? = nil, responseSchema: JSONValue? = nil, responseJsonSchema: JSONValue? = nil,
    thinkingConfig: ThinkingConfig? = nil
  ) {
    self.temperature = temperature
    self.topP = topP
    self.topK = topK
    self.candidateCount = candidateCount
    self.maxOutputTokens = maxOutputTokens
    self.stopSequences = stopSequences
    self.seed = seed
    self.responseMimeType = responseMimeType
    self.responseSchema = responseSchema
    self.responseJsonSchema = responseJsonSchema
    self.thinkingConfig = thinkingConfig
  }

  /// True when the answer is expected to be JSON.
  public var isJSONMode: Bool { responseMimeType?.lowercased() == "application/json" }

  /// The schema the answer must satisfy, with its dialect.
  public var outputSchema: OutputSchema? {
    if let s = responseJsonSchema { return .jsonSchema(s) }
    if let s = responseSchema { return .openAPI(s) }
    return nil
  }
}

/// The two schema dialects the API accepts for JSON mode.
public enum OutputSchema: Sendable, Hashable {
  /// `responseSchema`: the OpenAPI 3.0 subset (upper-case type names, `nullable`).
  case openAPI(JSONValue)
  /// `responseJsonSchema`: JSON Schema (`$ref`/`$defs`, `anyOf`, lower-case types).
  case jsonSchema(JSONValue)

  public var value: JSONValue {
    switch self {
    case .openAPI(let v), .jsonSchema(let v): v
    }
  }
}

public struct ThinkingConfig: Codable, Sendable, Hashable {
  /// Gemini 2.5: 0 = off, -1 = dynamic, otherwise a token budget in the model's range.
  public var thinkingBudget: Int?
  /// Gemini 3: `MINIMAL`, `LOW`, `MEDIUM` or `HIGH` (case-insensitive on the wire).
  public var thinkingLevel: String?
  public var includeThoughts: Bool?

  public init(thinkingBudget: Int? = nil, thinkingLevel: String? = nil, includeThoughts: Bool? = nil) {
    self.thinkingBudget = thinkingBudget
    self.thinkingLevel = thinkingLevel
    self.includeThoughts = includeThoughts
  }
}
