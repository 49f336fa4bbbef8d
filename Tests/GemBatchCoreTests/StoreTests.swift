import Foundation
import GRDB
@testable import GemBatchCore
import GeminiAPI
import Testing

@Suite struct StoreTests {
  func newStore(_ name: String = "store") throws -> (Store, String) {
    let path = JobsTestKit.tempDir(name) + "/gembatch.sqlite"
    return (try Store.open(path: path), path)
  }

  func run(_ store: Store) throws -> Int64 {
    try store.beginRun(RunStart(endpoint: "http://127.0.0.1:1", files: ["a.jsonl"], optionsJSON: #"{"concurrency":4}"#, version: "test"))
  }

  @Test func migrationsAndFileMode() throws {
    let (store, path) = try newStore()
    // Every migration this version knows, oldest first, and only those.
    let applied = try store.migrations()
    #expect(Array(applied.prefix(2)) == ["v1", "v2-run-files"])
    #expect(Set(applied) == StoreMigrations.knownIdentifiers)
    let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
    #expect(mode?.intValue == 0o600)
    let tables = try store.pool.read { db in
      try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table','view') ORDER BY name")
    }
    for t in ["attempts", "in_flight_at_crash", "job_status", "jobs", "results", "run_files", "run_summary", "runs", "source_files"] {
      #expect(tables.contains(t), "\(t)")
    }
    let journal = try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
    #expect(journal == "wal")
    // Reopening runs no migration twice.
    let again = try Store.open(path: path)
    #expect(try again.migrations() == applied)
  }

  @Test func noColumnCanHoldAKey() throws {
    let (store, _) = try newStore()
    let columns = try store.pool.read { db in
      try ["runs", "jobs", "attempts", "results", "source_files"].flatMap { try db.columns(in: $0).map(\.name) }
    }
    for c in columns {
      #expect(!c.lowercased().contains("key"), "\(c)")
      #expect(!c.lowercased().contains("auth"), "\(c)")
      #expect(!c.lowercased().contains("header"), "\(c)")
    }
  }

  @Test func openReadOnlyMissingFileFailsClearly() throws {
    let dir = JobsTestKit.tempDir("ro")
    do {
      _ = try Store.openReadOnly(path: dir + "/nope.sqlite")
      Issue.record("opened a missing store")
    } catch let e as StoreError {
      #expect(e.code == .missingFile)
      #expect(e.description.contains("nope.sqlite"))
    }
    #expect(!FileManager.default.fileExists(atPath: dir + "/nope.sqlite"))
    JobsTestKit.write("not a database at all, just text.........................................................", to: dir + "/junk.sqlite")
    #expect(throws: StoreError.self) { try Store.openReadOnly(path: dir + "/junk.sqlite") }
  }

  @Test func syncSemantics() async throws {
    let (store, _) = try newStore()
    let r1 = try run(store)
    let jobs = (0..<4).map { JobsTestKit.job("j\($0)", prompt: "p\($0)", seq: $0) }
    var s = try store.syncJobs(jobs, runId: r1, retryFailed: false)
    #expect(s.inserted == 4 && s.toRun == 4)

    // j0 succeeds, j1 fails, j2 is left waiting, j3 stays pending.
    let w = LedgerWriter(store: store)
    try await finish(w, store, jobs[0], run: r1, state: .succeeded)
    try await finish(w, store, jobs[1], run: r1, state: .failed)
    try await finish(w, store, jobs[2], run: r1, state: .waiting)
    try await w.close()

    // Same hashes: succeeded and failed kept, waiting back to pending.
    let r2 = try run(store)
    s = try store.syncJobs(jobs, runId: r2, retryFailed: false)
    #expect(s.unchanged == 4 && s.alreadySucceeded == 1 && s.failedKept == 1 && s.toRun == 2 && s.inserted == 0)
    var c = try store.counts()
    #expect(c.succeeded == 1 && c.failed == 1 && c.pending == 2 && c.total == 4)
    let runnable = try store.fetchRunnable(afterSeq: -1, limit: 10)
    #expect(runnable.map(\.id) == ["j2", "j3"])
    #expect(runnable[0].attemptCount == 1)

    // retryFailed: failed → pending with a fresh count.
    s = try store.syncJobs(jobs, runId: r2, retryFailed: true)
    #expect(s.failedKept == 0 && s.toRun == 3)
    #expect(try store.fetchRunnable(afterSeq: -1, limit: 10).first { $0.id == "j1" }?.attemptCount == 0)

    // A changed prompt re-runs a succeeded job: result gone, attempts kept.
    var changed = jobs
    changed[0] = JobsTestKit.job("j0", prompt: "new prompt", seq: 0)
    s = try store.syncJobs(changed, runId: r2, retryFailed: false)
    #expect(s.changed == 1 && s.alreadySucceeded == 0)
    c = try store.counts()
    #expect(c.succeeded == 0 && c.pending == 4)
    let (results, attempts, hash) = try await store.pool.read { db in
      (
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM results")!,
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM attempts WHERE job_id = 'j0'")!,
        try String.fetchOne(db, sql: "SELECT request_hash FROM jobs WHERE id = 'j0'")!
      )
    }
    #expect(results == 0)
    #expect(attempts == 1)
    #expect(hash == changed[0].requestHash)
    // seq is stable (first-seen order) and paging works.
    #expect(try store.fetchRunnable(afterSeq: 1, limit: 10).map(\.seq) == [2, 3])
    #expect(try store.fetchRunnable(afterSeq: -1, limit: 2).map(\.id) == ["j0", "j1"])
  }

  func finish(
    _ w: LedgerWriter, _ store: Store, _ job: Job, run: Int64, state: JobState, notBefore: Double = 2000
  ) async throws {
    let id = try await w.attemptStarted(
      AttemptStart(jobId: job.id, runId: run, attemptNo: 1, requestHash: job.requestHash, streamed: false, startedAt: 1000))
    let result =
      state == .succeeded
      ? ResultRecord(jobId: job.id, attemptId: id, runId: run, requestHash: job.requestHash, answerText: "ok", totalTokens: 10, costUSD: 0.001, createdAt: 1001)
      : nil
    try await w.attemptFinished(
      AttemptFinish(
        attemptId: id, jobId: job.id, runId: run, endedAt: 1001, outcome: state == .succeeded ? .succeeded : state == .failed ? .failed : .retry,
        jobState: state, notBefore: state == .waiting ? notBefore : nil, failureClass: state == .failed ? "permanent" : nil,
        failureReason: state == .failed ? "400 INVALID_ARGUMENT" : nil, httpStatus: state == .succeeded ? 200 : 400,
        rawResponse: state == .succeeded ? Data("{}".utf8) : nil, result: result))
  }

  /// A job left waiting for a time still to come (a server's delay) keeps it when its file is
  /// read again; the run gets it through `fetchWaiting`, not with the pending pages.
  @Test func aJobWaitingForAFutureTimeKeepsIt() async throws {
    let (store, _) = try newStore()
    let r1 = try run(store)
    let jobs = (0..<2).map { JobsTestKit.job("j\($0)", prompt: "p\($0)", seq: $0) }
    _ = try store.syncJobs(jobs, runId: r1, retryFailed: false)
    let w = LedgerWriter(store: store)
    let later = Date().timeIntervalSince1970 + 86_400
    try await finish(w, store, jobs[0], run: r1, state: .waiting, notBefore: later)
    try await w.close()

    let r2 = try run(store)
    let s = try store.syncJobs(jobs, runId: r2, retryFailed: false)
    #expect(s.toRun == 2 && s.unchanged == 2)
    #expect(try store.fetchRunnable(afterSeq: -1, limit: 10, runId: r2).map(\.id) == ["j1"])
    let waiting = try store.fetchWaiting(runId: r2)
    #expect(waiting.map(\.job.id) == ["j0"])
    #expect(waiting.first?.notBefore == later)
    #expect(waiting.first?.job.attemptCount == 1)
  }

  /// An outcome queued without waiting (`submitFinished`) is never overtaken by its own job's
  /// next start, although starts otherwise jump ahead of queued outcomes.
  @Test func aRetryStartNeverOvertakesItsOwnQueuedOutcome() async throws {
    let (store, path) = try newStore()
    let r = try run(store)
    let jobs = (0..<200).map { JobsTestKit.job("j\($0)", seq: $0) }
    _ = try store.syncJobs(jobs, runId: r, retryFailed: false)
    let w = LedgerWriter(store: store, maxBatch: 8)
    try await withThrowingTaskGroup(of: Void.self) { group in
      for j in jobs {
        group.addTask {
          let a1 = try await w.attemptStarted(AttemptStart(jobId: j.id, runId: r, attemptNo: 1, requestHash: j.requestHash, streamed: false, startedAt: 1))
          try w.submitFinished(AttemptFinish(attemptId: a1, jobId: j.id, runId: r, endedAt: 2, outcome: .retry, jobState: .waiting, notBefore: 3))
          // At once, as a zero-delay retry would: this start must commit after the outcome above.
          _ = try await w.attemptStarted(AttemptStart(jobId: j.id, runId: r, attemptNo: 2, requestHash: j.requestHash, streamed: false, startedAt: 4))
        }
      }
      try await group.waitForAll()
    }
    try await w.close()
    #expect(w.failure == nil)
    let reader = try Store.openReadOnly(path: path)
    let (inFlight, attempts, open) = try await reader.pool.read { db in
      (try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs WHERE state = 'in_flight' AND attempt_count = 2")!,
       try Int.fetchOne(db, sql: "SELECT count(*) FROM attempts")!,
       try Int.fetchOne(db, sql: "SELECT count(*) FROM attempts WHERE ended_at IS NULL AND attempt_no = 2")!)
    }
    #expect(inFlight == 200 && attempts == 400 && open == 200)
  }

  @Test func attemptStartedIsDurableBeforeItReturns() async throws {
    let (store, path) = try newStore()
    let r = try run(store)
    let job = JobsTestKit.job("a")
    _ = try store.syncJobs([job], runId: r, retryFailed: false)
    let w = LedgerWriter(store: store)
    let id = try await w.attemptStarted(
      AttemptStart(jobId: "a", runId: r, attemptNo: 1, requestHash: job.requestHash, streamed: true, startedAt: 5))
    // A second, independent connection sees the committed row and the job in flight.
    let other = try DatabaseQueue(path: path)
    let row = try other.read { db in
      try Row.fetchOne(db, sql: "SELECT a.ended_at, a.streamed, j.state, j.attempt_count FROM attempts a JOIN jobs j ON j.id = a.job_id WHERE a.id = ?", arguments: [id])
    }
    #expect(row != nil)
    #expect((row?[0] as Double?) == nil)
    #expect(row?[1] == true)
    #expect(row?[2] == "in_flight")
    #expect(row?[3] == 1)
    try await w.close()
  }

  @Test func resultAndSucceededLandTogether() async throws {
    let (store, _) = try newStore()
    let r = try run(store)
    let job = JobsTestKit.job("a")
    _ = try store.syncJobs([job], runId: r, retryFailed: false)
    let w = LedgerWriter(store: store)
    // Refused: succeeded without a result row.
    let id = try await w.attemptStarted(AttemptStart(jobId: "a", runId: r, attemptNo: 1, requestHash: job.requestHash, streamed: false, startedAt: 1))
    await #expect(throws: StoreError.self) {
      try await w.attemptFinished(AttemptFinish(attemptId: id, jobId: "a", runId: r, endedAt: 2, outcome: .succeeded, jobState: .succeeded, rawResponse: Data("{}".utf8)))
    }
    // A result pointing at a job that does not exist makes the whole transaction roll back:
    // the attempt keeps no outcome and the job stays in flight.
    let bogus = ResultRecord(jobId: "ghost", attemptId: id, runId: r, requestHash: "x", createdAt: 2)
    await #expect(throws: StoreError.self) {
      try await w.attemptFinished(AttemptFinish(attemptId: id, jobId: "a", runId: r, endedAt: 2, outcome: .succeeded, jobState: .succeeded, rawResponse: Data("{}".utf8), result: bogus))
    }
    let half = try await store.pool.read { db in
      (try String.fetchOne(db, sql: "SELECT state FROM jobs WHERE id='a'"), try String.fetchOne(db, sql: "SELECT outcome FROM attempts WHERE id=?", arguments: [id]))
    }
    #expect(half.0 == "in_flight")
    #expect(half.1 == nil)
    // The real one.
    let good = ResultRecord(jobId: "a", attemptId: id, runId: r, requestHash: job.requestHash, answerText: "hi", finishReason: "STOP", totalTokens: 12, costUSD: 0.5, createdAt: 2)
    try await w.attemptFinished(AttemptFinish(attemptId: id, jobId: "a", runId: r, endedAt: 2, outcome: .succeeded, jobState: .succeeded, httpStatus: 200, rawResponse: Data("{\"raw\":1}".utf8), result: good))
    let row = try await store.pool.read { db in
      try Row.fetchOne(db, sql: "SELECT j.state, r.answer_text, a.raw_response, a.outcome FROM jobs j JOIN results r ON r.job_id = j.id JOIN attempts a ON a.id = r.attempt_id")
    }
    #expect(row?[0] == "succeeded")
    #expect(row?[1] == "hi")
    #expect(row?[2] == Data("{\"raw\":1}".utf8))
    #expect(row?[3] == "succeeded")
    try await w.close()
    await #expect(throws: StoreError.self) { try await w.flush() }
  }

