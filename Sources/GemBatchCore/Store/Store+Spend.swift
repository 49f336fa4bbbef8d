import Foundation
import GRDB

extension Store {
  /// What this store has paid for the jobs of `files` (every job when nil) over all runs: the
  /// sum of every attempt's cost (`attempts.cost_usd`, written with its outcome), so answers
  /// replaced since (a changed request, `--retry-failed`, another endpoint) still count.
  /// The budget caps what was paid, not what the kept results cost. Attempts lost in a crash
  /// have no known cost and are not counted (`status` lists them). Attempts written before
  /// `v3-struct-obtained` had no cost of their own: for them the results still in the store are
  /// counted (older than `v3-trust` and without a cost: a range of `results_attempt`).
  ///
  /// Cost: the `attempts_paid` index (job id and cost of paid attempts only), joined to `jobs`
  /// unless the files hold every job of the store (then the index alone is summed).
  public func spentUSD(files: [String]? = nil) throws -> Double {
    try read { db in
      let since =
        try Int64.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM store_info WHERE key = 'attempt_cost_since'") ?? 1
      var whole = files == nil
      var args = StatementArguments()
      var inFiles = ""
      if let files {
        let marks = Array(repeating: "?", count: files.count).joined(separator: ",")
        inFiles = files.isEmpty ? "0" : "j.source_file IN (\(marks))"
        args = StatementArguments(files)
        let counted =
          try Int.fetchOne(
            db, sql: "SELECT SUM(job_count) FROM source_files WHERE path IN (\(files.isEmpty ? "NULL" : marks))",
            arguments: args) ?? -1
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs") ?? 0
        whole = !files.isEmpty && counted == total && Set(files).count == files.count
      }
      let paid: Double
      let legacy: Double
      if whole {
        paid = try Double.fetchOne(db, sql: "SELECT TOTAL(cost_usd) FROM attempts WHERE cost_usd IS NOT NULL") ?? 0
        legacy =
          try Double.fetchOne(
            db,
            sql: """
              SELECT TOTAL(r.cost_usd) FROM results r JOIN attempts a ON a.id = r.attempt_id
              WHERE r.attempt_id < ? AND a.cost_usd IS NULL
              """, arguments: [since]) ?? 0
      } else {
        paid =
          try Double.fetchOne(
            db,
            sql: """
              SELECT TOTAL(a.cost_usd) FROM attempts a JOIN jobs j ON j.id = a.job_id
              WHERE a.cost_usd IS NOT NULL AND \(inFiles)
              """, arguments: args) ?? 0
        legacy =
          try Double.fetchOne(
            db,
            sql: """
              SELECT TOTAL(r.cost_usd) FROM results r JOIN jobs j ON j.id = r.job_id JOIN attempts a ON a.id = r.attempt_id
              WHERE r.attempt_id < ? AND a.cost_usd IS NULL AND \(inFiles)
              """,
            arguments: [since] + args) ?? 0
      }
      return paid + legacy
    }
  }

  /// Remembers that a per-day quota stopped the run: `model`'s quota `quotaId` resets at
  /// `resetsAt` (unix seconds). A later stop of the same quota replaces it.
  public func recordQuotaStop(model: String, quotaId: String?, resetsAt: Double) throws {
    let t = now()
    try write { db in
      try db.execute(
        sql: "INSERT OR REPLACE INTO quota_stops (model, quota_id, resets_at, recorded_at) VALUES (?, ?, ?, ?)",
        arguments: [model, quotaId ?? "", resetsAt, t])
    }
  }

  /// Per-day quota stops that have not reset by `now`, soonest reset first: before them a
  /// resume sends one probe per model rather than a full window of requests. Stops that have
  /// reset are forgotten.
  public func quotaStops(now t: Double? = nil) throws -> [QuotaStop] {
    let t = t ?? now()
    if isReadOnly {
      return try read { db in try Self.quotaStops(db, now: t) }
    }
    return try write { db in
      try db.execute(sql: "DELETE FROM quota_stops WHERE resets_at <= ?", arguments: [t])
      return try Self.quotaStops(db, now: t)
    }
  }

  /// Forgets the stops of those of `models` that got an answer in run `runId` (a probe that
  /// succeeded: the quota has room again). The run's results are found through `results_run`.
  public func clearQuotaStops(answeredIn runId: Int64, models: Set<String>) throws {
    guard !models.isEmpty else { return }
    try write { db in
      for model in models {
        try db.execute(
          sql: """
            DELETE FROM quota_stops WHERE model = ?1 AND EXISTS (
              SELECT 1 FROM results r JOIN jobs j ON j.id = r.job_id WHERE r.run_id = ?2 AND j.model = ?1)
            """, arguments: [model, runId])
      }
    }
  }

  /// Forgets the stops of `model` (a probe got an answer: the quota has room again).
  public func clearQuotaStops(model: String) throws {
    try write { db in try db.execute(sql: "DELETE FROM quota_stops WHERE model = ?", arguments: [model]) }
  }

  static func quotaStops(_ db: Database, now t: Double) throws -> [QuotaStop] {
    guard try db.tableExists("quota_stops") else { return [] }
    return try Row.fetchAll(
      db,
      sql: "SELECT model, quota_id, resets_at, recorded_at FROM quota_stops WHERE resets_at > ? ORDER BY resets_at, model",
      arguments: [t]
    ).map { QuotaStop(model: $0[0], quotaId: $0[1], resetsAt: $0[2], recordedAt: $0[3]) }
  }
}
