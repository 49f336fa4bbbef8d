import Foundation
import GRDB

extension Store {
  /// Brings the `jobs` table in line with the jobs read from the files, in one transaction:
  ///
  /// - a new id is inserted `pending`, with the next store `seq` (first-seen order);
  /// - the same request hash keeps its state (`succeeded` and `failed` stay; `failed` goes back
  ///   to `pending` with a fresh attempt count only with `retryFailed`; `in_flight`, and `waiting`
  ///   whose time has passed, → `pending`);
  /// - a changed hash re-runs: `pending`, attempt_count 0, its `results` row deleted (attempts kept),
  ///   request, model, metadata and source updated;
  /// - the same hash `succeeded` (or `failed`) with the answer of another endpoint than run
  ///   `runId`'s (`EndpointIdentity.key`: the mock, another URL) runs again: `pending`, attempt
  ///   count 0, the old result kept until a new answer replaces it (`SyncStats.otherEndpoint`);
  /// - an id the store holds from another file is not synced: it is returned in
  ///   `SyncStats.conflicts` (a job id belongs to its file), unless `takeOver` (default: the
  ///   store's `takesOverJobs`) moves it to the new file. The same file under another path
  ///   (relative, absolute, a symlink) is the same file.
  ///
  /// Every synced job gets `last_run_id = runId`. Call it with batches of a few thousand jobs.
  public func syncJobs(_ jobs: [Job], runId: Int64, retryFailed: Bool, takeOver: Bool? = nil) throws -> SyncStats {
    let t = now()
    let takeOver = takeOver ?? takesOverJobs
    return try write { db in
      var stats = SyncStats()
      var nextSeq = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), -1) + 1 FROM jobs") ?? 0
      // Runs at other endpoints than this run's: few, often none (then no job's answer is looked up).
      let otherRuns = try Set(Self.otherEndpointRuns(db, runId: runId))
      var sameFile: [String: Bool] = [:]
      let select = try db.cachedStatement(
        sql: otherRuns.isEmpty
          ? "SELECT request_hash, state, source_file, last_run_id, source_line, NULL, not_before FROM jobs WHERE id = ?"
          : """
          SELECT j.request_hash, j.state, j.source_file, j.last_run_id, j.source_line,
            CASE j.state
              WHEN 'succeeded' THEN (SELECT r.run_id FROM results r WHERE r.job_id = j.id)
              WHEN 'failed' THEN (SELECT a.run_id FROM attempts a WHERE a.job_id = j.id ORDER BY a.id DESC LIMIT 1)
            END,
            j.not_before
          FROM jobs j WHERE j.id = ?
          """)
      // A job now read from another file leaves its old file: that file's `job_count` (its jobs as
      // of its last full read, which `adoptJobs` relies on) loses it, if it was counted there.
      let leaveFile = try db.cachedStatement(
        sql: """
          UPDATE source_files SET job_count = job_count - 1
          WHERE path = ?1 AND COALESCE(last_run_id, 0) <= ?2 AND job_count > 0
          """)
      let insert = try db.cachedStatement(
        sql: """
          INSERT INTO jobs (id, seq, source_file, source_line, model, request_hash, request_json, metadata_json,
                            est_input_tokens, json_mode, state, attempt_count, last_run_id, updated_at,
                            facts, output_schema, schema_dialect, uses_search, max_output_tokens)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, 1, ?, ?, ?, ?)
          ON CONFLICT(id) DO NOTHING
          """)
      let keep = try db.cachedStatement(
        sql: """
          UPDATE jobs SET source_file = ?, source_line = ?, metadata_json = ?, est_input_tokens = ?, json_mode = ?,
                          state = ?, last_run_id = ?, updated_at = ?,
                          attempt_count = CASE WHEN ? THEN 0 ELSE attempt_count END,
                          not_before = CASE WHEN ? = 'pending' THEN NULL ELSE not_before END,
                          failure_class = CASE WHEN ? = 'pending' THEN NULL ELSE failure_class END,
                          failure_reason = CASE WHEN ? = 'pending' THEN NULL ELSE failure_reason END,
                          facts = 1, output_schema = ?, schema_dialect = ?, uses_search = ?, max_output_tokens = ?
          WHERE id = ?
          """)
      let change = try db.cachedStatement(
        sql: """
          UPDATE jobs SET source_file = ?, source_line = ?, model = ?, request_hash = ?, request_json = ?,
                          metadata_json = ?, est_input_tokens = ?, json_mode = ?, state = 'pending',
                          attempt_count = 0, not_before = NULL, failure_class = NULL, failure_reason = NULL,
                          last_run_id = ?, updated_at = ?,
                          facts = 1, output_schema = ?, schema_dialect = ?, uses_search = ?, max_output_tokens = ?
          WHERE id = ?
          """)
      let dropResult = try db.cachedStatement(sql: "DELETE FROM results WHERE job_id = ?")

