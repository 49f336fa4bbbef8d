import Foundation
import GeminiAPI
import Testing

@testable import GemBatchCore

/// A job's schema, search flag and maxOutputTokens travel through the store with it, so the
/// pager builds a `DispatchJob` without parsing the request body again.
@Suite struct JobFactsTests {
  @Test func factsAreStoredAndThePagerUsesThem() throws {
    let dir = JobsTestKit.tempDir("facts")
    let schema = #"{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}"#
    let file = JobsTestKit.write(
      """
      {"id":"a","prompt":"p","responseJsonSchema":\(schema),"generationConfig":{"maxOutputTokens":300}}
      {"id":"b","prompt":"p","tools":[{"googleSearch":{}}]}
      {"id":"c","prompt":"p","responseSchema":{"type":"OBJECT","properties":{"x":{"type":"STRING"}}}}
      """, to: dir + "/jobs.jsonl")
    let store = try Store.open(path: dir + "/s.sqlite")
    let run = try store.beginRun(RunStart(endpoint: "http://x", files: [file], version: "t"))
    let (jobs, errors) = JobsTestKit.readAll([file])
    #expect(errors.isEmpty)
    _ = try store.syncJobs(jobs, runId: run, retryFailed: false)

    let rows = try store.fetchRunnable(afterSeq: -1, limit: 10)
    #expect(rows.map(\.facts?.maxOutputTokens) == [300, nil, nil])
    #expect(rows.map(\.facts?.usesSearch) == [false, true, false])
    #expect(rows.map(\.facts?.schemaDialect) == ["json", nil, "openapi"])

    // The pager reads the facts, not the body: replace the bodies with ones that say nothing.
    try store.pool.write { db in try db.execute(sql: "UPDATE jobs SET request_json = x'7B7D'") }
    var pager = JobPager(store: store, pageSize: 16, runId: run) { $0.maxOutputTokens.map(Double.init) }
    let (page, exhausted) = try pager.nextPage()
    #expect(exhausted)
    #expect(page.map(\.maxOutputTokens) == [300, nil, nil])
    #expect(page.map(\.maxCostUSD) == [300, nil, nil])
    #expect(page.map(\.usesSearch) == [false, true, false])
    guard case .jsonSchema(let s)? = page[0].outputSchema, case .openAPI? = page[2].outputSchema else {
      Issue.record("schemas not carried: \(page.map(\.outputSchema))")
      return
    }
    #expect(s["required"] == ["n"])
  }

  @Test func jobsSyncedBeforeTheFactsExistedAreReadFromTheBody() throws {
    let dir = JobsTestKit.tempDir("facts-old")
    let file = JobsTestKit.write(
      #"{"id":"a","prompt":"p","generationConfig":{"maxOutputTokens":77},"tools":[{"googleSearch":{}}]}"#,
      to: dir + "/jobs.jsonl")
    let store = try Store.open(path: dir + "/s.sqlite")
    let run = try store.beginRun(RunStart(endpoint: "http://x", files: [file], version: "t"))
    _ = try store.syncJobs(JobsTestKit.readAll([file]).0, runId: run, retryFailed: false)
    try store.pool.write { db in try db.execute(sql: "UPDATE jobs SET facts = 0, max_output_tokens = NULL, uses_search = 0") }
    var pager = JobPager(store: store, pageSize: 16, runId: run)
    let (page, _) = try pager.nextPage()
    #expect(page.first?.maxOutputTokens == 77)
    #expect(page.first?.usesSearch == true)
  }
}
