import Foundation

/// The cost of one request, by line item, in exact USD.
///
/// Token line items already include the tier multiplier (cached tokens use the tier's own cached
/// multiplier: Batch Mode does not halve them); grounding is separate and never multiplied.
/// `total = tokens + grounding`.
public struct CostBreakdown: Sendable, Hashable {
  /// The catalog model whose rates were used (the served one, after routing).
  public var priceKey: String
  /// The catalog version, stored next to the cost.
  public var priceVersion: String
  /// The tier the rates were taken at.
  public var tier: ServiceTier
  /// The price row's period (`2026-09-02 … 2026-12-31`).
  public var period: String
  /// The model was priced at another model's rates because it is shut down and routed there.
  public var routedFrom: String?
  /// The long-context rates were used.
  public var longContext: Bool
  public var batch: Bool { tier == .batch }

  /// Token counts by what they were billed as.
  public var inputTokens: Int = 0
  public var cachedTokens: Int = 0
  public var audioTokens: Int = 0
  public var cachedAudioTokens: Int = 0
  public var toolUseTokens: Int = 0
  /// Text candidates + thoughts.
  public var outputTokens: Int = 0
  /// Output tokens of modality IMAGE.
  public var imageTokens: Int = 0
  /// Images charged per image.
  public var images: Int = 0
  /// Grounded prompts or search queries charged for Search, and grounded prompts for Maps.
  public var groundingUnits: Int = 0
  public var mapsUnits: Int = 0

  public var input: Decimal = 0
  public var cachedInput: Decimal = 0
  public var audioInput: Decimal = 0
  public var toolUse: Decimal = 0
  public var output: Decimal = 0
  public var imageOutput: Decimal = 0
  /// Search grounding.
  public var grounding: Decimal = 0
  public var mapsGrounding: Decimal = 0

  public init(priceKey: String, priceVersion: String, tier: ServiceTier, period: String, longContext: Bool) {
    self.priceKey = priceKey
    self.priceVersion = priceVersion
    self.tier = tier
    self.period = period
    self.longContext = longContext
  }

  /// All token charges (after the tier multiplier).
  public var tokens: Decimal { input + cachedInput + audioInput + toolUse + output + imageOutput }
  public var total: Decimal { tokens + grounding + mapsGrounding }
  /// `total` as a Double for storage in `results.cost_usd`.
  public var totalUSD: Double { Self.usd(total) }
  public var groundingUSD: Double { NSDecimalNumber(decimal: grounding + mapsGrounding).doubleValue }

  static let unitsPerUSD: Decimal = 1_000_000_000_000_000  // 1e15

  /// An exact total as a Double: one correctly rounded division when the total is a whole number
  /// of 1e-15 USD below 2^53 units (what the integer path computes), else Foundation's conversion.
  static func usd(_ d: Decimal) -> Double {
    var scaled = d * unitsPerUSD
    var rounded = Decimal()
    NSDecimalRound(&rounded, &scaled, 0, .plain)
    if rounded == scaled, rounded >= 0, rounded < Decimal(Int64(1) << 53) {
      return Double(NSDecimalNumber(decimal: rounded).int64Value) / 1e15
    }
    return NSDecimalNumber(decimal: d).doubleValue
  }
}
