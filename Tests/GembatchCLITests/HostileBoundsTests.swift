import Foundation
import LoopbackServer
import GRDB
import GeminiAPI
import Testing

/// The real binary against job files that name files they should not and servers that send
/// huge bodies, endless delays and terminal escapes.
@Suite(.serialized) struct HostileBoundsTests {
  static let env = HostileRunTests.env

  @Test func jobFilesCannotSendFilesOutsideTheirTree() async throws {
    let (root, tree) = try Self.tree()
    let lines = [
      #"{"id":"abs","prompt":"x","files":[{"path":"/etc/passwd","mimeType":"text/plain"}]}"#,
      #"{"id":"dotdot","prompt":"x","files":[{"path":"../secret.txt","mimeType":"text/plain"}]}"#,
      #"{"id":"link-out","prompt":"x","files":[{"path":"out.txt","mimeType":"text/plain"}]}"#,
      #"{"id":"environ","prompt":"x","files":[{"path":"/proc/self/environ","mimeType":"text/plain"}]}"#,
      #"{"id":"fifo","prompt":"x","files":[{"path":"pipe.txt","mimeType":"text/plain"}]}"#,
      #"{"id":"schema-out","prompt":"x","responseJsonSchema":"../schema.json"}"#,
    ]
    let file = tree.appendingPathComponent("jobs.jsonl")
    try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
    let v = try await CLI.run(["validate", file.path, "--model", "gemini-2.5-flash"], timeout: 60)
    #expect(v.status == 2, "\(v.stdout)")
    let realRoot = String(cString: try #require(realpath(root.path, nil)))
    for (i, id) in ["abs", "dotdot", "link-out", "environ", "fifo", "schema-out"].enumerated() {
      let line = v.stdout.split(separator: "\n").first { $0.contains("[id \(id)]") }.map(String.init) ?? ""
      #expect(line.hasPrefix("\(file.path):\(i + 1): [id \(id)] "), "\(id): \(v.stdout)")
    }
    #expect(v.stdout.contains("resolves to /etc/passwd, outside the job file's folder"))
    #expect(v.stdout.contains("resolves to \(realRoot)/secret.txt"))
    #expect(v.stdout.contains("under /proc") && v.stdout.contains("a FIFO (named pipe)"))
    #expect(v.stdout.contains("responseJsonSchema file ../schema.json resolves to \(realRoot)/schema.json"))

    let plan = try await CLI.run(["plan", file.path, "--model", "gemini-2.5-flash"], timeout: 60)
    #expect(plan.status == 2)

    try await ScriptedServer.with({ _, _ in Reply.full(Reply.answer(usage: "{}")) }) { server in
      let db = root.appendingPathComponent("s.sqlite")
      let r = try await CLI.run(
        [
          "run", file.path, "--db", db.path, "--endpoint", server.url, "--model", "gemini-2.5-flash", "--progress",
          "none",
        ],
        env: Self.env, timeout: 60)
      #expect(r.status == 2, "\(r.stderr)")
      #expect(server.requests.isEmpty, "nothing is sent")
      // With the parent folder given, the two inside it go; /proc and the FIFO never do.
      let again = try await CLI.run(
        [
          "run", file.path, "--db", db.path, "--endpoint", server.url, "--model", "gemini-2.5-flash", "--progress",
          "none",
          "--files-root", root.path,
        ], env: Self.env, timeout: 60)
      #expect(again.status == 2 && server.requests.isEmpty)
      #expect(
        again.stderr.contains("[id environ]") && again.stderr.contains("[id fifo]")
          && !again.stderr.contains("[id dotdot]"))
    }
  }

