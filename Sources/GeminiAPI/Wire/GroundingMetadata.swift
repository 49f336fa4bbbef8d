/// `groundingMetadata` of a candidate answered with Google Search (or Maps, or retrieval).
public struct GroundingMetadata: Codable, Sendable, Hashable {
  public var searchEntryPoint: SearchEntryPoint?
  public var groundingChunks: [GroundingChunk]?
  public var groundingSupports: [GroundingSupport]?
  public var retrievalMetadata: JSONValue?
  public var webSearchQueries: [String]?
  public var googleMapsWidgetContextToken: String?

  public init(
    searchEntryPoint: SearchEntryPoint? = nil, groundingChunks: [GroundingChunk]? = nil,
    groundingSupports: [GroundingSupport]? = nil, webSearchQueries: [String]? = nil
  ) {
    self.searchEntryPoint = searchEntryPoint
    self.groundingChunks = groundingChunks
    self.groundingSupports = groundingSupports
    self.webSearchQueries = webSearchQueries
  }

  /// Streams send `{}` in middle events; only the last carries the full object.
  public var isEmpty: Bool {
    searchEntryPoint == nil && (groundingChunks ?? []).isEmpty && (groundingSupports ?? []).isEmpty
      && (webSearchQueries ?? []).isEmpty && retrievalMetadata == nil && googleMapsWidgetContextToken == nil
  }
}

public struct SearchEntryPoint: Codable, Sendable, Hashable {
  public var renderedContent: String?
  public var sdkBlob: String?
  public init(renderedContent: String? = nil, sdkBlob: String? = nil) {
    self.renderedContent = renderedContent
    self.sdkBlob = sdkBlob
  }
}

public struct GroundingChunk: Codable, Sendable, Hashable {
  public var web: WebChunk?
  public var retrievedContext: WebChunk?
  public var maps: JSONValue?
  public init(web: WebChunk? = nil) { self.web = web }
}

public struct WebChunk: Codable, Sendable, Hashable {
  public var uri: String?
  public var title: String?
  public var text: String?
  public var domain: String?
  public init(uri: String? = nil, title: String? = nil) {
    self.uri = uri
    self.title = title
  }
}

public struct GroundingSupport: Codable, Sendable, Hashable {
  public var segment: Segment?
  public var groundingChunkIndices: [Int]?
  public var confidenceScores: [Double]?
  public init(segment: Segment? = nil, groundingChunkIndices: [Int]? = nil, confidenceScores: [Double]? = nil) {
    self.segment = segment
    self.groundingChunkIndices = groundingChunkIndices
    self.confidenceScores = confidenceScores
  }
}

public struct Segment: Codable, Sendable, Hashable {
  public var partIndex: Int?
  public var startIndex: Int?
  public var endIndex: Int?
  public var text: String?
  public init(partIndex: Int? = nil, startIndex: Int? = nil, endIndex: Int? = nil, text: String? = nil) {
    self.partIndex = partIndex
    self.startIndex = startIndex
    self.endIndex = endIndex
    self.text = text
  }
}
