import Foundation
import GRDB
import GeminiAPI
import Testing

@testable import GemBatchCore

/// The store side of issue 10 on real SQLite files: the claim, answers owned by their
/// endpoint, spend over all runs, quota stops, foreign files, damage, output paths.
@Suite struct StoreTrustUnitTests {
  static let defaults = RunDefaults(model: "gemini-2.5-flash")

  func begin(_ store: Store, _ files: [String], endpoint: String = "http://127.0.0.1:1", kind: EndpointIdentity.Kind? = nil)
    throws -> Int64
  {
    try store.beginRun(RunStart(endpoint: endpoint, endpointKind: kind, files: files, version: "test"))
  }

  func load(_ store: Store, _ files: [String], run: Int64, retryFailed: Bool = false) throws -> JobLoader.Result {
    try JobLoader(store: store, defaults: Self.defaults, retryFailed: retryFailed).load(files: files, runId: run)
  }

  @discardableResult
  func writeJobs(_ path: String, _ ids: [String]) -> String {
    JobsTestKit.write(ids.map { #"{"id":"\#($0)","prompt":"Question \#($0)?"}"# + "\n" }.joined(), to: path)
  }

  /// Every pending job of `run` gets one attempt ending `state`, with a result costing `cost`.
  func answerAll(_ store: Store, run: Int64, state: JobState = .succeeded, cost: Double = 0.01) async throws {
    let w = LedgerWriter(store: store)
    for job in try store.fetchRunnable(afterSeq: -1, limit: 1000, runId: run) {
      let id = try await w.attemptStarted(
        AttemptStart(jobId: job.id, runId: run, attemptNo: job.attemptCount + 1, requestHash: job.requestHash,
                     streamed: false, startedAt: 1000))
      let ok = state == .succeeded
      try await w.attemptFinished(
        AttemptFinish(
          attemptId: id, jobId: job.id, runId: run, endedAt: 1001, outcome: ok ? .succeeded : .failed, jobState: state,
          failureClass: ok ? nil : "permanent", failureReason: ok ? nil : "400", httpStatus: ok ? 200 : 400,
          rawResponse: ok ? Data("{}".utf8) : nil,
          result: ok
            ? ResultRecord(jobId: job.id, attemptId: id, runId: run, requestHash: job.requestHash, answerText: "a",
                           costUSD: cost, createdAt: 1001) : nil))
    }
    try await w.close()
  }

  func count(_ store: Store, _ sql: String) throws -> Int {
    try store.pool.read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
  }

  // MARK: - StoreClaim

  @Test func aSecondClaimIsRefusedNamingTheHolderAndAReleasedOneIsFree() throws {
    let dir = JobsTestKit.tempDir("claim")
    let path = dir + "/s.sqlite"
    let claim = try StoreClaim.acquire(storePath: path)
    let store = try Store.open(path: path, claim: claim)
    let run = try begin(store, [])
    #expect(claim.takenOver == nil && !claim.needsCheck)
    // flock locks belong to an open file description: a second acquire in the same process conflicts too.
    do {
      _ = try StoreClaim.acquire(storePath: path)
      Issue.record("a second claim was granted")
    } catch let e as StoreError {
      #expect(e.code == .claimed)
      #expect(e.message.contains("run #\(run) (pid \(getpid()) on "), "\(e.message)")
    }
    let status = try Store.openReadOnly(path: path).statusReport()
    #expect(status.writer?.pid == getpid() && status.writer?.runId == run && status.writer?.live == true)
    #expect(try store.pool.read { db in try Int64.fetchOne(db, sql: "SELECT pid FROM runs WHERE id = ?", arguments: [run]) }
      == Int64(getpid()))
    try store.endRun(id: run, status: .finished, stopReason: nil)
    claim.release()
    #expect(try Store.openReadOnly(path: path).statusReport().writer == nil)
    let again = try StoreClaim.acquire(storePath: path)
    let reopened = try Store.open(path: path, claim: again)
    #expect(again.takenOver == nil && !again.needsCheck)
    again.release()
    try reopened.pool.close()
  }

  @Test func aClaimLeftBehindIsTakenOverAndTheStoreMarkedForACheck() throws {
    let dir = JobsTestKit.tempDir("claim-stale")
    let path = dir + "/s.sqlite"
    let store = try Store.open(path: path)
    let dead = try begin(store, [])
    try store.pool.write { db in
      try db.execute(
        sql: "INSERT INTO store_claims (id, token, pid, host, started_at, heartbeat_at, run_id) VALUES (1, 'x', 999999, 'elsewhere', 1, 2, ?)",
        arguments: [dead])
    }
    let claim = try StoreClaim.acquire(storePath: path)
    let taken = try Store.open(path: path, claim: claim)
    #expect(claim.takenOver?.pid == 999999 && claim.takenOver?.runId == dead)
    #expect(claim.needsCheck)
    // The dead run had nothing in flight: it is crashed now, not `running` for ever.
    #expect(try taken.pool.read { db in try String.fetchOne(db, sql: "SELECT status FROM runs WHERE id = ?", arguments: [dead]) }
      == "crashed")
    #expect(try taken.integrityProblems().isEmpty)
    #expect(taken.damage() == nil)
    claim.release()
  }