  @Test func oneBadItemFailsAloneInABatch() async throws {
    let (store, _) = try newStore()
    let r = try run(store)
    let jobs = (0..<50).map { JobsTestKit.job("j\($0)", seq: $0) }
    _ = try store.syncJobs(jobs, runId: r, retryFailed: false)
    let w = LedgerWriter(store: store)
    let results = await withTaskGroup(of: (String, Bool).self) { g in
      for j in jobs + [JobsTestKit.job("ghost")] {
        g.addTask {
          let ok = (try? await w.attemptStarted(AttemptStart(jobId: j.id, runId: r, attemptNo: 1, requestHash: j.requestHash, streamed: false, startedAt: 1))) != nil
          return (j.id, ok)
        }
      }
      var out: [String: Bool] = [:]
      for await (id, ok) in g { out[id] = ok }
      return out
    }
    #expect(results["ghost"] == false)
    #expect(results.filter { $0.value }.count == 50)
    #expect(try store.counts().inFlight == 50)
    try await w.close()
  }

  @Test func recoverLostAttempts() async throws {
    let (store, path) = try newStore()
    let r = try run(store)
    let jobs = (0..<3).map { JobsTestKit.job("j\($0)", seq: $0) }
    _ = try store.syncJobs(jobs, runId: r, retryFailed: false)
    let w = LedgerWriter(store: store)
    for j in jobs.prefix(2) {
      _ = try await w.attemptStarted(AttemptStart(jobId: j.id, runId: r, attemptNo: 1, requestHash: j.requestHash, streamed: false, startedAt: 10))
    }
    try await w.close()
    // "Crash": the process is gone; a new one opens the store.
    let later = try Store.open(path: path, now: { 99 })
    let before = try later.statusReport()
    #expect(before.openAttempts == 2)
    let lost = try later.recoverLostAttempts()
    #expect(Set(lost.map(\.jobId)) == ["j0", "j1"])
    #expect(lost.allSatisfy { $0.runId == r && $0.startedAt == 10 })
    #expect(try later.recoverLostAttempts().isEmpty, "only marked once")
    #expect(try later.lostAttempts().count == 2)
    let c = try later.counts()
    #expect(c.pending == 3 && c.inFlight == 0)
    let status = try later.statusReport()
    #expect(status.lostAttempts.count == 2)
    #expect(status.openAttempts == 0)
    #expect(status.runs.first?.status == "crashed")
    let view = try await later.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM in_flight_at_crash") }
    #expect(view == 2)
  }

