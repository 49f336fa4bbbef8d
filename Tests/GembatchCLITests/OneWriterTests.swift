import Foundation
import GRDB
import GeminiAPI
import GeminiMock
import Testing

/// One writer per store, with the built binary: overlapping runs, a claim left by a killed run,
/// SIGHUP, and readers while a run writes.
@Suite(.serialized) struct OneWriterTests {
  static let env = RunEndToEndTests.env

  static func slowMock(_ ms: Int) -> MockConfiguration {
    RunEndToEndTests.mockConfig { $0.firstByteLatency = .fixed(.milliseconds(ms)) }
  }

  static func args(_ file: URL, _ db: URL, port: Int, concurrency: Int = 8) -> [String] {
    ["run", file.path, "--db", db.path, "--endpoint", "http://127.0.0.1:\(port)", "--progress", "none",
     "--concurrency", "\(concurrency)"]
  }

  /// Polls until `condition` holds (or `timeout` seconds pass); returns whether it held.
  static func waitUntil(timeout: Double = 60, _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if (try? condition()) == true { return true }
      try await Task.sleep(for: .milliseconds(20))
    }
    return false
  }

  static func attempts(_ db: URL) -> Int {
    guard FileManager.default.fileExists(atPath: db.path) else { return 0 }
    return (try? RunEndToEndTests.count(db, "SELECT count(*) FROM attempts")) ?? 0
  }

  @Test func twoRunsStartedTogetherAndOneStaggeredSendEveryBodyOnce() async throws {
    let dir = try CLI.tempDir()
    let n = 200
    let file = try RunEndToEndTests.writeJobs(dir, count: n)
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(Self.slowMock(300)) { port in
      // 200 jobs × 300 ms / 8 in flight: 7.5 s, so the staggered run comes while the first runs.
      let args = Self.args(file, db, port: port)
      async let first = CLI.run(args, env: Self.env)
      async let second = CLI.run(args, env: Self.env)
      try await Task.sleep(for: .milliseconds(1500))
      let staggered = try await CLI.run(args, env: Self.env)
      let (a, b) = try await (first, second)

      #expect([a.status, b.status].sorted() == [0, 2], "\(a.stderr)\n---\n\(b.stderr)")
      let refused = a.status == 2 ? a : b
      #expect(refused.stderr.contains("is in use by"), "\(refused.stderr)")
      #expect(refused.stderr.contains("pid ") && refused.stderr.contains("started "), "\(refused.stderr)")
      #expect(staggered.status == 2, "\(staggered.stderr)")
      #expect(staggered.stderr.contains("is in use by run #1 (pid "), "\(staggered.stderr)")
      let s = try await RunEndToEndTests.stats(port: port)
      #expect(s["requests"]?.intValue == n)
      #expect(s["duplicates"]?.intValue == 0)
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM runs") == 1)
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM store_claims") == 0)
    }
  }

  @Test func aClaimLeftByAKilledRunIsTakenOverAndItsAttemptsReportedLost() async throws {
    let dir = try CLI.tempDir()
    let n = 40
    let file = try RunEndToEndTests.writeJobs(dir, count: n)
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(Self.slowMock(400)) { port in
      let args = Self.args(file, db, port: port, concurrency: 4)
      let (p, _, err) = try CLI.start(args, env: Self.env)
      let errTask = CLI.drain(err)
      #expect(try await Self.waitUntil { Self.attempts(db) >= 4 })
      kill(p.processIdentifier, SIGKILL)
      try await CLI.wait(p)
      _ = await errTask.value

      // status: the claim is still there, and its process is gone.
      let status = try await CLI.run(["status", "--db", db.path])
      #expect(status.status == 0, "\(status.stderr)")
      #expect(status.stdout.contains("left claimed by run #1 (pid \(p.processIdentifier)"), "\(status.stdout)")

      let r = try await CLI.run(args, env: Self.env)
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stderr.contains("was held by run #1 (pid \(p.processIdentifier)"), "\(r.stderr)")
      #expect(r.stderr.contains("which is gone; taking over"), "\(r.stderr)")
      let lost = try RunEndToEndTests.count(db, "SELECT count(*) FROM attempts WHERE outcome = 'lost'")
      #expect(lost > 0 && CrashResumeTests.lostCount(r.stderr) == lost, "\(r.stderr)")
      #expect(try RunEndToEndTests.query(db, "SELECT status FROM runs WHERE id = 1") == "crashed")
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM jobs WHERE state = 'succeeded'") == n)
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM store_claims") == 0)
    }
  }

  @Test func sighupFinishesWhatIsInFlightAndExitsResumable() async throws {
    let dir = try CLI.tempDir()
    let n = 60
    let file = try RunEndToEndTests.writeJobs(dir, count: n)
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(Self.slowMock(300)) { port in
      let args = Self.args(file, db, port: port, concurrency: 4)
      let (p, _, err) = try CLI.start(args, env: Self.env)
      let errTask = CLI.drain(err)
      #expect(try await Self.waitUntil { Self.attempts(db) >= 4 })
      kill(p.processIdentifier, SIGHUP)
      try await CLI.wait(p)
      let text = String(decoding: await errTask.value, as: UTF8.self)
      #expect(p.terminationReason == .exit && p.terminationStatus == 3, "\(text)")
      #expect(text.contains("SIGHUP"), "\(text)")
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM attempts WHERE ended_at IS NULL OR outcome = 'lost'") == 0)
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM store_claims") == 0)
      let r = try await CLI.run(args, env: Self.env)
      #expect(r.status == 0, "\(r.stderr)")
      let s = try await RunEndToEndTests.stats(port: port)
      #expect(s["duplicates"]?.intValue == 0)
      #expect(s["requests"]?.intValue == n)
    }
  }

  @Test func statusAndExportReadWhileARunHoldsTheStore() async throws {
    let dir = try CLI.tempDir()
    let n = 60
    let file = try RunEndToEndTests.writeJobs(dir, count: n)
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(Self.slowMock(300)) { port in
      let (p, _, err) = try CLI.start(Self.args(file, db, port: port, concurrency: 2), env: Self.env)
      let errTask = CLI.drain(err)
      #expect(try await Self.waitUntil { Self.attempts(db) >= 2 })
      let status = try await CLI.run(["status", "--db", db.path])
      #expect(status.status == 0, "\(status.stderr)")
      #expect(status.stdout.contains("in use by run #1: pid \(p.processIdentifier) on "), "\(status.stdout)")
      #expect(status.stdout.contains("heartbeat "), "\(status.stdout)")
      let json = try await CLI.run(["status", "--db", db.path, "--json"])
      let writer = try JSONValue.parse(Data(json.stdout.utf8))["writer"]
      #expect(writer?["pid"]?.intValue == Int(p.processIdentifier) && writer?["live"] == .bool(true), "\(json.stdout)")
      let export = try await CLI.run(["export", "--db", db.path])
      #expect(export.status == 0, "\(export.stderr)")
      #expect(export.stdout.split(separator: "\n").count == n)
      let report = try await CLI.run(["report", "--db", db.path])
      #expect(report.status == 0, "\(report.stderr)")
      kill(p.processIdentifier, SIGINT)
      try await CLI.wait(p)
      _ = await errTask.value
      #expect(p.terminationStatus == 3)
    }
  }

  /// Another process holds the store's write lock for a few seconds: the run waits (SQLite
  /// busy), says so in its progress output, then goes on.
  @Test func aRunWaitingOnTheStoreLockSaysSo() async throws {
    let dir = try CLI.tempDir()
    let file = try RunEndToEndTests.writeJobs(dir, count: 5)
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(RunEndToEndTests.mockConfig()) { port in
      let args = ["run", file.path, "--db", db.path, "--endpoint", "http://127.0.0.1:\(port)", "--progress", "log"]
      #expect(try await CLI.run(args, env: Self.env).status == 0)
      _ = try RunEndToEndTests.writeJobs(dir, count: 8)  // 3 more jobs: the next run has work to write
      // The holder is a connection of this process, in a write transaction for 3 s on a thread
      // of its own; the run starts once it holds the lock.
      let holder = try DatabaseQueue(path: db.path)
      let held = DispatchSemaphore(value: 0)
      let done = DispatchSemaphore(value: 0)
      DispatchQueue.global().async {
        try? holder.writeWithoutTransaction { db in
          try db.inTransaction(.immediate) {
            held.signal()
            Thread.sleep(forTimeInterval: 3)
            return .commit
          }
        }
        done.signal()
      }
      await withCheckedContinuation { c in DispatchQueue.global().async { held.wait(); c.resume() } }
      let (p, _, err) = try CLI.start(args, env: Self.env)
      let errTask = CLI.drain(err)
      await withCheckedContinuation { c in DispatchQueue.global().async { done.wait(); c.resume() } }
      try holder.close()
      try await CLI.wait(p)
      let text = String(decoding: await errTask.value, as: UTF8.self)
      #expect(p.terminationStatus == 0, "\(text)")
      #expect(text.contains("waiting on the store lock (held by another process) since"), "\(text)")
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM jobs WHERE state = 'succeeded'") == 8)
    }
  }
}