      for job in jobs {
        let metadata = job.metadata.map { $0.serialized() }
        let facts = JobFacts(job)
        // A new id (every job of a fresh store) costs one statement: the insert, which does
        // nothing when the id is known; only then is the known row read. Bound through the C API
        // (`RawStatement`): GRDB's argument array was a fifth of the store thread's time.
        var row = RawStatement(db, insert)
        row.bind(job.id)
        row.bind(nextSeq)
        row.bind(job.sourceFile)
        row.bind(job.sourceLine)
        row.bind(job.model)
        row.bind(job.requestHash)
        row.bind(job.body)
        row.bind(metadata)
        row.bind(job.estimatedInputTokens)
        row.bind(job.isJSONMode)
        row.bind(runId)
        row.bind(t)
        row.bind(facts.outputSchemaJSON)
        row.bind(facts.schemaDialect)
        row.bind(facts.usesSearch)
        row.bind(facts.maxOutputTokens)
        try row.run()
        if db.changesCount == 1 {
          nextSeq += 1
          stats.inserted += 1
          stats.toRun += 1
          continue
        }
        guard let row = try Row.fetchOne(select, arguments: [job.id]) else {
          throw StoreError(.unknownRow, "job \(job.id) was neither inserted nor found")
        }
        let oldHash: String = row[0]
        let oldState = JobState(rawValue: row[1]) ?? .pending
        let oldFile: String = row[2]
        if oldFile != job.sourceFile {
          let same =
            sameFile[oldFile] ?? {
              let v = Self.sameFile(oldFile, job.sourceFile)
              sameFile[oldFile] = v
              return v
            }()
          if !same && !takeOver {
            stats.conflicts.append(
              IdConflict(id: job.id, heldBy: oldFile, heldLine: row[4], file: job.sourceFile, line: job.sourceLine))
            continue
          }
          try leaveFile.execute(arguments: [oldFile, (row[3] as Int64?) ?? 0])
        }
        if oldHash != job.requestHash {
          try change.execute(arguments: [
            job.sourceFile, job.sourceLine, job.model, job.requestHash, job.body, metadata,
            job.estimatedInputTokens, job.isJSONMode, runId, t, facts.outputSchemaJSON, facts.schemaDialect,
            facts.usesSearch, facts.maxOutputTokens, job.id,
          ])
          try dropResult.execute(arguments: [job.id])
          stats.changed += 1
          stats.toRun += 1
          continue
        }
        stats.unchanged += 1
        var state = oldState
        var resetAttempts = false
        let answeredIn: Int64? = row[5]
        let elsewhere = answeredIn.map(otherRuns.contains) ?? false
        switch oldState {
        case .succeeded where elsewhere, .failed where elsewhere:
          state = .pending
          resetAttempts = true
          stats.otherEndpoint += 1
        case .succeeded: stats.alreadySucceeded += 1
        case .failed:
          if retryFailed {
            state = .pending
            resetAttempts = true
          } else {
            stats.failedKept += 1
          }
        case .waiting:
          // Waiting for a time that has not come (a backoff, a server's delay, a parked job): it
          // keeps it; the run holds the job until then, or says it is still parked.
          let notBefore: Double? = row[6]
          state = (notBefore ?? 0) > t ? .waiting : .pending
        case .inFlight:
          // Its request is in a live batch: it comes back with the batch's output.
          state = try Self.isHeldByLiveBatch(db, jobId: job.id) ? .inFlight : .pending
        case .pending: break
        }
        if state == .pending || state == .waiting { stats.toRun += 1 }
        try keep.execute(arguments: [
          job.sourceFile, job.sourceLine, metadata, job.estimatedInputTokens, job.isJSONMode, state.rawValue, runId,
          t, resetAttempts, state.rawValue, state.rawValue, state.rawValue, facts.outputSchemaJSON, facts.schemaDialect,
          facts.usesSearch, facts.maxOutputTokens, job.id,
        ])
      }
      return stats
    }
  }

  /// Pending jobs with `seq > afterSeq`, in `seq` order, at most `limit`. With `runId`, only jobs
  /// of that run (synced, adopted or sent by it and by no later run, see `lastRunSQL`); without,
  /// every pending job in the store. Walks the `jobs_state` index; the run test costs one
  /// `run_files` lookup per pending row.
  public func fetchRunnable(afterSeq: Int, limit: Int, runId: Int64? = nil) throws -> [RunnableJob] {
    try read { db in
      let sql = runId == nil ? Self.runnableSQL : Self.runnableInRunSQL
      let args: StatementArguments = runId.map { [afterSeq, limit, $0] } ?? [afterSeq, limit]
      return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: args).map {
        RunnableJob(
          id: $0[0], seq: $0[1], model: $0[2], body: $0[3], requestHash: $0[4], estInputTokens: $0[5],
          jsonMode: $0[6], attemptCount: $0[7],
          facts: ($0[8] as Int?) == 1
            ? JobFacts(outputSchemaJSON: $0[9], schemaDialect: $0[10], usesSearch: $0[11], maxOutputTokens: $0[12])
            : nil)
      }
    }
  }

  static let runnableSQL = """
    SELECT id, seq, model, request_json, request_hash, est_input_tokens, json_mode, attempt_count,
           facts, output_schema, schema_dialect, uses_search, max_output_tokens
    FROM jobs WHERE state = 'pending' AND seq > ?1 ORDER BY seq LIMIT ?2
    """

  /// `?1` after seq, `?2` limit, `?3` run.
  static let runnableInRunSQL = """
    SELECT j.id, j.seq, j.model, j.request_json, j.request_hash, j.est_input_tokens, j.json_mode, j.attempt_count,
           j.facts, j.output_schema, j.schema_dialect, j.uses_search, j.max_output_tokens
    FROM jobs j WHERE j.state = 'pending' AND j.seq > ?1 AND \(lastRunSQL(job: "j")) = ?3
    ORDER BY j.seq LIMIT ?2
    """

  /// The jobs of run `runId` still `waiting` for a time a server set (parked past an earlier run's
  /// end), with that time: few, read once at the start of a run.
  public func fetchWaiting(runId: Int64) throws -> [(job: RunnableJob, notBefore: Double)] {
    try read { db in
      try Row.fetchAll(db.cachedStatement(sql: Self.waitingInRunSQL), arguments: [runId]).map {
        (
          RunnableJob(
            id: $0[0], seq: $0[1], model: $0[2], body: $0[3], requestHash: $0[4], estInputTokens: $0[5],
            jsonMode: $0[6], attemptCount: $0[7],
            facts: ($0[8] as Int?) == 1
              ? JobFacts(outputSchemaJSON: $0[9], schemaDialect: $0[10], usesSearch: $0[11], maxOutputTokens: $0[12])
              : nil),
          ($0[13] as Double?) ?? 0
        )
      }
    }
  }

  static let waitingInRunSQL = """
    SELECT j.id, j.seq, j.model, j.request_json, j.request_hash, j.est_input_tokens, j.json_mode, j.attempt_count,
           j.facts, j.output_schema, j.schema_dialect, j.uses_search, j.max_output_tokens, j.not_before
    FROM jobs j WHERE j.state = 'waiting' AND \(lastRunSQL(job: "j")) = ?1
    ORDER BY j.seq
    """

  /// Moves `waiting` jobs whose `not_before` has passed back to `pending`; returns how many.
  @discardableResult
  public func releaseWaiting(now t: Double? = nil) throws -> Int {
    let t = t ?? now()
    return try write { db in
      try db.execute(
        sql: """
          UPDATE jobs SET state = 'pending', not_before = NULL, updated_at = ?
          WHERE state = 'waiting' AND (not_before IS NULL OR not_before <= ?)
          """, arguments: [t, t])
      return db.changesCount
    }
  }

  /// Whether `old` (a job's recorded file) and `new` (the file it is read from now) are one file:
  /// the same after resolving `.`, `..` and symlinks. A relative `old` that does not resolve
  /// from here (the store was run from another folder) is taken for the same file when the
  /// names match, as paths were compared before files had owners.
  static func sameFile(_ old: String, _ new: String) -> Bool {
    guard let rn = realPath(new) else { return false }
    if let ro = realPath(old) { return ro == rn }
    return !old.hasPrefix("/") && (old as NSString).lastPathComponent == (new as NSString).lastPathComponent
  }

  static func realPath(_ p: String) -> String? {
    guard let c = realpath(p, nil) else { return nil }
    defer { free(c) }
    return String(cString: c)
  }

  /// Jobs per state.
  public func counts() throws -> StateCounts {
    try read { db in try Self.counts(db) }
  }

  static func counts(_ db: Database, model: String? = nil) throws -> StateCounts {
    var c = StateCounts()
    let rows =
      model == nil
      ? try Row.fetchAll(db, sql: "SELECT state, COUNT(*) FROM jobs GROUP BY state")
      : try Row.fetchAll(db, sql: "SELECT state, COUNT(*) FROM jobs WHERE model = ? GROUP BY state", arguments: [model])
    for row in rows {
      if let s = JobState(rawValue: row[0]) { c[s] = row[1] }
    }
    return c
  }
}
