import Foundation
import GeminiAPI

/// Why a result has no price. It is reported as unpriced, never as free.
public struct Unpriced: Error, Sendable, Hashable, CustomStringConvertible {
  public let kind: CatalogNotice.Kind
  /// The model as named by the request (or the answer).
  public let model: String
  public let message: String
  /// What makes two of these the same notice.
  public var detail: String = ""

  public var notice: CatalogNotice { CatalogNotice(kind: kind, model: model, message: message, detail: detail) }
  public var description: String { message }
}

/// Everything that decides what one answer costs.
public struct PriceRequest: Sendable, Hashable {
  /// The model the job asked for.
  public var model: String
  /// The answer's `modelVersion`: the model that actually ran, when the catalog knows it.
  public var servedModel: String?
  public var usage: UsageMetadata?
  /// The day of the attempt (rows are chosen by it).
  public var date: CalendarDay
  /// The tier that ran (Batch Mode: `.batch`).
  public var tier: ServiceTier
  /// Search queries the answer ran (0: no Search grounding charge).
  public var searchQueries: Int
  /// Maps-grounded prompts (0 or 1 per answer).
  public var mapsPrompts: Int
  /// Images in the answer.
  public var images: Int

  public init(
    model: String, servedModel: String? = nil, usage: UsageMetadata?, date: CalendarDay, tier: ServiceTier = .standard,
    searchQueries: Int = 0, mapsPrompts: Int = 0, images: Int = 0
  ) {
    self.model = model
    self.servedModel = servedModel
    self.usage = usage
    self.date = date
    self.tier = tier
    self.searchQueries = searchQueries
    self.mapsPrompts = mapsPrompts
    self.images = images
  }
}

public enum PriceQuote: Sendable, Hashable {
  case priced(CostBreakdown)
  case unpriced(Unpriced)

  public var cost: CostBreakdown? {
    if case .priced(let c) = self { return c }
    return nil
  }
}

extension ModelCatalog {
  /// The model and price row that bill an answer: the served model when the catalog knows it
  /// (else the requested one); a model shut down on `date` with no row in effect is billed where
  /// it routes (up to 4 hops).
  public struct PriceTarget: Sendable, Hashable {
    public var entry: ModelEntry
    public var entryIndex: Int
    public var row: PriceRow
    public var rowIndex: Int
    /// The model that routed here, when it did.
    public var routedFrom: String?
  }

  public func priceTarget(model: String, servedModel: String? = nil, date: CalendarDay) -> Result<PriceTarget, Unpriced>
  {
    let served = servedModel.flatMap { resolve($0) }
    guard var r = served ?? resolve(model) else {
      // Named by the model asked for, as the check before sending names it: one warning per model.
      return .failure(
        Unpriced(
          kind: .unknownModel, model: model,
          message:
            "model \(model) is not in the model catalog: its jobs run, their results are unpriced (add it with --models FILE)"
        ))
    }
    var routedFrom: String?
    for _ in 0..<5 {
      if let i = r.entry.prices.firstIndex(where: { $0.covers(date) }) {
        return .success(
          PriceTarget(entry: r.entry, entryIndex: r.index, row: r.entry.prices[i], rowIndex: i, routedFrom: routedFrom))
      }
      if r.entry.status.isShutDown(on: date), let to = r.entry.status.routesTo, let next = resolve(to) {
        routedFrom = routedFrom ?? r.entry.id
        r = next
        continue
      }
      break
    }
    let e = r.entry
    if e.prices.isEmpty {
      return .failure(
        Unpriced(
          kind: .noPrice, model: e.id,
          message: "the model catalog has no price for \(e.id): its results are unpriced (give one with --models FILE)")
      )
    }
    if let last = e.prices.compactMap(\.until).max(), last < date, e.prices.allSatisfy({ $0.until != nil }) {
      return .failure(
        Unpriced(
          kind: .priceExpired, model: e.id,
          message:
            "the catalog price of \(e.id) ended on \(last): results from \(date) on are unpriced (update gembatch or give a price with --models FILE)"
        ))
    }
    return .failure(
      Unpriced(
        kind: .priceNotInEffect, model: e.id,
        message: "no catalog price of \(e.id) is in effect on \(date): those results are unpriced"))
  }

  /// What one answer costs, or why it has no price.
  public func quote(_ r: PriceRequest) -> PriceQuote {
    switch priceTarget(model: r.model, servedModel: r.servedModel, date: r.date) {
    case .failure(let u): return .unpriced(u)
    case .success(let t): return breakdown(t, r)
    }
  }

  /// The cost, or nil when unpriced (never treat that as free).
  /// `catalog.cost(model:usage:date:tier: .batch)` is Batch Mode's price.
  public func cost(
    model: String, usage: UsageMetadata?, date: CalendarDay, tier: ServiceTier = .standard, servedModel: String? = nil,
    searchQueries: Int = 0, mapsPrompts: Int = 0, images: Int = 0
  ) -> CostBreakdown? {
    quote(
      PriceRequest(
        model: model, servedModel: servedModel, usage: usage, date: date, tier: tier, searchQueries: searchQueries,
        mapsPrompts: mapsPrompts, images: images)
    ).cost
  }

