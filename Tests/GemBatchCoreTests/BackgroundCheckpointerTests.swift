import Foundation
import GRDB
import Testing

@testable import GemBatchCore

/// During a run the WAL is checkpointed by a connection of its own; the writer's automatic
/// checkpoint is off until `stop()`, and the store stays readable and complete throughout.
@Suite struct BackgroundCheckpointerTests {
  @Test func checkpointsWhileTheWriterCommitsThenHandsBack() async throws {
    let path = JobsTestKit.tempDir("ckpt") + "/gembatch.sqlite"
    let store = try Store.open(path: path)
    let autoBefore = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") }
    #expect(autoBefore == 1000)

    let c = try #require(try BackgroundCheckpointer.start(store, interval: .milliseconds(5)))
    let autoDuring = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") }
    #expect(autoDuring == 4000)

    let r = try store.beginRun(RunStart(endpoint: "http://127.0.0.1:1", files: [], optionsJSON: "{}", version: "t"))
    let jobs = (0..<400).map { JobsTestKit.job("j\($0)", prompt: String(repeating: "x", count: 500) + "\($0)", seq: $0) }
    _ = try store.syncJobs(jobs, runId: r, retryFailed: false)
    let w = LedgerWriter(store: store)
    for j in jobs {
      _ = try await w.attemptStarted(
        AttemptStart(jobId: j.id, runId: r, attemptNo: 1, requestHash: j.requestHash, streamed: false, startedAt: 1))
    }
    try await w.close()
    // Give the timer a few ticks.
    for _ in 0..<200 where c.checkpoints < 3 { try await Task.sleep(for: .milliseconds(5)) }
    #expect(c.checkpoints >= 3)
    c.stop()
    c.stop()  // idempotent

    let autoAfter = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") }
    #expect(autoAfter == 1000)
    let n = try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM attempts") }
    #expect(n == 400)
    // stop() folded the WAL into the database file: a copy of the file alone has everything.
    let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber)?.intValue ?? 0
    #expect(wal == 0)
    let copy = JobsTestKit.tempDir("ckpt-copy") + "/copy.sqlite"
    try FileManager.default.copyItem(atPath: path, toPath: copy)
    try store.pool.close()
    let again = try Store.openReadOnly(path: copy)
    #expect(try again.counts().inFlight == 400)
  }

  /// A writer that never stops committing: the WAL must still start over now and then instead
  /// of growing with everything written (a PASSIVE checkpoint alone never reaches its end).
  @Test func theWALStaysBoundedUnderContinuousWrites() async throws {
    let path = JobsTestKit.tempDir("ckpt-bound") + "/gembatch.sqlite"
    let store = try Store.open(path: path)
    try await store.pool.write { db in try db.execute(sql: "CREATE TABLE filler (id INTEGER PRIMARY KEY, v TEXT)") }
    let c = try #require(try BackgroundCheckpointer.start(store, interval: .milliseconds(2), writerPages: 64))
    let blob = String(repeating: "y", count: 3000)
    // Back-to-back small transactions, as the ledger writes them, on a thread of their own.
    let done = DispatchSemaphore(value: 0)
    Thread {
      for i in 0..<4000 {
        try? store.pool.write { db in
          try db.execute(sql: "INSERT INTO filler (v) VALUES (?)", arguments: [blob + "\(i)"])
        }
      }
      done.signal()
    }.start()
    var largestWAL = 0
    while done.wait(timeout: .now() + .milliseconds(5)) == .timedOut {
      let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber)?.intValue ?? 0
      largestWAL = max(largestWAL, wal)
    }
    c.stop()
    // ~16 MB of pages go through the WAL (one page a row): without the writer's checkpoint it
    // ends near 50 MB; with it at 64 pages it stays around 1 MB, a few MB when the machine is
    // busy (a reader still on old frames delays the restart). 16 MB separates the two.
    let rows = try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM filler") }
    #expect(rows == 4000)
    #expect(largestWAL < 16_000_000, "the WAL reached \(largestWAL) bytes")
  }

  @Test func aReadOnlyStoreGetsNone() throws {
    let path = JobsTestKit.tempDir("ckpt-ro") + "/gembatch.sqlite"
    try Store.open(path: path).pool.close()
    #expect(try BackgroundCheckpointer.start(try Store.openReadOnly(path: path)) == nil)
  }
}
