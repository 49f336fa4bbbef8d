import Foundation
import GeminiAPI

/// Everything a report shows, computed from the store (see `ReportBuilder`) or built in memory.
/// The renderers (`text`, `json`, `html`) are pure functions of this value.
public struct ReportData: Sendable, Codable, Hashable {
  public var generatedAt: Double
  /// The store file the report reads (path as given).
  public var database: String
  /// The run the report is limited to; nil = every job in the store.
  public var runID: Int?
  /// Price-table versions found on the results.
  public var priceVersions: [String]
  /// All models together (`model == "all"`).
  public var total: ModelReport
  public var models: [ModelReport]
  /// Failure reasons of failed jobs, most frequent first.
  public var failureReasons: [ReasonCount]
  /// The most expensive jobs, most expensive first (at most 10).
  public var topJobs: [JobCost]
  /// Latency of results (ms), all models.
  public var latencyHistogram: [HistogramBin]
  /// Attempt outcomes per minute, from `attempts.ended_at`.
  public var timeline: [TimelineBucket]
  /// How the stored answers were obtained: `valid`, `repaired_local`, `repaired_reask`,
  /// `grown`, `invalid` → count (`results.obtained`). Nil on reports from before it existed.
  public var obtained: [String: Int]?
  /// Attempts sent to repair an answer (re-asks and larger maxOutputTokens) and their cost.
  public var repairAttempts: Int?
  public var repairCostUSD: Double?
  /// Results by the model asked for, the model that answered (after routing) and the tier that
  /// ran; nil when every result ran as asked, at standard.
  public var served: [ServedModel]?
  /// Where the reported results came from (their run's endpoint), most results first.
  public var endpoints: [StatusReport.EndpointResults] = []

  public init(
    generatedAt: Double, database: String, runID: Int? = nil, priceVersions: [String] = [], total: ModelReport,
    models: [ModelReport], failureReasons: [ReasonCount] = [], topJobs: [JobCost] = [],
    latencyHistogram: [HistogramBin] = [], timeline: [TimelineBucket] = [], obtained: [String: Int]? = nil,
    repairAttempts: Int? = nil, repairCostUSD: Double? = nil
  ) {
    self.generatedAt = generatedAt
    self.database = database
    self.runID = runID
    self.priceVersions = priceVersions
    self.total = total
    self.models = models
    self.failureReasons = failureReasons
    self.topJobs = topJobs
    self.latencyHistogram = latencyHistogram
    self.timeline = timeline
    self.obtained = obtained
    self.repairAttempts = repairAttempts
    self.repairCostUSD = repairCostUSD
  }
}

public struct ModelReport: Sendable, Codable, Hashable {
  public var model: String
  public var jobs: Int
  /// Jobs by state: pending, in_flight, waiting, succeeded, failed.
  public var states: [String: Int]
  public var tokens: TokenTotals
  /// Sum of `results.cost_usd` (priced results only).
  public var costUSD: Double
  /// The grounding part of `costUSD` (from the price table's grounding line).
  public var groundingUSD: Double
  /// Grounded prompts (results with at least one search query) and search queries.
  public var groundedPrompts: Int
  public var searchQueries: Int
  /// Results whose model has no price (cost NULL).
  public var unpricedJobs: Int
  /// Results with a cost.
  public var pricedJobs: Int
  public var latencyMs: Percentiles?
  public var ttfbMs: Percentiles?
  public var attempts: Int
  /// Attempts after the first of each job.
  public var retries: Int
  /// Attempts answered with HTTP 429.
  public var http429: Int
  /// Attempts sent whose outcome is unknown (process died): may have been billed.
  public var lostAttempts: Int

  /// Cost per 1,000 priced results; nil when none is priced.
  public var costPer1000Jobs: Double? { pricedJobs > 0 ? costUSD / Double(pricedJobs) * 1000 : nil }