  @Test func runsBeginAndEnd() throws {
    let (store, _) = try newStore()
    let a = try run(store)
    try store.endRun(id: a, status: .quotaStopped, stopReason: "daily quota for gemini-2.5-pro; resets 07:00 UTC")
    let b = try run(store)
    #expect(b == a + 1)
    #expect(try store.markCrashedRuns(except: b) == 0)
    let report = try store.statusReport()
    #expect(report.runs.map(\.status) == ["running", "quota_stopped"])
    #expect(report.runs.last?.stopReason?.contains("daily quota") == true)
    #expect(throws: StoreError.self) { try store.endRun(id: 999, status: .finished, stopReason: nil) }
    #expect(try store.markCrashedRuns() == 1)
  }

  @Test func sourceFileRecords() throws {
    let (store, _) = try newStore()
    let r = try run(store)
    #expect(try store.sourceFile(path: "a.jsonl") == nil)
    let rec = SourceFileRecord(path: "a.jsonl", size: 123, mtime: 1.5, fingerprint: "abc", defaultsHash: "def", jobCount: 7, lastRunId: r)
    try store.recordSourceFile(rec)
    #expect(try store.sourceFile(path: "a.jsonl") == rec)
    var next = rec
    next.jobCount = 8
    try store.recordSourceFile(next)
    #expect(try store.sourceFile(path: "a.jsonl")?.jobCount == 8)
  }