  // MARK: - A store is gembatch's or it is refused

  @Test func anotherApplicationsFileIsRefusedUntouched() throws {
    let dir = JobsTestKit.tempDir("foreign")
    let path = dir + "/app.db"
    let q = try DatabaseQueue(path: path)
    try q.write { db in try db.execute(sql: "CREATE TABLE t (x); INSERT INTO t VALUES (1)") }
    try q.close()
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(throws: StoreError(.notAStore, "")) { try Store.open(path: path) }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    #expect(!FileManager.default.fileExists(atPath: path + "-wal"))

    // Another GRDB application: migrations, none of them gembatch's.
    let grdb = dir + "/grdb.db"
    var m = DatabaseMigrator()
    m.registerMigration("createPlayers") { db in try db.execute(sql: "CREATE TABLE player (id INTEGER PRIMARY KEY)") }
    let q2 = try DatabaseQueue(path: grdb)
    try m.migrate(q2)
    try q2.close()
    #expect(throws: StoreError(.notAStore, "")) { try Store.open(path: grdb) }

    // A store with a migration this version does not know: newer.
    let newer = dir + "/newer.sqlite"
    let s = try Store.open(path: newer)
    try s.pool.write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99-future')") }
    try s.pool.close()
    #expect(throws: StoreError(.newerStore, "")) { try Store.open(path: newer) }
    #expect(throws: ReportError.self) { try ReportStore.openReadOnly(path: newer) }
    // An empty SQLite file (no tables) becomes a store.
    let empty = dir + "/empty.sqlite"
    try DatabaseQueue(path: empty).close()
    #expect(try Store.open(path: empty).migrations().contains("v3-trust"))
  }

  @Test func storageErrorsAreClassifiedWithThePath() {
    let full = StoreError.wrap(DatabaseError(resultCode: .SQLITE_FULL), path: "/x/s.sqlite")
    #expect(full.code == .diskFull && full.path == "/x/s.sqlite" && full.message.contains("/x/s.sqlite is full"))
    let io = StoreError.wrap(DatabaseError(resultCode: ResultCode(rawValue: 778)), path: "/x/s.sqlite")  // IOERR_WRITE
    #expect(io.code == .ioError && io.message.contains("SQLITE_IOERR"))
    #expect(StoreError.wrap(DatabaseError(resultCode: .SQLITE_CORRUPT)).code == .corrupt)
    #expect(StoreError.wrap(DatabaseError(resultCode: .SQLITE_NOTADB)).code == .corrupt)
    #expect(StoreError.wrap(DatabaseError(resultCode: .SQLITE_CONSTRAINT)).code == .database)
    #expect(StoreError.storageFailure(in: DatabaseError(resultCode: .SQLITE_FULL)) != nil)
    #expect(StoreError.storageFailure(in: DatabaseError(resultCode: .SQLITE_BUSY)) == nil)
  }

  // MARK: - Answers belong to their endpoint

