import Foundation

/// The cost of one request, by line item, in exact USD.
///
/// Token line items already include the batch multiplier; grounding is a separate line and is
/// never discounted. `total = tokens + grounding`.
public struct CostBreakdown: Sendable, Hashable {
  /// The price-table key that matched the model (e.g. `gemini-2.5-flash`).
  public var priceKey: String
  /// The price-table version, stored next to the cost.
  public var priceVersion: String
  /// The long-context (> threshold prompt tokens) rates were used.
  public var longContext: Bool
  public var batch: Bool

  /// Token counts by what they were billed as.
  public var inputTokens: Int
  public var cachedTokens: Int
  public var audioTokens: Int
  public var cachedAudioTokens: Int
  public var toolUseTokens: Int
  /// candidates + thoughts.
  public var outputTokens: Int
  /// Grounded prompts (2.5 and older) or search queries (3) charged.
  public var groundingUnits: Int

  public var input: Decimal
  public var cachedInput: Decimal
  public var audioInput: Decimal
  public var toolUse: Decimal
  public var output: Decimal
  public var grounding: Decimal

  /// All token charges (after the batch multiplier).
  public var tokens: Decimal { input + cachedInput + audioInput + toolUse + output }
  public var total: Decimal { tokens + grounding }
  /// `total` as a Double for storage in `results.cost_usd`.
  public var totalUSD: Double { Self.usd(total) }
  public var groundingUSD: Double { NSDecimalNumber(decimal: grounding).doubleValue }
}