  public init(
    model: String, jobs: Int = 0, states: [String: Int] = [:], tokens: TokenTotals = .init(), costUSD: Double = 0,
    groundingUSD: Double = 0, groundedPrompts: Int = 0, searchQueries: Int = 0, unpricedJobs: Int = 0,
    pricedJobs: Int = 0, latencyMs: Percentiles? = nil, ttfbMs: Percentiles? = nil, attempts: Int = 0,
    retries: Int = 0, http429: Int = 0, lostAttempts: Int = 0
  ) {
    self.model = model
    self.jobs = jobs
    self.states = states
    self.tokens = tokens
    self.costUSD = costUSD
    self.groundingUSD = groundingUSD
    self.groundedPrompts = groundedPrompts
    self.searchQueries = searchQueries
    self.unpricedJobs = unpricedJobs
    self.pricedJobs = pricedJobs
    self.latencyMs = latencyMs
    self.ttfbMs = ttfbMs
    self.attempts = attempts
    self.retries = retries
    self.http429 = http429
    self.lostAttempts = lostAttempts
  }

  enum CodingKeys: String, CodingKey {
    case model, jobs, states, tokens, costUSD, groundingUSD, groundedPrompts, searchQueries, unpricedJobs, pricedJobs
    case latencyMs, ttfbMs, attempts, retries, http429, lostAttempts, costPer1000Jobs
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      model: try c.decode(String.self, forKey: .model), jobs: try c.decode(Int.self, forKey: .jobs),
      states: try c.decode([String: Int].self, forKey: .states), tokens: try c.decode(TokenTotals.self, forKey: .tokens),
      costUSD: try c.decode(Double.self, forKey: .costUSD), groundingUSD: try c.decode(Double.self, forKey: .groundingUSD),
      groundedPrompts: try c.decode(Int.self, forKey: .groundedPrompts),
      searchQueries: try c.decode(Int.self, forKey: .searchQueries),
      unpricedJobs: try c.decode(Int.self, forKey: .unpricedJobs), pricedJobs: try c.decode(Int.self, forKey: .pricedJobs),
      latencyMs: try c.decodeIfPresent(Percentiles.self, forKey: .latencyMs),
      ttfbMs: try c.decodeIfPresent(Percentiles.self, forKey: .ttfbMs), attempts: try c.decode(Int.self, forKey: .attempts),
      retries: try c.decode(Int.self, forKey: .retries), http429: try c.decode(Int.self, forKey: .http429),
      lostAttempts: try c.decode(Int.self, forKey: .lostAttempts))
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(model, forKey: .model)
    try c.encode(jobs, forKey: .jobs)
    try c.encode(states, forKey: .states)
    try c.encode(tokens, forKey: .tokens)
    try c.encode(costUSD, forKey: .costUSD)
    try c.encode(groundingUSD, forKey: .groundingUSD)
    try c.encode(groundedPrompts, forKey: .groundedPrompts)
    try c.encode(searchQueries, forKey: .searchQueries)
    try c.encode(unpricedJobs, forKey: .unpricedJobs)
    try c.encode(pricedJobs, forKey: .pricedJobs)
    try c.encodeIfPresent(costPer1000Jobs, forKey: .costPer1000Jobs)
    try c.encodeIfPresent(latencyMs, forKey: .latencyMs)
    try c.encodeIfPresent(ttfbMs, forKey: .ttfbMs)
    try c.encode(attempts, forKey: .attempts)
    try c.encode(retries, forKey: .retries)
    try c.encode(http429, forKey: .http429)
    try c.encode(lostAttempts, forKey: .lostAttempts)
  }
}

/// Results of one requested model that one served model answered at one tier.
public struct ServedModel: Sendable, Codable, Hashable {
  public var requested: String
  /// The catalog model whose rates priced them; nil when unpriced.
  public var served: String?
  public var tier: String?
  public var results: Int
  public var costUSD: Double
  public init(requested: String, served: String?, tier: String?, results: Int, costUSD: Double) {
    self.requested = requested
    self.served = served
    self.tier = tier
    self.results = results
    self.costUSD = costUSD
  }
}

