import Foundation
import GeminiAPI
import GeminiCatalog

/// What `gembatch plan` needs besides the jobs.
public struct PlanSettings: Sendable, Hashable {
  public var rpm: Int?
  public var tpm: Int?
  public var concurrency: Int?
  /// Output tokens per job for the "expected" column (capped by each job's maxOutputTokens).
  public var expectedOutputTokens: Int?
  /// The high estimate for a job without `generationConfig.maxOutputTokens`.
  public var defaultMaxOutputTokens: Int
  /// Price the main columns as Batch Mode.
  public var batch: Bool
  /// The tier of jobs that name none (`--tier`); nil: standard.
  public var tier: ServiceTier?
  /// The day prices are read on; nil: today.
  public var date: CalendarDay?

  public init(
    rpm: Int? = nil, tpm: Int? = nil, concurrency: Int? = nil, expectedOutputTokens: Int? = nil,
    defaultMaxOutputTokens: Int = 8192, batch: Bool = false, tier: ServiceTier? = nil, date: CalendarDay? = nil
  ) {
    self.rpm = rpm
    self.tpm = tpm
    self.concurrency = concurrency
    self.expectedOutputTokens = expectedOutputTokens
    self.defaultMaxOutputTokens = defaultMaxOutputTokens
    self.batch = batch
    self.tier = tier
    self.date = date
  }
}

/// Per model: how many jobs, how many tokens, what they may cost.
public struct PlanLine: Sendable, Hashable, Codable {
  public var model: String
  public var jobs = 0
  public var inputTokens = 0
  /// Sum of each job's output bound (maxOutputTokens or the default assumption).
  public var maxOutputTokens = 0
  /// Jobs without maxOutputTokens (the default assumption was used).
  public var jobsWithDefaultMax = 0
  public var searchJobs = 0
  /// Local files the jobs send inline (a file used by two jobs counts twice) and their bytes.
  public var localFiles = 0
  public var localFileBytes = 0
  public var unpricedJobs = 0
  /// Input only, no output, no grounding.
  public var lowUSD: Double = 0
  /// With `expectedOutputTokens` per job; nil when not asked.
  public var expectedUSD: Double?
  /// Every job writes its whole output bound; every search job pays one grounding charge.
  public var highUSD: Double = 0
  /// The same projection at standard, flex and batch side by side (every job at that tier).
  public var tiers: [TierProjection] = []
  public init(model: String) { self.model = model }
}

/// One tier's projected cost of a plan line.
public struct TierProjection: Sendable, Hashable, Codable {
  public var tier: String
  public var lowUSD: Double = 0
  public var expectedUSD: Double?
  public var highUSD: Double = 0
  /// Jobs this tier cannot price (a model without that tier's price).
  public var unpricedJobs = 0
  public init(tier: String) { self.tier = tier }
}

public struct Plan: Sendable, Hashable, Codable {
  public var lines: [PlanLine]
  public var total: PlanLine
  /// Seconds at the configured rates: max(jobs / rpm, input tokens / tpm); nil without rates.
  public var durationSeconds: Double?
  public var durationBoundBy: String?
  public var priceVersion: String
  /// The day the prices were read on.
  public var priceDate: String?
  public var assumptions: [String]
}

/// Estimates a run before it starts. Jobs are added one at a time, so a reader can stream them.
public struct PlanEstimator: Sendable {
  public let catalog: ModelCatalog
  public let settings: PlanSettings
  private var lines: [String: PlanLine] = [:]
  private var order: [String] = []
  private let day: CalendarDay
  /// The tiers shown side by side.
  public static let sideBySide: [ServiceTier] = [.standard, .flex, .batch]

  public init(catalog: ModelCatalog, settings: PlanSettings) {
    self.catalog = catalog
    self.settings = settings
    day = settings.date ?? .today
  }

  /// `generationConfig.maxOutputTokens` of a request body, if set.
  public static func maxOutputTokens(body: Data) -> Int? {
    guard let v = try? JSONValue.parse(body) else { return nil }
    let config = v["generationConfig"] ?? v["generation_config"]
    return (config?["maxOutputTokens"] ?? config?["max_output_tokens"])?.intValue
  }

