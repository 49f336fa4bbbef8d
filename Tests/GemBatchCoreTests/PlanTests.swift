import Foundation
import GeminiAPI
import GeminiCatalog
import Testing

@testable import GemBatchCore

@Suite struct PlanTests {
  /// Before the 2.5 shutdowns: the 2.5 models at their own rates.
  static let day = CalendarDay(iso: "2026-03-01")!

  func job(_ id: String, model: String = "gemini-2.5-flash", tokens: Int = 1000, maxOut: Int? = nil, search: Bool = false) -> Job {
    let body = maxOut.map { #"{"contents":[],"generationConfig":{"maxOutputTokens":\#($0)}}"# } ?? #"{"contents":[]}"#
    return Job(
      id: id, model: model, seq: 0, sourceFile: "f", sourceLine: 1, body: Data(body.utf8), estimatedInputTokens: tokens,
      usesSearch: search)
  }

  @Test func costRangeAndDuration() throws {
    var p = PlanEstimator(catalog: try ModelCatalog.bundled(), settings: PlanSettings(rpm: 60, tpm: 1000, expectedOutputTokens: 50, date: Self.day))
    p.add(job("a", maxOut: 100))
    p.add(job("b"))
    p.add(job("c", maxOut: 100, search: true))
    p.add(job("d", model: "gemini-1.5-flash"))
    let plan = p.finish()
    let flash = try #require(plan.lines.first)
    #expect(flash.jobs == 3 && flash.inputTokens == 3000 && flash.maxOutputTokens == 8392 && flash.jobsWithDefaultMax == 1)
    // low: 3 × 1000 × 0.30 = 900 /1M.
    #expect(abs(flash.lowUSD - 0.0009) < 1e-12)
    // high: 900 + (100 + 8192 + 100) × 2.50 = 900 + 20980 = 21880 /1M, + one grounded prompt 0.035.
    #expect(abs(flash.highUSD - 0.05688) < 1e-12)
    // expected: 900 + 3 × 50 × 2.50 = 1275 /1M, + 0.035.
    #expect(abs(try #require(flash.expectedUSD) - 0.036275) < 1e-12)
    #expect(plan.total.unpricedJobs == 1 && plan.total.jobs == 4)
    // 4 jobs at 60 rpm = 4 s; 4000 tokens at 1000 tpm = 240 s → bound by tpm.
    #expect(plan.durationSeconds == 240 && plan.durationBoundBy == "tpm")
    let text = plan.renderText()
    #expect(text.contains("unpriced: 1 jobs"))
    #expect(text.contains("8,192 when a job sets none"))
    #expect(text.contains("4.0 min"))
  }

  @Test func noRatesNoDuration() throws {
    var p = PlanEstimator(catalog: try ModelCatalog.bundled(), settings: PlanSettings(date: Self.day))
    p.add(job("a"))
    let plan = p.finish()
    #expect(plan.durationSeconds == nil)
    #expect(plan.assumptions.contains { $0.contains("give --rpm") })
    #expect(plan.total.expectedUSD == nil)
  }

  @Test func maxOutputTokensFromBody() {
    #expect(PlanEstimator.maxOutputTokens(body: Data(#"{"generationConfig":{"maxOutputTokens":64}}"#.utf8)) == 64)
    #expect(PlanEstimator.maxOutputTokens(body: Data(#"{"generation_config":{"max_output_tokens":7}}"#.utf8)) == 7)
    #expect(PlanEstimator.maxOutputTokens(body: Data(#"{"generationConfig":{}}"#.utf8)) == nil)
    #expect(PlanEstimator.maxOutputTokens(body: Data("garbage".utf8)) == nil)
  }

  @Test func longPromptUsesLongContextRates() throws {
    var p = PlanEstimator(catalog: try ModelCatalog.bundled(), settings: PlanSettings(date: Self.day))
    p.add(job("big", model: "gemini-2.5-pro", tokens: 300_000, maxOut: 0))
    // 300000 × 2.50 = 750000 /1M = 0.75 (not 300000 × 1.25 = 0.375).
    #expect(abs(p.finish().total.lowUSD - 0.75) < 1e-12)
  }

  @Test func standardFlexAndBatchSideBySide() throws {
    // 3.8 Flash on 2026-12-01, 1,000 in, 1,000 out bound: standard 1,000×0.75 + 1,000×3.75 = 4,500 /1M;
    // flex and batch × 0.5 = 2,250 /1M.
    var p = PlanEstimator(catalog: try ModelCatalog.bundled(), settings: PlanSettings(date: CalendarDay(iso: "2026-12-01")))
    p.add(job("a", model: "gemini-3.8-flash", maxOut: 1000))
    let plan = p.finish()
    #expect(plan.total.tiers.map(\.tier) == ["standard", "flex", "batch"])
    #expect(abs(plan.total.tiers[0].highUSD - 0.0045) < 1e-12)
    #expect(abs(plan.total.tiers[1].highUSD - 0.00225) < 1e-12)
    #expect(abs(plan.total.tiers[2].highUSD - 0.00225) < 1e-12)
    #expect(plan.renderText().contains("By tier:"))
    #expect(plan.priceDate == "2026-12-01")
    // A job that asks for flex is priced at flex in the main columns.
    var q = PlanEstimator(catalog: try ModelCatalog.bundled(), settings: PlanSettings(date: CalendarDay(iso: "2026-12-01")))
    let flexBody = #"{"contents":[],"generationConfig":{"maxOutputTokens":1000},"serviceTier":"flex"}"#
    q.add(Job(id: "f", model: "gemini-3.8-flash", seq: 0, sourceFile: "f", sourceLine: 1, body: Data(flexBody.utf8), estimatedInputTokens: 1000))
    #expect(abs(q.finish().total.highUSD - 0.00225) < 1e-12)
  }
}
