import Foundation
import GRDB
import Testing

@testable import GemBatchCore

/// The ledger binds its hot statements through SQLite's C API (`RawStatement`). Every column it
/// writes must hold exactly what GRDB's own binding of the same values writes: same value, same
/// storage class (`quote()` shows both), for NULLs, empty and non-ASCII text, blobs, booleans.
@Suite struct LedgerRawStatementTests {
  static func store() throws -> Store {
    try Store.open(path: JobsTestKit.tempDir("raw") + "/gembatch.sqlite")
  }

  static let finishes: [(JobState, AttemptOutcome, Bool)] = [
    (.succeeded, .succeeded, true), (.failed, .failed, false), (.waiting, .retry, false),
  ]

  func finish(_ job: Job, attempt: Int64, run: Int64, state: JobState, outcome: AttemptOutcome, full: Bool) -> AttemptFinish {
    let result =
      state == .succeeded
      ? ResultRecord(
        jobId: job.id, attemptId: attempt, runId: run, requestHash: job.requestHash, modelVersion: "gemini-2.5-flash",
        responseId: "r-\(job.id)", answerText: full ? "Grüße, 世界 🌍 \"quoted\"\n" : "", thoughtText: full ? "hmm" : nil,
        jsonOutput: full ? #"{"a":1}"# : nil, jsonStatus: full ? "valid" : nil, jsonError: nil,
        functionCallsJSON: full ? "[]" : nil, groundingSourcesJSON: nil, webSearchQueriesJSON: full ? #"["q"]"# : nil,
        finishReason: "STOP", finishMessage: nil, blockReason: nil, truncated: full, promptTokens: 12, cachedTokens: nil,
        candidatesTokens: 7, thoughtsTokens: full ? 0 : nil, toolUsePromptTokens: nil, totalTokens: 19,
        usageJSON: #"{"promptTokenCount":12}"#, costUSD: full ? 0.000123456789 : 0, priceVersion: "2026-11",
        latencyMs: 12.5, ttfbMs: nil, createdAt: 1001.25)
      : nil
    var r = result
    if full { r?.obtained = .repairedReask; r?.originalAnswerText = "{\"a\": 1 — früher" }
    var f = AttemptFinish(
      attemptId: attempt, jobId: job.id, runId: run, endedAt: 1001.5, outcome: outcome, jobState: state,
      notBefore: state == .waiting ? 2000.75 : nil, failureClass: state == .failed ? "permanent" : nil,
      failureReason: state == .failed ? "400 INVALID_ARGUMENT: naïve" : nil, httpStatus: state == .succeeded ? 200 : 400,
      errorClass: state == .succeeded ? nil : "http", errorCode: nil, apiStatus: state == .failed ? "INVALID_ARGUMENT" : nil,
      errorMessage: state == .failed ? "bad" : nil, quotaId: nil, suggestedDelayMs: state == .waiting ? 1500 : nil,
      latencyMs: 12.5, ttfbMs: 3.25, rawResponse: state == .succeeded ? Data(#"{"candidates":[]}"#.utf8) : (full ? Data() : nil),
      rawResponseBytes: state == .failed ? 5_000_000 : nil, result: r)
    if state == .waiting { (f.costUSD, f.totalTokens) = (0.25, 40) }
    return f
  }

  /// Every column of every ledger table, as `quote(col)`, row by row.
  static func dump(_ store: Store) throws -> [String] {
    try store.pool.read { db in
      var out: [String] = []
      for table in ["attempts", "jobs", "results"] {
        let cols = try db.columns(in: table).map(\.name)
        let sql = "SELECT " + cols.map { "quote(\($0))" }.joined(separator: " || '|' || ") + " FROM \(table) ORDER BY rowid"
        out += try String.fetchAll(db, sql: sql).map { "\(table): \($0)" }
      }
      return out
    }
  }

  @Test func rawBindingWritesWhatGRDBWrites() async throws {
    let jobs = (0..<3).map { JobsTestKit.job("j\($0)", prompt: "p\($0)", seq: $0) }
    let a = try Self.store()
    let b = try Self.store()
    var ids: [Int64] = []
    for s in [a, b] {
      let r = try s.beginRun(RunStart(endpoint: "http://127.0.0.1:1", files: [], optionsJSON: "{}", version: "t"))
      _ = try s.syncJobs(jobs, runId: r, retryFailed: false)
      ids.append(r)
    }
    // a: through the ledger writer (RawStatement).
    let w = LedgerWriter(store: a)
    for (i, (state, outcome, full)) in Self.finishes.enumerated() {
      let id = try await w.attemptStarted(
        AttemptStart(jobId: jobs[i].id, runId: ids[0], attemptNo: i + 1, requestHash: jobs[i].requestHash, streamed: i == 1, startedAt: 1000.5))
      try await w.attemptFinished(finish(jobs[i], attempt: id, run: ids[0], state: state, outcome: outcome, full: full))
    }
    try await w.close()
    // b: the same statements through GRDB's StatementArguments.
    let runB = ids[1]
    try await b.pool.write { db in
      for (i, (state, outcome, full)) in Self.finishes.enumerated() {
        try db.execute(
          sql: LedgerWriter.insertAttemptSQL,
          arguments: [jobs[i].id, runB, i + 1, jobs[i].requestHash, i == 1, 1000.5, AttemptPurpose.plain(attemptNo: i + 1).rawValue])
        let id = db.lastInsertedRowID
        try db.execute(sql: LedgerWriter.startJobSQL, arguments: [runB, 1000.5, jobs[i].id])
        let f = finish(jobs[i], attempt: id, run: runB, state: state, outcome: outcome, full: full)
        try db.execute(
          sql: LedgerWriter.finishAttemptSQL,
          arguments: [
            f.endedAt, f.outcome.rawValue, f.httpStatus, f.errorClass, f.errorCode, f.apiStatus, f.errorMessage,
            f.quotaId, f.suggestedDelayMs, f.latencyMs, f.ttfbMs, f.rawResponse, f.costUSD ?? f.result?.costUSD,
            f.totalTokens ?? f.result?.totalTokens, f.rawResponseBytes, f.attemptId, f.jobId,
          ])
        try db.execute(
          sql: LedgerWriter.finishJobSQL,
          arguments: [
            f.jobState.rawValue, f.jobState == .waiting ? f.notBefore : nil,
            f.jobState == .failed ? f.failureClass : nil, f.jobState == .failed ? f.failureReason : nil, f.endedAt,
            f.jobId,
          ])
        if let r = f.result {
          try db.execute(
            sql: LedgerWriter.insertResultSQL,
            arguments: [
              r.jobId, r.attemptId, r.runId, r.requestHash, r.modelVersion, r.responseId, r.answerText, r.thoughtText,
              r.jsonOutput, r.jsonStatus, r.jsonError, r.functionCallsJSON, r.groundingSourcesJSON,
              r.webSearchQueriesJSON, r.finishReason, r.finishMessage, r.blockReason, r.truncated, r.promptTokens,
              r.cachedTokens, r.candidatesTokens, r.thoughtsTokens, r.toolUsePromptTokens, r.totalTokens, r.usageJSON,
              r.costUSD, r.priceVersion, r.latencyMs, r.ttfbMs, r.createdAt, r.obtainedColumns(finish: f).obtained,
              r.obtainedColumns(finish: f).reason, r.originalAnswerText,
              r.servedModel, r.serviceTier, r.mediaJSON,
              r.mapsSourcesJSON, r.safetyRatingsJSON, r.blockCategory, r.citationsJSON, r.groundingSupportsJSON,
              r.candidatesJSON,
            ])
        }
      }
    }
    let da = try Self.dump(a)
    let db = try Self.dump(b)
    #expect(da.count == 3 + 3 + 1)
    #expect(da == db)
  }

  @Test func aFailingStatementThrowsWithItsSQLAndLeavesNothing() async throws {
    let s = try Self.store()
    let r = try s.beginRun(RunStart(endpoint: "http://127.0.0.1:1", files: [], optionsJSON: "{}", version: "t"))
    _ = try s.syncJobs([JobsTestKit.job("j0")], runId: r, retryFailed: false)
    let w = LedgerWriter(store: s)
    // No such job: the attempt insert breaks the foreign key, and the error names the statement.
    await #expect {
      _ = try await w.attemptStarted(
        AttemptStart(jobId: "nope", runId: r, attemptNo: 1, requestHash: "h", streamed: false, startedAt: 1))
    } throws: { error in
      "\(error)".contains("attempts") && !"\(error)".contains("nope")
    }
    // The connection's statements still work afterwards.
    let id = try await w.attemptStarted(
      AttemptStart(jobId: "j0", runId: r, attemptNo: 1, requestHash: "h", streamed: false, startedAt: 1))
    #expect(id > 0)
    try await w.close()
    let n = try await s.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM attempts") }
    #expect(n == 1)
  }
}