  public mutating func add(_ job: Job) {
    if lines[job.model] == nil {
      lines[job.model] = PlanLine(model: job.model)
      order.append(job.model)
    }
    var l = lines[job.model]!
    let given = Self.maxOutputTokens(body: job.body)
    let maxOut = given ?? settings.defaultMaxOutputTokens
    l.jobs += 1
    l.inputTokens += job.estimatedInputTokens
    l.maxOutputTokens += maxOut
    if given == nil { l.jobsWithDefaultMax += 1 }
    if job.usesSearch { l.searchJobs += 1 }
    l.localFiles += job.localFiles
    l.localFileBytes += job.localFileBytes
    let facts = JobCostFacts(body: job.body)
    let mainTier: ServiceTier = settings.batch ? .batch : (facts.tier ?? settings.tier ?? .standard)
    func cost(_ out: Int, _ tier: ServiceTier, grounding: Bool) -> Double? {
      catalog.maxCost(
        model: job.model, inputTokens: job.estimatedInputTokens, maxOutputTokens: out, date: day, tier: tier,
        searches: grounding && job.usesSearch, maps: grounding && facts.usesMaps, imageOutput: facts.wantsImages
      )?.totalUSD
    }
    func project(_ tier: ServiceTier) -> (low: Double, expected: Double?, high: Double)? {
      guard let low = cost(0, tier, grounding: false), let high = cost(maxOut, tier, grounding: true) else { return nil }
      let expected = settings.expectedOutputTokens.flatMap { cost(min($0, maxOut), tier, grounding: true) }
      return (low, expected, high)
    }
    if let p = project(mainTier) {
      l.lowUSD += p.low
      l.highUSD += p.high
      if let e = p.expected { l.expectedUSD = (l.expectedUSD ?? 0) + e }
    } else {
      l.unpricedJobs += 1
    }
    if l.tiers.isEmpty { l.tiers = Self.sideBySide.map { TierProjection(tier: $0.rawValue) } }
    for (i, t) in Self.sideBySide.enumerated() {
      if let p = project(t) {
        l.tiers[i].lowUSD += p.low
        l.tiers[i].highUSD += p.high
        if let e = p.expected { l.tiers[i].expectedUSD = (l.tiers[i].expectedUSD ?? 0) + e }
      } else {
        l.tiers[i].unpricedJobs += 1
      }
    }
    lines[job.model] = l
  }

  public func finish() -> Plan {
    var total = PlanLine(model: "all")
    let list = order.map { lines[$0]! }
    for l in list {
      total.jobs += l.jobs
      total.inputTokens += l.inputTokens
      total.maxOutputTokens += l.maxOutputTokens
      total.jobsWithDefaultMax += l.jobsWithDefaultMax
      total.searchJobs += l.searchJobs
      total.localFiles += l.localFiles
      total.localFileBytes += l.localFileBytes
      total.unpricedJobs += l.unpricedJobs
      total.lowUSD += l.lowUSD
      total.highUSD += l.highUSD
      if let e = l.expectedUSD { total.expectedUSD = (total.expectedUSD ?? 0) + e }
      if total.tiers.isEmpty { total.tiers = Self.sideBySide.map { TierProjection(tier: $0.rawValue) } }
      for (i, t) in l.tiers.enumerated() where i < total.tiers.count {
        total.tiers[i].lowUSD += t.lowUSD
        total.tiers[i].highUSD += t.highUSD
        total.tiers[i].unpricedJobs += t.unpricedJobs
        if let e = t.expectedUSD { total.tiers[i].expectedUSD = (total.tiers[i].expectedUSD ?? 0) + e }
      }
    }
    var duration: Double?
    var bound: String?
    if let rpm = settings.rpm, rpm > 0 {
      duration = Double(total.jobs) / Double(rpm) * 60
      bound = "rpm"
    }
    if let tpm = settings.tpm, tpm > 0 {
      let t = Double(total.inputTokens) / Double(tpm) * 60
      if duration == nil || t > duration! {
        duration = t
        bound = "tpm"
      }
    }
    var a = [
      "input tokens are the reader's estimate (est_input_tokens), not a count from the API",
      "low: input only, no output, no grounding charge",
      "high: every job writes its maxOutputTokens (thinking counts as output); \(Fmt.int(settings.defaultMaxOutputTokens)) when a job sets none",
      "grounding (high): one charge per job with Google Search — one prompt (2.5 and older) or one query (3); free allowances not subtracted",
      "prices: model catalog \(catalog.version) as of \(day); long-context rates when a prompt is above the model's threshold (200,000 tokens)",
    ]
    if let e = settings.expectedOutputTokens { a.append("expected: \(Fmt.int(e)) output tokens per job (capped by maxOutputTokens)") }
    if settings.batch {
      a.append("batch: token prices × \(catalog.tiers[.batch]?.multiplier ?? 0.5), cached tokens at the standard cache rate")
    } else if let t = settings.tier, t != .standard {
      a.append("tier \(t): jobs that name no serviceTier are priced at \(t)")
    }
    a.append(
      "by tier: every job at standard, flex (× \(catalog.tiers[.flex]?.multiplier ?? 0.5)) and batch (× \(catalog.tiers[.batch]?.multiplier ?? 0.5)); cached tokens are not discounted")
    if duration != nil {
      a.append("duration: max(jobs / rpm, input tokens / tpm), one limit for all models, no retries; latency not included")
    } else {
      a.append("duration: not estimated — give --rpm and/or --tpm")
    }
    if let c = settings.concurrency {
      a.append("concurrency \(c): caps requests in flight; it shortens the run only while the rate limits are not reached")
    }
    return Plan(
      lines: list, total: total, durationSeconds: duration, durationBoundBy: bound, priceVersion: catalog.version,
      priceDate: day.description, assumptions: a)
  }
}

