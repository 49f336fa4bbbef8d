import Foundation
import GRDB
import GeminiAPI
import Testing

@testable import GemBatchCore

/// `results.obtained` and `attempts.purpose`: written by the ledger, shown by report and export.
@Suite struct AnswerObtainedStoreTests {
  func store() throws -> (Store, String, Int64) {
    let path = JobsTestKit.tempDir("obtained") + "/gembatch.sqlite"
    let s = try Store.open(path: path)
    let r = try s.beginRun(RunStart(endpoint: "http://127.0.0.1:1", files: ["t.jsonl"], version: "test"))
    return (s, path, r)
  }

  /// One attempt of `job` ending in `state`, with a result when `result` is given.
  func attempt(
    _ w: LedgerWriter, _ job: Job, run: Int64, no: Int = 1, purpose: AttemptPurpose? = nil, state: JobState,
    result: ((Int64) -> ResultRecord)? = nil, failure: String? = nil, cost: Double? = nil
  ) async throws {
    let id = try await w.attemptStarted(
      AttemptStart(jobId: job.id, runId: run, attemptNo: no, requestHash: job.requestHash, streamed: false, startedAt: 1, purpose: purpose))
    var f = AttemptFinish(
      attemptId: id, jobId: job.id, runId: run, endedAt: 2, outcome: state == .succeeded ? .succeeded : state == .failed ? .failed : .retry,
      jobState: state, failureClass: failure == nil ? nil : "invalid_json", failureReason: failure, httpStatus: 200,
      rawResponse: Data("{}".utf8), result: result?(id))
    f.costUSD = cost
    try await w.attemptFinished(f)
  }

  @Test func theLedgerRecordsHowEachAnswerWasObtained() async throws {
    let (store, path, r) = try store()
    let jobs = ["ok", "fenced", "reasked", "bad"].enumerated().map { JobsTestKit.job($0.element, seq: $0.offset) }
    _ = try store.syncJobs(jobs, runId: r, retryFailed: false)
    let w = LedgerWriter(store: store)
    func rec(_ j: Job, _ a: Int64, cost: Double = 0.001) -> ResultRecord {
      ResultRecord(jobId: j.id, attemptId: a, runId: r, requestHash: j.requestHash, answerText: "{}", jsonStatus: "valid", totalTokens: 10, costUSD: cost, createdAt: 2)
    }
    try await attempt(w, jobs[0], run: r, state: .succeeded) { rec(jobs[0], $0) }
    try await attempt(w, jobs[1], run: r, state: .succeeded) { a in
      var x = rec(jobs[1], a)
      x.obtained = .repairedLocal
      return x
    }
    // A re-asked job: the first answer's cost is the attempt's own, its text kept on the result.
    try await attempt(w, jobs[2], run: r, state: .pending, cost: 0.002)
    try await attempt(w, jobs[2], run: r, no: 2, purpose: .reask, state: .succeeded) { a in
      var x = rec(jobs[2], a, cost: 0.003)
      x.obtained = .repairedReask
      x.originalAnswerText = "{\"n\": "
      return x
    }
    try await attempt(w, jobs[3], run: r, state: .failed, result: { rec(jobs[3], $0) }, failure: "JSON output invalid_json: bad")
    try await w.close()

    let rows = try store.pool.read { db in
      try Row.fetchAll(db, sql: "SELECT job_id, obtained, obtained_reason, original_answer_text FROM results ORDER BY job_id")
    }
    let obtained = Dictionary(uniqueKeysWithValues: rows.map { ($0["job_id"] as String, $0["obtained"] as String) })
    #expect(obtained == ["ok": "valid", "fenced": "repaired_local", "reasked": "repaired_reask", "bad": "invalid"])
    #expect(rows.first { $0["job_id"] == "bad" }?["obtained_reason"] == "JSON output invalid_json: bad")
    #expect(rows.first { $0["job_id"] == "reasked" }?["original_answer_text"] == "{\"n\": ")
    let attempts = try store.pool.read { db in
      try Row.fetchAll(db, sql: "SELECT job_id, attempt_no, purpose, cost_usd FROM attempts WHERE job_id = 'reasked' ORDER BY attempt_no")
    }
    #expect(attempts.map { $0["purpose"] as String } == ["first", "reask"])
    #expect(attempts.map { $0["cost_usd"] as Double } == [0.002, 0.003])

    // report: counts per class, and the repairs' attempts and cost.
    let report = try Self.report(path)
    #expect(report.obtained == ["valid": 1, "repaired_local": 1, "repaired_reask": 1, "invalid": 1])
    // One extra attempt; the answer it replaced cost $0.002, which the total includes.
    #expect(report.repairAttempts == 1 && report.repairCostUSD == 0.002)
    #expect(abs(report.total.costUSD - 0.008) < 1e-12)
    let text = ReportFormat.text.render(report)
    #expect(text.contains("Answers: valid 1  repaired_local 1  repaired_reask 1  invalid 1"), "\(text)")
    #expect(text.contains("Repairs: 1 extra attempt"))

    // export: a field per job (null when the job has no answer) and a CSV column.
    let lines = try Self.exported(path)
    #expect(lines.map { $0["obtained"]?.stringValue } == ["valid", "repaired_local", "repaired_reask", "invalid"])
    #expect(lines[3]["obtained_reason"] == "JSON output invalid_json: bad")
    #expect(Exporter.baseColumns.contains("obtained"))
  }

  static func report(_ path: String) throws -> ReportData {
    try ReportStore.openReadOnly(path: path).read { db in try ReportBuilder().build(db, databaseName: "s") }
  }

  static func exported(_ path: String) throws -> [JSONValue] {
    let pool = try ReportStore.openReadOnly(path: path)
    let out = JobsTestKit.tempDir("obtained-export") + "/out.jsonl"
    let buffered = try BufferedOutput.file(out)
    _ = try pool.read { db in try Exporter(options: ExportOptions(format: .jsonl)).export(db, to: buffered) }
    try buffered.finish()
    return try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
  }

  @Test func olderStoresDeriveItFromTheJobState() throws {
    // The v1 tables only (a store written before the migration, opened read-only).
    let s = try TestStore()
    try s.run(1)
    try s.job("a", seq: 0, jsonMode: true)
    try s.result("a", attempt: try s.attempt("a"), .init(answer: "{}", json: "{}", jsonStatus: "valid"))
    try s.job("b", seq: 1, state: "failed", failureClass: "invalid_json", failureReason: "JSON output invalid_json: x")
    try s.result("b", attempt: try s.attempt("b", outcome: "failed"), .init(answer: "{", jsonStatus: "invalid_json"))
    try s.job("c", seq: 2, state: "pending", lastRun: nil, attempts: 0)
    try s.job("d", seq: 3, state: "failed", failureClass: "permanent", failureReason: "400")
    let report = try Self.report(s.path)
    #expect(report.obtained == ["valid": 1, "invalid": 1])
    #expect(report.repairAttempts == nil)
    // A job with no stored answer has no obtained, and no reason for one.
    let lines = try Self.exported(s.path)
    #expect(lines.map { $0["obtained"]?.stringValue } == ["valid", "invalid", nil, nil])
    #expect(lines.map { $0["obtained_reason"]?.stringValue } == [nil, "JSON output invalid_json: x", nil, nil])
  }
}
