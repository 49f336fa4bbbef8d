import Foundation
import GRDB
import GeminiAPI
import GeminiMock
import Testing

/// Kill the binary at random moments, many times over one run, then resume: every job ends with
/// exactly one result, no succeeded job is sent again, and what was in flight at each kill is
/// reported as lost.
@Suite(.serialized) struct CrashResumeTests {
  @Test func sigkillAtRandomMomentsThenResume() async throws {
    let dir = try CLI.tempDir()
    let n = 400
    let file = try RunEndToEndTests.writeJobs(dir, count: n)
    let db = dir.appendingPathComponent("s.sqlite")
    let config = RunEndToEndTests.mockConfig { c in
      c.firstByteLatency = .uniform(.milliseconds(20), .milliseconds(120))
    }
    try await GeminiMockServer.withServer(config) { port in
      let args = ["run", file.path, "--db", db.path, "--endpoint", "http://127.0.0.1:\(port)", "--progress", "none",
                  "--concurrency", "8"]
      var kills = 0
      var lostReported = 0
      for _ in 0..<8 {
        let (p, out, err) = try CLI.start(args, env: RunEndToEndTests.env)
        let errTask = CLI.drain(err)
        _ = out
        try await Task.sleep(for: .milliseconds(Int.random(in: 150...700)))
        if p.isRunning {
          kill(p.processIdentifier, SIGKILL)
          kills += 1
        }
        try await CLI.wait(p)
        let text = String(decoding: await errTask.value, as: UTF8.self)
        lostReported += Self.lostCount(text)
      }
      let r = try await CLI.run(args, env: RunEndToEndTests.env, timeout: 120)
      #expect(r.status == 0, "\(r.stderr)")
      lostReported += Self.lostCount(r.stderr)
      #expect(kills >= 3, "the run finished too fast to be killed; make it slower")

      // Every job ended with exactly one result.
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM jobs WHERE state = 'succeeded'") == n)
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM results") == n)
      // No job was sent after it succeeded: no attempt starts after its job's successful one.
      #expect(try RunEndToEndTests.count(db, """
        SELECT count(*) FROM attempts a JOIN attempts s ON s.job_id = a.job_id AND s.outcome = 'succeeded'
        WHERE a.id > s.id
        """) == 0)
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM attempts WHERE outcome = 'succeeded'") == n)
      // Lost attempts are exactly the ones reported, and only they could have been sent twice.
      let lost = try RunEndToEndTests.count(db, "SELECT count(*) FROM attempts WHERE outcome = 'lost'")
      #expect(lost == lostReported)
      let s = try await RunEndToEndTests.stats(port: port)
      let dups = s["duplicates"]?.intValue ?? -1
      #expect(dups >= 0 && dups <= lost, "mock saw \(dups) duplicate bodies but only \(lost) attempts were lost")
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM attempts WHERE ended_at IS NULL") == 0)
    }
  }

  @Test func firstInterruptFinishesInFlightAndExitsResumable() async throws {
    let dir = try CLI.tempDir()
    let n = 60
    let file = try RunEndToEndTests.writeJobs(dir, count: n)
    let db = dir.appendingPathComponent("s.sqlite")
    let config = RunEndToEndTests.mockConfig { $0.firstByteLatency = .fixed(.milliseconds(300)) }
    try await GeminiMockServer.withServer(config) { port in
      let args = ["run", file.path, "--db", db.path, "--endpoint", "http://127.0.0.1:\(port)", "--progress", "none",
                  "--concurrency", "4"]
      let (p, _, err) = try CLI.start(args, env: RunEndToEndTests.env)
      let errTask = CLI.drain(err)
      // Signal once requests are out (a fixed sleep raced the start-up of a loaded machine: the
      // SIGINT came before the handler and killed the process).
      let deadline = ContinuousClock.now + .seconds(60)
      while ContinuousClock.now < deadline, (try await RunEndToEndTests.stats(port: port)["requests"]?.intValue ?? 0) < 1 {
        try await Task.sleep(for: .milliseconds(20))
      }
      kill(p.processIdentifier, SIGINT)
      try await CLI.wait(p)
      let text = String(decoding: await errTask.value, as: UTF8.self)
      #expect(p.terminationStatus == 3, "\(text)")
      // Nothing was cut off: every attempt has its outcome.
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM attempts WHERE ended_at IS NULL OR outcome = 'lost'") == 0)
      let done = try RunEndToEndTests.count(db, "SELECT count(*) FROM jobs WHERE state = 'succeeded'")
      #expect(done > 0 && done < n)
      let r = try await CLI.run(args, env: RunEndToEndTests.env)
      #expect(r.status == 0, "\(r.stderr)")
      let s = try await RunEndToEndTests.stats(port: port)
      #expect(s["duplicates"]?.intValue == 0)
      #expect(s["requests"]?.intValue == n)
    }
  }

  /// "N request(s) were in flight when an earlier run stopped"
  static func lostCount(_ stderr: String) -> Int {
    guard let r = stderr.range(of: #"(\d+) request\(s\) were in flight"#, options: .regularExpression) else { return 0 }
    return Int(stderr[r].prefix { $0.isNumber }) ?? 0
  }
}
