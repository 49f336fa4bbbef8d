import Foundation
import GRDB
import GeminiAPI
import GeminiMock
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// `gembatch run --mode batch`: the built binary against the mock, with real SQLite files.
@Suite(.serialized) struct BatchModeTests {
  static let env = RunEndToEndTests.env

  static func mock(_ dir: URL, _ edit: (inout MockConfiguration) -> Void = { _ in }) -> MockConfiguration {
    RunEndToEndTests.mockConfig { c in
      c.batchTurnaround = .milliseconds(300)
      c.filesDirectory = dir.appendingPathComponent("mock-files").path
      edit(&c)
    }
  }

  static func args(_ file: URL, _ db: URL, _ port: Int, _ extra: [String] = []) -> [String] {
    ["run", file.path, "--db", db.path, "--endpoint", "http://127.0.0.1:\(port)", "--progress", "none", "--mode", "batch",
     "--poll", "0.1s"] + extra
  }

  /// Schemas, a local file, thinking, two models.
  static func mixedJobs(_ dir: URL) throws -> URL {
    let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 64)
    try Data(png).write(to: dir.appendingPathComponent("pic.png"))
    let schema = #"{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name","age"]}"#
    var lines: [String] = []
    for i in 0..<24 {
      let model = i % 2 == 0 ? "gemini-2.5-flash" : "gemini-2.5-pro"
      switch i % 4 {
      case 0: lines.append(#"{"id":"s\#(i)","model":"\#(model)","prompt":"Extract person \#(i)","responseJsonSchema":\#(schema)}"#)
      case 1: lines.append(#"{"id":"f\#(i)","model":"\#(model)","prompt":"Describe picture \#(i)","files":["pic.png"]}"#)
      case 2: lines.append(#"{"id":"t\#(i)","model":"\#(model)","prompt":"Think about \#(i)","generationConfig":{"thinkingConfig":{"thinkingBudget":512,"includeThoughts":true}}}"#)
      default: lines.append(#"{"id":"p\#(i)","model":"\#(model)","prompt":"Plain question \#(i)"}"#)
      }
    }
    let url = dir.appendingPathComponent("mixed.jsonl")
    try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  static func exportRows(_ db: URL) async throws -> [String: JSONValue] {
    let r = try await CLI.run(["export", "--db", db.path, "--format", "jsonl"])
    #expect(r.status == 0, "\(r.stderr)")
    var rows: [String: JSONValue] = [:]
    for line in r.stdout.split(separator: "\n") {
      let v = try JSONValue.parse(String(line))
      rows[v["id"]?.stringValue ?? "?"] = v
    }
    return rows
  }

  @Test func aMixedFileMatchesAnInteractiveRunJobForJob() async throws {
    let dir = try CLI.tempDir()
    let file = try Self.mixedJobs(dir)
    let interactiveDB = dir.appendingPathComponent("i.sqlite")
    let batchDB = dir.appendingPathComponent("b.sqlite")
    try await GeminiMockServer.withServer(Self.mock(dir)) { port in
      let i = try await CLI.run(
        ["run", file.path, "--db", interactiveDB.path, "--endpoint", "http://127.0.0.1:\(port)", "--progress", "none"],
        env: Self.env)
      #expect(i.status == 0, "\(i.stderr)")
      let b = try await CLI.run(Self.args(file, batchDB, port), env: Self.env)
      #expect(b.status == 0, "\(b.stderr)")
      let stats = try await RunEndToEndTests.stats(port: port)
      #expect(stats["batchesCreated"]?.intValue == 2, "one batch per model")
    }
    #expect(try RunEndToEndTests.count(batchDB, "SELECT count(*) FROM results") == 24)
    #expect(try RunEndToEndTests.count(batchDB, "SELECT count(*) FROM attempts") == 24)
    #expect(try RunEndToEndTests.count(batchDB, "SELECT count(DISTINCT model) FROM batches") == 2)
    #expect(try RunEndToEndTests.count(batchDB, "SELECT count(*) FROM results WHERE thoughts_tokens > 0") >= 6)
    let interactive = try await Self.exportRows(interactiveDB)
    let batch = try await Self.exportRows(batchDB)
    #expect(interactive.count == 24 && batch.count == 24)
    #expect(Set(interactive.keys) == Set(batch.keys))
    for (id, a) in interactive {
      let b = try #require(batch[id])
      #expect(a["state"] == b["state"], "\(id)")
      #expect(a["json"] == b["json"], "\(id)")
      #expect(a["json_status"] == b["json_status"], "\(id)")
      #expect(a["answer"] == b["answer"], "\(id)")
      #expect(a["model"] == b["model"], "\(id)")
    }
    // Priced at batch rates: half of the interactive cost of the same answers.
    let ic: Double = try RunEndToEndTests.query(interactiveDB, "SELECT SUM(cost_usd) FROM results") ?? 0
    let bc: Double = try RunEndToEndTests.query(batchDB, "SELECT SUM(cost_usd) FROM results") ?? 0
    #expect(ic > 0 && abs(bc - ic / 2) < 1e-9)
    // status shows the batches.
    let s = try await CLI.run(["status", "--db", batchDB.path])
    #expect(s.stdout.contains("batches (Batch Mode):") && s.stdout.contains("SUCCEEDED"), "\(s.stdout)")
    let l = try await CLI.run(["batches", "list", "--db", batchDB.path])
    #expect(l.status == 0 && l.stdout.contains("batches/"), "\(l.stdout)\(l.stderr)")
  }

  @Test(arguments: ["uploading", "create-sent", "create-replied", "polling", "downloading"])
  func sigkillAtAPhaseThenResume(phase: String) async throws {
    let dir = try CLI.tempDir()
    let n = 40
    let file = try RunEndToEndTests.writeJobs(dir, count: n)
    // Two models: two shards, so a kill in the first leaves the second to do as well.
    var text = try String(contentsOf: file, encoding: .utf8)
    text = text.split(separator: "\n").enumerated().map { i, l in
      i % 2 == 0 ? String(l) : l.replacingOccurrences(of: "gemini-2.5-flash", with: "gemini-2.5-pro")
    }.joined(separator: "\n") + "\n"
    try text.write(to: file, atomically: true, encoding: .utf8)
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(Self.mock(dir)) { port in
      let args = Self.args(file, db, port, ["--upload-chunk-size", "1024"])
      var env = Self.env
      env["GEMBATCH_TEST_KILL_AT"] = phase
      let killed = try await CLI.run(args, env: env)
      #expect(killed.terminatedBySignal && killed.status == SIGKILL, "\(phase): \(killed.status) \(killed.stderr)")
      #expect(killed.stderr.contains("test kill at \(phase)"))
      let r = try await CLI.run(args, env: Self.env)
      #expect(r.status == 0, "\(phase): \(r.stderr)")
      let stats = try await RunEndToEndTests.stats(port: port)
      let shards = try RunEndToEndTests.count(db, "SELECT count(*) FROM batches")
      #expect(shards == 2, "\(phase)")
      #expect(stats["batchesCreated"]?.intValue == shards, "\(phase): exactly one batch per shard")
      #expect(stats["duplicates"]?.intValue == 0, "\(phase): no request ran twice")
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM jobs WHERE state = 'succeeded'") == n)
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM results") == n)
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM attempts WHERE outcome = 'succeeded'") == n)
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM attempts WHERE ended_at IS NULL OR outcome = 'lost'") == 0)
    }
  }

  @Test func detachExitsThreeAndTheSameCommandCollects() async throws {
    let dir = try CLI.tempDir()
    let file = try RunEndToEndTests.writeJobs(dir, count: 10)
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(Self.mock(dir) { $0.batchTurnaround = .seconds(2) }) { port in
      let d = try await CLI.run(Self.args(file, db, port, ["--detach"]), env: Self.env)
      #expect(d.status == 3, "\(d.stderr)")
      #expect(d.stderr.contains("detached"))
      let s = try await CLI.run(["status", "--db", db.path])
      #expect(s.stdout.contains("PENDING") || s.stdout.contains("RUNNING"), "\(s.stdout)")
      let r = try await CLI.run(Self.args(file, db, port), env: Self.env)
      #expect(r.status == 0, "\(r.stderr)")
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM results") == 10)
      let stats = try await RunEndToEndTests.stats(port: port)
      #expect(stats["batchesCreated"]?.intValue == 1)
    }
  }

  @Test func fallbackOnlineSendsAnExpiredBatchsJobsInteractively() async throws {
    let dir = try CLI.tempDir()
    let file = try RunEndToEndTests.writeJobs(dir, count: 6)
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(Self.mock(dir) { $0.batchFaultPlan = [.batchExpire] }) { port in
      let r = try await CLI.run(Self.args(file, db, port, ["--fallback", "online"]), env: Self.env)
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stderr.contains("sending them interactively"), "\(r.stderr)")
      let stats = try await RunEndToEndTests.stats(port: port)
      #expect(stats["batchesCreated"]?.intValue == 1)
      #expect(stats["requests"]?.intValue == 6, "six interactive requests, the expired batch ran none")
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM results") == 6)
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM attempts") == 12)
      #expect(try RunEndToEndTests.count(db, "SELECT count(*) FROM attempts WHERE ended_at IS NULL") == 0)
    }
  }

  @Test func cometAPIHasNoBatchModeAndNothingIsSent() async throws {
    let dir = try CLI.tempDir()
    let file = try RunEndToEndTests.writeJobs(dir, count: 2)
    let db = dir.appendingPathComponent("s.sqlite")
    let r = try await CLI.run(
      ["run", file.path, "--db", db.path, "--endpoint", "cometapi", "--mode", "batch", "--progress", "none"],
      env: ["COMETAPI_KEY": "k"])
    #expect(r.status == 2)
    #expect(r.stderr.contains("no Batch Mode") && r.stderr.contains("--tier flex"), "\(r.stderr)")
  }
}
