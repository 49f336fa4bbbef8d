import Foundation
import GeminiAPI
import GeminiMock
import Testing

/// The ledger cannot be overwritten by an export or a report, and an export killed halfway
/// leaves the previous file whole.
@Suite(.serialized) struct ExportSafetyTests {
  static func storeWithRun(jobs n: Int) async throws -> (dir: URL, db: URL) {
    let dir = try CLI.tempDir()
    let file = try RunEndToEndTests.writeJobs(dir, count: n)
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(RunEndToEndTests.mockConfig()) { port in
      let r = try await CLI.run(
        ["run", file.path, "--db", db.path, "--endpoint", "http://127.0.0.1:\(port)", "--progress", "none"],
        env: RunEndToEndTests.env)
      #expect(r.status == 0, "\(r.stderr)")
    }
    return (dir, db)
  }

  @Test func anOutPathOntoTheStoreIsRefusedAndTheStoreIsUnchanged() async throws {
    let (dir, db) = try await Self.storeWithRun(jobs: 5)
    let link = dir.appendingPathComponent("link.sqlite")
    try FileManager.default.createSymbolicLink(at: link, withDestinationURL: db)
    let prices = dir.appendingPathComponent("prices.json")
    try #"{"version":"t","models":{}}"#.write(to: prices, atomically: true, encoding: .utf8)
    let before = try Data(contentsOf: db)
    let attempts: [[String]] = [
      ["export", "--db", db.path, "--out", db.path],
      ["export", "--db", "s.sqlite", "--out", "./s.sqlite"],
      ["export", "--db", db.path, "--out", link.path],
      ["export", "--db", db.path, "--out", db.path + "-wal"],
      ["export", "--db", db.path, "--out", db.path + "-shm"],
      ["report", "--db", db.path, "--out", db.path, "--format", "json"],
      ["report", "--db", db.path, "--out", prices.path, "--prices", prices.path],
      ["diff", "1", "1", "--db", db.path, "--out", db.path],
    ]
    for args in attempts {
      let r = try await CLI.run(args, cwd: dir)
      #expect(r.status == 2, "\(args): \(r.stderr)")
      #expect(r.stderr.contains("refusing to overwrite"), "\(args): \(r.stderr)")
    }
    #expect(try Data(contentsOf: db) == before)
    let status = try await CLI.run(["status", "--db", db.path])
    #expect(status.stdout.contains("jobs 5: 5 succeeded"), "\(status.stdout)")
    // Elsewhere is fine.
    let ok = try await CLI.run(["export", "--db", db.path, "--out", dir.appendingPathComponent("out.jsonl").path])
    #expect(ok.status == 0, "\(ok.stderr)")
  }

  /// The second export goes to the same file and is killed as soon as its temporary file
  /// appears: the file is still the first export, whole (or, if the kill came after the rename,
  /// the whole second one), never a truncated mix.
  @Test func anExportKilledHalfwayKeepsTheOldFile() async throws {
    let (dir, db) = try await Self.storeWithRun(jobs: 3000)
    let out = dir.appendingPathComponent("results.out")
    let csv = try await CLI.run(["export", "--db", db.path, "--format", "csv", "--out", out.path])
    #expect(csv.status == 0, "\(csv.stderr)")
    let old = try Data(contentsOf: out)
    let full = try await CLI.run(["export", "--db", db.path, "--include-raw"])
    let complete = Data(full.stdout.utf8)

    let (p, _, err) = try CLI.start(["export", "--db", db.path, "--include-raw", "--out", out.path])
    let errTask = CLI.drain(err)
    let started = try await OneWriterTests.waitUntil(timeout: 60) {
      try FileManager.default.contentsOfDirectory(atPath: dir.path).contains { $0.hasPrefix(".results.out.gembatch-") }
    }
    kill(p.processIdentifier, SIGKILL)
    try await CLI.wait(p)
    _ = await errTask.value
    #expect(started, "the export never created its temporary file")
    let now = try Data(contentsOf: out)
    #expect(now == old || now == complete, "the output is \(now.count) bytes: neither the old \(old.count) nor the new \(complete.count)")
  }
}