  static func tree() throws -> (URL, URL) {
    let root = try CLI.tempDir()
    let tree = root.appendingPathComponent("tree")
    try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
    try "top secret".write(to: root.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
    try #"{"type":"object"}"#.write(to: root.appendingPathComponent("schema.json"), atomically: true, encoding: .utf8)
    try FileManager.default.createSymbolicLink(
      atPath: tree.appendingPathComponent("out.txt").path, withDestinationPath: "../secret.txt")
    #expect(mkfifo(tree.appendingPathComponent("pipe.txt").path, 0o600) == 0)
    return (root, tree)
  }

  @Test func hugeBodiesAtConcurrency64StayWithinMemoryAndDisk() async throws {
    let dir = try CLI.tempDir()
    let file = try HostileRunTests.jobs(dir, count: 64)
    let db = dir.appendingPathComponent("s.sqlite")
    let mib = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
    // Every answer is 64 MiB: half announce it, half are chunked without a length.
    try await ScriptedServer.with({ _, n in
      if n % 2 == 0 {
        return [.write(Reply.head(status: 200, contentLength: 64 << 20)), .repeated(mib, times: 64)]
      }
      return [
        .write(Reply.head(status: 200, contentLength: nil)), .repeated(Raw.chunk(mib), times: 64),
        .write(Raw.lastChunk),
      ]
    }) { server in
      let r = try await MeasuredRun.run(
        [
          "run", file.path, "--db", db.path, "--endpoint", server.url, "--concurrency", "64", "--max-attempts", "1",
          "--progress", "none",
        ], env: Self.env, dir: dir)
      #expect(r.status == 1, "every job failed: \(r.stderr)")
      #expect(r.maxRSS < 300 << 20, "peak RSS \(r.maxRSS >> 20) MiB")
      let sizes = ["s.sqlite", "s.sqlite-wal"].map {
        ((try? FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent($0).path))?[.size] as? Int) ?? 0
      }
      // At most a 1 MiB prefix per attempt (64 MiB), never the bodies (4 GiB).
      #expect(sizes.reduce(0, +) < 100 << 20, "store \(sizes)")
      let q = try DatabaseQueue(path: db.path)
      let rows = try q.read { db in
        try Row.fetchAll(
          db, sql: "SELECT length(raw_response) AS kept, raw_response_bytes AS full, error_message FROM attempts")
      }
      #expect(rows.count == 64)
      for row in rows {
        #expect(((row["kept"] as Int?) ?? 0) <= 1 << 20)
        let full = (row["full"] as Int?) ?? 0
        let message = (row["error_message"] as String?) ?? ""
        #expect(full > 0 && full <= 64 << 20, "\(row)")
        #expect(message.contains("limit") || message.contains("memory budget"), "\(message)")
      }
    }
  }

  static let retryInfoYears =
    #"{"error":{"code":429,"message":"try later","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"315360000s"}]}}"#

  /// End to end: a server delay above `--max-retry-delay` stops the run, resumable, naming the
  /// delay and when the job may be tried again (the scheduler's `.parked`).
  @Test(arguments: [
    ["retry-after: 1e20"], [] as [String],
  ])
  func aServerDelayOfYearsParksTheJobAndStopsTheRun(_ headers: [String]) async throws {
    let dir = try CLI.tempDir()
    let file = try HostileRunTests.jobs(dir, count: 1)
    let db = dir.appendingPathComponent("s.sqlite")
    let body =
      headers.isEmpty ? Self.retryInfoYears : #"{"error":{"code":503,"message":"later","status":"UNAVAILABLE"}}"#
    try await ScriptedServer.with({ _, _ in Reply.full(status: headers.isEmpty ? 429 : 503, headers: headers, body) }) {
      server in
      let r = try await CLI.run(
        [
          "run", file.path, "--db", db.path, "--endpoint", server.url, "--progress", "none", "--max-retry-delay", "30m",
        ],
        env: Self.env, timeout: 60)
      #expect(r.status == 3, "\(r.stderr)")
      #expect(r.stderr.contains("more than --max-retry-delay 30m"), "\(r.stderr)")
      #expect(r.stderr.contains("may be tried again after"))
      #expect(server.requests.count == 1)
      let q = try DatabaseQueue(path: db.path)
      let (state, notBefore) = try await q.read { db in
        let row = try Row.fetchOne(db, sql: "SELECT state, not_before FROM jobs")!
        return (row["state"] as String, row["not_before"] as Double?)
      }
      #expect(state == "waiting")
      #expect((notBefore ?? 0) > Date().timeIntervalSince1970 + 300_000_000)

      // The same command again, as cron would: the job is still parked, so nothing is sent.
      let again = try await CLI.run(
        [
          "run", file.path, "--db", db.path, "--endpoint", server.url, "--progress", "none", "--max-retry-delay", "30m",
        ],
        env: Self.env, timeout: 60)
      #expect(again.status == 3, "\(again.stderr)")
      #expect(again.stderr.contains("1 job(s) still parked"), "\(again.stderr)")
      #expect(server.requests.count == 1)
      let stillWaiting = try await q.read { try String.fetchOne($0, sql: "SELECT state FROM jobs") }
      #expect(stillWaiting == "waiting")
    }
  }

