import Foundation

/// Everything the catalog knows of one model. Every group may be absent: nil means "not known",
/// which is never read as "no" (a feature not known is not warned about; a price not known is unpriced).
public struct ModelEntry: Sendable, Hashable {
  public var id: String
  public var displayName: String?
  /// Other names that mean this model (`gemini-flash-latest`), lowercased.
  public var aliases: [String]
  public var aliasesUnverified: Bool
  /// Name globs (`*` any run of characters) that mean this model, lowercased.
  public var patterns: [String]
  public var status: ModelStatus
  public var limits: TokenLimits?
  public var modalities: Modalities?
  public var features: Features?
  public var thinking: ThinkingRule?
  /// The smallest prompt prefix implicit caching applies to.
  public var implicitCache: ImplicitCache?
  /// Effective-dated, sorted by start, never overlapping.
  public var prices: [PriceRow]
  /// Model-level marks (a model the reference itself marks n/v) and notes.
  public var provenance: Provenance
  /// The file that defined (or last changed) the entry.
  public var origin: String

  public init(
    id: String, displayName: String? = nil, aliases: [String] = [], aliasesUnverified: Bool = false,
    patterns: [String] = [], status: ModelStatus = ModelStatus(), limits: TokenLimits? = nil,
    modalities: Modalities? = nil, features: Features? = nil, thinking: ThinkingRule? = nil,
    implicitCache: ImplicitCache? = nil, prices: [PriceRow] = [], provenance: Provenance = Provenance(),
    origin: String = ""
  ) {
    self.id = id
    self.displayName = displayName
    self.aliases = aliases
    self.aliasesUnverified = aliasesUnverified
    self.patterns = patterns
    self.status = status
    self.limits = limits
    self.modalities = modalities
    self.features = features
    self.thinking = thinking
    self.implicitCache = implicitCache
    self.prices = prices
    self.provenance = provenance
    self.origin = origin
  }

  /// The price row in effect on `day`, if any.
  public func priceRow(on day: CalendarDay) -> PriceRow? {
    for row in prices where row.covers(day) { return row }
    return nil
  }

  /// Whether the model can answer with images.
  public var outputsImages: Bool { modalities?.output.contains(.image) ?? false }
}

/// GA, preview, deprecated, shut down: the stage and the dates that move a model along.
public struct ModelStatus: Sendable, Hashable {
  public enum Stage: String, Sendable, Hashable, CaseIterable {
    case ga
    case preview
    case experimental
    case unknown
  }

  /// Where a model stands on a given day.
  public enum Effective: String, Sendable, Hashable {
    case ga
    case preview
    case experimental
    case unknown
    case deprecated
    case shutDown = "shut down"
  }

  public var stage: Stage
  public var released: CalendarDay?
  public var deprecated: CalendarDay?
  public var shutdown: CalendarDay?
  /// What Google recommends instead.
  public var replacement: String?
  /// Where Google sends this model's requests (billed at that model's rates).
  public var routesTo: String?
  public var provenance: Provenance

  public init(
    stage: Stage = .unknown, released: CalendarDay? = nil, deprecated: CalendarDay? = nil, shutdown: CalendarDay? = nil,
    replacement: String? = nil, routesTo: String? = nil, provenance: Provenance = Provenance()
  ) {
    self.stage = stage
    self.released = released
    self.deprecated = deprecated
    self.shutdown = shutdown
    self.replacement = replacement
    self.routesTo = routesTo
    self.provenance = provenance
  }

  public func effective(on day: CalendarDay) -> Effective {
    if let s = shutdown, s <= day { return .shutDown }
    if let d = deprecated, d <= day { return .deprecated }
    switch stage {
    case .ga: return .ga
    case .preview: return .preview
    case .experimental: return .experimental
    case .unknown: return .unknown
    }
  }

  public func isShutDown(on day: CalendarDay) -> Bool { shutdown.map { $0 <= day } ?? false }
}

public struct TokenLimits: Sendable, Hashable {
  public var inputTokens: Int?
  public var outputTokens: Int?
  public var provenance: Provenance
  public init(inputTokens: Int? = nil, outputTokens: Int? = nil, provenance: Provenance = Provenance()) {
    self.inputTokens = inputTokens
    self.outputTokens = outputTokens
    self.provenance = provenance
  }
}

public enum Modality: String, Sendable, Hashable, CaseIterable, Comparable {
  case text, image, audio, video, pdf
  public static func < (a: Modality, b: Modality) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }
}

public struct Modalities: Sendable, Hashable {
  public var input: Set<Modality>
  public var output: Set<Modality>
  public var provenance: Provenance
  public init(input: Set<Modality>, output: Set<Modality>, provenance: Provenance = Provenance()) {
    self.input = input
    self.output = output
    self.provenance = provenance
  }
}

/// What a request may use. Each is true, false or not known (absent).
public enum Feature: String, Sendable, Hashable, CaseIterable {
  case batch, caching, flex, priority, search, maps, codeExecution, urlContext, functionCalling, structuredOutput

  /// How a warning names it.
  public var label: String {
    switch self {
    case .batch: "Batch Mode"
    case .caching: "context caching (cachedContent)"
    case .flex: "the flex tier"
    case .priority: "the priority tier"
    case .search: "Google Search grounding"
    case .maps: "Google Maps grounding"
    case .codeExecution: "code execution"
    case .urlContext: "URL context"
    case .functionCalling: "function calling"
    case .structuredOutput: "structured output (a response schema)"
    }
  }
}

public struct Features: Sendable, Hashable {
  public var values: [Feature: Bool]
  public var provenance: Provenance
  public init(values: [Feature: Bool], provenance: Provenance = Provenance()) {
    self.values = values
    self.provenance = provenance
  }
  /// nil when not known.
  public subscript(_ f: Feature) -> Bool? { values[f] }
}

public struct ImplicitCache: Sendable, Hashable {
  public var minTokens: Int
  public var provenance: Provenance
  public init(minTokens: Int, provenance: Provenance = Provenance()) {
    self.minTokens = minTokens
    self.provenance = provenance
  }
}
