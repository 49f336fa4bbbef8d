import Foundation
import GRDB
import GeminiAPI
import Testing

@testable import GemBatchCore

/// Resuming over job files that did not change: the files are not read again and their jobs are
/// adopted by the new run through `run_files`, touching only the jobs whose state must change.
/// Real SQLite files and real job files in a temp folder.
@Suite struct ResumeAdoptionTests {
  static let defaults = RunDefaults(model: "gemini-2.5-flash")

  @discardableResult
  func writeJobs(_ path: String, _ ids: [String], prompt: (String) -> String = { "Question \($0)?" }) -> String {
    let text = ids.map { #"{"id":"\#($0)","prompt":"\#(prompt($0))"}"# + "\n" }.joined()
    return JobsTestKit.write(text, to: path)
  }

  func begin(_ store: Store, _ files: [String]) throws -> Int64 {
    try store.beginRun(RunStart(endpoint: "http://127.0.0.1:1", files: files, optionsJSON: "{}", version: "test"))
  }

  func load(_ store: Store, _ files: [String], run: Int64, retryFailed: Bool = false) throws -> JobLoader.Result {
    try JobLoader(store: store, defaults: Self.defaults, retryFailed: retryFailed).load(files: files, runId: run)
  }

  /// One attempt of `id` in `run`, ending in `state` (`inFlight`: started, never finished).
  func send(_ w: LedgerWriter, _ store: Store, _ id: String, run: Int64, to state: JobState) async throws {
    let hash: String = try await store.pool.read { db in
      try String.fetchOne(db, sql: "SELECT request_hash FROM jobs WHERE id = ?", arguments: [id])!
    }
    let attempt = try await w.attemptStarted(
      AttemptStart(jobId: id, runId: run, attemptNo: 1, requestHash: hash, streamed: false, startedAt: 1000))
    guard state != .inFlight else { return }
    let ok = state == .succeeded
    try await w.attemptFinished(
      AttemptFinish(
        attemptId: attempt, jobId: id, runId: run, endedAt: 1001,
        outcome: ok ? .succeeded : state == .failed ? .failed : .retry, jobState: state,
        notBefore: state == .waiting ? 2000 : nil, failureClass: state == .failed ? "permanent" : nil,
        failureReason: state == .failed ? "400 INVALID_ARGUMENT" : nil, httpStatus: ok ? 200 : 400,
        rawResponse: ok ? Data("{}".utf8) : nil,
        result: ok
          ? ResultRecord(
            jobId: id, attemptId: attempt, runId: run, requestHash: hash, answerText: "ok", totalTokens: 10,
            costUSD: 0.001, createdAt: 1001) : nil))
  }

  func runnable(_ store: Store, _ run: Int64) throws -> [String] {
    try store.fetchRunnable(afterSeq: -1, limit: 100, runId: run).map(\.id)
  }

  /// id → (last_run_id column, updated_at): what a resume must leave alone.
  func rows(_ store: Store) throws -> [String: [Double]] {
    try store.pool.read { db in
      var out: [String: [Double]] = [:]
      for r in try Row.fetchAll(db, sql: "SELECT id, last_run_id, updated_at FROM jobs") { out[r[0]] = [r[1], r[2]] }
      return out
    }
  }

  /// id → the job's run as the `job_status` view shows it.
  func viewRuns(_ store: Store) throws -> [String: Int64] {
    try store.pool.read { db in
      var out: [String: Int64] = [:]
      for r in try Row.fetchAll(db, sql: "SELECT id, last_run_id FROM job_status") { out[r[0]] = r[1] }
      return out
    }
  }

  /// run → (jobs, succeeded, pending) from the `run_summary` view.
  func summary(_ store: Store) throws -> [Int64: [Int]] {
    try store.pool.read { db in
      var out: [Int64: [Int]] = [:]
      for r in try Row.fetchAll(
        db, sql: "SELECT run_id, SUM(jobs), SUM(succeeded), SUM(pending) FROM run_summary GROUP BY run_id")
      {
        out[r[0]] = [r[1], r[2], r[3]]
      }
      return out
    }
  }

  @Test func resumeSkipsSucceededRecoversLostAndTouchesOnlyWhatChangesState() async throws {
    let dir = JobsTestKit.tempDir("adopt")
    let db = dir + "/s.sqlite"
    let file = writeJobs(dir + "/a.jsonl", (0..<6).map { "j\($0)" })
    let store = try Store.open(path: db)
    let r1 = try begin(store, [file])
    let first = try load(store, [file], run: r1)
    #expect(!first.adopted && first.toRun == 6 && first.errors.isEmpty)
    let w = LedgerWriter(store: store)
    try await send(w, store, "j0", run: r1, to: .succeeded)
    try await send(w, store, "j1", run: r1, to: .succeeded)
    try await send(w, store, "j2", run: r1, to: .failed)
    try await send(w, store, "j3", run: r1, to: .waiting)
    try await send(w, store, "j4", run: r1, to: .inFlight)  // the process dies with this one sent
    try await w.close()

    // A new process on the same file.
    let again = try Store.open(path: db, now: { 5000 })
    let lost = try again.recoverLostAttempts()
    #expect(lost.map(\.jobId) == ["j4"])
    let before = try rows(again)
    let r2 = try begin(again, [file])
    let resumed = try load(again, [file], run: r2)
    #expect(resumed.adopted)
    #expect(resumed.toRun == 3 && resumed.alreadySucceeded == 2)
    #expect(try runnable(again, r2) == ["j3", "j4", "j5"])
    #expect(try runnable(again, r1).isEmpty, "adopted jobs belong to the new run")

    // Only the jobs whose state changed were written (waiting → pending; j4 was put back by recovery).
    let after = try rows(again)
    for id in ["j0", "j1", "j2", "j5"] { #expect(after[id] == before[id], "\(id) was rewritten") }
    #expect(after["j3"] == [Double(r2), 5000])
    let states: [String: String] = try await again.pool.read { db in
      Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, state FROM jobs").map { ($0[0], $0[1]) })
    }
    #expect(
      states == [
        "j0": "succeeded", "j1": "succeeded", "j2": "failed", "j3": "pending", "j4": "pending", "j5": "pending",
      ])

    // Views, report and export still see every job of the file as part of run 2.
    #expect(try viewRuns(again).values.allSatisfy { $0 == r2 })
    #expect(try summary(again) == [r2: [6, 2, 3]])
    let report = try await again.pool.read { db in try ReportBuilder(runID: Int(r2)).build(db, databaseName: "s") }
    #expect(report.total.jobs == 6)
    let older = try await again.pool.read { db in try ReportBuilder(runID: Int(r1)).build(db, databaseName: "s") }
    #expect(older.total.jobs == 0)
    let status = try again.statusReport()
    #expect(status.counts.succeeded == 2 && status.counts.failed == 1 && status.counts.pending == 3)
    #expect(status.lostAttempts.map(\.jobId) == ["j4"])
    let crashed = try await again.pool.read { db in
      try String.fetchAll(db, sql: "SELECT job_id FROM in_flight_at_crash")
    }
    #expect(crashed == ["j4"])
  }

  @Test func retryFailedOnAnAdoptedFile() async throws {
    let dir = JobsTestKit.tempDir("adopt-retry")
    let file = writeJobs(dir + "/a.jsonl", ["a", "b", "c"])
    let store = try Store.open(path: dir + "/s.sqlite")
    let r1 = try begin(store, [file])
    _ = try load(store, [file], run: r1)
    let w = LedgerWriter(store: store)
    try await send(w, store, "a", run: r1, to: .succeeded)
    try await send(w, store, "b", run: r1, to: .failed)
    try await send(w, store, "c", run: r1, to: .failed)
    try await w.close()

    let r2 = try begin(store, [file])
    let kept = try load(store, [file], run: r2)
    #expect(kept.adopted && kept.toRun == 0 && kept.alreadySucceeded == 1)
    #expect(try runnable(store, r2).isEmpty)

    let r3 = try begin(store, [file])
    let retried = try load(store, [file], run: r3, retryFailed: true)
    #expect(retried.adopted && retried.toRun == 2 && retried.alreadySucceeded == 1)
    let jobs = try store.fetchRunnable(afterSeq: -1, limit: 10, runId: r3)
    #expect(jobs.map(\.id) == ["b", "c"])
    #expect(jobs.allSatisfy { $0.attemptCount == 0 })
    let failures = try await store.pool.read { db in
      try Int.fetchOne(
        db, sql: "SELECT COUNT(*) FROM jobs WHERE failure_class IS NOT NULL OR failure_reason IS NOT NULL")
    }
    #expect(failures == 0)
    #expect(try viewRuns(store) == ["a": r3, "b": r3, "c": r3])
  }

  @Test func aChangedFileIsReadAgainAndJobsDroppedFromItStayOut() async throws {
    let dir = JobsTestKit.tempDir("adopt-changed")
    let path = dir + "/a.jsonl"
    writeJobs(path, ["j0", "j1", "j2", "j3"])
    let store = try Store.open(path: dir + "/s.sqlite")
    let r1 = try begin(store, [path])
    _ = try load(store, [path], run: r1)
    let w = LedgerWriter(store: store)
    try await send(w, store, "j0", run: r1, to: .succeeded)
    try await send(w, store, "j1", run: r1, to: .succeeded)
    try await w.close()  // killed with j2 and j3 still pending

    // j1's request changes, j3 is dropped, j4 is new: the file is read again.
    writeJobs(path, ["j0", "j1", "j2", "j4"]) { $0 == "j1" ? "A different question" : "Question \($0)?" }
    let r2 = try begin(store, [path])
    let reread = try load(store, [path], run: r2)
    #expect(!reread.adopted && reread.toRun == 3 && reread.alreadySucceeded == 1)
    #expect(try runnable(store, r2) == ["j1", "j2", "j4"])

    // Unchanged since: adopted, and j3 (still pending, no longer in the file) is not part of it.
    let r3 = try begin(store, [path])
    let adopted = try load(store, [path], run: r3)
    #expect(adopted.adopted && adopted.toRun == 3 && adopted.alreadySucceeded == 1)
    #expect(try runnable(store, r3) == ["j1", "j2", "j4"])
    #expect(try viewRuns(store) == ["j0": r3, "j1": r3, "j2": r3, "j3": r1, "j4": r3])
  }

  @Test func twoFilesAndAJobThatMovesToAThirdOne() async throws {
    let dir = JobsTestKit.tempDir("adopt-files")
    let a = writeJobs(dir + "/a.jsonl", ["a0", "a1", "x"])
    let b = writeJobs(dir + "/b.jsonl", ["b0", "b1"])
    let store = try Store.open(path: dir + "/s.sqlite")
    let r1 = try begin(store, [a, b])
    _ = try load(store, [a, b], run: r1)
    let w = LedgerWriter(store: store)
    try await send(w, store, "a0", run: r1, to: .succeeded)
    try await send(w, store, "b0", run: r1, to: .succeeded)
    try await w.close()

    let r2 = try begin(store, [a, b])
    let both = try load(store, [a, b], run: r2)
    #expect(both.adopted && both.toRun == 3 && both.alreadySucceeded == 2)
    #expect(try runnable(store, r2) == ["a1", "x", "b1"])

    // A run of a.jsonl alone takes only its jobs; b's stay with run 2.
    let r3 = try begin(store, [a])
    let onlyA = try load(store, [a], run: r3)
    #expect(onlyA.adopted && onlyA.toRun == 2 && onlyA.alreadySucceeded == 1)
    #expect(try runnable(store, r3) == ["a1", "x"])
    #expect(try viewRuns(store) == ["a0": r3, "a1": r3, "x": r3, "b0": r2, "b1": r2])

    // x is now read from c.jsonl (same request): a job id belongs to its file, so it is refused,
    // naming both places, and nothing of it changes.
    let c = writeJobs(dir + "/c.jsonl", ["x"])
    let refused = try load(store, [c], run: try begin(store, [c]))
    #expect(refused.errors.map(\.code) == [.duplicateId])
    #expect(refused.errors.first.map { "\($0)".contains("a.jsonl:3") && "\($0)".contains("c.jsonl:1") } == true)
    #expect(try viewRuns(store)["x"] == r3)

    // With take-over (`run --take-over`) it leaves a.jsonl for c.jsonl.
    let mover = try Store.open(path: dir + "/s.sqlite", takeOverJobs: true)
    let r4 = try begin(mover, [c])
    let moved = try load(mover, [c], run: r4)
    #expect(!moved.adopted && moved.toRun == 1 && moved.errors.isEmpty)
    let w2 = LedgerWriter(store: mover)
    try await send(w2, mover, "x", run: r4, to: .succeeded)
    try await w2.close()
    #expect(try store.sourceFile(path: a)?.jobCount == 2)

    let r5 = try begin(store, [a])
    let aAgain = try load(store, [a], run: r5)
    #expect(aAgain.adopted && aAgain.toRun == 1 && aAgain.alreadySucceeded == 1)
    #expect(try runnable(store, r5) == ["a1"])
    #expect(try viewRuns(store)["x"] == r4)
  }

  /// A store written before `run_files` (v1), where a resume had set `last_run_id` on every job.
  /// Its file record holds no content hash, so the first resume reads the file once (same jobs,
  /// same states); the next one adopts it.
  @Test func aV1StoreIsUpgradedAndResumesByAdoption() async throws {
    let dir = JobsTestKit.tempDir("adopt-v1")
    let db = dir + "/s.sqlite"
    let file = writeJobs(dir + "/a.jsonl", ["j0", "j1", "j2"])
    let jobs = JobsTestKit.readAll([file], Self.defaults).jobs
    let fp = try #require(FileDigest(path: file))
    let mtime = try #require(JobLoader.modificationTime(file))
    do {
      let pool = try DatabasePool(path: db)
      try StoreMigrations.migrator.migrate(pool, upTo: "v1")
      try await pool.write { db in
        for run in [1, 2] {
          try db.execute(
            sql: """
              INSERT INTO runs (id, started_at, status, endpoint, files, options_json, gembatch_version)
              VALUES (?, 0, 'finished', 'x', '[]', '{}', 'old')
              """, arguments: [run])
        }
        for (i, j) in jobs.enumerated() {
          try db.execute(
            sql: """
              INSERT INTO jobs (id, seq, source_file, source_line, model, request_hash, request_json, est_input_tokens,
                                state, last_run_id, updated_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, 2, 0)
              """,
            arguments: [
              j.id, i, j.sourceFile, j.sourceLine, j.model, j.requestHash, j.body, i == 0 ? "succeeded" : "pending",
            ])
        }
        try db.execute(
          sql: """
            INSERT INTO source_files (path, size, mtime, fingerprint, defaults_hash, job_count, last_run_id, updated_at)
            VALUES (?, ?, ?, 'f', ?, 3, 1, 0)
            """, arguments: [file, fp.size, mtime, Self.defaults.fingerprint])
      }
      try pool.close()
    }

    let store = try Store.open(path: db)
    #expect(try store.migrations().starts(with: ["v1", "v2-run-files"]))
    #expect(try viewRuns(store) == ["j0": 2, "j1": 2, "j2": 2])
    #expect(try summary(store) == [2: [3, 1, 2]])
    let r3 = try begin(store, [file])
    let resumed = try load(store, [file], run: r3)
    #expect(!resumed.adopted && resumed.toRun == 2 && resumed.alreadySucceeded == 1)
    #expect(try runnable(store, r3) == ["j1", "j2"])
    #expect(try summary(store) == [r3: [3, 1, 2]])
    let r4 = try begin(store, [file])
    let again = try load(store, [file], run: r4)
    #expect(again.adopted && again.toRun == 2 && again.alreadySucceeded == 1)
    #expect(try runnable(store, r4) == ["j1", "j2"])
  }

  @Test func theFirstPageAndTheAdoptionWalkIndexes() throws {
    let dir = JobsTestKit.tempDir("adopt-plan")
    let store = try Store.open(path: dir + "/s.sqlite")
    let plan = { (sql: String) in
      try store.pool.read { db in
        try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }.joined(separator: "\n")
      }
    }
    let page = try plan(
      Store.runnableInRunSQL.replacingOccurrences(of: "?3", with: "1").replacingOccurrences(of: "?1", with: "0")
        .replacingOccurrences(of: "?2", with: "10"))
    #expect(page.contains("SEARCH j USING INDEX jobs_state (state=? AND seq>?)"), "\(page)")
    #expect(page.contains("run_files_path"), "\(page)")
    #expect(!page.contains("SCAN"), "\(page)")
    let count = try plan(
      Store.notSucceededInFileSQL.replacingOccurrences(of: ":file", with: "'a'").replacingOccurrences(
        of: ":readRun", with: "1"))
    #expect(count.contains("jobs_state"), "\(count)")
    let whole = try plan(Store.notSucceededSQL)
    #expect(whole.contains("COVERING INDEX jobs_state"), "\(whole)")
  }
}
