import Foundation
import GRDB
import GeminiAPI
import GeminiCatalog
import Testing

@testable import GemBatchCore

/// Server numbers are data: absurd usage is stored flagged and unpriced, nothing traps, lost
/// attempts count, and long server delays park the job instead of holding the run.
struct HostileUsageTests {
  static let catalog = try! ModelCatalog.load(overrides: [])
  let interpreter = OutcomeInterpreter(
    policy: RetryPolicy(maxAttempts: 3), price: Pricing(catalog: Self.catalog).priceFunction)

  func job(attempts: Int = 1) -> DispatchJob {
    DispatchJob(
      id: "j1", seq: 0, model: "gemini-2.5-flash", body: Data("{}".utf8), requestHash: "h", estimatedInputTokens: 10,
      isJSONMode: false, outputSchema: nil, attempts: attempts)
  }

  func answer(usage: UsageMetadata) -> Exchange {
    var r = GenerateContentResponse(
      candidates: [Candidate(content: Content(role: "model", parts: [Part(text: "hi")]), finishReason: .stop)])
    r.usageMetadata = usage
    return Exchange(httpStatus: 200, rawBody: Data("{}".utf8), result: .success(r), latency: .milliseconds(5))
  }

  func interpret(_ ex: Exchange, attempt: Int = 1) -> (AttemptFinish, AttemptSummary) {
    interpreter.interpret(
      job: job(attempts: attempt), attemptId: 1, attemptNo: attempt, runId: 1, exchange: ex, random: 0.5, now: 1000)
  }

  @Test func absurdUsageIsStoredFlaggedAndUnpriced() throws {
    for usage in [
      UsageMetadata(promptTokenCount: .max, candidatesTokenCount: .max, totalTokenCount: .max),
      UsageMetadata(promptTokenCount: 10, candidatesTokenCount: -5, totalTokenCount: 5),
      UsageMetadata(promptTokenCount: .min, candidatesTokenCount: .min),
    ] {
      let (f, s) = interpret(answer(usage: usage))
      #expect(s.kind == .succeeded && f.jobState == .succeeded)
      let r = try #require(f.result)
      #expect(r.usageInvalid != nil)
      #expect(r.costUSD == nil && r.priceVersion == nil)
      #expect(r.promptTokens == nil && r.totalTokens == nil && r.candidatesTokens == nil)
      #expect(r.usageJSON == usage.compactJSON, "the server's claim is kept")
      #expect(s.totalTokens == nil && s.promptTokens == nil && s.costUSD == nil && s.usageInvalid != nil)
    }
    let (good, _) = interpret(
      answer(usage: UsageMetadata(promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15)))
    #expect(good.result?.usageInvalid == nil && good.result?.costUSD != nil && good.result?.totalTokens == 15)
  }

  @Test func aCatalogLimitLowersTheCeiling() throws {
    let strict = OutcomeInterpreter(policy: RetryPolicy(), usageLimit: { _ in 1_000_000 })
    let (f, _) = strict.interpret(
      job: job(), attemptId: 1, attemptNo: 1, runId: 1,
      exchange: answer(usage: UsageMetadata(promptTokenCount: 2_000_000)), random: 0, now: 0)
    #expect(f.result?.usageInvalid == "promptTokenCount 2000000 is above the limit 1000000")
  }

  @Test func pricingArithmeticNeverTraps() throws {
    let worst = UsageMetadata(
      promptTokenCount: .max, cachedContentTokenCount: .max, candidatesTokenCount: .max, thoughtsTokenCount: .max,
      toolUsePromptTokenCount: .max, totalTokenCount: .max)
    var withDetails = worst
    withDetails.promptTokensDetails = [
      ModalityTokenCount(modality: "AUDIO", tokenCount: .max), ModalityTokenCount(modality: "AUDIO", tokenCount: .max),
    ]
    withDetails.cacheTokensDetails = withDetails.promptTokensDetails
    for u in [
      worst, withDetails, UsageMetadata(promptTokenCount: .min, candidatesTokenCount: .min, thoughtsTokenCount: .min),
    ] {
      // Either path may decline, neither may trap.
      let day = CalendarDay(unixTime: 1_764_547_200)
      _ = Pricing(catalog: Self.catalog).priceFunction(PriceRequest(model: "gemini-3.8-flash", usage: u, date: day))
      _ = Self.catalog.cost(model: "gemini-3.1-pro-preview", usage: u, date: day, searchQueries: 3)
    }
    let totals = TokenTotals(prompt: .max, cached: .max, candidates: .max, thoughts: .max, toolUse: .max)
    #expect((totals + totals).prompt == .max && totals.total == .max)
  }

