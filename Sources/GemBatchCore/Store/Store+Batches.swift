import Foundation
import GRDB

/// Batch Mode in the ledger. A shard becomes a `batches` row, its jobs `batch_jobs` rows, and each
/// job an open attempt (`in_flight`), all in ONE transaction before the create call: a crash at
/// any point after it leaves a row that the next run reconciles against the account's batches.
/// The batch's name is committed the moment the create reply arrives. Output lines then close
/// the attempts through `LedgerWriter`, exactly as interactive answers do.
extension Store {
  /// The attempts held by a batch that is not done: no recovery marks them lost, no job sync
  /// puts their jobs back to pending (their requests are with Google).
  static let liveBatchAttemptsSQL = """
    SELECT bj.attempt_id FROM batch_jobs bj JOIN batches b ON b.id = bj.batch_id
    WHERE b.phase != 'done' AND bj.attempt_id IS NOT NULL
    """
  static let liveBatchJobsSQL = """
    SELECT bj.job_id FROM batch_jobs bj JOIN batches b ON b.id = bj.batch_id WHERE b.phase != 'done'
    """

  /// This store's random id (made by the migration), part of every batch display name.
  public func storeId() throws -> String {
    try read { db in
      try String.fetchOne(db, sql: "SELECT value FROM store_info WHERE key = 'store_id'") ?? "unknown"
    }
  }

  /// Whether a live batch holds the job (used by `syncJobs`).
  static func isHeldByLiveBatch(_ db: Database, jobId: String) throws -> Bool {
    let s = try db.cachedStatement(
      sql: """
        SELECT 1 FROM batch_jobs bj JOIN batches b ON b.id = bj.batch_id
        WHERE bj.job_id = ? AND b.phase != 'done' LIMIT 1
        """)
    return try Int.fetchOne(s, arguments: [jobId]) != nil
  }

  // MARK: - Choosing jobs

  /// The eligibility test for a new batch: the run's jobs that are pending or waiting (a waiting
  /// job's backoff is moot next to a batch's turnaround). `never` also leaves out jobs that were
  /// in a batch before (`--fallback online`: those run interactively).
  static func eligibleSQL(never: Bool) -> String {
    "j.state IN ('pending', 'waiting') AND \(lastRunSQL(job: "j")) = :run"
      + (never ? " AND NOT EXISTS (SELECT 1 FROM batch_jobs x WHERE x.job_id = j.id)" : "")
  }

  /// Models with jobs eligible for a batch, by first appearance.
  public func batchEligibleModels(runId: Int64, neverBatched: Bool) throws -> [String] {
    try read { db in
      try String.fetchAll(
        db,
        sql: "SELECT j.model FROM jobs j WHERE \(Self.eligibleSQL(never: neverBatched)) GROUP BY j.model ORDER BY MIN(j.seq)",
        arguments: ["run": runId])
    }
  }

  /// One page of a model's eligible jobs after `afterSeq`, in seq order, with their requests.
  public func batchEligibleJobs(runId: Int64, model: String, afterSeq: Int, limit: Int, neverBatched: Bool) throws
    -> [ShardCandidate]
  {
    try read { db in
      try Row.fetchAll(
        db.cachedStatement(
          sql: """
            SELECT j.id, j.seq, j.request_json, j.est_input_tokens FROM jobs j
            WHERE j.model = :model AND j.seq > :after AND \(Self.eligibleSQL(never: neverBatched))
            ORDER BY j.seq LIMIT :limit
            """),
        arguments: ["model": model, "after": afterSeq, "limit": limit, "run": runId]
      ).map { ShardCandidate(id: $0[0], seq: $0[1], body: $0[2], estInputTokens: $0[3]) }
    }
  }

  // MARK: - Creating

  /// What a shard writer produced, to be committed as a `creating` batch.
  public struct BatchDraft: Sendable {
    public var shardHash: String
    public var model: String
    public var firstSeq: Int
    public var lastSeq: Int
    public var jobCount: Int
    public var estTokens: Int
    public var inputFile: String
    public var runId: Int64
    public var neverBatched: Bool

    public init(
      shardHash: String, model: String, firstSeq: Int, lastSeq: Int, jobCount: Int, estTokens: Int, inputFile: String,
      runId: Int64, neverBatched: Bool
    ) {
      self.shardHash = shardHash
      self.model = model
      self.firstSeq = firstSeq
      self.lastSeq = lastSeq
      self.jobCount = jobCount
      self.estTokens = estTokens
      self.inputFile = inputFile
      self.runId = runId
      self.neverBatched = neverBatched
    }
  }

