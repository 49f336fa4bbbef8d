import Foundation

/// One effective-dated set of rates for a model, USD per 1M tokens (exact decimals).
public struct PriceRow: Sendable, Hashable {
  public struct Rates: Sendable, Hashable {
    public var input: Decimal
    /// Output, thinking included.
    public var output: Decimal
    /// nil: cached tokens bill at `input`.
    public var cachedInput: Decimal?
    public init(input: Decimal, output: Decimal, cachedInput: Decimal? = nil) {
      self.input = input
      self.output = output
      self.cachedInput = cachedInput
    }
  }

  /// The rates of a request whose prompt is above `above` tokens.
  public struct LongContext: Sendable, Hashable {
    public var above: Int
    public var rates: Rates
    public init(above: Int, rates: Rates) {
      self.above = above
      self.rates = rates
    }
  }

  /// Images in the answer: per output token of modality IMAGE, or per image.
  public struct ImageOutput: Sendable, Hashable {
    public var usdPerMTok: Decimal?
    public var tokensPerImage: Int?
    public var usdPerImage: Decimal?
    public init(usdPerMTok: Decimal? = nil, tokensPerImage: Int? = nil, usdPerImage: Decimal? = nil) {
      self.usdPerMTok = usdPerMTok
      self.tokensPerImage = tokensPerImage
      self.usdPerImage = usdPerImage
    }
  }

  /// Search or Maps grounding: per grounded prompt, or per executed query.
  public struct Grounding: Sendable, Hashable {
    public enum Unit: String, Sendable, Hashable {
      case prompt
      case query
    }
    public var per: Unit
    public var usdPer1000: Decimal
    public var provenance: Provenance
    public init(per: Unit, usdPer1000: Decimal, provenance: Provenance = Provenance()) {
      self.per = per
      self.usdPer1000 = usdPer1000
      self.provenance = provenance
    }
  }

  /// Inclusive bounds; nil is open.
  public var from: CalendarDay?
  public var until: CalendarDay?
  public var rates: Rates
  public var longContext: LongContext?
  /// nil: audio bills at the input rate of the context tier in use.
  public var audioInput: Decimal?
  /// nil: cached audio bills at the cached rate.
  public var cachedAudioInput: Decimal?
  /// Explicit cache storage per 1M tokens per hour (listed; not charged per result).
  public var cacheStoragePerHour: Decimal?
  public var imageOutput: ImageOutput?
  public var search: Grounding?
  public var maps: Grounding?
  /// Tier multipliers for this row only (else the catalog's).
  public var tiers: [ServiceTier: TierPricing]
  public var provenance: Provenance

  public init(
    from: CalendarDay? = nil, until: CalendarDay? = nil, rates: Rates, longContext: LongContext? = nil,
    audioInput: Decimal? = nil, cachedAudioInput: Decimal? = nil, cacheStoragePerHour: Decimal? = nil,
    imageOutput: ImageOutput? = nil, search: Grounding? = nil, maps: Grounding? = nil,
    tiers: [ServiceTier: TierPricing] = [:], provenance: Provenance = Provenance()
  ) {
    self.from = from
    self.until = until
    self.rates = rates
    self.longContext = longContext
    self.audioInput = audioInput
    self.cachedAudioInput = cachedAudioInput
    self.cacheStoragePerHour = cacheStoragePerHour
    self.imageOutput = imageOutput
    self.search = search
    self.maps = maps
    self.tiers = tiers
    self.provenance = provenance
  }

  public func covers(_ day: CalendarDay) -> Bool {
    if let from, day < from { return false }
    if let until, until < day { return false }
    return true
  }

  /// The rates for a prompt of `promptTokens`, and whether they are the long-context ones.
  public func rates(promptTokens: Int) -> (Rates, long: Bool) {
    if let l = longContext, promptTokens > l.above { return (l.rates, true) }
    return (rates, false)
  }

  /// "2026-09-02 … 2026-12-31", "… 2026-11-30", "since 2027-01-01", "always".
  public var period: String {
    switch (from, until) {
    case (nil, nil): "always"
    case (let f?, nil): "from \(f)"
    case (nil, let u?): "until \(u)"
    case (let f?, let u?): "\(f) … \(u)"
    }
  }
}
