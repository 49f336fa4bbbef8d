import Foundation
import GRDB

/// Adopting an unchanged job file into a new run without touching its jobs.
///
/// A full read of a file in run R syncs its jobs with `last_run_id = R` and records the file
/// (`source_files.last_run_id = R`, its *read run*). The jobs of the file's current contents are
/// then exactly those with `source_file` = the file and `last_run_id >= R` (a job dropped from
/// the file keeps an older `last_run_id`; a job read later from another file changes its
/// `source_file`). A run that finds the file unchanged only records `run_files(run, path, R)`
/// and updates the few jobs whose state must change; the run a job belongs to is worked out by
/// `lastRunSQL`.
extension Store {
  /// SQL for the run a job belongs to now, for job alias `job`: the later of `last_run_id` (the
  /// last run that synced or sent it) and the last run that adopted its file while the job was
  /// in it (a `run_files` row for its file whose read run is not after the job's `last_run_id`).
  /// Runs adopt a file with read runs that never go down, so the latest such row is the last one
  /// in `run_files_path` order: one index seek. NULL for a job that no run synced.
  ///
  /// The v2 views spell out the same expression (a migration never changes); keep them equal.
  public static func lastRunSQL(job j: String) -> String {
    """
    MAX(\(j).last_run_id, COALESCE(
      (SELECT f.run_id FROM run_files f WHERE f.path = \(j).source_file AND f.read_run_id <= \(j).last_run_id
       ORDER BY f.read_run_id DESC, f.run_id DESC LIMIT 1), 0))
    """
  }

  /// `lastRunSQL(job:)`, or the plain column on a store not yet migrated to `run_files` (opened
  /// read-only by `export`/`report`; every adoption there wrote `last_run_id` on each job).
  public static func lastRunSQL(_ db: Database, job: String) throws -> String {
    try db.tableExists("run_files") ? lastRunSQL(job: job) : "\(job).last_run_id"
  }

