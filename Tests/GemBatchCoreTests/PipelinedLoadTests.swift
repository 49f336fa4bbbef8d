import Foundation
import GRDB
import Testing

@testable import GemBatchCore

/// Loading reads on the caller's thread and writes on a second one (`BackgroundSync`): the store
/// must still get every job once, in file order, and a failing write must stop the load.
@Suite struct PipelinedLoadTests {
  static let defaults = RunDefaults(model: "gemini-2.5-flash")

  func jobsFile(_ dir: String, _ ids: Range<Int>, prompt: String = "Question") -> String {
    let text = ids.map { #"{"id":"j\#($0)","prompt":"\#(prompt) \#($0)?"}"# + "\n" }.joined()
    return JobsTestKit.write(text, to: dir + "/jobs.jsonl")
  }

  @Test func manySmallBatchesKeepFileOrderAndCounts() throws {
    let dir = JobsTestKit.tempDir("pipe")
    let file = jobsFile(dir, 0..<203)
    let store = try Store.open(path: dir + "/s.sqlite")
    let run = try store.beginRun(RunStart(endpoint: "http://127.0.0.1:1", files: [file], optionsJSON: "{}", version: "t"))
    var loader = JobLoader(store: store, defaults: Self.defaults, retryFailed: false)
    loader.batchSize = 7  // 29 batches, so writes overlap reads many times
    let r = try loader.load(files: [file], runId: run)
    #expect(r.errors.isEmpty)
    #expect(r.toRun == 203)
    let ids = try store.pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM jobs ORDER BY seq") }
    #expect(ids == (0..<203).map { "j\($0)" })
    let lines = try store.pool.read { db in try Int.fetchAll(db, sql: "SELECT source_line FROM jobs ORDER BY seq") }
    #expect(lines == Array(1...203))

    // Again with 50 prompts changed: known ids go the update path (the insert does nothing).
    let text = (0..<203).map { i in
      #"{"id":"j\#(i)","prompt":"\#(i < 50 ? "Changed" : "Question") \#(i)?"}"# + "\n"
    }.joined()
    JobsTestKit.write(text, to: file)
    let run2 = try store.beginRun(RunStart(endpoint: "http://127.0.0.1:1", files: [file], optionsJSON: "{}", version: "t"))
    let r2 = try loader.load(files: [file], runId: run2)
    #expect(r2.toRun == 203)
    let count = try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs") }
    #expect(count == 203)
    let seqs = try store.pool.read { db in try Int.fetchAll(db, sql: "SELECT seq FROM jobs ORDER BY seq") }
    #expect(seqs == Array(0..<203))
  }

  struct Refused: Error {}

  @Test func aFailedWriteStopsLaterWritesAndIsThrown() throws {
    let written = WriteLog([Int]())
    let sync = BackgroundSync(depth: 1) { batch in
      let n = batch.count
      if n == 3 { throw Refused() }
      written.append(n)
      var s = SyncStats()
      s.inserted = n
      return s
    }
    let job = JobsTestKit.job("x")
    #expect(throws: Refused.self) {
      for n in [1, 2, 3, 4, 5, 6] { try sync.submit(Array(repeating: job, count: n)) }
      _ = try sync.finish()
    }
    // 1 and 2 were written; 3 failed; nothing after it was.
    #expect(written.value == [1, 2])
    #expect(throws: Refused.self) { _ = try sync.finish() }
  }

  @Test func statsAddUp() throws {
    let sync = BackgroundSync { batch in
      var s = SyncStats()
      s.inserted = batch.count
      s.toRun = batch.count
      return s
    }
    for n in 1...10 { try sync.submit(Array(repeating: JobsTestKit.job("x"), count: n)) }
    let s = try sync.finish()
    #expect(s.inserted == 55 && s.toRun == 55)
  }
}

/// What the fake writer wrote, behind a lock.
final class WriteLog<T: Sendable>: @unchecked Sendable {
  private var v: T
  private let lock = NSLock()
  init(_ v: T) { self.v = v }
  var value: T { lock.withLock { v } }
  func append<E>(_ e: E) where T == [E] { lock.withLock { v.append(e) } }
}
