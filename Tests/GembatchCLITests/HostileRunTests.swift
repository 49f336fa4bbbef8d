import Foundation
import LoopbackServer
import GRDB
import GeminiAPI
import Testing

/// The real binary against servers that lie about usage and echo the key back.
@Suite(.serialized) struct HostileRunTests {
  static let key = "TESTkeyHOSTILE-cli_0123456789abcdefghij"
  static let env = ["GEMINI_API_KEY": key]

  static func jobs(_ dir: URL, count: Int, name: String = "jobs.jsonl") throws -> URL {
    let text = (0..<count).map { #"{"id":"j\#($0)","model":"gemini-2.5-flash","prompt":"question \#($0)"}"# }.joined(
      separator: "\n")
    let url = dir.appendingPathComponent(name)
    try (text + "\n").write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  static func run(_ server: ScriptedServer, _ file: URL, db: URL, _ extra: [String] = [], env: [String: String] = env)
    async throws -> CLI.Result
  {
    try await CLI.run(
      ["run", file.path, "--db", db.path, "--endpoint", server.url, "--progress", "none"] + extra, env: env)
  }

  static func rows(_ db: URL, _ sql: String) throws -> [Row] {
    let q = try DatabaseQueue(path: db.path)
    return try q.read { try Row.fetchAll($0, sql: sql) }
  }

  @Test func absurdAndNegativeUsageIsStoredFlaggedAndNeverCrashes() async throws {
    let dir = try CLI.tempDir()
    let file = try Self.jobs(dir, count: 4)
    let db = dir.appendingPathComponent("s.sqlite")
    let usages = [
      #"{"promptTokenCount":9223372036854775807,"candidatesTokenCount":9223372036854775807,"thoughtsTokenCount":9223372036854775807,"totalTokenCount":9223372036854775807}"#,
      #"{"promptTokenCount":-9223372036854775808,"candidatesTokenCount":-5,"totalTokenCount":-5}"#,
      #"{"promptTokenCount":1e30,"candidatesTokenCount":99999999999999999999999999}"#,
      #"{"promptTokenCount":10,"candidatesTokenCount":5,"totalTokenCount":15}"#,
    ]
    try await ScriptedServer.with({ _, n in Reply.full(Reply.answer(usage: usages[n % 4])) }) { server in
      let r = try await Self.run(server, file, db: db, ["--concurrency", "1", "--progress", "json"])
      #expect(r.status == 0 && !r.terminatedBySignal, "\(r.stderr)")
      #expect(server.requests.count == 4, "each job once: nothing crashed, nothing was sent again")
      let rows = try Self.rows(
        db, "SELECT job_id, usage_invalid, cost_usd, total_tokens, prompt_tokens FROM results ORDER BY job_id")
      #expect(rows.count == 4)
      for row in rows.prefix(3) {
        #expect((row["usage_invalid"] as String?) != nil, "\(row)")
        #expect((row["cost_usd"] as Double?) == nil && (row["total_tokens"] as Int?) == nil)
      }
      #expect((rows[3]["usage_invalid"] as String?) == nil && (rows[3]["total_tokens"] as Int?) == 15)
      #expect((rows[3]["cost_usd"] as Double?) ?? 0 > 0)
      // Totals only count the trusted result: no trillions of dollars, no trap.
      #expect(!r.stderr.contains("$23") && r.stderr.contains(#""tokens":15"#), "\(r.stderr)")
      for args in [
        ["status"], ["status", "--json"], ["report"], ["report", "--format", "json"], ["export", "--format", "csv"],
      ] {
        let out = try await CLI.run(args + ["--db", db.path])
        #expect(out.status == 0 && !out.terminatedBySignal, "\(args): \(out.stderr)")
      }
      let report = try await CLI.run(["report", "--db", db.path])
      #expect(report.stdout.contains("unpriced"), "\(report.stdout)")
    }
  }

  /// Every answer in which a server echoes the key: none may leave it in any file or stream.
  static let echoes: [(name: String, reply: [ScriptedServer.Step])] = {
    let k = key
    let b64 = Data("PATH=/bin\0GEMINI_API_KEY=\(k)\0HOME=/".utf8).base64EncodedString()
    let esc = k.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    return [
      (
        "400",
        Reply.full(
          status: 400,
          #"{"error":{"code":400,"message":"API key not valid: \#(k)","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","metadata":{"key":"\#(k)"}}]}}"#
        )
      ),
      (
        "429",
        Reply.full(
          status: 429, headers: ["retry-after: 0"],
          #"{"error":{"code":429,"message":"quota of key=\#(k) env \#(b64)","status":"RESOURCE_EXHAUSTED"}}"#)
      ),
      ("500", Reply.full(status: 500, contentType: "text/plain", "upstream said: x-goog-api-key: \(k) / \(esc)")),
      (
        "502",
        Reply.full(
          status: 502, contentType: "text/html",
          "<html><head><title>502 for \(k)</title></head><body>\(String(repeating: "x", count: 150))\(k)</body></html>")
      ),
      (
        "302",
        Reply.full(
          status: 302, contentType: "text/html", headers: ["location: https://evil.example/?key=\(k)"],
          "<a href=\"https://evil.example/?key=\(k)\">moved</a>")
      ),
      (
        "200",
        Reply.full(Reply.answer(text: "you sent \(k)", usage: #"{"promptTokenCount":3,"candidatesTokenCount":2}"#))
      ),
    ]
  }()

  @Test(arguments: 0..<6)
  func anEchoedKeyIsInNoFileTheRunWrote(_ i: Int) async throws {
    let (name, reply) = Self.echoes[i]
    let dir = try CLI.tempDir()
    let file = try Self.jobs(dir, count: 2)
    let db = dir.appendingPathComponent("s.sqlite")
    try await ScriptedServer.with({ _, _ in reply }) { server in
      let run = try await Self.run(server, file, db: db, ["--max-attempts", "2", "--progress", "json"])
      #expect(!run.terminatedBySignal)
      #expect(server.requests.allSatisfy { $0.header("x-goog-api-key") == Self.key }, "the key did go, in its header")
      var outputs = [run.stdout, run.stderr]
      for args in [
        ["status"], ["status", "--json"], ["report"], ["report", "--format", "json"],
        ["report", "--format", "html", "--out", dir.appendingPathComponent("r.html").path],
        ["export", "--include-raw", "--out", dir.appendingPathComponent("e.jsonl").path],
        ["export", "--format", "csv", "--include-raw", "--out", dir.appendingPathComponent("e.csv").path],
        ["export", "--format", "batch", "--out", dir.appendingPathComponent("e.batch.jsonl").path],
      ] {
        let r = try await CLI.run(args + ["--db", db.path])
        #expect(r.status == 0, "\(name) \(args): \(r.stderr)")
        outputs += [r.stdout, r.stderr]
      }
      Self.expectNoKey(in: dir, outputs: outputs, name)
    }
  }

  static func expectNoKey(
    in dir: URL, outputs: [String], _ name: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    // The key's middle part, so that a cut-off key is caught too.
    let needles = [key, String(key.dropFirst(6).prefix(16))]
    let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    #expect(files.contains("s.sqlite"), sourceLocation: sourceLocation)
    for f in files {
      let data = (try? Data(contentsOf: dir.appendingPathComponent(f))) ?? Data()
      for n in needles {
        #expect(data.range(of: Data(n.utf8)) == nil, "\(name): \(f) holds the key", sourceLocation: sourceLocation)
      }
    }
    for (i, o) in outputs.enumerated() {
      for n in needles {
        #expect(!o.contains(n), "\(name): output \(i) holds the key: \(o.prefix(300))", sourceLocation: sourceLocation)
      }
    }
  }

  @Test func aKeyWithAControlByteIsRefusedAtStart() async throws {
    let dir = try CLI.tempDir()
    let file = try Self.jobs(dir, count: 1)
    let db = dir.appendingPathComponent("s.sqlite")
    let bad = "AIzaSy-ctl\u{1B}]0;pwned\u{7}-0123456789"
    try await ScriptedServer.with({ _, _ in Reply.full("{}") }) { server in
      for env in [["GEMINI_API_KEY": bad], ["GEMINI_API_KEY": "AIzaSy-newline\nsecond-line-0123"]] {
        let r = try await Self.run(server, file, db: db, env: env)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("cannot be sent in an HTTP header"))
        #expect(!r.stderr.contains("AIzaSy") && !r.stdout.contains("AIzaSy"))
      }
      #expect(server.requests.isEmpty)
      // A key file with the bad key: same.
      let keyFile = dir.appendingPathComponent("key.txt")
      try "AIzaSy-tab\there-0123456789\n".write(to: keyFile, atomically: true, encoding: .utf8)
      let r = try await CLI.run([
        "run", file.path, "--db", db.path, "--endpoint", server.url, "--api-key-file", keyFile.path,
      ])
      #expect(r.status == 2 && !r.stderr.contains("AIzaSy"), "\(r.stderr)")
      #expect(server.requests.isEmpty)
    }
  }

  /// A run killed while its request is in flight, again and again: the lost attempts count, so
  /// once `--max-attempts` are used the job fails `attempts_exhausted` and is not sent again.
  @Test func lostAttemptsUseUpTheJob() async throws {
    let dir = try CLI.tempDir()
    let file = try Self.jobs(dir, count: 1)
    let db = dir.appendingPathComponent("s.sqlite")
    try await ScriptedServer.with({ _, _ in [.pause(.seconds(600))] }) { server in
      for crash in 1...2 {
        let (p, _, _) = try CLI.start(
          ["run", file.path, "--db", db.path, "--endpoint", server.url, "--progress", "none", "--max-attempts", "2"],
          env: Self.env)
        let deadline = Date().addingTimeInterval(60)
        while server.requests.count < crash && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        kill(p.processIdentifier, SIGKILL)
        try await CLI.wait(p)
      }
      #expect(server.requests.count == 2)
      let r = try await CLI.run(
        ["run", file.path, "--db", db.path, "--endpoint", server.url, "--progress", "none", "--max-attempts", "2"],
        env: Self.env, timeout: 30)
      #expect(r.status == 1, "\(r.stderr)")
      #expect(server.requests.count == 2, "the job's attempts are used up: not sent a third time")
      let rows = try Self.rows(db, "SELECT state, failure_class FROM jobs")
      #expect(
        (rows.first?["state"] as String?) == "failed"
          && (rows.first?["failure_class"] as String?) == "attempts_exhausted")
    }
  }
}