  @Test func aSuccessFromAnotherEndpointRunsAgainOnSyncAndOnAdoption() async throws {
    let dir = JobsTestKit.tempDir("endpoint")
    let file = writeJobs(dir + "/a.jsonl", ["j0", "j1", "j2"])
    let store = try Store.open(path: dir + "/s.sqlite")
    let mock = try begin(store, [file], endpoint: "http://127.0.0.1:5555", kind: .mock)
    _ = try load(store, [file], run: mock)
    try await answerAll(store, run: mock)

    // Another mock (another port) is still the mock: nothing to do.
    let mock2 = try begin(store, [file], endpoint: "http://127.0.0.1:6666", kind: .mock)
    let resumedDry = try load(store, [file], run: mock2)
    #expect(resumedDry.adopted && resumedDry.toRun == 0 && resumedDry.alreadySucceeded == 3)

    // The real endpoint: every job runs again (adopted: the file did not change).
    let real = try begin(store, [file], endpoint: Endpoint.googleBaseURL, kind: .google)
    let adopted = try load(store, [file], run: real)
    #expect(adopted.adopted && adopted.toRun == 3 && adopted.otherEndpoint == 3 && adopted.alreadySucceeded == 0)
    #expect(try store.fetchRunnable(afterSeq: -1, limit: 10, runId: real).map(\.id) == ["j0", "j1", "j2"])
    // The mock's answers stay until replaced.
    #expect(try count(store, "SELECT count(*) FROM results") == 3)
    try await answerAll(store, run: real)
    #expect(try count(store, "SELECT count(*) FROM results r JOIN runs ru ON ru.id = r.run_id WHERE ru.endpoint_kind = 'google'") == 3)

    // A full read (the file changed: one more job) applies the same rule to the old ones.
    writeJobs(dir + "/a.jsonl", ["j0", "j1", "j2", "j3"])
    let dry = try begin(store, [file], endpoint: "http://127.0.0.1:7777", kind: .mock)
    let read = try load(store, [file], run: dry)
    #expect(!read.adopted && read.toRun == 4 && read.otherEndpoint == 3)
    let status = try store.statusReport()
    #expect(status.endpoints.map(\.kind) == ["google"])
    #expect(status.runs.first?.endpointKind == "mock")
  }

  /// A job's file is compared as a file: another path to the same file is no conflict; a
  /// relative path recorded from another folder counts as the same file when the names match.
  @Test func aJobIdBelongsToItsFileWhateverPathNamesIt() throws {
    let dir = JobsTestKit.tempDir("owner")
    JobsTestKit.write("{}\n", to: dir + "/a.jsonl")
    JobsTestKit.write("{}\n", to: dir + "/b.jsonl")
    try FileManager.default.createSymbolicLink(atPath: dir + "/link.jsonl", withDestinationPath: dir + "/a.jsonl")
    let store = try Store.open(path: dir + "/s.sqlite")
    let r = try begin(store, [])
    func job(_ file: String) -> Job {
      var j = JobsTestKit.job("x")
      j.sourceFile = file
      return j
    }
    #expect(try store.syncJobs([job("a.jsonl")], runId: r, retryFailed: false).inserted == 1)  // recorded relative, elsewhere
    #expect(try store.syncJobs([job(dir + "/a.jsonl")], runId: r, retryFailed: false).conflicts.isEmpty)
    #expect(try store.syncJobs([job(dir + "/link.jsonl")], runId: r, retryFailed: false).conflicts.isEmpty)
    let clash = try store.syncJobs([job(dir + "/b.jsonl")], runId: r, retryFailed: false)
    #expect(clash.conflicts.map(\.heldBy) == [dir + "/link.jsonl"] && clash.toRun == 0)
    #expect(try store.syncJobs([job(dir + "/b.jsonl")], runId: r, retryFailed: false, takeOver: true).conflicts.isEmpty)
    #expect(try count(store, "SELECT count(*) FROM jobs WHERE source_file = '\(dir)/b.jsonl'") == 1)
  }

