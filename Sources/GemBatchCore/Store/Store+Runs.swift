import Foundation
import GRDB
import GeminiAPI

extension Store {
  /// Records a new run as `running`; returns its id. The run keeps its endpoint (kind and base
  /// URL without credentials: `r.endpointKind`, else the claim's, else read off the URL) and,
  /// on a claimed store, the claim's pid and host; the claim notes the run.
  public func beginRun(_ r: RunStart) throws -> Int64 {
    let started = r.startedAt ?? now()
    let files = JSONValue.array(r.files.map { .string($0) }).serialized()
    let url = EndpointIdentity.sanitized(r.endpoint)
    let claimed = claim?.endpoint
    let kind = r.endpointKind ?? claimed.map(\.kind) ?? EndpointIdentity.kind(forURL: url)
    let claim = claim
    return try write { db in
      try db.execute(
        sql: """
          INSERT INTO runs (started_at, status, endpoint, files, options_json, gembatch_version, endpoint_kind, pid, host)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [
          started, RunStatus.running.rawValue, url, files, r.optionsJSON, r.version, kind.rawValue, claim?.holder.pid,
          claim?.holder.host,
        ])
      let id = db.lastInsertedRowID
      try claim?.noteRun(id, db)
      return id
    }
  }

  /// The endpoint run `id` recorded (nil for an unknown run).
  public func endpoint(ofRun id: Int64) throws -> EndpointIdentity? {
    try read { db in try Self.endpoint(ofRun: id, db) }
  }

  static func endpoint(ofRun id: Int64, _ db: Database) throws -> EndpointIdentity? {
    try Row.fetchOne(db, sql: "SELECT endpoint_kind, endpoint FROM runs WHERE id = ?", arguments: [id]).map { row in
      let url: String = row[1]
      let kind = (row[0] as String?).flatMap(EndpointIdentity.Kind.init(rawValue:)) ?? EndpointIdentity.kind(forURL: url)
      return EndpointIdentity(kind: kind, baseURL: url)
    }
  }

  /// Closes a run with its final status and, for stops, why (which quota, when it resets, …).
  public func endRun(id: Int64, status: RunStatus, stopReason: String?) throws {
    let t = now()
    try write { db in
      try db.execute(
        sql: "UPDATE runs SET status = ?, stop_reason = ?, ended_at = ? WHERE id = ?",
        arguments: [status.rawValue, stopReason, t, id])
      if db.changesCount != 1 { throw StoreError(.unknownRow, "no run \(id)") }
    }
  }

  /// Marks attempts left open by a dead process as `lost` (ended now), puts their `in_flight`
  /// jobs back to `pending`, and marks their runs `crashed` if they still say `running`.
  /// Returns the attempts marked now. Call before a new run sends anything.
  ///
  /// A lost attempt counts toward `maxAttempts` (as River and Sidekiq count a crashed attempt):
  /// with it given, a job left `pending` or `waiting` that has used `maxAttempts` attempts ends
  /// `failed` / `attempts_exhausted` instead of being sent again, so a crash loop cannot pay
  /// for a job forever.
  public func recoverLostAttempts(maxAttempts: Int? = nil) throws -> [LostAttempt] {
    let t = now()
    return try write { db in
      // A live batch's attempts are open by design (their requests are with Google): not lost.
      let held = try db.tableExists("batch_jobs") ? " AND id NOT IN (\(Self.liveBatchAttemptsSQL))" : ""
      let rows = try Row.fetchAll(
        db, sql: "SELECT id, job_id, run_id, started_at FROM attempts WHERE ended_at IS NULL\(held) ORDER BY id")
      let lost = rows.map { LostAttempt(attemptId: $0[0], jobId: $0[1], runId: $0[2], startedAt: $0[3]) }
      if !lost.isEmpty {
        try db.execute(
          sql: "UPDATE attempts SET outcome = 'lost', ended_at = ? WHERE ended_at IS NULL\(held)", arguments: [t])
        try db.execute(
          sql: """
            UPDATE jobs SET state = 'pending', updated_at = ?
            WHERE state = 'in_flight' AND id IN (SELECT job_id FROM attempts WHERE outcome = 'lost' AND ended_at = ?)
            """,
          arguments: [t, t])
      }
      if let maxAttempts {
        // Driven from the few lost attempts (a partial index), not from every pending job.
        try db.execute(
          sql: """
            UPDATE jobs SET state = 'failed', failure_class = 'attempts_exhausted', not_before = NULL,
              failure_reason = attempt_count || ' attempt(s) used, the last lost in flight (sent, outcome unknown, possibly billed)',
              updated_at = ?
            WHERE id IN (SELECT job_id FROM attempts WHERE outcome = 'lost')
              AND state IN ('pending', 'waiting') AND attempt_count >= ?
            """, arguments: [t, max(1, maxAttempts)])
      }
      guard !lost.isEmpty else { return [] }
      for runId in Set(lost.map(\.runId)) {
        try db.execute(
          sql: """
            UPDATE runs SET status = 'crashed', ended_at = COALESCE(ended_at, ?),
              stop_reason = COALESCE(stop_reason, 'process ended with requests in flight')
            WHERE id = ? AND status = 'running'
            """,
          arguments: [t, runId])
      }
      return lost
    }
  }

  /// Runs other than `except` that still say `running` belong to a dead process: mark them `crashed`.
  /// Returns how many. (A store has one writer at a time; call before `beginRun` or pass the new id.)
  @discardableResult
  public func markCrashedRuns(except: Int64? = nil) throws -> Int {
    let t = now()
    return try write { db in
      try db.execute(
        sql: """
          UPDATE runs SET status = 'crashed', ended_at = COALESCE(ended_at, ?),
            stop_reason = COALESCE(stop_reason, 'process ended without closing the run')
          WHERE status = 'running' AND id IS NOT ?
          """,
        arguments: [t, except])
      return db.changesCount
    }
  }

  /// Every attempt ever marked lost, oldest first (for `status`).
  public func lostAttempts() throws -> [LostAttempt] {
    try read { db in
      try Row.fetchAll(
        db, sql: "SELECT id, job_id, run_id, started_at FROM attempts WHERE outcome = 'lost' ORDER BY id"
      ).map { LostAttempt(attemptId: $0[0], jobId: $0[1], runId: $0[2], startedAt: $0[3]) }
    }
  }

  /// The source-file record for `path`, if any, with the files its jobs referred to.
  public func sourceFile(path: String) throws -> SourceFileRecord? {
    try read { db in
      guard
        var record = try Row.fetchOne(
          db,
          sql: """
            SELECT path, size, mtime, fingerprint, defaults_hash, job_count, last_run_id, stamp
            FROM source_files WHERE path = ?
            """, arguments: [path]
        ).map({
          SourceFileRecord(
            path: $0[0], size: $0[1], mtime: $0[2], fingerprint: $0[3], defaultsHash: $0[4], jobCount: $0[5],
            lastRunId: $0[6], stamp: $0[7])
        })
      else { return nil }
      record.references = try Row.fetchAll(
        db, sql: "SELECT ref_path, size, sha256, stamp FROM source_file_refs WHERE path = ? ORDER BY ref_path",
        arguments: [path]
      ).map { FileDigest(path: $0[0], size: $0[1], sha256: $0[2], stamp: $0[3]) }
      return record
    }
  }

  /// Notes the stat of an unchanged file that was hashed again and matched (`FileDigest.stamp`).
  public func updateSourceStamp(path: String, stamp: String, mtime: Double) throws {
    try write { db in
      try db.execute(sql: "UPDATE source_files SET stamp = ?, mtime = ? WHERE path = ?", arguments: [stamp, mtime, path])
    }
  }

  /// Inserts or replaces the record for `r.path`, after a full read of the file by run
  /// `r.lastRunId` (its *read run*, the start of the generation `adoptJobs` takes jobs from), and
  /// notes in `run_files` that this run took its jobs from that read.
  public func recordSourceFile(_ r: SourceFileRecord) throws {
    let t = now()
    try write { db in
      try db.execute(
        sql: """
          INSERT OR REPLACE INTO source_files
            (path, size, mtime, fingerprint, defaults_hash, job_count, last_run_id, updated_at, stamp)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [r.path, r.size, r.mtime, r.fingerprint, r.defaultsHash, r.jobCount, r.lastRunId, t, r.stamp])
      try db.execute(sql: "DELETE FROM source_file_refs WHERE path = ?", arguments: [r.path])
      for ref in r.references {
        try db.execute(
          sql: "INSERT OR REPLACE INTO source_file_refs (path, ref_path, size, sha256, stamp) VALUES (?, ?, ?, ?, ?)",
          arguments: [r.path, ref.path, ref.size, ref.sha256, ref.stamp])
      }
      if let run = r.lastRunId {
        try db.execute(
          sql: "INSERT OR REPLACE INTO run_files (run_id, path, read_run_id) VALUES (?, ?, ?)",
          arguments: [run, r.path, run])
      }
    }
  }
}
