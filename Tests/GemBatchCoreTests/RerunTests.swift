import Foundation
import GRDB
import GeminiAPI
import Testing

@testable import GemBatchCore

/// `--rerun CLASS,…` on a real SQLite file: only the jobs whose last outcome is of those classes
/// run again, with the options of this run; every other job keeps its state and result.
@Suite struct RerunTests {
  static let ids = ["ok", "cut", "cut-text", "bad-json", "bad-schema", "blocked", "denied", "never"]

  struct Fixture {
    let store: Store
    let file: String
    let path: String
  }

  /// A store after one run over a file of eight jobs, each ending its own way ("never" was not sent).
  func fixture() async throws -> Fixture {
    let dir = JobsTestKit.tempDir("rerun")
    let file = JobsTestKit.write(
      Self.ids.map { #"{"id":"\#($0)","prompt":"p \#($0)","responseJsonSchema":{"type":"object"}}"# }.joined(separator: "\n") + "\n",
      to: dir + "/jobs.jsonl")
    let path = dir + "/gembatch.sqlite"
    let store = try Store.open(path: path)
    let r1 = try store.beginRun(RunStart(endpoint: "mock", files: [file], version: "test"))
    let loaded = try JobLoader(store: store, defaults: Self.defaults, retryFailed: false).load(files: [file], runId: r1)
    #expect(loaded.toRun == 8 && loaded.errors.isEmpty)
    let jobs = try store.fetchRunnable(afterSeq: -1, limit: 100)
    let w = LedgerWriter(store: store)
    for j in jobs where j.id != "never" {
      let a = try await w.attemptStarted(
        AttemptStart(jobId: j.id, runId: r1, attemptNo: 1, requestHash: j.requestHash, streamed: false, startedAt: 1))
      var rec = ResultRecord(jobId: j.id, attemptId: a, runId: r1, requestHash: j.requestHash, answerText: "{}", createdAt: 2)
      var state = JobState.failed
      var cls: String?
      switch j.id {
      case "ok": (state, rec.jsonStatus) = (.succeeded, "valid")
      case "cut": (cls, rec.jsonStatus, rec.truncated) = ("truncated", "truncated", true)
      case "cut-text": (state, rec.jsonStatus, rec.truncated) = (.succeeded, "valid", true)
      case "bad-json": (cls, rec.jsonStatus) = ("invalid_json", "invalid_json")
      case "bad-schema": (cls, rec.jsonStatus) = ("schema_mismatch", "schema_mismatch")
      case "blocked": (cls, rec.blockReason) = ("blocked", "SAFETY")
      default: cls = "permanent"
      }
      try await w.attemptFinished(
        AttemptFinish(
          attemptId: a, jobId: j.id, runId: r1, endedAt: 2, outcome: state == .succeeded ? .succeeded : .failed, jobState: state,
          failureClass: cls, failureReason: cls.map { "it was \($0)" }, rawResponse: Data("{}".utf8),
          result: j.id == "denied" ? nil : rec))
    }
    try await w.close()
    try store.endRun(id: r1, status: .finished, stopReason: nil)
    return Fixture(store: store, file: file, path: path)
  }

  static let defaults = RunDefaults(model: "gemini-2.5-flash")

  @Test func selectsByLastOutcome() async throws {
    let f = try await fixture()
    #expect(try f.store.rerunSelection([.truncated]) == ["cut", "cut-text"])
    #expect(try f.store.rerunSelection([.invalidJSON]) == ["bad-json"])
    #expect(try f.store.rerunSelection([.schema, .blocked]) == ["bad-schema", "blocked"])
    #expect(try f.store.rerunSelection([.failed]) == ["cut", "bad-json", "bad-schema", "blocked", "denied"])
    #expect(try f.store.rerunSelection([]) == [])
  }

  @Test func rerunsOnlyThoseWithNewOptionsAndKeepsEveryOtherResult() async throws {
    let f = try await fixture()
    let before = try snapshot(f.store)
    // New options: every request changes, but only the selected jobs take the new one.
    var grown = Self.defaults
    grown.generationConfig = ["maxOutputTokens": 4096]
    let r2 = try f.store.beginRun(RunStart(endpoint: "mock", files: [f.file], version: "test"))
    let loaded = try JobLoader(store: f.store, defaults: grown, retryFailed: false, rerun: [.truncated, .invalidJSON])
      .load(files: [f.file], runId: r2)
    #expect(loaded.errors.isEmpty && !loaded.adopted)
    #expect(loaded.rerunSelected == 3 && loaded.toRun == 3)
    #expect(try f.store.fetchRunnable(afterSeq: -1, limit: 100, runId: r2).map(\.id) == ["cut", "cut-text", "bad-json"])

    let after = try snapshot(f.store)
    for id in Self.ids where !["cut", "cut-text", "bad-json"].contains(id) {
      #expect(after[id] == before[id], "\(id) changed")
    }
    for id in ["cut", "cut-text", "bad-json"] {
      let now = try #require(after[id])
      #expect(now.state == "pending")
      #expect(now.hash != before[id]!.hash, "\(id) runs with the new request")
      #expect(now.resultHash == before[id]!.resultHash, "\(id) keeps its old answer until a new one replaces it")
    }
    #expect(try Self.attemptCount(f.store, "cut") == 0)
    // The file's record is the first run's: a later plain run with the first options adopts it.
    let r3 = try f.store.beginRun(RunStart(endpoint: "mock", files: [f.file], version: "test"))
    let plain = try JobLoader(store: f.store, defaults: Self.defaults, retryFailed: false).load(files: [f.file], runId: r3)
    #expect(plain.adopted)
  }

  @Test func parsesClassNames() throws {
    #expect(try RerunClass.parseList("truncated, invalid-json,schema") == [.truncated, .invalidJSON, .schema])
    #expect(try RerunClass.parseList("FAILED,blocked") == [.failed, .blocked])
    #expect(try RerunClass.parseList("invalid_json") == [.invalidJSON])
    do {
      _ = try RerunClass.parseList("truncated,oops")
      Issue.record("accepted an unknown class")
    } catch {
      #expect(error.description.contains("unknown class \"oops\""))
      #expect(error.description.contains("truncated, invalid-json, schema, failed, blocked"))
    }
  }

  static func attemptCount(_ store: Store, _ id: String) throws -> Int? {
    try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT attempt_count FROM jobs WHERE id = ?", arguments: [id]) }
  }

  struct Snap: Equatable {
    var state: String
    var hash: String
    var resultHash: String?
  }

  /// State, request hash and the stored answer's request hash, per job.
  func snapshot(_ store: Store) throws -> [String: Snap] {
    try store.pool.read { db in
      var out: [String: Snap] = [:]
      for row in try Row.fetchAll(
        db, sql: "SELECT j.id, j.state, j.request_hash, r.request_hash AS rh FROM jobs j LEFT JOIN results r ON r.job_id = j.id")
      {
        out[row["id"]] = Snap(state: row["state"], hash: row["request_hash"], resultHash: row["rh"])
      }
      return out
    }
  }
}