  @Test func endpointIdentityDropsCredentialsAndMocksAreOne() {
    let e = EndpointIdentity(kind: .custom, baseURL: "HTTPS://user:secret@Proxy.Example.com:8443/gemini/?key=abc#x")
    #expect(e.baseURL == "https://proxy.example.com:8443/gemini")
    #expect(!e.baseURL.contains("secret") && !e.baseURL.contains("abc"))
    #expect(e.host == "proxy.example.com:8443")
    #expect(EndpointIdentity(kind: .mock, baseURL: "http://127.0.0.1:1").key == EndpointIdentity(kind: .mock, baseURL: "http://127.0.0.1:2").key)
    #expect(EndpointIdentity(kind: .custom, baseURL: "http://127.0.0.1:1").key != EndpointIdentity(kind: .custom, baseURL: "http://127.0.0.1:2").key)
    #expect(EndpointIdentity.kind(forURL: "https://generativelanguage.googleapis.com/") == .google)
    #expect(EndpointIdentity.kind(forURL: "https://api.cometapi.com") == .cometapi)
  }

  // MARK: - Spend, quota stops

  @Test func spendCountsEveryPaidAttemptOverAllRuns() async throws {
    let dir = JobsTestKit.tempDir("spend")
    let a = writeJobs(dir + "/a.jsonl", ["a0", "a1"])
    let b = writeJobs(dir + "/b.jsonl", ["b0"])
    let store = try Store.open(path: dir + "/s.sqlite")
    let r1 = try begin(store, [a, b])
    _ = try load(store, [a, b], run: r1)
    try await answerAll(store, run: r1, cost: 0.25)
    #expect(abs(try store.spentUSD() - 0.75) < 1e-9)
    #expect(abs(try store.spentUSD(files: [a]) - 0.5) < 1e-9)
    #expect(abs(try store.spentUSD(files: [a, b]) - 0.75) < 1e-9)
    // a0's request changes: its result is replaced, and what the first answer cost still counts.
    JobsTestKit.write(#"{"id":"a0","prompt":"Changed?"}"# + "\n" + #"{"id":"a1","prompt":"Question a1?"}"# + "\n", to: a)
    let r2 = try begin(store, [a])
    _ = try load(store, [a], run: r2)
    try await answerAll(store, run: r2, cost: 0.125)
    #expect(abs(try store.spentUSD(files: [a]) - 0.625) < 1e-9)
    #expect(abs(try store.spentUSD() - 0.875) < 1e-9)
    #expect(try store.spentUSD(files: []) == 0)
  }

  @Test func quotaStopsAreRememberedUntilTheyReset() throws {
    let store = try Store.open(path: JobsTestKit.tempDir("quota") + "/s.sqlite", now: { 1000 })
    try store.recordQuotaStop(model: "gemini-2.5-flash", quotaId: "GenerateRequestsPerDayPerProjectPerModel", resetsAt: 5000)
    try store.recordQuotaStop(model: "gemini-2.5-pro", quotaId: nil, resetsAt: 3000)
    #expect(try store.quotaStops(now: 2000).map(\.model) == ["gemini-2.5-pro", "gemini-2.5-flash"])
    #expect(try store.quotaStops(now: 4000).map(\.quotaId) == ["GenerateRequestsPerDayPerProjectPerModel"])
    // A later stop of the same quota replaces the first.
    try store.recordQuotaStop(model: "gemini-2.5-flash", quotaId: "GenerateRequestsPerDayPerProjectPerModel", resetsAt: 9000)
    #expect(try store.quotaStops(now: 6000).map(\.resetsAt) == [9000])
    try store.clearQuotaStops(model: "gemini-2.5-flash")
    #expect(try store.quotaStops(now: 0).isEmpty)
  }

  @Test func theLedgerRemembersAPerDayQuotaRefusalUntilMidnightPacific() async throws {
    let dir = JobsTestKit.tempDir("quota-ledger")
    let file = writeJobs(dir + "/a.jsonl", ["q"])
    let store = try Store.open(path: dir + "/s.sqlite")
    let run = try begin(store, [file])
    _ = try load(store, [file], run: run)
    let w = LedgerWriter(store: store)
    let job = try #require(try store.fetchRunnable(afterSeq: -1, limit: 1, runId: run).first)
    let id = try await w.attemptStarted(
      AttemptStart(jobId: job.id, runId: run, attemptNo: 1, requestHash: job.requestHash, streamed: false, startedAt: 1000))
    // 2026-12-01T10:00:00Z is 02:00 in Los Angeles: the quota resets at 2026-12-02T08:00:00Z.
    let ended = 1_796_119_200.0
    try await w.attemptFinished(
      AttemptFinish(
        attemptId: id, jobId: job.id, runId: run, endedAt: ended, outcome: .retry, jobState: .pending, httpStatus: 429,
        errorClass: "rate_limited_daily", quotaId: "GenerateRequestsPerDayPerProjectPerModel"))
    try await w.close()
    let stops = try store.quotaStops(now: ended)
    #expect(stops.map(\.model) == ["gemini-2.5-flash"] && stops.map(\.quotaId) == ["GenerateRequestsPerDayPerProjectPerModel"])
    #expect(stops.first?.resetsAt == 1_796_198_400)
    #expect(QuotaReset.next(after: 1_796_198_400) == 1_796_198_400 + 86_400)
  }

  // MARK: - Content-hash adoption

  @Test func adoptionNeedsTheSameBytesAndTheSameSchemaFiles() throws {
    let dir = JobsTestKit.tempDir("digest")
    let schema = JobsTestKit.write(#"{"type":"object","properties":{"a":{"type":"string"}}}"#, to: dir + "/s.json")
    let file = JobsTestKit.write(
      #"{"id":"x","prompt":"P1","responseSchema":"s.json"}"# + "\n" + #"{"id":"y","prompt":"P2"}"# + "\n", to: dir + "/a.jsonl")
    let store = try Store.open(path: dir + "/s.sqlite")
    _ = try load(store, [file], run: try begin(store, [file]))
    let record = try #require(try store.sourceFile(path: file))
    #expect(record.fingerprint.hasPrefix("sha256:") && record.references.map(\.path) == [schema])
    #expect(try load(store, [file], run: try begin(store, [file])).adopted)

    // Same size, mtime put back: the content hash tells.
    let mtime = try #require(JobLoader.modificationTime(file))
    JobsTestKit.write(#"{"id":"x","prompt":"P9","responseSchema":"s.json"}"# + "\n" + #"{"id":"y","prompt":"P2"}"# + "\n", to: file)
    try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: mtime)], ofItemAtPath: file)
    let edited = try load(store, [file], run: try begin(store, [file]))
    #expect(!edited.adopted && edited.toRun == 2)

    // The schema changes, the job file does not: read again; only x's request changed.
    #expect(try load(store, [file], run: try begin(store, [file])).adopted)
    JobsTestKit.write(#"{"type":"object","properties":{"b":{"type":"string"}}}"#, to: schema)
    let r = try begin(store, [file])
    let reread = try load(store, [file], run: r)
    #expect(!reread.adopted)
    let changed = try store.pool.read { db in
      try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs WHERE attempt_count = 0 AND id = 'x' AND last_run_id = ?", arguments: [r])
    }
    #expect(changed == 1)
  }

  /// A digest is taken as the file's while its whole stat is the one seen when it was hashed;
  /// setting the mtime back (as `touch -r` and `cp -p` do) still changes the ctime.
  @Test func aStampedDigestStandsUntilTheFilesStatChanges() throws {
    let dir = JobsTestKit.tempDir("stamp")
    let p = JobsTestKit.write("first\n", to: dir + "/a.jsonl")
    #expect(FileDigest(path: p)?.stamp == nil)  // just written: too recent to vouch for
    let d = try #require(FileDigest(path: p, settleSeconds: 0))
    let stamp = try #require(d.stamp)
    var known = d
    known.sha256 = "not-hashed-again"
    #expect(FileDigest.current(path: p, known: known)?.sha256 == "not-hashed-again")
    let mtime = try #require(JobLoader.modificationTime(p))
    JobsTestKit.write("other\n", to: p)  // same size
    try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: mtime)], ofItemAtPath: p)
    let now = try #require(FileDigest.current(path: p, known: known))
    #expect(now.sha256 != "not-hashed-again" && now.sha256 != d.sha256 && now.size == d.size)
    #expect(FileDigest(path: p, settleSeconds: 0)?.stamp != stamp)
  }

  /// A resume over a file hashed again and found the same keeps its new stat for the next one.
  @Test func anAdoptionThatHashedAgainRecordsTheNewStamp() throws {
    let dir = JobsTestKit.tempDir("restamp")
    let file = writeJobs(dir + "/a.jsonl", ["x"])
    let store = try Store.open(path: dir + "/s.sqlite")
    _ = try load(store, [file], run: try begin(store, [file]))
    #expect(try store.sourceFile(path: file)?.stamp == nil)  // too fresh when read
    try store.updateSourceStamp(path: file, stamp: "0:0:0:0:0", mtime: 0)  // a stat from before a touch
    Thread.sleep(forTimeInterval: FileDigest.settleSeconds + 0.1)  // not timing-sensitive: only "old enough"
    #expect(try load(store, [file], run: try begin(store, [file])).adopted)
    let stamp = try #require(try store.sourceFile(path: file)?.stamp)
    #expect(stamp != "0:0:0:0:0" && stamp == FileDigest(path: file)?.stamp)
  }

  @Test func fileDigestMatchesAKnownVector() throws {
    let dir = JobsTestKit.tempDir("sha")
    let p = JobsTestKit.write("abc", to: dir + "/abc")
    let d = try #require(FileDigest(path: p))
    #expect(d.size == 3 && d.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(FileDigest(path: dir) == nil && FileDigest(path: dir + "/missing") == nil)
  }

  // MARK: - Output paths and atomic files

  @Test func outputPathsOntoTheLedgerAreRefused() throws {
    let dir = JobsTestKit.tempDir("out")
    let store = dir + "/s.sqlite"
    JobsTestKit.write("x", to: store)
    try FileManager.default.createSymbolicLink(atPath: dir + "/link", withDestinationPath: store)
    try FileManager.default.linkItem(atPath: store, toPath: dir + "/hard")
    for bad in [store, dir + "/./s.sqlite", dir + "/link", dir + "/hard", store + "-wal", store + "-shm", store + ".lock"] {
      #expect(throws: ReportError.self, "\(bad)") { try OutputPath.check(bad, stores: [store]) }
    }
    #expect(throws: ReportError.self) { try OutputPath.check(dir + "/p.json", stores: [store], inputs: [dir + "/p.json"]) }
    try OutputPath.check(dir + "/out.jsonl", stores: [store])
  }

  @Test func aFileOutputReplacesTheTargetOnlyWhenFinished() throws {
    let dir = JobsTestKit.tempDir("atomic")
    let target = JobsTestKit.write("old\n", to: dir + "/out.jsonl")
    try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: target)
    do {
      let out = try BufferedOutput.file(target)
      try out.write("new\n")
      try out.flush()
      #expect(try String(contentsOfFile: target, encoding: .utf8) == "old\n")
      // Abandoned (an error on the way): the old file stays, the temporary file goes.
    }
    #expect(try String(contentsOfFile: target, encoding: .utf8) == "old\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.jsonl"])
    let out = try BufferedOutput.file(target)
    try out.write("new\n")
    try out.finish()
    #expect(try String(contentsOfFile: target, encoding: .utf8) == "new\n")
    #expect((try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? NSNumber)?.intValue == 0o640)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.jsonl"])
  }

  // MARK: - The lock-wait signal

  @Test func theBusyHandlerSleepsLikeSQLitesAndGivesUpAtTheTimeout() {
    #expect(StoreLockWait.schedule(0) == (1, 0))
    #expect(StoreLockWait.schedule(3) == (10, 8))
    #expect(StoreLockWait.schedule(12) == (100, 328))
    #expect(StoreLockWait.schedule(14) == (100, 528))
    let callback = StoreLockWait.callback(timeout: 0.003)
    #expect(callback(0) && callback(1))  // 1 + 2 ms slept
    #expect(!callback(2))
    #expect(StoreLockWait.waitingSince() != nil)
  }
}