  @Test func escapesInServerTextNeverReachTheTerminal() async throws {
    let dir = try CLI.tempDir()
    let file = try HostileRunTests.jobs(dir, count: 1)
    let db = dir.appendingPathComponent("s.sqlite")
    let evil =
      #"bad \u001b[2J\u001b]52;c;cHduZWQ=\u0007\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007\rOK all good\u009b31m"#
      + String(repeating: "x", count: 5000)
    try await ScriptedServer.with({ _, _ in
      Reply.full(status: 400, #"{"error":{"code":400,"message":"\#(evil)","status":"INVALID_ARGUMENT"}}"#)
    }) { server in
      let run = try await CLI.run(
        ["run", file.path, "--db", db.path, "--endpoint", server.url, "--progress", "log"], env: Self.env, timeout: 60)
      #expect(run.status == 1, "\(run.stderr)")
      var outputs = [run.stdout, run.stderr]
      for args in [["status"], ["report"]] {
        let r = try await CLI.run(args + ["--db", db.path], timeout: 60)
        #expect(r.status == 0)
        outputs += [r.stdout, r.stderr]
        let line = r.stdout.split(separator: "\n").first { $0.contains("bad \\e[2J") } ?? ""
        #expect(
          line.contains("\\e]52;c;") && line.contains("\\x07") && line.contains("\\rOK all good\\u{9b}"),
          "\(args): \(r.stdout)")
        #expect(line.count < 700, "cut to a readable length: \(line.count)")
      }
      for o in outputs {
        #expect(
          !o.unicodeScalars.contains {
            ($0.value < 0x20 && $0.value != 0x0A) || $0.value == 0x7F || (0x80..<0xA0).contains($0.value)
          }, "\(o.prefix(200))")
      }
      // The store keeps the whole text.
      let q = try DatabaseQueue(path: db.path)
      let reason = try await q.read { try String.fetchOne($0, sql: "SELECT failure_reason FROM jobs") } ?? ""
      #expect(reason.contains("\u{1B}]52;c;") && reason.count > 5000)
    }
  }

  @Test func formulaCellsAreNeutralizedInCSVUnlessRaw() async throws {
    let dir = try CLI.tempDir()
    let file = try HostileRunTests.jobs(dir, count: 1)
    let db = dir.appendingPathComponent("s.sqlite")
    let answer = Reply.answer(
      text: #"=HYPERLINK(\"https://evil.example\",\"invoice\")"#,
      usage: #"{"promptTokenCount":2,"candidatesTokenCount":3}"#)
    try await ScriptedServer.with({ _, _ in Reply.full(answer) }) { server in
      let run = try await CLI.run(
        ["run", file.path, "--db", db.path, "--endpoint", server.url, "--progress", "none"], env: Self.env, timeout: 60)
      #expect(run.status == 0, "\(run.stderr)")
      let csv = try await CLI.run(["export", "--db", db.path, "--format", "csv"], timeout: 60)
      #expect(csv.stdout.contains(#","'=HYPERLINK(""https://evil.example"",""invoice"")","#), "\(csv.stdout)")
      let raw = try await CLI.run(["export", "--db", db.path, "--format", "csv", "--csv-raw"], timeout: 60)
      #expect(raw.stdout.contains(#","=HYPERLINK(""https://evil.example"",""invoice"")","#), "\(raw.stdout)")
      let jsonl = try await CLI.run(["export", "--db", db.path], timeout: 60)
      #expect(jsonl.stdout.contains(#""answer":"=HYPERLINK("#), "JSONL keeps the text as is")
    }
  }

  @Test func flagsThatCannotWorkAreRefused() async throws {
    let dir = try CLI.tempDir()
    let file = try HostileRunTests.jobs(dir, count: 1)
    for bad in [
      ["--timeout", "0"], ["--timeout", "-1"], ["--max-retry-delay", "0"], ["--max-retry-delay", "soon"],
      ["--max-body-mb", "0"],
    ] {
      let r = try await CLI.run(
        ["run", file.path, "--db", dir.appendingPathComponent("s.sqlite").path, "--endpoint", "mock"] + bad, timeout: 60
      )
      #expect(r.status == 2, "\(bad): \(r.stderr)")
    }
  }
}