  @Test func statusReadsWhileAnotherConnectionWrites() async throws {
    let (store, path) = try newStore()
    let r = try run(store)
    let jobs = (0..<400).map { JobsTestKit.job("j\($0)", seq: $0) }
    _ = try store.syncJobs(jobs, runId: r, retryFailed: false)
    let reader = try Store.openReadOnly(path: path)
    let w = LedgerWriter(store: store, maxBatch: 16)
    let writer = Task {
      for j in jobs {
        let id = try await w.attemptStarted(AttemptStart(jobId: j.id, runId: r, attemptNo: 1, requestHash: j.requestHash, streamed: false, startedAt: 1))
        try await w.attemptFinished(AttemptFinish(attemptId: id, jobId: j.id, runId: r, endedAt: 2, outcome: .failed, jobState: .failed, failureClass: "permanent", failureReason: "bad \(Int(j.id.dropFirst())! % 3)"))
      }
    }
    var reads = 0
    while !writer.isCancelled {
      let s = try reader.statusReport()
      // Counts reconcile in every snapshot.
      #expect(s.counts.total == 400)
      #expect(s.models.map(\.counts.total).reduce(0, +) == 400)
      reads += 1
      if s.counts.failed == 400 { break }
      try await Task.sleep(for: .milliseconds(2))
    }
    try await writer.value
    try await w.close()
    #expect(reads > 1)
    let final = try reader.statusReport()
    #expect(final.failures.count == 3)
    #expect(final.failures.map(\.count).reduce(0, +) == 400)
    #expect(reader.isReadOnly)
    #expect(throws: (any Error).self) { try reader.beginRun(RunStart(endpoint: "x", files: [], version: "t")) }
  }

