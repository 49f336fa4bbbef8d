import Foundation
import GRDB
import GeminiAPI
import GeminiMock
import Testing

/// Every repair path through the real binary against the mock with forced faults: how many
/// attempts, their purposes, the cost summed over them, the original answer kept, and what
/// `--repair 0` and `--rerun` change.
@Suite(.serialized) struct RepairEndToEndTests {
  typealias E2E = RunEndToEndTests
  static let schema = #"{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}"#

  static func line(_ id: String, _ prompt: String, extra: String = "") -> String {
    #"{"id":"\#(id)","model":"gemini-2.5-flash-lite","prompt":"\#(prompt)","responseJsonSchema":\#(schema)\#(extra)}"#
  }

  static let jobs = [
    line("reask", "Give a person [[mock:invalid-json]]"),
    line("schema", "Give a person [[mock:schema-violation]]"),
    line("fenced", "Give a person [[mock:fenced-json]]"),
    line("never", "Give a person [[mock:invalid-json*3]]"),
    line("plain", "Give a person"),
    line(
      "grow", "Think hard, then give a person",
      extra: #","generationConfig":{"maxOutputTokens":30,"thinkingConfig":{"thinkingBudget":1024}}"#),
  ].joined(separator: "\n") + "\n"

  struct Attempt: Equatable {
    var purpose: String
    var outcome: String
  }

  func attempts(_ db: URL, _ job: String) throws -> [Attempt] {
    try DatabaseQueue(path: db.path).read { db in
      try Row.fetchAll(db, sql: "SELECT purpose, outcome FROM attempts WHERE job_id = ? ORDER BY id", arguments: [job])
        .map { Attempt(purpose: $0[0], outcome: $0[1]) }
    }
  }

  func result(_ db: URL, _ job: String) throws -> (obtained: String?, reason: String?, original: String?, json: String?) {
    try DatabaseQueue(path: db.path).read { db in
      let r = try Row.fetchOne(
        db, sql: "SELECT obtained, obtained_reason, original_answer_text, json_output FROM results WHERE job_id = ?",
        arguments: [job])
      return (r?[0], r?[1], r?[2], r?[3])
    }
  }

  func validResults(_ db: URL, except: String?) throws -> [String] {
    try DatabaseQueue(path: db.path).read { db in
      try Row.fetchAll(
        db, sql: "SELECT job_id, attempt_id FROM results WHERE obtained = 'valid' AND job_id IS NOT ? ORDER BY job_id",
        arguments: [except]
      ).map { "\($0[0] as String):\($0[1] as Int64)" }
    }
  }

  func run(_ dir: URL, _ db: URL, port: Int, _ extra: [String]) async throws -> CLI.Result {
    let file = dir.appendingPathComponent("jobs.jsonl")
    if !FileManager.default.fileExists(atPath: file.path) { try Self.jobs.write(to: file, atomically: true, encoding: .utf8) }
    return try await CLI.run(
      ["run", file.path, "--db", db.path, "--endpoint", "http://127.0.0.1:\(port)", "--progress", "none"] + extra,
      env: E2E.env)
  }

  @Test func everyRepairPathWithItsAttemptsAndCost() async throws {
    let dir = try CLI.tempDir()
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(E2E.mockConfig()) { port in
      let r = try await run(dir, db, port: port, ["--grow-max-tokens"])
      #expect(r.status == 1, "\(r.stderr)")  // "never" stays invalid
      let first = Attempt(purpose: "first", outcome: "retry")
      #expect(try attempts(db, "reask") == [first, Attempt(purpose: "reask", outcome: "succeeded")])
      #expect(try attempts(db, "schema") == [first, Attempt(purpose: "reask", outcome: "succeeded")])
      #expect(try attempts(db, "fenced") == [Attempt(purpose: "first", outcome: "succeeded")])
      #expect(try attempts(db, "never") == [first, Attempt(purpose: "reask", outcome: "failed")])
      #expect(try attempts(db, "plain") == [Attempt(purpose: "first", outcome: "succeeded")])
      let grown = try attempts(db, "grow")
      #expect(grown.first == first && grown.last == Attempt(purpose: "grow", outcome: "succeeded"), "\(grown)")

      let reask = try result(db, "reask")
      #expect(reask.obtained == "repaired_reask")
      // The first, broken answer is kept next to the repaired one.
      #expect(reask.original != nil && (try? JSONValue.parse(Data(reask.original!.utf8))) == nil)
      #expect(reask.json.flatMap { try? JSONValue.parse(Data($0.utf8)) }?["name"] != nil)
      #expect(try result(db, "schema").obtained == "repaired_reask")
      #expect(try result(db, "fenced").obtained == "repaired_local")
      #expect(try result(db, "plain").obtained == "valid")
      #expect(try result(db, "grow").obtained == "grown")
      let never = try result(db, "never")
      #expect(never.obtained == "invalid")
      #expect(never.reason?.contains("after 1 re-ask") == true, "\(never.reason ?? "")")

      // Every attempt was paid for, and the run's cost is their sum.
      let attemptsCost: Double = try E2E.query(db, "SELECT SUM(cost_usd) FROM attempts") ?? 0
      let unpricedAnswers = try E2E.count(db, "SELECT COUNT(*) FROM attempts WHERE outcome IN ('succeeded','retry') AND cost_usd IS NULL AND http_status = 200")
      #expect(unpricedAnswers == 0)
      let resultsCost: Double = try E2E.query(db, "SELECT SUM(cost_usd) FROM results") ?? 0
      #expect(attemptsCost > resultsCost)
      let report = try await CLI.run(["report", "--db", db.path, "--format", "json"])
      let json = try JSONValue.parse(Data(report.stdout.utf8))
      let reported = json["total"]?["costUSD"]?.doubleValue ?? -1
      #expect(abs(reported - attemptsCost) < 1e-12, "report \(reported) vs attempts \(attemptsCost)")
    }
  }

  @Test func repairZeroTurnsEveryRepairOff() async throws {
    let dir = try CLI.tempDir()
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(E2E.mockConfig()) { port in
      let r = try await run(dir, db, port: port, ["--repair", "0"])
      #expect(r.status == 1)
      #expect(try E2E.count(db, "SELECT COUNT(*) FROM attempts") == 6)
      for id in ["reask", "schema", "fenced", "never", "grow"] {
        #expect(try result(db, id).obtained == "invalid", "\(id)")
      }
      #expect(try result(db, "plain").obtained == "valid")
      #expect(try result(db, "grow").reason?.contains("--grow-max-tokens") == true)
    }
  }

  @Test func rerunSendsOnlyTheChosenClassesAndKeepsTheRest() async throws {
    let dir = try CLI.tempDir()
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(E2E.mockConfig()) { port in
      _ = try await run(dir, db, port: port, ["--repair", "0"])
      let before = try validResults(db, except: nil)
      // Only the truncated job again, now with repairs on and room to grow.
      let r = try await run(dir, db, port: port, ["--rerun", "truncated", "--grow-max-tokens"])
      #expect(r.status == 1, "\(r.stderr)")  // the invalid ones stay failed
      #expect(try result(db, "grow").obtained == "grown")
      #expect(try E2E.count(db, "SELECT COUNT(*) FROM attempts WHERE run_id = 2 AND job_id != 'grow'") == 0)
      let after = try validResults(db, except: "grow")
      #expect(after == before)
    }
  }
}