extension Plan {
  /// A text table with the assumptions under it.
  public func renderText() -> String {
    let hasExpected = total.expectedUSD != nil
    var rows = [["model", "jobs", "input tokens", "output bound", "search jobs", "low", hasExpected ? "expected" : nil, "high", "unpriced"].compactMap { $0 }]
    for l in lines + [total] {
      var r = [l.model, Fmt.int(l.jobs), Fmt.int(l.inputTokens), Fmt.int(l.maxOutputTokens), Fmt.int(l.searchJobs), Fmt.usd(l.lowUSD)]
      if hasExpected { r.append(l.expectedUSD.map(Fmt.usd) ?? "—") }
      r += [Fmt.usd(l.highUSD), Fmt.int(l.unpricedJobs)]
      rows.append(r)
    }
    var o = "Plan: \(Fmt.int(total.jobs)) jobs, cost \(Fmt.usd(total.lowUSD)) – \(Fmt.usd(total.highUSD))"
    if let e = total.expectedUSD { o += " (expected \(Fmt.usd(e)))" }
    if let d = durationSeconds { o += ", about \(Self.duration(d)) (bound by \(durationBoundBy ?? "?"))" }
    o += "\n" + TextReportRenderer.table(rows)
    if total.unpricedJobs > 0 { o += "unpriced: \(total.unpricedJobs) jobs (no price for their model; not in the totals)\n" }
    if total.localFiles > 0 {
      o += "local files: \(Fmt.int(total.localFiles)) sent inline, \(Self.bytes(total.localFileBytes)) in all (before base64)\n"
    } else {
      o += "local files: none\n"
    }
    if !total.tiers.isEmpty {
      let column = hasExpected ? "expected" : "high"
      var tierRows = [["model"] + total.tiers.map { "\($0.tier) (\(column))" }]
      for l in lines + [total] {
        tierRows.append(
          [l.model]
            + l.tiers.map { t in
              let v = hasExpected ? (t.expectedUSD ?? t.highUSD) : t.highUSD
              return Fmt.usd(v) + (t.unpricedJobs > 0 ? " (+\(t.unpricedJobs) unpriced)" : "")
            })
      }
      o += "By tier:\n" + TextReportRenderer.table(tierRows)
    }
    o += "Assumptions:\n" + assumptions.map { "  - " + $0 + "\n" }.joined()
    return o
  }

  static func bytes(_ n: Int) -> String {
    if n < 1024 { return "\(n) bytes" }
    if n < 1 << 20 { return String(format: "%.1f KiB", Double(n) / 1024) }
    if n < 1 << 30 { return String(format: "%.1f MiB", Double(n) / 1_048_576) }
    return String(format: "%.2f GiB", Double(n) / 1_073_741_824)
  }

  static func duration(_ s: Double) -> String {
    if s < 60 { return String(format: "%.0f s", s.rounded(.up)) }
    if s < 3600 { return String(format: "%.1f min", s / 60) }
    return String(format: "%.1f h", s / 3600)
  }
}