  /// The most one request can cost before it is sent: `inputTokens` at the input rate and
  /// `maxOutputTokens` at the output rate (or the image rate, for an image answer), plus one
  /// grounding charge when it searches (`assumedQueries` queries) or uses Maps. nil when unpriced.
  public func maxCost(
    model: String, inputTokens: Int, maxOutputTokens: Int, date: CalendarDay, tier: ServiceTier = .standard,
    searches: Bool = false, assumedQueries: Int = 1, maps: Bool = false, imageOutput: Bool = false
  ) -> CostBreakdown? {
    var u = UsageMetadata(promptTokenCount: max(0, inputTokens), candidatesTokenCount: max(0, maxOutputTokens))
    if imageOutput {
      u.candidatesTokensDetails = [ModalityTokenCount(modality: "IMAGE", tokenCount: max(0, maxOutputTokens))]
    }
    return cost(
      model: model, usage: u, date: date, tier: tier, searchQueries: searches ? max(1, assumedQueries) : 0,
      mapsPrompts: maps ? 1 : 0, images: imageOutput ? 1 : 0)
  }

  /// The exact (`Decimal`) price of an answer at a target already found with `priceTarget`.
  public func breakdown(_ t: PriceTarget, _ r: PriceRequest) -> PriceQuote {
    let row = t.row
    guard let tp = tierPricing(r.tier, row: row) else {
      return .unpriced(
        Unpriced(
          kind: .incompletePrice, model: t.entry.id,
          message: "the catalog has no \(r.tier) price for \(t.entry.id): those results are unpriced",
          detail: r.tier.rawValue))
    }
    let io = row.imageOutput
    let split = TokenSplit(r.usage, images: r.images, imageTokensPerImage: io?.tokensPerImage, splitImages: io != nil)
    let (rates, long) = row.rates(promptTokens: split.prompt)
    var c = CostBreakdown(
      priceKey: t.entry.id, priceVersion: version, tier: r.tier, period: row.period, longContext: long)
    c.routedFrom = t.routedFrom
    let million = Decimal(1_000_000)
    let m = tp.multiplier, cm = tp.cachedMultiplier
    func charge(_ n: Int, _ rate: Decimal, _ mult: Decimal) -> Decimal { Decimal(n) * rate * mult / million }
    let cacheRate = rates.cachedInput ?? rates.input
    let audioRate = row.audioInput ?? rates.input
    let cachedAudioRate = row.cachedAudioInput ?? cacheRate
    c.inputTokens = split.text
    c.cachedTokens = split.cachedText
    c.audioTokens = split.audio
    c.cachedAudioTokens = split.cachedAudio
    c.toolUseTokens = split.tool
    c.outputTokens = split.output
    c.imageTokens = split.image
    c.input = charge(split.text, rates.input, m)
    c.cachedInput = charge(split.cachedText, cacheRate, cm)
    c.audioInput = charge(split.audio, audioRate, m) + charge(split.cachedAudio, cachedAudioRate, cm)
    c.toolUse = charge(split.tool, rates.input, m)
    c.output = charge(split.output, rates.output, m)
    if let io, split.image > 0 || r.images > 0 {
      if let perTok = io.usdPerMTok {
        c.imageOutput = charge(split.image, perTok, m)
      } else if let perImage = io.usdPerImage {
        let per = io.tokensPerImage ?? 1
        let n = r.images > 0 ? r.images : (split.image / per + (split.image % per == 0 ? 0 : 1))
        c.images = n
        c.imageOutput = Decimal(n) * perImage * m
      }
    }
    if r.searchQueries > 0 {
      guard let g = row.search else {
        return .unpriced(
          Unpriced(
            kind: .incompletePrice, model: t.entry.id,
            message: "the catalog has no Search grounding price for \(t.entry.id): grounded results are unpriced",
            detail: "search"))
      }
      c.groundingUnits = g.per == .prompt ? 1 : r.searchQueries
      c.grounding = Decimal(c.groundingUnits) * g.usdPer1000 / 1000
    }
    if r.mapsPrompts > 0 {
      guard let g = row.maps else {
        return .unpriced(
          Unpriced(
            kind: .incompletePrice, model: t.entry.id,
            message: "the catalog has no Maps grounding price for \(t.entry.id): Maps-grounded results are unpriced",
            detail: "maps"))
      }
      c.mapsUnits = g.per == .prompt ? 1 : r.mapsPrompts
      c.mapsGrounding = Decimal(c.mapsUnits) * g.usdPer1000 / 1000
    }
    return .priced(c)
  }
}
