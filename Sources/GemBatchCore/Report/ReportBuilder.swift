import Foundation
import GRDB
import GeminiCatalog

/// Builds a `ReportData` from a store with aggregate SQL: memory stays flat with the number of jobs.
///
/// Percentiles are exact nearest-rank values from one window-function pass per column
/// (`ROW_NUMBER() OVER (PARTITION BY model ORDER BY latency_ms)`, keeping three ranks), so no
/// latency is loaded into memory. The latency histogram has 24
/// linear bins between the minimum and the maximum.
public struct ReportBuilder: Sendable {
  /// Only jobs, attempts and results of this run (the job's last run, `Store.lastRunSQL` /
  /// attempts.run_id / results.run_id).
  public var runID: Int?
  /// Used for the grounding line item (which part of the cost is search charges).
  public var catalog: ModelCatalog?
  /// The day grounding prices are read on; nil: today.
  public var date: CalendarDay?
  public var topN: Int = 10
  public var histogramBins: Int = 24

  public init(runID: Int? = nil, catalog: ModelCatalog? = nil, date: CalendarDay? = nil) {
    self.runID = runID
    self.catalog = catalog
    self.date = date
  }

  public func build(_ db: Database, databaseName: String, now: Double = Date().timeIntervalSince1970) throws -> ReportData {
    if let runID {
      guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM runs WHERE id = ?)", arguments: [runID]) == true else {
        throw ReportError(code: .unknownRun, detail: "run \(runID) is not in \(databaseName)")
      }
    }
    let run = runID.map { $0.databaseValue } ?? .null
    let lastRun = try Store.lastRunSQL(db, job: "jobs")
    var models: [String: ModelReport] = [:]
    func with(_ m: String, _ f: (inout ModelReport) -> Void) {
      var r = models[m] ?? ModelReport(model: m)
      f(&r)
      models[m] = r
    }

    for row in try Row.fetchAll(
      db, sql: "SELECT model, state, COUNT(*) AS n FROM jobs WHERE (?1 IS NULL OR \(lastRun) = ?1) GROUP BY model, state",
      arguments: [run])
    {
      let n: Int = row["n"]
      with(row["model"]) {
        $0.jobs += n
        $0.states[row["state"], default: 0] += n
      }
    }

    let resultsSQL = """
      SELECT j.model AS model,
        COALESCE(SUM(r.prompt_tokens), 0) AS prompt, COALESCE(SUM(r.cached_tokens), 0) AS cached,
        COALESCE(SUM(r.candidates_tokens), 0) AS cand, COALESCE(SUM(r.thoughts_tokens), 0) AS thoughts,
        COALESCE(SUM(r.tool_use_prompt_tokens), 0) AS tool,
        COALESCE(SUM(r.cost_usd), 0) AS cost, SUM(r.cost_usd IS NOT NULL) AS priced, SUM(r.cost_usd IS NULL) AS unpriced,
        SUM(CASE WHEN r.cost_usd IS NOT NULL AND json_valid(r.web_search_queries) AND json_array_length(r.web_search_queries) > 0 THEN 1 ELSE 0 END) AS grounded,
        SUM(CASE WHEN r.cost_usd IS NOT NULL AND json_valid(r.web_search_queries) THEN json_array_length(r.web_search_queries) ELSE 0 END) AS queries
      FROM results r JOIN jobs j ON j.id = r.job_id
      WHERE (?1 IS NULL OR r.run_id = ?1)
      GROUP BY j.model
      """
    for row in try Row.fetchAll(db, sql: resultsSQL, arguments: [run]) {
      let model: String = row["model"]
      with(model) {
        $0.tokens = TokenTotals(
          prompt: row["prompt"], cached: row["cached"], candidates: row["cand"], thoughts: row["thoughts"], toolUse: row["tool"])
        $0.costUSD = row["cost"]
        $0.pricedJobs = row["priced"]
        $0.unpricedJobs = row["unpriced"]
        $0.groundedPrompts = row["grounded"]
        $0.searchQueries = row["queries"]
        if let catalog, case .success(let t) = catalog.priceTarget(model: model, date: date ?? .today), let g = t.row.search {
          let units = g.per == .prompt ? $0.groundedPrompts : $0.searchQueries
          $0.groundingUSD = Double(units) * NSDecimalNumber(decimal: g.usdPer1000).doubleValue / 1000
        }
      }
    }

    // What was paid for answers a repair replaced (a re-ask, a larger maxOutputTokens): those
    // attempts have a cost of their own and no result row. The report's cost is what was paid.
    var supersededCost: [String: Double] = [:]
    if try db.columns(in: "attempts").contains(where: { $0.name == "cost_usd" }) {
      for row in try Row.fetchAll(
        db,
        sql: """
          SELECT j.model AS model, COALESCE(SUM(a.cost_usd), 0) AS cost FROM attempts a JOIN jobs j ON j.id = a.job_id
          WHERE a.cost_usd IS NOT NULL AND (?1 IS NULL OR a.run_id = ?1)
            AND NOT EXISTS (SELECT 1 FROM results r WHERE r.attempt_id = a.id)
          GROUP BY j.model
          """, arguments: [run])
      {
        let model: String = row["model"]
        let cost: Double = row["cost"]
        supersededCost[model] = cost
        with(model) { $0.costUSD += cost }
      }
    }

    let attemptsSQL = """
      SELECT j.model AS model, COUNT(*) AS n, SUM(a.attempt_no > 1) AS retries, SUM(a.http_status = 429) AS r429,
        SUM(a.outcome = 'lost') AS lost
      FROM attempts a JOIN jobs j ON j.id = a.job_id
      WHERE (?1 IS NULL OR a.run_id = ?1)
      GROUP BY j.model
      """
    for row in try Row.fetchAll(db, sql: attemptsSQL, arguments: [run]) {
      with(row["model"]) {
        $0.attempts = row["n"]
        $0.retries = row["retries"] ?? 0
        $0.http429 = row["r429"] ?? 0
        $0.lostAttempts = row["lost"] ?? 0
      }
    }

    let latency = try percentiles(db, column: "latency_ms", byModel: true, run: run)
    let ttfb = try percentiles(db, column: "ttfb_ms", byModel: true, run: run)
    for key in models.keys {
      models[key]!.latencyMs = latency[key]
      models[key]!.ttfbMs = ttfb[key]
    }

    var total = ModelReport(model: "all")
    for m in models.values {
      total.jobs += m.jobs
      for (s, n) in m.states { total.states[s, default: 0] += n }
      total.tokens = total.tokens + m.tokens
      total.costUSD += m.costUSD
      total.groundingUSD += m.groundingUSD
      total.groundedPrompts += m.groundedPrompts
      total.searchQueries += m.searchQueries
      total.unpricedJobs += m.unpricedJobs
      total.pricedJobs += m.pricedJobs
      total.attempts += m.attempts
      total.retries += m.retries
      total.http429 += m.http429
      total.lostAttempts += m.lostAttempts
    }
    total.latencyMs = try percentiles(db, column: "latency_ms", byModel: false, run: run)["all"]
    total.ttfbMs = try percentiles(db, column: "ttfb_ms", byModel: false, run: run)["all"]

    let reasons = try Row.fetchAll(
      db,
      sql: """
        SELECT COALESCE(failure_class, '') AS c, COALESCE(failure_reason, '(no reason recorded)') AS r, COUNT(*) AS n
        FROM jobs WHERE state = 'failed' AND (?1 IS NULL OR \(lastRun) = ?1)
        GROUP BY 1, 2 ORDER BY n DESC, c, r LIMIT 25
        """, arguments: [run]
    ).map { ReasonCount(failureClass: $0["c"], reason: $0["r"], count: $0["n"]) }

    let top = try Row.fetchAll(
      db,
      sql: """
        SELECT r.job_id AS id, j.model AS model, r.cost_usd AS cost, COALESCE(r.prompt_tokens, 0) AS p,
          COALESCE(r.candidates_tokens, 0) + COALESCE(r.thoughts_tokens, 0) AS o
        FROM results r JOIN jobs j ON j.id = r.job_id
        WHERE r.cost_usd IS NOT NULL AND (?1 IS NULL OR r.run_id = ?1)
        ORDER BY r.cost_usd DESC, j.seq LIMIT ?2
        """, arguments: [run, topN]
    ).map { JobCost(id: $0["id"], model: $0["model"], costUSD: $0["cost"], promptTokens: $0["p"], outputTokens: $0["o"]) }

    let versions = try String.fetchAll(
      db,
      sql: "SELECT DISTINCT price_version FROM results WHERE price_version IS NOT NULL AND (?1 IS NULL OR run_id = ?1) ORDER BY 1",
      arguments: [run])

    var obtained: [String: Int] = [:]
    for row in try Row.fetchAll(
      db,
      sql: """
        SELECT \(try Store.obtainedSQL(db)) AS o, COUNT(*) AS n FROM results r JOIN jobs j ON j.id = r.job_id
        WHERE (?1 IS NULL OR r.run_id = ?1) GROUP BY 1
        """, arguments: [run])
    {
      if let o: String = row["o"] { obtained[o] = row["n"] }
    }
    var repairAttempts: Int?
    var repairCost: Double?
    if try db.columns(in: "attempts").contains(where: { $0.name == "purpose" }) {
      let row = try Row.fetchOne(
        db,
        sql: """
          SELECT COUNT(*) AS n, COALESCE(SUM(cost_usd), 0) AS cost FROM attempts
          WHERE purpose IN ('reask', 'grow') AND (?1 IS NULL OR run_id = ?1)
          """, arguments: [run])
      repairAttempts = row?["n"]
      repairCost = supersededCost.values.reduce(0, +)
    }

    let columns = try ResultColumns(db)
    let served = try Row.fetchAll(
      db,
      sql: """
        SELECT j.model AS requested, \(columns.has("served_model") ? "r.served_model" : "NULL") AS served,
          \(columns.has("service_tier") ? "r.service_tier" : "NULL") AS tier, COUNT(*) AS n,
          COALESCE(SUM(r.cost_usd), 0) AS cost
        FROM results r JOIN jobs j ON j.id = r.job_id
        WHERE (?1 IS NULL OR r.run_id = ?1)
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        """, arguments: [run]
    ).map { ServedModel(requested: $0["requested"], served: $0["served"], tier: $0["tier"], results: $0["n"], costUSD: $0["cost"]) }
    var data = ReportData(
      generatedAt: now, database: databaseName, runID: runID, priceVersions: versions, total: total,
      models: models.values.sorted { $0.costUSD != $1.costUSD ? $0.costUSD > $1.costUSD : $0.model < $1.model },
      failureReasons: reasons, topJobs: top, latencyHistogram: try histogram(db, run: run),
      timeline: try timeline(db, run: run), obtained: obtained, repairAttempts: repairAttempts, repairCostUSD: repairCost)
    let asAsked = served.allSatisfy { s in
      (s.served == nil || ModelCatalog.normalize(s.served!) == ModelCatalog.normalize(s.requested)) && (s.tier ?? "standard") == "standard"
    }
    data.served = asAsked ? nil : served
    data.endpoints = try Self.endpoints(db, run: run)
    return data
  }

  /// Nearest-rank p50/p90/p99 of `column` per model (or over all results, key "all"), in one
  /// sorted pass: `ROW_NUMBER()` over each partition keeps only the three ranks ⌈p·n/100⌉.
  func percentiles(_ db: Database, column: String, byModel: Bool, run: DatabaseValue) throws -> [String: Percentiles] {
    let key = byModel ? "j.model" : "'all'"
    let sql = """
      SELECT k, v, rn, n FROM (
        SELECT \(key) AS k, r.\(column) AS v,
          ROW_NUMBER() OVER (PARTITION BY \(key) ORDER BY r.\(column)) AS rn,
          COUNT(*) OVER (PARTITION BY \(key)) AS n
        FROM results r JOIN jobs j ON j.id = r.job_id
        WHERE r.\(column) IS NOT NULL AND (?1 IS NULL OR r.run_id = ?1))
      WHERE rn IN ((50 * n + 99) / 100, (90 * n + 99) / 100, (99 * n + 99) / 100)
      """
    var ranks: [String: (n: Int, values: [Int: Double])] = [:]
    for row in try Row.fetchAll(db, sql: sql, arguments: [run]) {
      let k: String = row["k"]
      ranks[k, default: (row["n"], [:])].values[row["rn"]] = row["v"]
    }
    var out: [String: Percentiles] = [:]
    for (k, r) in ranks {
      func at(_ p: Double) -> Double { r.values[Percentiles.rankIndex(p, count: r.n) + 1] ?? 0 }
      out[k] = Percentiles(count: r.n, p50: at(50), p90: at(90), p99: at(99))
    }
    return out
  }

  func histogram(_ db: Database, run: DatabaseValue) throws -> [HistogramBin] {
    guard let row = try Row.fetchOne(
      db, sql: "SELECT MIN(latency_ms) AS lo, MAX(latency_ms) AS hi FROM results WHERE latency_ms IS NOT NULL AND (?1 IS NULL OR run_id = ?1)",
      arguments: [run]), let lo: Double = row["lo"], let hi: Double = row["hi"]
    else { return [] }
    let bins = max(1, histogramBins)
    let width = max((hi - lo) / Double(bins), 1)
    var counts = [Int](repeating: 0, count: bins)
    for r in try Row.fetchAll(
      db,
      sql: """
        SELECT MIN(CAST((latency_ms - ?2) / ?3 AS INTEGER), ?4) AS b, COUNT(*) AS n FROM results
        WHERE latency_ms IS NOT NULL AND (?1 IS NULL OR run_id = ?1) GROUP BY b
        """, arguments: [run, lo, width, bins - 1])
    {
      let b: Int = r["b"]
      counts[max(0, min(bins - 1, b))] += r["n"] as Int
    }
    return counts.enumerated().map { HistogramBin(lowerMs: lo + Double($0.offset) * width, upperMs: lo + Double($0.offset + 1) * width, count: $0.element) }
  }

  /// Per-minute buckets (wider when the run spans more than 180 minutes, so at most 180 bars).
  func timeline(_ db: Database, run: DatabaseValue) throws -> [TimelineBucket] {
    guard let row = try Row.fetchOne(
      db, sql: "SELECT MIN(ended_at) AS lo, MAX(ended_at) AS hi FROM attempts WHERE ended_at IS NOT NULL AND (?1 IS NULL OR run_id = ?1)",
      arguments: [run]), let lo: Double = row["lo"], let hi: Double = row["hi"]
    else { return [] }
    let minutes = Int((hi / 60).rounded(.down) - (lo / 60).rounded(.down)) + 1
    let bucket = 60.0 * Double(max(1, (minutes + 179) / 180))
    let start = (lo / bucket).rounded(.down) * bucket
    let count = Int(((hi - start) / bucket).rounded(.down)) + 1
    var out = (0..<count).map { TimelineBucket(minute: start + Double($0) * bucket) }
    for r in try Row.fetchAll(
      db,
      sql: """
        SELECT CAST((ended_at - ?2) / ?3 AS INTEGER) AS b, COALESCE(outcome, '') AS o, COUNT(*) AS n FROM attempts
        WHERE ended_at IS NOT NULL AND (?1 IS NULL OR run_id = ?1) GROUP BY b, o
        """, arguments: [run, start, bucket])
    {
      let b = max(0, min(count - 1, r["b"] as Int))
      let n: Int = r["n"]
      switch r["o"] as String {
      case "succeeded": out[b].succeeded += n
      case "retry": out[b].retry += n
      case "failed": out[b].failed += n
      case "lost": out[b].lost += n
      default: break
      }
    }
    return out
  }
}

