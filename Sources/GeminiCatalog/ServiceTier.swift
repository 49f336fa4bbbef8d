import Foundation

/// The tier a request runs in, and so what its tokens cost. `batch` is Batch Mode (not a value of
/// a request's `serviceTier` field, but priced the same way: a multiplier on the standard rates).
public enum ServiceTier: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
  case standard
  case flex
  case priority
  case batch

  /// The values a request's (or a response's) `serviceTier` may carry, any case; the SDK's
  /// `SERVICE_TIER_FLEX` form too. nil for anything else (`batch` included: it is not a request field).
  public init?(wire text: String) {
    // The usual spellings without a copy: this runs once per answer (the response header).
    switch text {
    case "standard": self = .standard; return
    case "flex": self = .flex; return
    case "priority": self = .priority; return
    default: break
    }
    var t = text.trimmingCharacters(in: .whitespaces).lowercased()
    if t.hasPrefix("service_tier_") { t.removeFirst("service_tier_".count) }
    switch t {
    case "standard", "default", "unspecified": self = .standard
    case "flex": self = .flex
    case "priority": self = .priority
    default: return nil
    }
  }

  /// The three values a request may ask for.
  public static let requestable: [ServiceTier] = [.standard, .flex, .priority]

  public var description: String { rawValue }
}

/// What a tier does to the standard rates: token charges × `multiplier`, cached tokens × `cachedMultiplier`.
/// Grounding charges are never multiplied.
public struct TierPricing: Sendable, Hashable {
  public var multiplier: Decimal
  public var cachedMultiplier: Decimal
  public var provenance: Provenance

  public init(multiplier: Decimal, cachedMultiplier: Decimal? = nil, provenance: Provenance = Provenance()) {
    self.multiplier = multiplier
    self.cachedMultiplier = cachedMultiplier ?? multiplier
    self.provenance = provenance
  }

  public static let standard = TierPricing(multiplier: 1)
}
