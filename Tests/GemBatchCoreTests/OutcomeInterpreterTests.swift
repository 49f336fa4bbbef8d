import Foundation
import GeminiAPI
import Testing

@testable import GemBatchCore

/// What each kind of answer means for a job, on real recorded bodies.
@Suite(.enabled(if: ReportTestSupport.fixturesPresent, "shared/fixtures/gemini not found next to the package"))
struct OutcomeInterpreterTests {
  let interpreter = OutcomeInterpreter(policy: RetryPolicy(maxAttempts: 3)) { model, usage, _ in
    (Double(usage.totalTokenCount ?? 0) / 1_000_000, "test-prices")
  }

  func job(jsonMode: Bool = false, schema: OutputSchema? = nil) -> DispatchJob {
    DispatchJob(
      id: "j1", seq: 0, model: "gemini-2.5-flash", body: Data("{}".utf8), requestHash: "h", estimatedInputTokens: 10,
      isJSONMode: jsonMode, outputSchema: schema, attempts: 1)
  }

  func ok(_ name: String) throws -> Exchange {
    let data = try ReportTestSupport.fixture(name)
    let r = try JSONDecoder().decode(GenerateContentResponse.self, from: data)
    return Exchange(httpStatus: 200, rawBody: data, result: .success(r), latency: .milliseconds(120), timeToFirstByte: .milliseconds(80))
  }

  func http(_ name: String, status: Int, retryAfter: Duration? = nil) throws -> Exchange {
    let data = try ReportTestSupport.fixture(name)
    return Exchange(
      httpStatus: status, rawBody: data, result: .failure(.fromHTTP(status: status, body: data, retryAfter: retryAfter)),
      latency: .milliseconds(30))
  }

  func run(_ ex: Exchange, job: DispatchJob? = nil, attempt: Int = 1) -> (AttemptFinish, AttemptSummary) {
    interpreter.interpret(job: job ?? self.job(), attemptId: 9, attemptNo: attempt, runId: 1, exchange: ex, random: 0.5, now: 1000)
  }

  @Test func plainAnswerSucceedsWithUsageAndCost() throws {
    let (f, s) = run(try ok("text_basic_gemini-2.5-flash.json"))
    #expect(s.kind == .succeeded)
    #expect(f.jobState == .succeeded && f.outcome == .succeeded)
    let r = try #require(f.result)
    #expect(r.answerText?.isEmpty == false)
    #expect(r.finishReason == "STOP")
    #expect(r.totalTokens == (r.promptTokens ?? 0) + (r.candidatesTokens ?? 0) + (r.thoughtsTokens ?? 0) + (r.toolUsePromptTokens ?? 0))
    #expect(r.priceVersion == "test-prices")
    #expect(r.costUSD == Double(r.totalTokens!) / 1_000_000)
    #expect(f.rawResponse == (try ReportTestSupport.fixture("text_basic_gemini-2.5-flash.json")))
    #expect(r.latencyMs == 120 && r.ttfbMs == 80)
  }

  @Test func rateLimitedRetriesAfterTheServersDelay() throws {
    let (f, s) = run(try http("error_429_resource_exhausted_retryinfo.json", status: 429))
    #expect(s.kind == .retry(after: .seconds(26)))
    #expect(s.rateLimited && s.serverDelay == .seconds(26))
    #expect(f.outcome == .retry && f.jobState == .waiting)
    #expect(f.notBefore == 1026)
    #expect(f.errorClass == "rate_limited" && f.apiStatus == "RESOURCE_EXHAUSTED" && f.suggestedDelayMs == 26_000)
    #expect(f.quotaId == "GenerateContentInputTokensPerModelPerMinute-FreeTier")
    #expect(f.result == nil)
  }

  @Test func overloadedIsTransientUntilAttemptsRunOut() throws {
    let ex = try http("error_503_unavailable_overloaded.json", status: 503)
    if case .retry = run(ex, attempt: 1).1.kind {} else { Issue.record("503 should retry") }
    let (f, s) = run(ex, attempt: 3)
    #expect(s.kind == .failed(failureClass: "attempts_exhausted"))
    #expect(f.jobState == .failed && f.failureReason?.contains("overloaded") == true)
  }