  /// The display name of batch row `id`: the store's id, the row and the shard's content hash,
  /// so a batch found in the account's list is matched to exactly one row.
  public static func batchDisplayName(storeId: String, rowId: Int64, shardHash: String) -> String {
    "gembatch-\(storeId)-\(rowId)-\(shardHash.prefix(16))"
  }

  /// In one transaction: the `creating` row, its `batch_jobs`, an open attempt per job and the
  /// jobs `in_flight`. The jobs are the draft's seq range of eligible jobs, which must count
  /// exactly `jobCount` (nothing else writes between the shard and this).
  public func beginBatch(_ d: BatchDraft) throws -> BatchRecord {
    let t = now()
    let storeId = try storeId()
    return try write { db in
      try db.execute(
        sql: """
          INSERT INTO batches (shard_hash, display_name, model, phase, job_count, est_tokens, input_file, run_id,
                               created_at, updated_at)
          VALUES (?, ?, ?, 'creating', ?, ?, ?, ?, ?, ?)
          """,
        arguments: [d.shardHash, "pending-\(d.shardHash)-\(t)", d.model, d.jobCount, d.estTokens, d.inputFile, d.runId, t, t])
      let id = db.lastInsertedRowID
      let display = Self.batchDisplayName(storeId: storeId, rowId: id, shardHash: d.shardHash)
      try db.execute(sql: "UPDATE batches SET display_name = ? WHERE id = ?", arguments: [display, id])
      let args: StatementArguments = [
        "b": id, "model": d.model, "first": d.firstSeq, "last": d.lastSeq, "run": d.runId, "t": t,
      ]
      try db.execute(
        sql: """
          INSERT INTO batch_jobs (batch_id, job_id)
          SELECT :b, j.id FROM jobs j
          WHERE j.model = :model AND j.seq BETWEEN :first AND :last AND \(Self.eligibleSQL(never: d.neverBatched))
          """, arguments: args)
      guard db.changesCount == d.jobCount else {
        throw StoreError(.invariant, "batch shard holds \(d.jobCount) jobs but \(db.changesCount) are eligible")
      }
      try db.execute(
        sql: """
          INSERT INTO attempts (job_id, run_id, attempt_no, request_hash, streamed, started_at)
          SELECT j.id, :run, j.attempt_count + 1, j.request_hash, 0, :t
          FROM batch_jobs bj JOIN jobs j ON j.id = bj.job_id WHERE bj.batch_id = :b
          """, arguments: ["b": id, "run": d.runId, "t": t])
      try db.execute(
        sql: """
          UPDATE batch_jobs SET attempt_id = (
            SELECT a.id FROM attempts a WHERE a.job_id = batch_jobs.job_id AND a.ended_at IS NULL ORDER BY a.id DESC LIMIT 1)
          WHERE batch_id = :b
          """, arguments: ["b": id])
      try db.execute(
        sql: """
          UPDATE jobs SET state = 'in_flight', attempt_count = attempt_count + 1, last_run_id = :run,
                          not_before = NULL, updated_at = :t
          WHERE id IN (SELECT job_id FROM batch_jobs WHERE batch_id = :b)
          """, arguments: ["b": id, "run": d.runId, "t": t])
      return try Self.batch(db, id: id)!
    }
  }

  /// The create reply (or a batch adopted from the account's list): commits its name at once.
  public func batchCreated(id: Int64, name: String, stateRaw: String, apiCreateTime: String?, expiresAt: Double?) throws {
    let t = now()
    try write { db in
      try db.execute(
        sql: """
          UPDATE batches SET phase = 'live', name = ?, state_raw = ?, api_create_time = ?, submitted_at = ?,
                             expires_at = ?, updated_at = ?
          WHERE id = ? AND phase = 'creating'
          """, arguments: [name, stateRaw, apiCreateTime, t, expiresAt ?? (t + 48 * 3600), t, id])
    }
  }

  /// A poll's answer: state, counts and output file.
  public func batchPolled(
    id: Int64, stateRaw: String, requestCount: Int, succeeded: Int, failed: Int, pending: Int, outputFile: String?
  ) throws {
    let t = now()
    try write { db in
      try db.execute(
        sql: """
          UPDATE batches SET state_raw = ?, request_count = ?, succeeded_count = ?, failed_count = ?, pending_count = ?,
                             output_file = COALESCE(?, output_file), updated_at = ?
          WHERE id = ?
          """, arguments: [stateRaw, requestCount, succeeded, failed, pending, outputFile, t, id])
    }
  }

