/// The body of a `generateContent` answer, or one event of a stream.
/// Every field is optional: real answers omit any of them. The raw body stays the source of truth.
public struct GenerateContentResponse: Codable, Sendable, Hashable {
  public var candidates: [Candidate]?
  public var promptFeedback: PromptFeedback?
  public var usageMetadata: UsageMetadata?
  public var modelVersion: String?
  public var responseId: String?
  public var createTime: String?
  public var modelStatus: JSONValue?

  public init(
    candidates: [Candidate]? = nil, promptFeedback: PromptFeedback? = nil, usageMetadata: UsageMetadata? = nil,
    modelVersion: String? = nil, responseId: String? = nil
  ) {
    self.candidates = candidates
    self.promptFeedback = promptFeedback
    self.usageMetadata = usageMetadata
    self.modelVersion = modelVersion
    self.responseId = responseId
  }
}

public struct Candidate: Codable, Sendable, Hashable {
  /// May be absent, `{}` (blocked) or `{"role":"model"}` without parts (budget spent thinking).
  public var content: Content?
  public var finishReason: FinishReason?
  public var finishMessage: String?
  /// Absent means 0.
  public var index: Int?
  public var safetyRatings: [SafetyRating]?
  public var citationMetadata: CitationMetadata?
  public var tokenCount: Int?
  public var groundingMetadata: GroundingMetadata?
  public var avgLogprobs: Double?
  public var logprobsResult: JSONValue?
  public var urlContextMetadata: URLContextMetadata?

  public init(content: Content? = nil, finishReason: FinishReason? = nil, index: Int? = nil) {
    self.content = content
    self.finishReason = finishReason
    self.index = index
  }
}

public struct SafetyRating: Codable, Sendable, Hashable {
  public var category: String?
  public var probability: String?
  public var blocked: Bool?
  public var probabilityScore: Double?
  public var severity: String?
  public var severityScore: Double?
  public init(category: String? = nil, probability: String? = nil, blocked: Bool? = nil) {
    self.category = category
    self.probability = probability
    self.blocked = blocked
  }
}

public struct PromptFeedback: Codable, Sendable, Hashable {
  public var blockReason: BlockReason?
  public var blockReasonMessage: String?
  public var safetyRatings: [SafetyRating]?
  public init(blockReason: BlockReason? = nil, blockReasonMessage: String? = nil, safetyRatings: [SafetyRating]? = nil) {
    self.blockReason = blockReason
    self.blockReasonMessage = blockReasonMessage
    self.safetyRatings = safetyRatings
  }
}

/// `citationMetadata`: `citationSources` on the Gemini API, `citations` on Vertex.
public struct CitationMetadata: Codable, Sendable, Hashable {
  public var citationSources: [CitationSource]?
  public var citations: [CitationSource]?
  public var all: [CitationSource] { (citationSources ?? []) + (citations ?? []) }
}

public struct CitationSource: Codable, Sendable, Hashable {
  public var startIndex: Int?
  public var endIndex: Int?
  public var uri: String?
  public var license: String?
  public var title: String?
  public var publicationDate: JSONValue?
}

public struct URLContextMetadata: Codable, Sendable, Hashable {
  public var urlMetadata: [URLMetadata]?
}

public struct URLMetadata: Codable, Sendable, Hashable {
  public var retrievedUrl: String?
  public var urlRetrievalStatus: String?
}