  @Test func notFoundIsFinal() throws {
    let (f, s) = run(try http("error_404_model_not_found.json", status: 404))
    #expect(s.kind == .failed(failureClass: "permanent"))
    #expect(f.failureReason?.contains("not found") == true)
  }

  @Test func blockedPromptAndSafetyStopFailWithTheResponseKept() throws {
    let (f1, s1) = run(try ok("prompt_blocked_SAFETY_promptFeedback.json"))
    #expect(s1.kind == .failed(failureClass: "blocked"))
    #expect(f1.result?.blockReason == "SAFETY")
    let (f2, s2) = run(try ok("candidate_blocked_SAFETY_gemini-1.5-flash.json"))
    #expect(s2.kind == .failed(failureClass: "blocked"))
    #expect(f2.result?.finishReason == "SAFETY")
    #expect(f2.rawResponse?.isEmpty == false)
  }

  @Test func maxTokensWithNoPartsIsTruncated() throws {
    let (f, s) = run(try ok("max_tokens_no_parts_gemini-2.5-pro.json"))
    #expect(s.kind == .failed(failureClass: "truncated"))
    #expect(f.result?.truncated == true)
    #expect(f.result?.candidatesTokens == nil)
  }

  @Test func jsonModeParsesAndValidates() throws {
    let ex = try ok("json_mode_responseJsonSchema_gemini-2.0-flash.json")
    let (f, s) = run(ex, job: job(jsonMode: true))
    #expect(s.kind == .succeeded)
    #expect(f.result?.jsonStatus == "valid")
    let parsed = try JSONValue.parse(try #require(f.result?.jsonOutput))
    #expect(parsed.arrayValue != nil || parsed.objectValue != nil)
    // The same answer against a schema it does not satisfy is kept, and failed as a mismatch.
    let strict = OutputSchema.jsonSchema(["type": "object", "required": ["no_such_field"]])
    let (f2, s2) = run(ex, job: job(jsonMode: true, schema: strict))
    #expect(s2.kind == .failed(failureClass: "schema_mismatch"))
    #expect(f2.result?.jsonOutput != nil && f2.result?.jsonError?.isEmpty == false)
  }

  @Test func jsonModeWithProseIsInvalidJSONAndKeepsTheText() throws {
    let (f, s) = run(try ok("text_basic_gemini-2.5-flash.json"), job: job(jsonMode: true))
    #expect(s.kind == .failed(failureClass: "invalid_json"))
    #expect(f.result?.answerText?.isEmpty == false)
    #expect(f.result?.jsonOutput == nil)
  }

  @Test func functionCallsAndGroundingAreKept() throws {
    let (f, _) = run(try ok("function_call_parallel_thoughtsig_gemini-3-flash-preview.json"))
    let calls = try JSONValue.parse(try #require(f.result?.functionCallsJSON))
    #expect(calls.arrayValue?.count == 3)
    let (g, _) = run(try ok("google_search_grounding_gemini-2.5-pro.json"))
    let sources = try JSONValue.parse(try #require(g.result?.groundingSourcesJSON))
    #expect((sources.arrayValue?.count ?? 0) >= 3)
    #expect(g.result?.webSearchQueriesJSON != nil)
  }

  @Test func cancelledInFlightIsLost() {
    let ex = Exchange(httpStatus: nil, rawBody: Data(), result: .failure(GeminiError(code: .cancelled, detail: "cancelled")), latency: .zero)
    let (f, s) = run(ex)
    #expect(s.kind == .cancelled)
    #expect(f.outcome == .lost && f.jobState == .pending)
  }

  @Test func fencedJSONIsAccepted() {
    let p = JSONOutput.parse("```json\n{\"a\": 1}\n```\n", schema: nil, truncated: false)
    #expect(p.status == .valid && p.value?["a"]?.intValue == 1)
    let cut = JSONOutput.parse("{\"a\": [1, 2", schema: nil, truncated: true)
    #expect(cut.status == .truncated)
  }
}
