import Foundation
import GeminiAPI
import GeminiCatalog
import Synchronization

/// What an answer was billed as: its cost (nil when unpriced, never 0 for "unknown"), the catalog
/// version that priced it, the catalog model whose rates applied and the tier that ran.
public struct AnswerPrice: Sendable, Hashable {
  public var cost: Double?
  public var version: String
  /// The catalog id whose rates were used (the served model, after routing); nil when unknown.
  public var servedModel: String?
  public var tier: ServiceTier

  public init(cost: Double?, version: String, servedModel: String?, tier: ServiceTier) {
    self.cost = cost
    self.version = version
    self.servedModel = servedModel
    self.tier = tier
  }
}

/// The catalog as the runner uses it: the cost of each stored result and, for `--budget`, the
/// most a job can cost before it is sent.
public struct Pricing: Sendable {
  public let catalog: ModelCatalog
  /// Output tokens assumed for a job that sets no `maxOutputTokens` (for the budget bound only).
  public var assumedMaxOutputTokens: Int
  /// Price every answer as of this day (reproducible runs and tests); nil: the day of each attempt.
  public var fixedDate: CalendarDay?
  /// `--tier`: the tier a job that names none is sent at, for its budget bound.
  public var defaultTier: ServiceTier?

  public init(catalog: ModelCatalog, assumedMaxOutputTokens: Int = 8192, fixedDate: CalendarDay? = nil) {
    self.catalog = catalog
    self.assumedMaxOutputTokens = assumedMaxOutputTokens
    self.fixedDate = fixedDate
  }

  /// The bundled catalog with `--models` files and (old-form) `--prices` files applied.
  public init(models: [String] = [], prices: String? = nil, notices: CatalogNotices = CatalogNotices()) throws {
    self.init(catalog: try ModelCatalog.load(overrides: models + (prices.map { [$0] } ?? []), notices: notices))
  }

  private struct Key: Hashable {
    var model: String
    var served: String?
    var day: Int
    var tier: ServiceTier
  }

  /// Per (model, served model, day, tier), found once: the model and row that bill it and, when
  /// its rates allow, integer pricing — or why it is unpriced.
  private enum Prepared: Sendable {
    case unpriced(Unpriced)
    case priced(ModelCatalog.PriceTarget, IntegerPricing?)
  }

  /// A cache entry by reference, with what every answer reads kept apart (the integer pricing
  /// and the served id): reading them copies nothing of the catalog entry inside.
  private final class Box: Sendable {
    let prepared: Prepared
    let integer: IntegerPricing?
    let servedId: String?
    init(_ p: Prepared) {
      prepared = p
      switch p {
      case .unpriced:
        integer = nil
        servedId = nil
      case .priced(let t, let i):
        integer = i
        servedId = t.entry.id
      }
    }
  }

  /// Prices one answer. Unpriced answers record a catalog notice (one per model and reason).
  public var priceFunction: @Sendable (PriceRequest) -> AnswerPrice {
    let catalog = self.catalog
    let fixed = fixedDate
    let cache = Mutex<[Key: Box]>([:])
    return { request in
      var r = request
      if let fixed { r.date = fixed }
      let key = Key(model: r.model, served: r.servedModel, day: r.date.dayNumber, tier: r.tier)
      var box = cache.withLock { $0[key] }
      if box == nil {
        let p: Prepared
        switch catalog.priceTarget(model: r.model, servedModel: r.servedModel, date: r.date) {
        case .failure(let u): p = .unpriced(u)
        case .success(let t):
          p = .priced(t, catalog.tierPricing(r.tier, row: t.row).flatMap { IntegerPricing(row: t.row, tier: $0) })
        }
        let b = Box(p)
        cache.withLock { c in
          if c.count < 4096 { c[key] = b }
        }
        box = b
      }
      let plan = box!
      if let integer = plan.integer, r.searchQueries == 0, r.mapsPrompts == 0,
        let usd = integer.costUSD(usage: r.usage, images: r.images)
      {
        return AnswerPrice(cost: usd, version: catalog.version, servedModel: plan.servedId, tier: r.tier)
      }
      switch plan.prepared {
      case .unpriced(let u):
        catalog.notices.record(u.notice)
        return AnswerPrice(cost: nil, version: catalog.version, servedModel: nil, tier: r.tier)
      case .priced(let t, _):
        switch catalog.breakdown(t, r) {
        case .priced(let c):
          return AnswerPrice(cost: c.totalUSD, version: c.priceVersion, servedModel: t.entry.id, tier: r.tier)
        case .unpriced(let u):
          catalog.notices.record(u.notice)
          return AnswerPrice(cost: nil, version: catalog.version, servedModel: t.entry.id, tier: r.tier)
        }
      }
    }
  }

  /// The most a job can cost, at the tier it asks for; nil when its model is unpriced.
  static let mapsKey = Data("\"googleMaps".utf8)
  static let modalitiesKey = Data("responseModalities".utf8)

  public var estimateFunction: @Sendable (DispatchJob) -> Double? {
    let catalog = self.catalog
    let fallback = assumedMaxOutputTokens
    let fixed = fixedDate
    let runTier = defaultTier
    return { job in
      // The job's facts come from the store (maxOutputTokens, tier, search); only the rare image
      // and Maps requests are looked at again, and only when their key is in the body.
      let tier = job.serviceTier.flatMap(ServiceTier.init(wire:)) ?? runTier ?? .standard
      let maps = job.body.range(of: Self.mapsKey) != nil
      let images = job.body.range(of: Self.modalitiesKey) != nil && JobCostFacts(body: job.body).wantsImages
      return catalog.maxCost(
        model: job.model, inputTokens: job.estimatedInputTokens, maxOutputTokens: job.maxOutputTokens ?? fallback,
        date: fixed ?? .today, tier: tier, searches: job.usesSearch, maps: maps, imageOutput: images
      )?.totalUSD
    }
  }
}

/// What a stored request body says about its price: the tier it asks for, its output bound,
/// images asked for, Maps grounding. A byte scan first: most bodies set none of these.
public struct JobCostFacts: Sendable, Hashable {
  public var tier: ServiceTier?
  public var maxOutputTokens: Int?
  public var wantsImages = false
  public var usesMaps = false

  public init(body: Data) {
    let interesting = ["serviceTier", "maxOutputTokens", "responseModalities", "googleMaps"].contains {
      body.range(of: Data($0.utf8)) != nil
    }
    guard interesting, let v = try? JSONValue.parse(body) else { return }
    tier = v["serviceTier"]?.stringValue.flatMap(ServiceTier.init(wire:))
    let gc = v["generationConfig"]
    maxOutputTokens = gc?["maxOutputTokens"]?.intValue
    wantsImages = (gc?["responseModalities"]?.arrayValue ?? []).contains { $0.stringValue?.uppercased() == "IMAGE" }
    usesMaps = (v["tools"]?.arrayValue ?? []).contains { $0["googleMaps"] != nil }
  }
}
