import Foundation
import GRDB
import GeminiAPI
import GeminiMock
import Testing

/// A store says truthfully what it holds, and refuses what it cannot vouch for (issue 10), with
/// the built binary, real SQLite files and the mock.
@Suite(.serialized) struct StoreTrustTests {
  static let env = RunEndToEndTests.env

  static func run(_ file: URL, db: URL?, port: Int, extra: [String] = [], cwd: URL? = nil) async throws -> CLI.Result {
    var args = ["run", file.path, "--endpoint", "http://127.0.0.1:\(port)", "--progress", "none"] + extra
    if let db { args += ["--db", db.path] }
    return try await CLI.run(args, env: Self.env, cwd: cwd)
  }

  static func requests(_ port: Int) async throws -> Int {
    try await RunEndToEndTests.stats(port: port)["requests"]?.intValue ?? -1
  }

  // MARK: - Answers belong to their endpoint

  /// The sequence from the issue, run as is: a dry run, then the real run, both on the default
  /// store, in the same folder. The second mock stands for the real endpoint (a URL).
  @Test func aDryRunThenARealRunSendsEveryJobToTheRealEndpoint() async throws {
    let dir = try CLI.tempDir()
    let n = 6
    _ = try RunEndToEndTests.writeJobs(dir, count: n)
    let dry = try await CLI.run(["run", "jobs.jsonl", "--endpoint", "mock", "--progress", "none"], cwd: dir)
    #expect(dry.status == 0, "\(dry.stderr)")
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("gembatch-mock.sqlite").path))
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("gembatch.sqlite").path))
    try await GeminiMockServer.withServer(RunEndToEndTests.mockConfig()) { port in
      let real = try await CLI.run(
        ["run", "jobs.jsonl", "--endpoint", "http://127.0.0.1:\(port)", "--progress", "none"], env: Self.env, cwd: dir)
      #expect(real.status == 0, "\(real.stderr)")
      #expect(real.stderr.contains("sending to 127.0.0.1:\(port) (custom)"), "\(real.stderr)")
      #expect(!real.stderr.contains("already done earlier"), "\(real.stderr)")
      #expect(try await Self.requests(port) == n)
      let export = try await CLI.run(["export"], cwd: dir)
      #expect(export.status == 0, "\(export.stderr)")
      for line in export.stdout.split(separator: "\n") {
        let row = try JSONValue.parse(Data(line.utf8))
        #expect(row["endpoint"]?["kind"] == .string("custom"), "\(line)")
      }
    }
  }

  /// The same on one store given with --db: the mock's answers do not count for the real run,
  /// and status and export say where each answer came from.
  @Test func aSharedStoreRunsAgainWhatOnlyTheMockAnswered() async throws {
    let dir = try CLI.tempDir()
    let n = 5
    let file = try RunEndToEndTests.writeJobs(dir, count: n)
    let db = dir.appendingPathComponent("shared.sqlite")
    let dry = try await CLI.run(["run", file.path, "--db", db.path, "--endpoint", "mock", "--progress", "none"])
    #expect(dry.status == 0, "\(dry.stderr)")
    let before = try await CLI.run(["status", "--db", db.path])
    #expect(before.stdout.contains("\(n) from mock"), "\(before.stdout)")
    let exportBefore = try await CLI.run(["export", "--db", db.path, "--format", "csv"])
    #expect(exportBefore.stdout.contains(",mock http://127.0.0.1:"), "\(exportBefore.stdout)")
    try await GeminiMockServer.withServer(RunEndToEndTests.mockConfig()) { port in
      let real = try await Self.run(file, db: db, port: port)
      #expect(real.status == 0, "\(real.stderr)")
      #expect(try await Self.requests(port) == n)
      let again = try await Self.run(file, db: db, port: port)
      #expect(again.stderr.contains("\(n) already done earlier"), "\(again.stderr)")
      #expect(try await Self.requests(port) == n)
    }
    let after = try await CLI.run(["status", "--db", db.path])
    #expect(after.stdout.contains("\(n) from custom http://127.0.0.1:"), "\(after.stdout)")
    #expect(!after.stdout.contains("from mock"), "\(after.stdout)")
    #expect(try RunEndToEndTests.query(db, "SELECT endpoint_kind FROM runs WHERE id = 1") == "mock")
    let report = try await CLI.run(["report", "--db", db.path])
    #expect(report.stdout.contains("results from: \(n) custom http://127.0.0.1:"), "\(report.stdout)")
  }

  // MARK: - No silent destination

  @Test func aKeyFileWithoutEndpointIsRefused() async throws {
    let dir = try CLI.tempDir()
    _ = try RunEndToEndTests.writeJobs(dir, count: 2)
    try "some-key\n".write(to: dir.appendingPathComponent("key.txt"), atomically: true, encoding: .utf8)
    let r = try await CLI.run(["run", "jobs.jsonl", "--api-key-file", "key.txt", "--progress", "none"], cwd: dir)
    #expect(r.status == 2, "\(r.stderr)")
    for choice in ["--endpoint google", "--endpoint cometapi", "--endpoint URL"] {
      #expect(r.stderr.contains(choice), "\(r.stderr)")
    }
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("gembatch.sqlite").path))
  }

  // MARK: - A store is gembatch's or it is refused

  @Test func anotherApplicationsSQLiteFileIsLeftByteIdentical() async throws {
    let dir = try CLI.tempDir()
    let file = try RunEndToEndTests.writeJobs(dir, count: 2)
    let foreign = dir.appendingPathComponent("app.db")
    do {
      let q = try DatabaseQueue(path: foreign.path)
      try await q.write { db in
        try db.execute(sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')")
      }
      try q.close()
    }
    let text = dir.appendingPathComponent("notes.txt")
    try "not a database\n".write(to: text, atomically: true, encoding: .utf8)
    let bytes = try Data(contentsOf: foreign)
    let textBytes = try Data(contentsOf: text)
    try await GeminiMockServer.withServer(RunEndToEndTests.mockConfig()) { port in
      let r = try await Self.run(file, db: foreign, port: port)
      #expect(r.status == 2, "\(r.stderr)")
      #expect(r.stderr.contains("another application's SQLite database (tables notes"), "\(r.stderr)")
      let t = try await Self.run(file, db: text, port: port)
      #expect(t.status == 2, "\(t.stderr)")
      #expect(t.stderr.contains("not a SQLite file"), "\(t.stderr)")
      #expect(try await Self.requests(port) == 0)
    }
    #expect(try Data(contentsOf: foreign) == bytes)
    #expect(try Data(contentsOf: text) == textBytes)
    let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    #expect(left == ["app.db", "jobs.jsonl", "notes.txt"], "\(left)")
  }

  @Test func aMissingJobFileIsBadInputBeforeAnyRunAndBadLinesAreRecordedRefused() async throws {
    let dir = try CLI.tempDir()
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(RunEndToEndTests.mockConfig()) { port in
      let missing = try await Self.run(dir.appendingPathComponent("nope.jsonl"), db: db, port: port)
      #expect(missing.status == 2, "\(missing.stderr)")
      #expect(missing.stderr.contains("cannot read the job file"), "\(missing.stderr)")
      #expect(!FileManager.default.fileExists(atPath: db.path))
      let bad = dir.appendingPathComponent("bad.jsonl")
      try "{\"id\":\"a\",\"model\":\"gemini-2.5-flash\"}\n".write(to: bad, atomically: true, encoding: .utf8)
      let refused = try await Self.run(bad, db: db, port: port)
      #expect(refused.status == 2, "\(refused.stderr)")
      #expect(try RunEndToEndTests.query(db, "SELECT status FROM runs") == "refused")
    }
  }

  /// A damaged store (4 KB of garbage over a page in its middle) after a run that did not end
  /// cleanly: the next run checks it before sending, names what the check found, sends nothing.
  @Test func aStoreWithGarbageInItIsRefusedAfterAnUncleanEnd() async throws {
    let dir = try CLI.tempDir()
    let file = try RunEndToEndTests.writeJobs(dir, count: 300) { "Question \($0): " + String(repeating: "lorem ipsum ", count: 40) }
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(OneWriterTests.slowMock(300)) { port in
      let (p, _, err) = try CLI.start(OneWriterTests.args(file, db, port: port, concurrency: 4), env: Self.env)
      let errTask = CLI.drain(err)
      #expect(try await OneWriterTests.waitUntil { OneWriterTests.attempts(db) >= 8 })
      kill(p.processIdentifier, SIGKILL)
      try await CLI.wait(p)
      _ = await errTask.value
      // Fold the WAL into the file, so the garbage is not shadowed by a newer copy of its page.
      let q = try DatabaseQueue(path: db.path)
      try await q.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
      let pages: Int = try await q.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
      try q.close()
      #expect(pages > 20)
      let h = try FileHandle(forUpdating: db)
      try h.seek(toOffset: UInt64(pages / 2) * 4096)
      try h.write(contentsOf: Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) }))
      try h.close()
      let sent = try await Self.requests(port)

      let r = try await CLI.run(OneWriterTests.args(file, db, port: port, concurrency: 4), env: Self.env)
      #expect(r.status == 2, "\(r.stderr)")
      #expect(r.stderr.contains("is damaged: PRAGMA quick_check: "), "\(r.stderr)")
      #expect(r.stderr.contains("nothing was sent"), "\(r.stderr)")
      #expect(try await Self.requests(port) == sent)
    }
  }

  // MARK: - A job id belongs to its file; a changed input runs again

  @Test func theSameIdsInAnotherFileAreRefusedUnlessTakenOver() async throws {
    let dir = try CLI.tempDir()
    let a = try RunEndToEndTests.writeJobs(dir, name: "a.jsonl", count: 3)
    let b = try RunEndToEndTests.writeJobs(dir, name: "b.jsonl", count: 3) { "Another question \($0)" }
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(RunEndToEndTests.mockConfig()) { port in
      #expect(try await Self.run(a, db: db, port: port).status == 0)
      let r = try await Self.run(b, db: db, port: port)
      #expect(r.status == 2, "\(r.stderr)")
      for i in 1...3 {
        #expect(r.stderr.contains("b.jsonl:\(i): [id job-\(i - 1)] this id belongs to \(a.path):\(i)"), "\(r.stderr)")
      }
      #expect(r.stderr.contains("--take-over"), "\(r.stderr)")
      #expect(try await Self.requests(port) == 3)
      // a's jobs and results are untouched: running a again sends nothing.
      let again = try await Self.run(a, db: db, port: port)
      #expect(again.status == 0 && again.stderr.contains("3 already done earlier"), "\(again.stderr)")
      #expect(try await Self.requests(port) == 3)
      // With --take-over, b takes the ids over (its requests differ: they are sent).
      let taken = try await Self.run(b, db: db, port: port, extra: ["--take-over"])
      #expect(taken.status == 0, "\(taken.stderr)")
      #expect(try await Self.requests(port) == 6)
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM jobs WHERE source_file = '\(b.path)'") == 3)
    }
  }

  /// A same-size edit with the mtime put back (`cp -p`, `rsync -a`, `touch -r`) and a changed
  /// schema file, the job file untouched: each re-runs exactly the jobs it touches.
  @Test func aSameSizeSameMtimeEditAndAChangedSchemaRunWhatTheyTouch() async throws {
    let dir = try CLI.tempDir()
    let schema = dir.appendingPathComponent("answer.schema.json")
    try #"{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"#
      .write(to: schema, atomically: true, encoding: .utf8)
    let file = dir.appendingPathComponent("jobs.jsonl")
    @Sendable func write(_ third: String) throws {
      var lines: [String] = []
      for i in 0..<4 {
        lines.append(#"{"id":"p\#(i)","model":"gemini-2.5-flash","prompt":"Question \#(i) \#(i == 2 ? third : "plain")"}"#)
      }
      for i in 0..<2 {
        lines.append(
          #"{"id":"s\#(i)","model":"gemini-2.5-flash","prompt":"Where \#(i)?","generationConfig":{"responseMimeType":"application/json","responseSchema":"answer.schema.json"}}"#
        )
      }
      try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: false, encoding: .utf8)
    }
    try write("first")
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(RunEndToEndTests.mockConfig()) { port in
      let r1 = try await Self.run(file, db: db, port: port)
      #expect(r1.status == 0, "\(r1.stderr)")
      #expect(try await Self.requests(port) == 6)

      let ref = dir.appendingPathComponent("ref.jsonl")
      try Self.tool("/bin/cp", ["-p", file.path, ref.path])
      try write("other")  // same length as "first"
      try Self.tool("/usr/bin/touch", ["-r", ref.path, file.path])
      let attrs = { (u: URL) in try FileManager.default.attributesOfItem(atPath: u.path) }
      #expect(try attrs(file)[.size] as? NSNumber == attrs(ref)[.size] as? NSNumber)
      #expect(try attrs(file)[.modificationDate] as? Date == attrs(ref)[.modificationDate] as? Date)
      #expect(try Data(contentsOf: file) != Data(contentsOf: ref))
      let r2 = try await Self.run(file, db: db, port: port)
      #expect(r2.status == 0, "\(r2.stderr)")
      #expect(try await Self.requests(port) == 7)

      let r3 = try await Self.run(file, db: db, port: port)
      #expect(r3.stderr.contains("6 already done earlier"), "\(r3.stderr)")
      #expect(try await Self.requests(port) == 7)

      try #"{"type":"object","properties":{"city":{"type":"string"},"country":{"type":"string"}},"required":["city"]}"#
        .write(to: schema, atomically: true, encoding: .utf8)
      let r4 = try await Self.run(file, db: db, port: port)
      #expect(r4.status == 0, "\(r4.stderr)")
      #expect(try await Self.requests(port) == 9)
      let s = try await RunEndToEndTests.stats(port: port)
      #expect(s["duplicates"]?.intValue == 0)
    }
  }

  static func tool(_ path: String, _ args: [String]) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    try p.run()
    p.waitUntilExit()
    if p.terminationStatus != 0 { throw Tmpfs.Failure(description: "\(path) exited \(p.terminationStatus)") }
  }

  // MARK: - A budget for the store

  /// `--budget` caps what the store spent on these jobs over all runs: three runs with the same
  /// cap together stay within it (the spend of earlier runs is `Store.spentUSD`).
  @Test func aBudgetOverThreeResumedRunsStaysWithinTheCap() async throws {
    let dir = try CLI.tempDir()
    // A small maxOutputTokens keeps each job's upper cost estimate (what the budget reserves
    // for a request in flight) well under the cap.
    let file = dir.appendingPathComponent("jobs.jsonl")
    try (0..<40).map { #"{"id":"j\#($0)","model":"gemini-2.5-flash","prompt":"Question \#($0)?","generationConfig":{"maxOutputTokens":400}}"# }
      .joined(separator: "\n").appending("\n").write(to: file, atomically: true, encoding: .utf8)
    let db = dir.appendingPathComponent("s.sqlite")
    let cap = 0.005
    try await GeminiMockServer.withServer(RunEndToEndTests.mockConfig()) { port in
      var stops = 0
      for _ in 0..<3 {
        let r = try await Self.run(file, db: db, port: port, extra: ["--budget", "\(cap)", "--concurrency", "2"])
        #expect(r.status == 3 || r.status == 0, "\(r.stderr)")
        if r.stderr.contains("budget $0.0050 reached") { stops += 1 }
        let spent: Double = try RunEndToEndTests.query(db, "SELECT TOTAL(cost_usd) FROM attempts") ?? -1
        #expect(spent > 0 && spent <= cap + 1e-9, "spent \(spent) over the cap \(cap)")
      }
      #expect(stops == 3, "every run should stop at the store's cap")
      #expect(try await Self.requests(port) == RunEndToEndTests.count(db, "SELECT count(*) FROM attempts"))
    }
  }

  // MARK: - Per-day quota stops

  /// A per-day quota stop is remembered with its reset: a resume before it sends one probe
  /// (refused again: the run stops at once), and once the quota has room the stop is forgotten.
  @Test func aPerDayQuotaStopIsRememberedAndAResumeSendsOneProbe() async throws {
    let dir = try CLI.tempDir()
    let file = try RunEndToEndTests.writeJobs(dir, count: 12)
    let db = dir.appendingPathComponent("s.sqlite")
    let firstPort = try await GeminiMockServer.withServer(RunEndToEndTests.mockConfig { $0.defaultQuota = QuotaLimits(rpd: 5) }) {
      port in
      let r = try await Self.run(file, db: db, port: port, extra: ["--concurrency", "4"])
      #expect(r.status == 3, "\(r.stderr)")
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM quota_stops WHERE model = 'gemini-2.5-flash' AND resets_at > strftime('%s','now')") == 1)
      let sent = try await Self.requests(port)
      let again = try await Self.run(file, db: db, port: port, extra: ["--concurrency", "4"])
      #expect(again.status == 3, "\(again.stderr)")
      #expect(try await Self.requests(port) == sent + 1, "a resume before the reset sends one probe")
      return port
    }
    try await GeminiMockServer.withServer(RunEndToEndTests.mockConfig { $0.port = firstPort }) { port in
      let r = try await Self.run(file, db: db, port: port, extra: ["--concurrency", "4"])
      #expect(r.status == 0, "\(r.stderr)")
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM jobs WHERE state = 'succeeded'") == 12)
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM quota_stops") == 0)
    }
  }

  // MARK: - A full disk

  /// The store on a 1.9 MB tmpfs fills up during the run: it stops with exit 3 naming the cause
  /// and the file; moved to a disk with room, the same command finishes and the store is sound.
  @Test(.enabled(if: Tmpfs.available, "needs `mount -t tmpfs` (root): \(Tmpfs.reason)"))
  func aFullDiskStopsResumablyAndTheStoreResumesElsewhere() async throws {
    let dir = try CLI.tempDir()
    let file = try RunEndToEndTests.writeJobs(dir, count: 400) { "Question \($0): " + String(repeating: "lorem ipsum dolor sit amet ", count: 40) }
    let small = dir.appendingPathComponent("small")
    try Tmpfs.mount(at: small, size: "1900k")
    defer { Tmpfs.unmount(small) }
    let db = small.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(RunEndToEndTests.mockConfig()) { port in
      let full = try await Self.run(file, db: db, port: port, extra: ["--concurrency", "8"])
      #expect(full.status == 3, "\(full.stderr)")
      #expect(full.stderr.contains("the disk holding \(db.path) is full (SQLITE_FULL"), "\(full.stderr)")
      #expect(full.stderr.contains("run the same command"), "\(full.stderr)")

      let room = dir.appendingPathComponent("room.sqlite")
      try FileManager.default.copyItem(at: db, to: room)
      if FileManager.default.fileExists(atPath: db.path + "-wal") {
        try FileManager.default.copyItem(atPath: db.path + "-wal", toPath: room.path + "-wal")
      }
      let resumed = try await Self.run(file, db: room, port: port, extra: ["--concurrency", "8"])
      #expect(resumed.status == 0, "\(resumed.stderr)")
      #expect(try RunEndToEndTests.count(room, "SELECT count(*) FROM jobs WHERE state = 'succeeded'") == 400)
      #expect(try RunEndToEndTests.query(room, "PRAGMA integrity_check") == "ok")
      let lost = try RunEndToEndTests.count(room, "SELECT count(*) FROM attempts WHERE outcome = 'lost'")
      let dups = try await RunEndToEndTests.stats(port: port)["duplicates"]?.intValue ?? -1
      #expect(dups >= 0 && dups <= lost, "\(dups) duplicate bodies, \(lost) lost attempts")
    }
  }
}

/// A small tmpfs for full-disk tests (root only).
enum Tmpfs {
  static var available: Bool { probe.0 }
  static var reason: String { probe.1 }

  static let probe: (Bool, String) = {
    let probe = FileManager.default.temporaryDirectory.appendingPathComponent("gembatch-tmpfs-probe-\(getpid())")
    do {
      try FileManager.default.createDirectory(at: probe, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: probe) }
      try mount(at: probe, size: "64k")
      unmount(probe)
      return (true, "")
    } catch {
      return (false, "\(error)")
    }
  }()

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  static func mount(at dir: URL, size: String) throws {
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/mount")
    p.arguments = ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", dir.path]
    p.standardError = FileHandle.nullDevice
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    if p.terminationStatus != 0 { throw Failure(description: "mount -t tmpfs exited \(p.terminationStatus)") }
  }

  static func unmount(_ dir: URL) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/umount")
    p.arguments = [dir.path]
    try? p.run()
    p.waitUntilExit()
  }
}
