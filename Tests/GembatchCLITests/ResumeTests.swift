import Foundation
import GRDB
import GeminiAPI
import GeminiMock
import Testing

/// The built binary resuming over an unchanged job file (adopted, not read again).
@Suite struct ResumeTests {
  @Test func anUnchangedFileSendsNothingAgainAndRetryFailedOnlyTheFailed() async throws {
    let dir = try CLI.tempDir()
    // job-3 names a model the mock does not serve: a permanent failure.
    let file = try RunEndToEndTests.writeJobs(dir, count: 10)
    var lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
    lines[3] = lines[3].replacingOccurrences(of: "gemini-2.5-flash", with: "gemini-0.0-none")
    try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(RunEndToEndTests.mockConfig()) { port in
      let args = ["run", file.path, "--db", db.path, "--endpoint", "http://127.0.0.1:\(port)", "--progress", "none"]
      let first = try await CLI.run(args, env: RunEndToEndTests.env)
      #expect(
        try RunEndToEndTests.count(db, "SELECT count(*) FROM jobs WHERE state = 'succeeded'") == 9, "\(first.stderr)")
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM jobs WHERE state = 'failed'") == 1)
      let sent = try await RunEndToEndTests.stats(port: port)["requests"]?.intValue ?? -1

      // Run 2: adopted, nothing sent; every job is still part of it for export and the views.
      let second = try await CLI.run(args, env: RunEndToEndTests.env)
      #expect(second.stderr.contains("9 already done earlier"), "\(second.stderr)")
      #expect(try await RunEndToEndTests.stats(port: port)["requests"]?.intValue == sent)
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM run_files WHERE run_id = 2") == 1)
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM job_status WHERE last_run_id = 2") == 10)
      #expect(try RunEndToEndTests.count(db, "SELECT SUM(jobs) FROM run_summary WHERE run_id = 2") == 10)
      let export = try await CLI.run(["export", "--db", db.path, "--run", "2"], env: [:])
      #expect(export.status == 0, "\(export.stderr)")
      #expect(export.stdout.split(separator: "\n").count == 10)

      // Run 3 with --retry-failed: only the failed job is sent again.
      _ = try await CLI.run(args + ["--retry-failed"], env: RunEndToEndTests.env)
      #expect(try await RunEndToEndTests.stats(port: port)["requests"]?.intValue == sent + 1)
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM attempts WHERE run_id = 3") == 1)
      let status = try await CLI.run(["status", "--db", db.path], env: [:])
      #expect(status.status == 0, "\(status.stderr)")
      #expect(status.stdout.contains("jobs 10: 9 succeeded, 1 failed"), "\(status.stdout)")
    }
  }
}