  /// Makes the jobs of `sourceFile`, as of its last full read, part of `runId` without reading
  /// the file again (the runner found its `SourceFileRecord` unchanged). Same state rules as
  /// `syncJobs` for unchanged jobs: `in_flight`, and `waiting` whose time has passed, → `pending`
  /// (a job parked past now by a server's delay keeps its time); `failed` → `pending`
  /// with a fresh attempt count only with `retryFailed`; `succeeded` and `pending` untouched;
  /// `succeeded` or `failed` with another endpoint's answer than `runId`'s → `pending`, attempt
  /// count 0, the old result kept until replaced.
  ///
  /// The endpoint rule costs nothing on a store whose runs all share `runId`'s endpoint (the
  /// usual one): a query over `runs` finds no other endpoint and nothing else is read. Otherwise
  /// the results of the other endpoints' runs are found through `results_run`.
  ///
  /// Cost: only the jobs not `succeeded` are visited (through `jobs_state`, reading their rows
  /// only when the store holds other jobs than the file's); succeeded jobs are counted as the
  /// file's `job_count` minus the others, so a resume of a million-job file with a thousand left
  /// writes nothing but those thousand rows' state changes.
  public func adoptJobs(sourceFile: String, runId: Int64, retryFailed: Bool) throws -> SyncStats {
    let t = now()
    return try write { db in
      let record = try Row.fetchOne(
        db, sql: "SELECT COALESCE(last_run_id, 0), job_count FROM source_files WHERE path = ?",
        arguments: [sourceFile])
      // Without a record (never read in full by this version), every job that names the file.
      let readRun: Int64 = record?[0] ?? 0
      try db.execute(
        sql: "INSERT OR REPLACE INTO run_files (run_id, path, read_run_id) VALUES (?, ?, ?)",
        arguments: [runId, sourceFile, readRun])

      let inFile = Self.inFileSQL
      let args: StatementArguments = ["file": sourceFile, "readRun": readRun, "run": runId, "t": t]
      let otherEndpoint = try Self.requeueOtherEndpoints(
        db, inFile: inFile, args: args, runId: runId, retryFailed: retryFailed)
      let members: Int =
        if let count: Int = record?[1] {
          count
        } else {
          try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM jobs WHERE source_file = ? AND last_run_id >= ?",
            arguments: [sourceFile, readRun]) ?? 0
        }
      // A store that holds exactly the file's jobs (the usual one-file store) is counted on
      // jobs_state alone; otherwise each job not succeeded is read to see whether it is the file's
      // (900,000 pending rows: ~1.7 GB of table pages, against 0.2 s for the index).
      let wholeStore = try record != nil && Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs") == members
      var stats = SyncStats()
      var notSucceeded = 0
      for row in try Row.fetchAll(
        db, sql: wholeStore ? Self.notSucceededSQL : Self.notSucceededInFileSQL,
        arguments: ["file": sourceFile, "readRun": readRun])
      {
        let n: Int = row[1]
        notSucceeded += n
        if JobState(rawValue: row[0]) == .failed && !retryFailed { stats.failedKept += n } else { stats.toRun += n }
      }
      stats.unchanged = max(members, notSucceeded)
      stats.alreadySucceeded = stats.unchanged - notSucceeded
      stats.otherEndpoint = otherEndpoint

      try db.execute(
        sql: """
          UPDATE jobs SET state = 'pending', not_before = NULL, last_run_id = :run, updated_at = :t
          WHERE (state = 'in_flight' OR (state = 'waiting' AND COALESCE(not_before, 0) <= :t)) AND \(inFile)
            AND id NOT IN (\(Self.liveBatchJobsSQL))
          """, arguments: args)
      // Parked by a server's delay that has not passed: this run holds it until then, or says so.
      try db.execute(
        sql: """
          UPDATE jobs SET last_run_id = :run, updated_at = :t
          WHERE state = 'waiting' AND not_before > :t AND \(inFile)
          """, arguments: args)
      if retryFailed {
        try db.execute(
          sql: """
            UPDATE jobs SET state = 'pending', attempt_count = 0, failure_class = NULL, failure_reason = NULL,
                            last_run_id = :run, updated_at = :t
            WHERE state = 'failed' AND \(inFile)
            """, arguments: args)
      }
      return stats
    }
  }

  /// Puts the file's jobs whose final outcome came from another endpoint than run `runId`'s back
  /// to `pending` (attempt count 0, result kept); returns how many. Failed jobs are only looked
  /// at without `retryFailed` (with it, every failed job runs again anyway).
  static func requeueOtherEndpoints(
    _ db: Database, inFile: String, args: StatementArguments, runId: Int64, retryFailed: Bool
  ) throws -> Int {
    let others = try otherEndpointRuns(db, runId: runId)
    guard !others.isEmpty else { return 0 }
    let list = others.map(String.init).joined(separator: ",")
    let reset = "state = 'pending', attempt_count = 0, not_before = NULL, failure_class = NULL, failure_reason = NULL, last_run_id = :run, updated_at = :t"
    try db.execute(
      sql: """
        UPDATE jobs SET \(reset)
        WHERE state = 'succeeded' AND \(inFile) AND id IN (SELECT job_id FROM results WHERE run_id IN (\(list)))
        """, arguments: args)
    var n = db.changesCount
    if !retryFailed {
      try db.execute(
        sql: """
          UPDATE jobs SET \(reset)
          WHERE state = 'failed' AND \(inFile)
            AND (SELECT a.run_id FROM attempts a WHERE a.job_id = jobs.id ORDER BY a.id DESC LIMIT 1) IN (\(list))
          """, arguments: args)
      n += db.changesCount
    }
    return n
  }

  /// The runs whose endpoint differs from run `runId`'s (`EndpointIdentity.key`): their answers
  /// do not count for it. Empty for an unknown run.
  static func otherEndpointRuns(_ db: Database, runId: Int64) throws -> [Int64] {
    guard let key = try endpoint(ofRun: runId, db)?.key else { return [] }
    return try Int64.fetchAll(
      db, sql: "SELECT ru.id FROM runs ru WHERE ru.id <> ? AND \(EndpointIdentity.keySQL("ru")) <> ?",
      arguments: [runId, key])
  }

  /// The jobs of the file `:file` as of its read run `:readRun`. `+source_file` keeps the planner
  /// on `jobs_state` (the few jobs not succeeded) rather than `jobs_source` (every job of the file).
  static let inFileSQL = "+source_file = :file AND last_run_id >= :readRun"

  static let notSucceededSQL = """
    SELECT state, COUNT(*) FROM jobs WHERE state IN ('pending', 'waiting', 'in_flight', 'failed') GROUP BY state
    """

  static let notSucceededInFileSQL = """
    SELECT state, COUNT(*) FROM jobs
    WHERE state IN ('pending', 'waiting', 'in_flight', 'failed') AND \(inFileSQL) GROUP BY state
    """
}