  @Test func adoptReleaseAndRunFilter() async throws {
    let (store, _) = try newStore()
    let r1 = try run(store)
    let a = (0..<3).map { i -> Job in
      var j = JobsTestKit.job("a\(i)", seq: i)
      j.sourceFile = "a.jsonl"
      return j
    }
    var b = JobsTestKit.job("b0", seq: 3)
    b.sourceFile = "b.jsonl"
    _ = try store.syncJobs(a + [b], runId: r1, retryFailed: false)
    let w = LedgerWriter(store: store)
    try await finish(w, store, a[0], run: r1, state: .succeeded)
    try await finish(w, store, a[1], run: r1, state: .failed)
    try await finish(w, store, a[2], run: r1, state: .waiting)
    try await w.close()

    // waiting until 2000: not released at 1500, released at 2000.
    #expect(try store.releaseWaiting(now: 1500) == 0)
    #expect(try store.releaseWaiting(now: 2000) == 1)

    // Run 2 only reads b.jsonl; a.jsonl is unchanged and adopted without reading it.
    let r2 = try run(store)
    _ = try store.syncJobs([b], runId: r2, retryFailed: false)
    #expect(try store.fetchRunnable(afterSeq: -1, limit: 10, runId: r2).map(\.id) == ["b0"])
    let s = try store.adoptJobs(sourceFile: "a.jsonl", runId: r2, retryFailed: true)
    #expect(s.unchanged == 3 && s.alreadySucceeded == 1 && s.toRun == 2 && s.failedKept == 0)
    #expect(try store.fetchRunnable(afterSeq: -1, limit: 10, runId: r2).map(\.id) == ["a1", "a2", "b0"])
    #expect(try store.fetchRunnable(afterSeq: -1, limit: 10, runId: r1).isEmpty)
    let counts = try store.counts()
    #expect(counts.succeeded == 1 && counts.pending == 3 && counts.total == 4)
  }
}