  /// Notes why a batch needs attention without ending it (a create refused for now, a cancel sent).
  public func batchNote(id: Int64, message: String?) throws {
    let t = now()
    try write { db in
      try db.execute(sql: "UPDATE batches SET error_message = ?, updated_at = ? WHERE id = ?", arguments: [message, t, id])
    }
  }

  /// Ends a batch once none of its attempts is open.
  public func batchDone(id: Int64, outcome: String, message: String?) throws {
    let t = now()
    try write { db in
      let open = try Int.fetchOne(
        db,
        sql: """
          SELECT COUNT(*) FROM batch_jobs bj JOIN attempts a ON a.id = bj.attempt_id
          WHERE bj.batch_id = ? AND a.ended_at IS NULL
          """, arguments: [id]) ?? 0
      guard open == 0 else { throw StoreError(.invariant, "batch \(id) still has \(open) open attempts") }
      try db.execute(
        sql: """
          UPDATE batches SET phase = 'done', outcome = ?, error_message = COALESCE(?, error_message), ended_at = ?,
                             updated_at = ?
          WHERE id = ?
          """, arguments: [outcome, message, t, t, id])
    }
  }

  public func batchInputDeleted(id: Int64) throws {
    try write { db in
      try db.execute(sql: "UPDATE batches SET input_deleted = 1 WHERE id = ?", arguments: [id])
    }
  }

  // MARK: - Reading

  static let batchColumns = """
    id, shard_hash, display_name, model, phase, name, state_raw, job_count, est_tokens, request_count,
    succeeded_count, failed_count, pending_count, input_file, input_deleted, output_file, run_id, created_at,
    submitted_at, updated_at, expires_at, ended_at, outcome, error_message
    """

  static func batchRecord(_ r: Row) -> BatchRecord {
    BatchRecord(
      id: r[0], shardHash: r[1], displayName: r[2], model: r[3], phase: BatchPhase(rawValue: r[4]) ?? .done, name: r[5],
      stateRaw: r[6], jobCount: r[7], estTokens: r[8], requestCount: r[9], succeededCount: r[10], failedCount: r[11],
      pendingCount: r[12], inputFile: r[13], inputDeleted: r[14], outputFile: r[15], runId: r[16], createdAt: r[17],
      submittedAt: r[18], updatedAt: r[19], expiresAt: r[20], endedAt: r[21], outcome: r[22], errorMessage: r[23])
  }

  static func batch(_ db: Database, id: Int64) throws -> BatchRecord? {
    try Row.fetchOne(db, sql: "SELECT \(batchColumns) FROM batches WHERE id = ?", arguments: [id]).map(batchRecord)
  }

  public func batch(id: Int64) throws -> BatchRecord? {
    try read { db in try Self.batch(db, id: id) }
  }

  /// Batches in the given phases (all when empty), oldest first.
  public func batches(phases: [BatchPhase] = []) throws -> [BatchRecord] {
    try read { db in
      guard try db.tableExists("batches") else { return [] }
      let filter = phases.isEmpty ? "" : "WHERE phase IN (\(phases.map { "'\($0.rawValue)'" }.joined(separator: ",")))"
      return try Row.fetchAll(db, sql: "SELECT \(Self.batchColumns) FROM batches \(filter) ORDER BY id").map(Self.batchRecord)
    }
  }

  /// The batch with this name (`batches/…`), or whose id or display name it is.
  public func batch(named name: String) throws -> BatchRecord? {
    try read { db in
      try Row.fetchOne(
        db, sql: "SELECT \(Self.batchColumns) FROM batches WHERE name = ? OR name = ? OR display_name = ? OR CAST(id AS TEXT) = ?",
        arguments: [name, "batches/" + name, name, name]
      ).map(Self.batchRecord)
    }
  }

  /// The open attempt of `jobId` in batch `batchId`, with what interpreting its line needs;
  /// nil when the job is not in the batch or its attempt already has an outcome (a line seen
  /// before a crash, or twice).
  public func openBatchMember(batchId: Int64, jobId: String) throws -> BatchMember? {
    try read { db in
      let s = try db.cachedStatement(sql: Self.memberSQL + " WHERE bj.batch_id = ? AND bj.job_id = ? AND a.ended_at IS NULL")
      return try Row.fetchOne(s, arguments: [batchId, jobId]).map(Self.member)
    }
  }

