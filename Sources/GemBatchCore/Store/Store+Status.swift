import Foundation
import GRDB

extension Store {
  /// A consistent snapshot for `gembatch status` (works on a read-only store while a run writes).
  /// Attempts are counted per run in one pass over `attempts` (there is no index on `run_id`, and
  /// one subquery per run scanned the table once per run).
  public func statusReport(maxRuns: Int = 20, maxFailureReasons: Int = 20) throws -> StatusReport {
    let path = self.path
    let t = now()
    return try read { db in
      let counts = try Self.counts(db)
      var perModel: [String: StateCounts] = [:]
      for row in try Row.fetchAll(db, sql: "SELECT model, state, COUNT(*) FROM jobs GROUP BY model, state") {
        if let s = JobState(rawValue: row[1]) { perModel[row[0], default: StateCounts()][s] = row[2] }
      }
      let models = perModel.keys.sorted().map { StatusReport.ModelCounts(model: $0, counts: perModel[$0]!) }
      let failures = try Row.fetchAll(
        db,
        sql: """
          SELECT failure_class, failure_reason, COUNT(*) AS n FROM jobs WHERE state = 'failed'
          GROUP BY failure_class, failure_reason ORDER BY n DESC, failure_class LIMIT ?
          """, arguments: [maxFailureReasons]
      ).map { StatusReport.FailureReason(failureClass: $0[0], reason: $0[1], count: $0[2]) }
      let v3 = try db.tableExists("store_claims")
      let runs = try Row.fetchAll(
        db,
        sql: """
          SELECT r.id, r.status, r.stop_reason, r.started_at, r.ended_at, r.endpoint, r.gembatch_version,
                 COALESCE(a.n, 0), \(v3 ? "r.endpoint_kind, r.pid, r.host" : "NULL, NULL, NULL")
          FROM (SELECT * FROM runs ORDER BY id DESC LIMIT ?) r
          LEFT JOIN (SELECT run_id, COUNT(*) AS n FROM attempts GROUP BY run_id) a ON a.run_id = r.id
          ORDER BY r.id DESC
          """, arguments: [maxRuns]
      ).map {
        StatusReport.RunInfo(
          id: $0[0], status: $0[1], stopReason: $0[2], startedAt: $0[3], endedAt: $0[4], endpoint: $0[5],
          endpointKind: ($0[8] as String?) ?? EndpointIdentity.kind(forURL: $0[5]).rawValue,
          version: $0[6], attempts: $0[7], pid: $0[9], host: $0[10])
      }
      let lost = try Row.fetchAll(
        db, sql: "SELECT id, job_id, run_id, started_at FROM attempts WHERE outcome = 'lost' ORDER BY id"
      ).map { LostAttempt(attemptId: $0[0], jobId: $0[1], runId: $0[2], startedAt: $0[3]) }
      let open = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM attempts WHERE ended_at IS NULL") ?? 0
      let totals = try Row.fetchOne(
        db, sql: "SELECT COALESCE(SUM(cost_usd), 0), COALESCE(SUM(total_tokens), 0) FROM results")
      let writer: StatusReport.Writer? =
        v3
        ? try Row.fetchOne(
          db, sql: "SELECT run_id, pid, host, started_at, heartbeat_at FROM store_claims WHERE id = 1"
        ).map { row in
          let holder = StoreClaim.Holder(pid: row[1], host: row[2], startedAt: row[3], heartbeatAt: row[4], runId: row[0])
          let age = max(0, t - (row[4] as Double))
          return StatusReport.Writer(
            runId: row[0], pid: row[1], host: row[2], startedAt: row[3], heartbeatAt: row[4], heartbeatAgeSeconds: age,
            live: holder.isAliveHere ?? (age < StoreClaim.staleAfter))
        } : nil
      let kind = v3 ? "ru.endpoint_kind" : "NULL"
      let endpoints = try Row.fetchAll(
        db,
        sql: """
          SELECT \(kind), ru.endpoint, COUNT(*) AS n FROM results r JOIN runs ru ON ru.id = r.run_id
          GROUP BY 1, 2 ORDER BY n DESC, 2
          """
      ).map { row -> StatusReport.EndpointResults in
        let url: String = row[1]
        return StatusReport.EndpointResults(
          kind: (row[0] as String?) ?? EndpointIdentity.kind(forURL: url).rawValue, url: url, results: row[2])
      }
      return StatusReport(
        path: path, counts: counts, models: models, failures: failures, runs: runs, lostAttempts: lost,
        openAttempts: open, totalCostUSD: totals?[0] ?? 0, totalTokens: totals?[1] ?? 0, writer: writer,
        endpoints: endpoints)
    }
  }
}