  @Test func aLongServerDelayParksTheJob() throws {
    let policy = RetryPolicy(maxAttempts: 6, maxServerDelay: .seconds(3600))
    #expect(
      policy.decide(
        .rateLimited(suggestedDelay: .seconds(315_360_000), daily: false, quotaId: nil), attempt: 1, random: 0.5)
        == .park(after: .seconds(315_360_000)))
    #expect(
      policy.decide(.transient(suggestedDelay: .seconds(3601)), attempt: 2, random: 0) == .park(after: .seconds(3601)))
    #expect(
      policy.decide(.transient(suggestedDelay: .seconds(3600)), attempt: 2, random: 0) == .retry(after: .seconds(3600)))
    // The last attempt fails as before: parking is for jobs that may still be sent.
    #expect(
      policy.decide(.transient(suggestedDelay: .seconds(99_999)), attempt: 6, random: 0)
        == .fail(failureClass: "attempts_exhausted"))
    #expect(
      policy.backoff(attempt: 1, random: 0, suggested: .seconds(99_999)) == .seconds(3600), "never waits above the cap")

    let body = Data(
      #"{"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"315360000s"}]}}"#
        .utf8)
    for ex in [
      Exchange(httpStatus: 429, rawBody: body, result: .failure(.fromHTTP(status: 429, body: body)), latency: .zero),
      Exchange(
        httpStatus: 503, rawBody: Data(),
        result: .failure(.fromHTTP(status: 503, body: Data(), retryAfter: GeminiClient.parseRetryAfter("1e20"))),
        latency: .zero),
    ] {
      let (f, s) = interpret(ex)
      guard case .parked(let until, _, let reason) = s.kind else {
        Issue.record("\(s.kind)")
        continue
      }
      #expect(f.jobState == .waiting && f.outcome == .retry)
      #expect(f.notBefore == until && until > 1000 + 315_000_000)
      #expect(reason.contains("more than --max-retry-delay 1h") && reason.contains("may be tried again after"))
      #expect((f.suggestedDelayMs ?? 0) >= 315_360_000_000)
    }
  }

  @Test func delayTexts() {
    #expect(DelayText.parse("1h") == .seconds(3600) && DelayText.parse("90") == .seconds(90))
    #expect(DelayText.parse("30m") == .seconds(1800) && DelayText.parse("2d") == .seconds(172_800))
    #expect(DelayText.parse("1.5s") == .milliseconds(1500))
    for bad in ["", "0", "-1h", "h", "1y", "1e300", "nan", "inf"] { #expect(DelayText.parse(bad) == nil, "\(bad)") }
    #expect(DelayText.format(.seconds(3600)) == "1h" && DelayText.format(.seconds(315_360_000)) == "3650d")
    #expect(DelayText.format(.seconds(26)) == "26s" && DelayText.format(.seconds(5400)) == "1h30m")
    #expect(DelayText.date(1e300) == "the year 9999")
  }

  @Test func aCancelledLastAttemptUsesTheJobUp() {
    let ex = Exchange(
      httpStatus: nil, rawBody: Data(), result: .failure(GeminiError(code: .cancelled, detail: "c")), latency: .zero)
    let (early, _) = interpret(ex, attempt: 2)
    #expect(early.outcome == .lost && early.jobState == .pending)
    let (last, s) = interpret(ex, attempt: 3)
    #expect(s.kind == .cancelled)
    #expect(last.outcome == .lost && last.jobState == .failed && last.failureClass == "attempts_exhausted")
  }

  @Test func lostAttemptsCountTowardMaxAttempts() async throws {
    let dir = JobsTestKit.tempDir("lost")
    let path = dir + "/s.sqlite"
    let store = try Store.open(path: path)
    let run = try store.beginRun(
      RunStart(endpoint: "http://127.0.0.1:1", files: ["t.jsonl"], optionsJSON: "{}", version: "t"))
    let jobs = (0..<3).map { JobsTestKit.job("j\($0)", seq: $0) }
    _ = try store.syncJobs(jobs, runId: run, retryFailed: false)
    let w = LedgerWriter(store: store)
    // j0 crashed on each of its 3 attempts, j1 once, j2 never started.
    for n in 1...3 {
      _ = try await w.attemptStarted(
        AttemptStart(
          jobId: "j0", runId: run, attemptNo: n, requestHash: jobs[0].requestHash, streamed: false, startedAt: 1))
      if n < 3 { _ = try Store.open(path: path, now: { Double(n) * 10 }).recoverLostAttempts(maxAttempts: 3) }
    }
    _ = try await w.attemptStarted(
      AttemptStart(
        jobId: "j1", runId: run, attemptNo: 1, requestHash: jobs[1].requestHash, streamed: false, startedAt: 1))
    try await w.close()
    let later = try Store.open(path: path, now: { 99 })
    let lost = try later.recoverLostAttempts(maxAttempts: 3)
    #expect(Set(lost.map(\.jobId)) == ["j0", "j1"])
    let states = try await later.pool.read { db in
      try Dictionary(
        uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, state, failure_class, failure_reason FROM jobs").map {
          ($0[0] as String, ($0[1] as String, $0[2] as String?, $0[3] as String?))
        })
    }
    #expect(states["j0"]?.0 == "failed" && states["j0"]?.1 == "attempts_exhausted")
    #expect(states["j0"]?.2?.contains("3 attempt(s) used") == true)
    #expect(states["j1"]?.0 == "pending" && states["j2"]?.0 == "pending")
    // Without the limit (the old call), recovery is as before.
    #expect(try later.recoverLostAttempts().isEmpty)
  }
}