  /// `openBatchMember` for many keys in one read (a collection looks its lines up a block at a
  /// time: one read transaction per line was most of its cost).
  public func openBatchMembers(batchId: Int64, jobIds: [String]) throws -> [String: BatchMember] {
    if jobIds.isEmpty { return [:] }
    return try read { db in
      var out: [String: BatchMember] = [:]
      let s = try db.cachedStatement(sql: Self.memberSQL + " WHERE bj.batch_id = ? AND bj.job_id = ? AND a.ended_at IS NULL")
      for id in jobIds where out[id] == nil {
        if let m = try Row.fetchOne(s, arguments: [batchId, id]).map(Self.member) { out[id] = m }
      }
      return out
    }
  }

  /// Open attempts of a batch after `afterSeq`, in seq order (the keys its output did not have).
  public func openBatchMembers(batchId: Int64, afterSeq: Int, limit: Int) throws -> [BatchMember] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: Self.memberSQL + " WHERE bj.batch_id = ? AND a.ended_at IS NULL AND j.seq > ? ORDER BY j.seq LIMIT ?",
        arguments: [batchId, afterSeq, limit]
      ).map(Self.member)
    }
  }

  public func openBatchAttemptCount(batchId: Int64) throws -> Int {
    try read { db in
      try Int.fetchOne(
        db,
        sql: "SELECT COUNT(*) FROM batch_jobs bj JOIN attempts a ON a.id = bj.attempt_id WHERE bj.batch_id = ? AND a.ended_at IS NULL",
        arguments: [batchId]) ?? 0
    }
  }

  static let memberSQL = """
    SELECT j.id, a.id, a.attempt_no, j.seq, j.model, a.request_hash, j.est_input_tokens, j.json_mode,
           CASE WHEN j.json_mode THEN j.request_json END
    FROM batch_jobs bj JOIN attempts a ON a.id = bj.attempt_id JOIN jobs j ON j.id = bj.job_id
    """

  static func member(_ r: Row) -> BatchMember {
    BatchMember(
      jobId: r[0], attemptId: r[1], attemptNo: r[2], seq: r[3], model: r[4], requestHash: r[5], estInputTokens: r[6],
      jsonMode: r[7], body: r[8])
  }

  // MARK: - Uploads

  /// A live upload of this content (not deleted, not expiring within `margin` seconds).
  public func upload(sha256: String, margin: Double = 3600) throws -> UploadRecord? {
    let t = now()
    return try read { db in
      try Row.fetchOne(
        db,
        sql: """
          SELECT sha256, file_name, size, mime_type, purpose, uploaded_at, expires_at, deleted_at FROM uploads
          WHERE sha256 = ? AND deleted_at IS NULL AND expires_at > ?
          """, arguments: [sha256, t + margin]
      ).map {
        UploadRecord(
          sha256: $0[0], fileName: $0[1], size: $0[2], mimeType: $0[3], purpose: $0[4], uploadedAt: $0[5], expiresAt: $0[6],
          deletedAt: $0[7])
      }
    }
  }

  public func recordUpload(_ u: UploadRecord) throws {
    try write { db in
      try db.execute(
        sql: """
          INSERT OR REPLACE INTO uploads (sha256, file_name, size, mime_type, purpose, uploaded_at, expires_at, deleted_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [u.sha256, u.fileName, u.size, u.mimeType, u.purpose, u.uploadedAt, u.expiresAt, u.deletedAt])
    }
  }

  /// The file was deleted from the Files API: its name is kept, it is never reused.
  public func uploadDeleted(fileName: String) throws {
    let t = now()
    try write { db in
      try db.execute(sql: "UPDATE uploads SET deleted_at = ? WHERE file_name = ?", arguments: [t, fileName])
    }
  }
}

extension Store {
  /// The run's jobs still to do that a batch had before (`--fallback online` sends them interactively).
  public func jobsLeftForInteractive(runId: Int64) throws -> [String] {
    try read { db in
      try String.fetchAll(
        db,
        sql: """
          SELECT j.id FROM jobs j
          WHERE j.state IN ('pending', 'waiting') AND \(Self.lastRunSQL(job: "j")) = ?
            AND EXISTS (SELECT 1 FROM batch_jobs x WHERE x.job_id = j.id)
          ORDER BY j.seq
          """, arguments: [runId])
    }
  }
}
