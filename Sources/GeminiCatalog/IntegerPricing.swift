import Foundation
import GeminiAPI

/// One price row at one tier in exact integer arithmetic, for the runner's per-result pricing.
///
/// Every rate times its tier multiplier that is a whole number of nano-dollars per 1M tokens
/// (all bundled rates are) is kept as an `Int64`; a cost is then Σ tokens × rate, an exact integer
/// in units of 1e-15 USD, turned into a Double with one correctly rounded division. The `Decimal`
/// path (`ModelCatalog.quote`) converts its exact total the same way, so both store the same
/// Double. Grounding charges, images priced per image, rates that are not whole nano-dollars and
/// totals beyond 2^53 units (or any overflow) fall back to the `Decimal` path.
public struct IntegerPricing: Sendable {
  struct Rates: Sendable, Hashable {
    var input: Int64
    var output: Int64
    var cachedInput: Int64
    var audio: Int64
    var cachedAudio: Int64
  }
  let base: Rates
  let long: Rates?
  let threshold: Int
  /// Per output token of modality IMAGE; nil when the row prices no images.
  let image: Int64?
  let pricesImages: Bool
  let tokensPerImage: Int?

  static let nanosPerUSD = Decimal(1_000_000_000)

  /// nil when some rate is not a whole number of nano-dollars per 1M tokens, or the row prices
  /// images per image (those go through `Decimal`).
  public init?(row: PriceRow, tier: TierPricing) {
    func n(_ d: Decimal) -> Int64? {
      var scaled = d * Self.nanosPerUSD
      var rounded = Decimal()
      NSDecimalRound(&rounded, &scaled, 0, .plain)
      guard rounded == scaled, rounded >= 0, rounded < Decimal(Int64(1) << 40) else { return nil }
      return NSDecimalNumber(decimal: rounded).int64Value
    }
    let m = tier.multiplier, cm = tier.cachedMultiplier
    func rates(_ r: PriceRow.Rates) -> Rates? {
      let cache = r.cachedInput ?? r.input
      guard let i = n(r.input * m), let o = n(r.output * m), let c = n(cache * cm),
        let a = n((row.audioInput ?? r.input) * m), let ca = n((row.cachedAudioInput ?? cache) * cm)
      else { return nil }
      return Rates(input: i, output: o, cachedInput: c, audio: a, cachedAudio: ca)
    }
    guard let base = rates(row.rates) else { return nil }
    self.base = base
    if let l = row.longContext {
      guard let lr = rates(l.rates) else { return nil }
      long = lr
      threshold = l.above
    } else {
      long = nil
      threshold = .max
    }
    if let io = row.imageOutput {
      guard let per = io.usdPerMTok, let r = n(per * m) else { return nil }
      image = r
      pricesImages = true
      tokensPerImage = io.tokensPerImage
    } else {
      image = nil
      pricesImages = false
      tokensPerImage = nil
    }
  }

  /// The cost in USD, or nil when the `Decimal` path must decide (overflow).
  public func costUSD(usage: UsageMetadata?, images: Int = 0) -> Double? {
    let t = TokenSplit(usage, images: images, imageTokensPerImage: tokensPerImage, splitImages: pricesImages)
    let r = (long != nil && t.prompt > threshold) ? long! : base
    let limit = Int64(1) << 53
    var total: Int64 = 0
    func add(_ count: Int, _ rate: Int64) -> Bool {
      let (m, o1) = Int64(count).multipliedReportingOverflow(by: rate)
      let (s, o2) = total.addingReportingOverflow(m)
      guard !o1, !o2, s < limit else { return false }
      total = s
      return true
    }
    guard add(t.text, r.input), add(t.cachedText, r.cachedInput), add(t.audio, r.audio),
      add(t.cachedAudio, r.cachedAudio), add(t.tool, r.input), add(t.output, r.output), add(t.image, image ?? 0)
    else { return nil }
    // Units of 1e-9 USD per 1M tokens × tokens = units of 1e-15 USD.
    return Double(total) / 1e15
  }
}
