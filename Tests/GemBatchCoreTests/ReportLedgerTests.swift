import Foundation
import GRDB
import GeminiAPI
import GeminiCatalog
import Testing

@testable import GemBatchCore

/// End to end over a store written by the real `Store` + `LedgerWriter`, with recorded responses
/// as raw bodies and costs from the bundled catalog: report, export (all formats), diff, reprice.
@Suite(.enabled(if: ReportTestSupport.fixturesPresent, "shared/fixtures/gemini not found next to the package"))
struct ReportLedgerTests {
  /// Run 1 of three jobs: text_basic (2.5 flash), cached_content_usage (2.5 flash), and a 400.
  static func ledger() async throws -> (path: String, table: ModelCatalog) {
    let table = try ModelCatalog.bundled()
    let path = try ReportTestSupport.tempDir().appendingPathComponent("gembatch.sqlite").path
    let store = try Store.open(path: path, now: { 1_767_000_000 })
    let run = try store.beginRun(RunStart(endpoint: "http://127.0.0.1:1", files: ["jobs.jsonl"], version: "test", startedAt: 1_767_000_000))
    func job(_ id: String, _ seq: Int) -> Job {
      Job(
        id: id, model: "gemini-2.5-flash", seq: seq, sourceFile: "jobs.jsonl", sourceLine: seq + 1,
        body: Data(#"{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}"#.utf8), metadata: ["n": .number(Double(seq))],
        estimatedInputTokens: 3)
    }
    let jobs = [job("basic", 0), job("cached", 1), job("bad", 2)]
    _ = try store.syncJobs(jobs, runId: run, retryFailed: false)
    let writer = LedgerWriter(store: store)
    for (i, (j, file)) in zip(jobs, ["text_basic_gemini-2.5-flash.json", "cached_content_usage_gemini-2.5-flash.json", nil]).enumerated() {
      let started = 1_767_000_000 + Double(i)
      let attempt = try await writer.attemptStarted(
        AttemptStart(jobId: j.id, runId: run, attemptNo: 1, requestHash: j.requestHash, streamed: false, startedAt: started))
      guard let file else {
        let body = try ReportTestSupport.fixture("error_400_thinking_level_not_supported.json")
        let err = GeminiError.fromHTTP(status: 400, body: body)
        try await writer.attemptFinished(
          AttemptFinish(
            attemptId: attempt, jobId: j.id, runId: run, endedAt: started + 0.2, outcome: .failed, jobState: .failed,
            failureClass: "permanent", failureReason: err.detail, httpStatus: 400, errorClass: "permanent",
            apiStatus: err.apiStatus, errorMessage: err.detail, latencyMs: 200, rawResponse: body))
        continue
      }
      let raw = try ReportTestSupport.fixture(file)
      let r = try JSONDecoder().decode(GenerateContentResponse.self, from: raw)
      let u = r.usageMetadata
      let cost = table.cost(model: j.model, usage: u, date: CalendarDay(unixTime: started + 1))
      let result = ResultRecord(
        jobId: j.id, attemptId: attempt, runId: run, requestHash: j.requestHash, modelVersion: r.modelVersion,
        answerText: r.answerText, finishReason: r.finishReason?.rawValue, promptTokens: u?.promptTokenCount,
        cachedTokens: u?.cachedContentTokenCount, candidatesTokens: u?.candidatesTokenCount,
        thoughtsTokens: u?.thoughtsTokenCount, toolUsePromptTokens: u?.toolUsePromptTokenCount,
        totalTokens: u?.totalTokenCount, usageJSON: String(decoding: try JSONEncoder().encode(u), as: UTF8.self),
        costUSD: cost?.totalUSD, priceVersion: table.version, latencyMs: 1000 * Double(i + 1), createdAt: started + 1)
      try await writer.attemptFinished(
        AttemptFinish(
          attemptId: attempt, jobId: j.id, runId: run, endedAt: started + 1, outcome: .succeeded, jobState: .succeeded,
          httpStatus: 200, latencyMs: 1000 * Double(i + 1), rawResponse: raw, result: result))
    }
    try await writer.close()
    try store.endRun(id: run, status: .finished, stopReason: nil)
    return (path, table)
  }

  @Test func reportOverLedger() async throws {
    let (path, _) = try await Self.ledger()
    let out = try ReportTestSupport.tempDir().appendingPathComponent("r.json").path
    let (data, _) = try ReportRunner.report(.init(database: path, runID: 1, format: .json, outPath: out), now: 0)
    #expect(data.total.jobs == 3)
    #expect(data.total.states == ["succeeded": 2, "failed": 1])
    // 0.0001102 (text_basic) + 0.00021776 (cached) = 0.00032796
    #expect(abs(data.total.costUSD - 0.00032796) < 1e-12)
    #expect(data.total.tokens == TokenTotals(prompt: 3529, cached: 3512, candidates: 11, thoughts: 76))
    #expect(data.failureReasons.first?.reason == "Thinking level is not supported for this model.")
    #expect(data.total.latencyMs == Percentiles(count: 2, p50: 1000, p90: 2000, p99: 2000))
    let written = try JSONDecoder().decode(ReportData.self, from: Data(contentsOf: URL(fileURLWithPath: out)))
    #expect(written == data)
  }

  @Test func batchExportMatchesGoogleShape() async throws {
    let (path, _) = try await Self.ledger()
    let out = try ReportTestSupport.tempDir().appendingPathComponent("results.jsonl").path
    let s = try ReportRunner.export(.init(database: path, options: ExportOptions(format: .batch), outPath: out))
    #expect(s.rows == 3)
    let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
    #expect(lines.map { $0["key"]?.stringValue } == ["basic", "cached", "bad"])
    // The response is the stored body, unchanged: the same value as the fixture.
    #expect(lines[0]["response"] == (try JSONValue.parse(ReportTestSupport.fixture("text_basic_gemini-2.5-flash.json"))))
    #expect(lines[2]["error"]?["code"] == 400)
    #expect(lines[2]["error"]?["status"] == "INVALID_ARGUMENT")
    // Every line has the keys of Google's results file: key + response | error.
    let google = try String(decoding: ReportTestSupport.fixture("batch_output_file_lines_gemini-2.5-flash.jsonl"), as: UTF8.self)
      .split(separator: "\n").map { Set(try JSONValue.parse(String($0)).objectValue!.keys) }
    #expect(Set(lines[0].objectValue!.keys) == google[0])
  }

  @Test func csvAndRepriceOverLedger() async throws {
    let (path, table) = try await Self.ledger()
    let out = try ReportTestSupport.tempDir().appendingPathComponent("x.csv").path
    _ = try ReportRunner.export(.init(database: path, options: ExportOptions(format: .csv), outPath: out))
    let rows = try String(contentsOfFile: out, encoding: .utf8).components(separatedBy: "\r\n").filter { !$0.isEmpty }
    #expect(rows.count == 4)
    #expect(rows[1].hasPrefix("basic,0,gemini-2.5-flash,succeeded,\"{\"\"n\"\":0}\","))
    // A proxy price file; reprice, then every result carries the new version and cost.
    let prices = try ReportTestSupport.tempDir().appendingPathComponent("p.json")
    try #"{"version":"proxy-1","models":{"gemini-2.5-flash":{"input":1,"output":1,"cachedInput":1}}}"#
      .write(to: prices, atomically: true, encoding: .utf8)
    let (data, summary) = try ReportRunner.report(
      .init(database: path, format: .text, outPath: out + ".txt", pricesPath: prices.path, reprice: true))
    #expect(summary?.results == 2)
    // (9 + 43) + (3520 + 44) = 3616 tokens at $1/1M.
    #expect(abs(data.total.costUSD - 0.003616) < 1e-12)
    #expect(data.priceVersions == [table.version + "+proxy-1"])
  }

  @Test func diffOfARunWithItselfIsIdentical() async throws {
    let (path, _) = try await Self.ledger()
    let out = try ReportTestSupport.tempDir().appendingPathComponent("d.txt").path
    let t = try ReportRunner.diff(.init(runA: 1, runB: 1, database: path, outPath: out))
    #expect(t.identical && t.same == 3)
    #expect(throws: ReportError.self) { try ReportRunner.diff(.init(runA: 1, runB: 2, database: path, outPath: out)) }
  }
}