/// A report, export or diff that cannot be produced: names the file or run and the problem.
extension ReportBuilder {
  /// Results per endpoint (kind and base URL of their run), for the results of `run` (or all).
  static func endpoints(_ db: Database, run: DatabaseValue) throws -> [StatusReport.EndpointResults] {
    let kind = try db.columns(in: "runs").contains { $0.name == "endpoint_kind" } ? "ru.endpoint_kind" : "NULL"
    return try Row.fetchAll(
      db,
      sql: """
        SELECT \(kind), ru.endpoint, COUNT(*) AS n FROM results r JOIN runs ru ON ru.id = r.run_id
        WHERE (?1 IS NULL OR r.run_id = ?1) GROUP BY 1, 2 ORDER BY n DESC, 2
        """, arguments: [run]
    ).map { row in
      let url: String = row[1]
      return StatusReport.EndpointResults(
        kind: (row[0] as String?) ?? EndpointIdentity.kind(forURL: url).rawValue, url: url, results: row[2])
    }
  }
}

public struct ReportError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Code: String, Sendable, Hashable {
    case cannotOpen = "cannot_open"
    case notAStore = "not_a_store"
    case unknownRun = "unknown_run"
    case badOption = "bad_option"
    case writeFailed = "write_failed"
  }
  public let code: Code
  public let detail: String
  public init(code: Code, detail: String) {
    self.code = code
    self.detail = detail
  }
  public var description: String { detail }
}