public struct TokenTotals: Sendable, Codable, Hashable {
  public var prompt: Int = 0
  public var cached: Int = 0
  public var candidates: Int = 0
  public var thoughts: Int = 0
  public var toolUse: Int = 0
  public init(prompt: Int = 0, cached: Int = 0, candidates: Int = 0, thoughts: Int = 0, toolUse: Int = 0) {
    self.prompt = prompt
    self.cached = cached
    self.candidates = candidates
    self.thoughts = thoughts
    self.toolUse = toolUse
  }
  /// Saturating, like `+`: stored counts come from servers (and from stores older than usage checks).
  public var total: Int { [candidates, thoughts, toolUse].reduce(prompt, UsageMetadata.saturatingAdd) }
  public static func + (a: TokenTotals, b: TokenTotals) -> TokenTotals {
    let add = UsageMetadata.saturatingAdd
    return TokenTotals(
      prompt: add(a.prompt, b.prompt), cached: add(a.cached, b.cached), candidates: add(a.candidates, b.candidates),
      thoughts: add(a.thoughts, b.thoughts), toolUse: add(a.toolUse, b.toolUse))
  }
}

/// Nearest-rank percentiles of a set of values.
public struct Percentiles: Sendable, Codable, Hashable {
  public var count: Int
  public var p50: Double
  public var p90: Double
  public var p99: Double
  public init(count: Int, p50: Double, p90: Double, p99: Double) {
    self.count = count
    self.p50 = p50
    self.p90 = p90
    self.p99 = p99
  }

  /// The 0-based index of the nearest-rank `p` percentile among `count` sorted values.
  public static func rankIndex(_ p: Double, count: Int) -> Int {
    guard count > 0 else { return 0 }
    return min(count - 1, max(0, Int((p / 100 * Double(count)).rounded(.up)) - 1))
  }

  /// From values in memory (tests, small sets); the store path uses SQL ORDER BY … OFFSET.
  public init?(values: [Double]) {
    guard !values.isEmpty else { return nil }
    let s = values.sorted()
    self.init(
      count: s.count, p50: s[Self.rankIndex(50, count: s.count)], p90: s[Self.rankIndex(90, count: s.count)],
      p99: s[Self.rankIndex(99, count: s.count)])
  }
}

public struct ReasonCount: Sendable, Codable, Hashable {
  public var failureClass: String
  public var reason: String
  public var count: Int
  public init(failureClass: String, reason: String, count: Int) {
    self.failureClass = failureClass
    self.reason = reason
    self.count = count
  }
}

public struct JobCost: Sendable, Codable, Hashable {
  public var id: String
  public var model: String
  public var costUSD: Double
  public var promptTokens: Int
  /// Candidates plus thoughts: the tokens billed at the output rate.
  public var outputTokens: Int
  public init(id: String, model: String, costUSD: Double, promptTokens: Int, outputTokens: Int) {
    self.id = id
    self.model = model
    self.costUSD = costUSD
    self.promptTokens = promptTokens
    self.outputTokens = outputTokens
  }
}

public struct HistogramBin: Sendable, Codable, Hashable {
  public var lowerMs: Double
  public var upperMs: Double
  public var count: Int
  public init(lowerMs: Double, upperMs: Double, count: Int) {
    self.lowerMs = lowerMs
    self.upperMs = upperMs
    self.count = count
  }
}

/// Attempt outcomes ended within one minute.
public struct TimelineBucket: Sendable, Codable, Hashable {
  /// Unix seconds of the minute's start.
  public var minute: Double
  public var succeeded: Int
  public var retry: Int
  public var failed: Int
  public var lost: Int
  public init(minute: Double, succeeded: Int = 0, retry: Int = 0, failed: Int = 0, lost: Int = 0) {
    self.minute = minute
    self.succeeded = succeeded
    self.retry = retry
    self.failed = failed
    self.lost = lost
  }
}

extension ReportData {
  /// "120 google https://generativelanguage.googleapis.com, 5 mock (dry run) http://127.0.0.1:8080";
  /// with `hostOnly` the hosts alone (the HTML page holds no URL: it links to nothing).
  static func endpointSummary(_ endpoints: [StatusReport.EndpointResults], hostOnly: Bool = false) -> String {
    endpoints.map { e in
      let place = hostOnly ? EndpointIdentity(kind: .custom, baseURL: e.url).host : e.url
      return "\(e.results) \(e.kind)\(e.kind == "mock" ? " (dry run)" : "") \(place)"
    }.joined(separator: ", ")
  }
}
