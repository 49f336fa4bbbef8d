import Foundation
import GRDB
import GeminiAPI
import GeminiCatalog
import Testing

@testable import GemBatchCore

extension TestStore {
  /// Run 1: four flash jobs (2 ok, 1 failed, 1 pending) and one unpriced 1.5 job; run 2: one flash job.
  static func sample() throws -> TestStore {
    let s = try TestStore()
    try s.run(1)
    try s.run(2, startedAt: 1_767_001_000)
    try s.job("j1", seq: 0, metadata: #"{"topic":"a"}"#, attempts: 2)
    try s.attempt("j1", no: 1, outcome: "retry", status: 429, endedAt: 1_767_000_010, apiStatus: "RESOURCE_EXHAUSTED")
    let a1 = try s.attempt("j1", no: 2, latency: 1000)
    try s.result("j1", attempt: a1, .init(answer: "one", prompt: 100, candidates: 50, thoughts: 50, cost: 0.0003, priceVersion: "v1", latency: 1000, ttfb: 200))
    try s.job("j2", seq: 1)
    let a2 = try s.attempt("j2")
    try s.result("j2", attempt: a2, .init(answer: "two", prompt: 200, cached: 100, candidates: 10, cost: 0.0001, priceVersion: "v1", latency: 3000, queries: #"["a","b"]"#))
    try s.job("j3", seq: 2, state: "failed", failureClass: "permanent", failureReason: "bad request")
    try s.attempt("j3", outcome: "failed", status: 400, endedAt: 1_767_000_100, apiStatus: "INVALID_ARGUMENT", message: "bad request")
    try s.job("j4", seq: 3, model: "gemini-1.5-flash")
    let a4 = try s.attempt("j4")
    try s.result("j4", attempt: a4, .init(answer: "four", prompt: 10, candidates: 10, cost: nil, latency: 2000))
    try s.job("j5", seq: 4, state: "pending", lastRun: nil, attempts: 0)
    try s.job("j6", seq: 5, lastRun: 2)
    let a6 = try s.attempt("j6", run: 2, endedAt: 1_767_001_030)
    try s.result("j6", attempt: a6, run: 2, .init(answer: "six", prompt: 1, candidates: 1, cost: 0.001, priceVersion: "v2", latency: 500))
    return s
  }
}

@Suite struct ReportTests {
  func build(_ s: TestStore, run: Int?) throws -> ReportData {
    // Grounding rates as of 2026-03-01, when the sample's 2.5 Flash still ran as itself.
    let catalog = try ModelCatalog.bundled()
    return try s.dbQueue.read { db in
      try ReportBuilder(runID: run, catalog: catalog, date: CalendarDay(iso: "2026-03-01")).build(db, databaseName: "store.sqlite", now: 0)
    }
  }

  @Test func aggregatesOneRun() throws {
    let s = try TestStore.sample()
    let r = try build(s, run: 1)
    let flash = try #require(r.models.first { $0.model == "gemini-2.5-flash" })
    #expect(flash.jobs == 3)  // j1, j2, j3 (j5 has no run yet, j6 is run 2)
    #expect(flash.states == ["succeeded": 2, "failed": 1])
    #expect(flash.tokens == TokenTotals(prompt: 300, cached: 100, candidates: 60, thoughts: 50, toolUse: 0))
    #expect(abs(flash.costUSD - 0.0004) < 1e-12)
    #expect(flash.pricedJobs == 2 && flash.unpricedJobs == 0)
    #expect(abs(try #require(flash.costPer1000Jobs) - 0.2) < 1e-9)
    #expect(flash.groundedPrompts == 1 && flash.searchQueries == 2)
    #expect(abs(flash.groundingUSD - 0.035) < 1e-12)  // one grounded prompt at $35/1000 (2.5 flash)
    #expect(flash.attempts == 4 && flash.retries == 1 && flash.http429 == 1)  // j1 ×2, j2, j3
    #expect(flash.latencyMs == Percentiles(count: 2, p50: 1000, p90: 3000, p99: 3000))
    #expect(flash.ttfbMs == Percentiles(count: 1, p50: 200, p90: 200, p99: 200))
    let old = try #require(r.models.first { $0.model == "gemini-1.5-flash" })
    #expect(old.unpricedJobs == 1 && old.pricedJobs == 0 && old.costPer1000Jobs == nil)
    #expect(r.total.unpricedJobs == 1)
    #expect(r.total.jobs == 4)
    #expect(r.total.latencyMs == Percentiles(count: 3, p50: 2000, p90: 3000, p99: 3000))
    #expect(r.topJobs.map(\.id) == ["j1", "j2"])
    #expect(r.topJobs.first?.outputTokens == 100)
    #expect(r.failureReasons == [ReasonCount(failureClass: "permanent", reason: "bad request", count: 1)])
    #expect(r.priceVersions == ["v1"])
    // Minute buckets from attempts.ended_at: 10 s and 30 s into minute 0, 100 s is minute 1.
    #expect(r.timeline == [
      TimelineBucket(minute: 1_767_000_000, succeeded: 3, retry: 1),  // 1,767,000,000 is a whole minute
      TimelineBucket(minute: 1_767_000_060, failed: 1),
    ])
    #expect(r.latencyHistogram.count == 24)
    #expect(r.latencyHistogram.map(\.count).reduce(0, +) == 3)
    #expect(r.latencyHistogram.first?.count == 1 && r.latencyHistogram.last?.count == 1)
  }

  @Test func allRunsAndRunFilter() throws {
    let s = try TestStore.sample()
    let all = try build(s, run: nil)
    #expect(all.total.jobs == 6)
    #expect(all.total.states["pending"] == 1)
    #expect(all.priceVersions == ["v1", "v2"])
    #expect(all.topJobs.first?.id == "j6")
    let two = try build(s, run: 2)
    #expect(two.total.jobs == 1 && two.models.map(\.model) == ["gemini-2.5-flash"])
    #expect(abs(two.total.costUSD - 0.001) < 1e-12)
  }

  @Test func unknownRunIsAnError() throws {
    let s = try TestStore.sample()
    let e = #expect(throws: ReportError.self) { try build(s, run: 9) }
    #expect(e?.code == .unknownRun)
    #expect(e?.description.contains("run 9") == true)
  }

  @Test func emptyStore() throws {
    let s = try TestStore()
    let r = try build(s, run: nil)
    #expect(r.total.jobs == 0 && r.models.isEmpty && r.timeline.isEmpty && r.latencyHistogram.isEmpty)
    #expect(r.total.latencyMs == nil)
    for f in ReportFormat.allCases { #expect(!f.render(r).isEmpty) }
    #expect(ReportFormat.html.render(r).contains("no latencies recorded"))
  }

  @Test func renderers() throws {
    let s = try TestStore.sample()
    try s.job("<b>&x", seq: 9, state: "failed", failureClass: "blocked", failureReason: "<script>alert(1)</script>")
    let r = try build(s, run: 1)
    let text = ReportFormat.text.render(r)
    #expect(text.contains("unpriced: 1 jobs"))
    #expect(text.contains("gemini-2.5-flash"))
    #expect(text.contains("Latency: p50 2000 ms  p90 3000 ms"))
    #expect(text.contains("  1  blocked    <script>"))
    let json = ReportFormat.json.render(r)
    let back = try JSONDecoder().decode(ReportData.self, from: Data(json.utf8))
    #expect(back == r)
    #expect(json.contains("\"costPer1000Jobs\""))
    let html = ReportFormat.html.render(r)
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    #expect(html.components(separatedBy: "<svg").count - 1 == 4)  // cost, latency, tokens, timeline
    #expect(!html.contains("<script"))  // nothing executable, and the hostile reason is escaped
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    #expect(!html.contains("http://") && !html.contains("https://"))
    #expect(html.contains("unpriced: 1 jobs"))
  }

  @Test func nearestRankPercentiles() {
    #expect(Percentiles(values: []) == nil)
    #expect(Percentiles(values: [5]) == Percentiles(count: 1, p50: 5, p90: 5, p99: 5))
    let hundred = Percentiles(values: (1...100).map(Double.init).shuffled())
    #expect(hundred == Percentiles(count: 100, p50: 50, p90: 90, p99: 99))
    #expect(Percentiles.rankIndex(99, count: 1000) == 989)
  }
}
