import Foundation
import GRDB
import GeminiAPI
import GeminiMock
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The real binary against the real mock (in this process, on a loopback port) with real SQLite
/// files: what a user runs.
@Suite(.serialized) struct RunEndToEndTests {
  static let key = "test-key-0123456789"
  static let env = ["GEMINI_API_KEY": key]

  static func mockConfig(_ edit: (inout MockConfiguration) -> Void = { _ in }) -> MockConfiguration {
    var c = MockConfiguration()
    c.apiKey = key
    edit(&c)
    return c
  }

  static func writeJobs(_ dir: URL, name: String = "jobs.jsonl", count: Int, model: String = "gemini-2.5-flash",
                        prompt: (Int) -> String = { "Question \($0): name a prime larger than \($0)." }) throws -> URL {
    var text = ""
    for i in 0..<count {
      text += JSONValue.object(JSONObject([
        ("id", .string("job-\(i)")), ("model", .string(model)), ("prompt", .string(prompt(i))),
      ])).serialized() + "\n"
    }
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  /// The mock's counters (its key guards `/mock/*` as it guards the API).
  static func stats(port: Int) async throws -> JSONValue {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/mock/stats?bodies=1")!)
    request.setValue(key, forHTTPHeaderField: "x-goog-api-key")
    let (data, _) = try await URLSession.shared.data(for: request)
    return try JSONValue.parse(data)
  }

  static func query<T: DatabaseValueConvertible>(_ db: URL, _ sql: String) throws -> T? {
    let q = try DatabaseQueue(path: db.path)
    return try q.read { try T.fetchOne($0, sql: sql) }
  }

  static func count(_ db: URL, _ sql: String) throws -> Int { try query(db, sql) ?? -1 }

  @Test func everyExampleJobFileRunsAgainstTheMock() async throws {
    let examples = try FileManager.default.contentsOfDirectory(atPath: CLI.packageRoot.appendingPathComponent("jobs").path)
      .filter { $0.hasSuffix(".jsonl") }.sorted()
    #expect(examples.count >= 6)
    try await GeminiMockServer.withServer(Self.mockConfig()) { port in
      for name in examples {
        let dir = try CLI.tempDir()
        let db = dir.appendingPathComponent("store.sqlite")
        let file = CLI.packageRoot.appendingPathComponent("jobs/\(name)")
        let r = try await CLI.run(
          ["run", file.path, "--db", db.path, "--endpoint", "http://127.0.0.1:\(port)", "--progress", "none",
           "--model", "gemini-3.8-flash"],  // Batch Mode lines name no model: the run gives it
          env: Self.env)
        #expect(r.status == 0, "\(name): exit \(r.status)\n\(r.stderr)")
        let jobs = try Self.count(db, "SELECT count(*) FROM jobs")
        let ok = try Self.count(db, "SELECT count(*) FROM results r JOIN jobs j ON j.id = r.job_id WHERE j.state = 'succeeded'")
        #expect(jobs > 0 && ok == jobs, "\(name): \(ok) of \(jobs) succeeded\n\(r.stderr)")
      }
    }
  }

  @Test func dryRunWithTheMockPresetNeedsNoKey() async throws {
    let dir = try CLI.tempDir()
    let file = try Self.writeJobs(dir, count: 5)
    let db = dir.appendingPathComponent("s.sqlite")
    let r = try await CLI.run(["run", file.path, "--db", db.path, "--endpoint", "mock", "--progress", "none"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.contains("mock"))
    #expect(try Self.count(db, "SELECT count(*) FROM results") == 5)
    // Without a key or a preset it says how to dry-run.
    let r2 = try await CLI.run(["run", file.path, "--db", db.path])
    #expect(r2.status != 0)
    #expect(r2.stderr.contains("--endpoint mock"))
  }

  @Test func mixedFaultsEndWithEveryJobFinal() async throws {
    let dir = try CLI.tempDir()
    let n = 150
    let file = try Self.writeJobs(dir, count: n)
    let db = dir.appendingPathComponent("s.sqlite")
    let config = Self.mockConfig { c in
      c.seed = 7
      c.faultRates = [
        .rateLimited: 0.05, .overloaded: 0.05, .internalError: 0.03, .dropMidBody: 0.03, .dropBeforeResponse: 0.02,
        .malformedBody: 0.03, .cutStream: 0.05, .proxyHTML: 0.02, .exhausted503: 0.02,
      ]
    }
    try await GeminiMockServer.withServer(config) { port in
      let r = try await CLI.run(
        ["run", file.path, "--db", db.path, "--endpoint", "http://127.0.0.1:\(port)", "--stream", "--progress", "none",
         "--max-attempts", "10", "--concurrency", "16", "--seed", "1"],
        env: Self.env, timeout: 180)
      #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
      #expect(try Self.count(db, "SELECT count(*) FROM jobs WHERE state IN ('succeeded','failed')") == n)
      #expect(try Self.count(db, "SELECT count(*) FROM jobs WHERE state = 'failed' AND (failure_reason IS NULL OR failure_reason = '')") == 0)
      // Faults happened and were retried.
      #expect(try Self.count(db, "SELECT count(*) FROM attempts WHERE outcome = 'retry'") > 10)
      #expect(try Self.count(db, "SELECT count(*) FROM attempts WHERE ended_at IS NULL") == 0)
      // Every succeeded job has exactly one result and its raw transcript.
      #expect(try Self.count(db, "SELECT count(*) FROM jobs j LEFT JOIN results r ON r.job_id = j.id WHERE j.state = 'succeeded' AND r.job_id IS NULL") == 0)
      #expect(try Self.count(db, "SELECT count(*) FROM results r JOIN attempts a ON a.id = r.attempt_id WHERE a.raw_response IS NULL OR length(a.raw_response) = 0") == 0)
    }
  }

  @Test func badInputIsReportedWithFileAndLineAndNothingIsSent() async throws {
    let dir = try CLI.tempDir()
    let file = dir.appendingPathComponent("bad.jsonl")
    try """
      {"id":"a","model":"gemini-2.5-flash","prompt":"fine"}
      {"id":"b","model":"gemini-2.5-flash","prompt":"x",
      {"id":"c","model":"gemini-2.5-flash"}
      {"id":"d","model":"gemini-2.5-flash","prompt":"x","generationConfig":{"thinkingConfig":{"thinkingLevel":"HIGH"}}}
      {"id":"a","model":"gemini-2.5-flash","prompt":"dup"}

      """.write(to: file, atomically: true, encoding: .utf8)
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(Self.mockConfig()) { port in
      let r = try await CLI.run(
        ["run", file.path, "--db", db.path, "--endpoint", "http://127.0.0.1:\(port)", "--progress", "none"], env: Self.env)
      #expect(r.status == 2, "\(r.stderr)")
      for line in [2, 3, 4, 5] { #expect(r.stderr.contains("bad.jsonl:\(line)"), "line \(line) not named:\n\(r.stderr)") }
      #expect(r.stderr.contains("thinkingBudget"))
      let s = try await Self.stats(port: port)
      #expect(s["requests"]?.intValue == 0)
    }
  }

  @Test func perDayQuotaStopsResumablyAndTheNextRunFinishes() async throws {
    let dir = try CLI.tempDir()
    let file = try Self.writeJobs(dir, count: 12)
    let db = dir.appendingPathComponent("s.sqlite")
    // The second mock (a fresh day) listens on the first one's port: answers count as done only
    // for the endpoint (base URL) that gave them.
    let firstPort = try await GeminiMockServer.withServer(Self.mockConfig { $0.defaultQuota = QuotaLimits(rpd: 5) }) { port in
      let r = try await CLI.run(
        ["run", file.path, "--db", db.path, "--endpoint", "http://127.0.0.1:\(port)", "--progress", "none",
         "--concurrency", "1"], env: Self.env)
      #expect(r.status == 3, "\(r.stderr)")
      #expect(r.stderr.contains("PerDay"), "\(r.stderr)")
      #expect(try Self.count(db, "SELECT count(*) FROM jobs WHERE state = 'succeeded'") == 5)
      #expect(try Self.count(db, "SELECT count(*) FROM jobs WHERE state = 'failed'") == 0)
      return port
    }
    try await GeminiMockServer.withServer(Self.mockConfig { $0.port = firstPort }) { port in
      let r = try await CLI.run(
        ["run", file.path, "--db", db.path, "--endpoint", "http://127.0.0.1:\(port)", "--progress", "none"], env: Self.env)
      #expect(r.status == 0, "\(r.stderr)")
      let s = try await Self.stats(port: port)
      #expect(s["requests"]?.intValue == 7)
      #expect(try Self.count(db, "SELECT count(*) FROM jobs WHERE state = 'succeeded'") == 12)
    }
  }

  @Test func aChangedRequestRunsAgainAndAnUnchangedOneDoesNot() async throws {
    let dir = try CLI.tempDir()
    let file = try Self.writeJobs(dir, count: 10)
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(Self.mockConfig()) { port in
      let args = ["run", file.path, "--db", db.path, "--endpoint", "http://127.0.0.1:\(port)", "--progress", "none"]
      #expect(try await CLI.run(args, env: Self.env).status == 0)
      #expect(try await CLI.run(args, env: Self.env).status == 0)
      var s = try await Self.stats(port: port)
      #expect(s["requests"]?.intValue == 10)
      _ = try Self.writeJobs(dir, count: 10) { $0 == 3 ? "A different question" : "Question \($0): name a prime larger than \($0)." }
      let r = try await CLI.run(args, env: Self.env)
      #expect(r.status == 0, "\(r.stderr)")
      s = try await Self.stats(port: port)
      #expect(s["requests"]?.intValue == 11)
      #expect(s["duplicates"]?.intValue == 0)
    }
  }

  @Test func theAPIKeyIsNeverStored() async throws {
    let dir = try CLI.tempDir()
    let file = try Self.writeJobs(dir, count: 3)
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(Self.mockConfig()) { port in
      let r = try await CLI.run(
        ["run", file.path, "--db", db.path, "--endpoint", "http://127.0.0.1:\(port)", "--progress", "none"], env: Self.env)
      #expect(r.status == 0)
      #expect(!r.stderr.contains(Self.key) && !r.stdout.contains(Self.key))
    }
    for suffix in ["", "-wal"] {
      if let bytes = FileManager.default.contents(atPath: db.path + suffix) {
        #expect(bytes.range(of: Data(Self.key.utf8)) == nil, "key found in store\(suffix)")
      }
    }
    let attrs = try FileManager.default.attributesOfItem(atPath: db.path)
    #expect((attrs[.posixPermissions] as? NSNumber)?.intValue == 0o600)
  }
}
