import Foundation
import GeminiAPI
import GeminiCatalog

/// What one attempt meant for its job, for the scheduler's bookkeeping.
public struct AttemptSummary: Sendable {
  public enum Kind: Sendable, Hashable {
    case succeeded
    case failed(failureClass: String)
    case retry(after: Duration)
    /// A per-day quota ran out: the job stays pending and the run stops, resumable.
    case stopRun(quotaId: String?, message: String)
    /// Cancelled in flight (interrupt past the grace period): sent, outcome unknown.
    case cancelled
  }

  public var kind: Kind
  public var jobId: String
  public var model: String
  public var httpStatus: Int?
  public var rateLimited: Bool
  /// The delay the server asked for (RetryInfo / Retry-After), if any.
  public var serverDelay: Duration?
  public var estimatedTokens: Int
  public var promptTokens: Int?
  public var totalTokens: Int?
  public var costUSD: Double?
  public var latency: Duration
}

/// Turns an `Exchange` into the ledger record and the scheduler's summary. Pure: the retry draw
/// and the time are passed in.
public struct OutcomeInterpreter: Sendable {
  public var policy: RetryPolicy
  /// Prices an answer: what ran (served model, tier, usage, grounding, images, day) → its price.
  public var price: @Sendable (PriceRequest) -> AnswerPrice
  /// The tier a run sends requests at when they name none (`--tier`, see `TieredTransport`).
  public var defaultTier: String?

  public init(policy: RetryPolicy, price: @escaping @Sendable (PriceRequest) -> AnswerPrice) {
    self.policy = policy
    self.price = price
  }

  /// With a plain price function: (model, usage, web search query count) → (cost, version), or nil when unpriced.
  public init(
    policy: RetryPolicy,
    price: @escaping @Sendable (String, UsageMetadata, Int) -> (cost: Double, version: String)? = { _, _, _ in nil }
  ) {
    self.init(policy: policy) { (r: PriceRequest) -> AnswerPrice in
      let p = price(r.servedModel ?? r.model, r.usage ?? UsageMetadata(), r.searchQueries)
      return AnswerPrice(cost: p?.cost, version: p?.version ?? "", servedModel: nil, tier: r.tier)
    }
  }

  /// The tier that ran: the `x-gemini-service-tier` header, else `usageMetadata.serviceTier`.
  /// Without either, standard: priority is billed only when the response confirms it, and an
  /// unconfirmed flex request is not assumed to have had the discount.
  public static func tierThatRan(header: String?, usage: UsageMetadata?) -> ServiceTier {
    header.flatMap(ServiceTier.init(wire:)) ?? usage?.serviceTier.flatMap(ServiceTier.init(wire:)) ?? .standard
  }

  public func interpret(
    job: DispatchJob, attemptId: Int64, attemptNo: Int, runId: Int64, exchange ex: Exchange, random: Double, now: Double
  ) -> (AttemptFinish, AttemptSummary) {
    let latencyMs = ex.latency.milliseconds
    let ttfbMs = ex.timeToFirstByte?.milliseconds
    var finish = AttemptFinish(
      attemptId: attemptId, jobId: job.id, runId: runId, endedAt: now, outcome: .succeeded, jobState: .succeeded,
      notBefore: nil, failureClass: nil, failureReason: nil, httpStatus: ex.httpStatus, errorClass: nil, errorCode: nil,
      apiStatus: nil, errorMessage: nil, quotaId: nil, suggestedDelayMs: nil, latencyMs: latencyMs, ttfbMs: ttfbMs,
      rawResponse: ex.rawBody, result: nil)
    var summary = AttemptSummary(
      kind: .succeeded, jobId: job.id, model: job.model, httpStatus: ex.httpStatus, rateLimited: false,
      serverDelay: nil, estimatedTokens: job.estimatedInputTokens, promptTokens: nil, totalTokens: nil, costUSD: nil, latency: ex.latency)

    switch ex.result {
    case .failure(let error):
      finish.errorCode = error.code.rawValue
      finish.apiStatus = error.apiStatus
      finish.errorMessage = error.detail
      finish.suggestedDelayMs = error.suggestedDelay.map { Int($0.milliseconds.rounded()) }
      summary.serverDelay = error.suggestedDelay
      if error.code == .cancelled {
        finish.outcome = .lost
        finish.jobState = .pending
        finish.errorClass = "cancelled"
        summary.kind = .cancelled
        return (finish, summary)
      }
      let cls = error.errorClass(requestTier: job.serviceTier ?? defaultTier)
      finish.errorClass = cls.name
      if case .rateLimited(_, _, let quotaId) = cls {
        finish.quotaId = quotaId
        summary.rateLimited = true
      }
      switch policy.decide(cls, attempt: attemptNo, random: random) {
      case .retry(let after):
        finish.outcome = .retry
        finish.jobState = .waiting
        finish.notBefore = now + after.seconds
        summary.kind = .retry(after: after)
      case .fail(let failureClass):
        finish.outcome = .failed
        finish.jobState = .failed
        finish.failureClass = failureClass
        finish.failureReason = error.description
        summary.kind = .failed(failureClass: failureClass)
      case .stopRun(let quotaId):
        finish.outcome = .retry
        finish.jobState = .pending
        summary.kind = .stopRun(quotaId: quotaId, message: error.detail)
      }
      return (finish, summary)

    case .success(let response):
      let record = makeResult(job: job, attemptId: attemptId, runId: runId, response: response, exchange: ex, now: now)
      summary.promptTokens = record.promptTokens
      summary.totalTokens = record.totalTokens
      summary.costUSD = record.costUSD
      finish.result = record
      // A 200 can still be a failure: a blocked prompt, a withheld candidate, unusable JSON.
      if let block = response.blockReason {
        return failFinal(&finish, &summary, "blocked", "prompt blocked: \(block.rawValue)\(response.promptFeedback?.blockReasonMessage.map { " (\($0))" } ?? "")")
      }
      guard let candidate = response.firstCandidate else {
        return failFinal(&finish, &summary, "empty_response", "the answer has no candidates")
      }
      if let fr = candidate.finishReason, fr.isContentBlock || fr == .malformedFunctionCall || fr == .unexpectedToolCall
        || fr == .tooManyToolCalls || fr == .other || fr == .blocklist
      {
        return failFinal(&finish, &summary, fr.isContentBlock ? "blocked" : "finish_reason",
          "candidate stopped with \(fr.rawValue)\(candidate.finishMessage.map { ": \($0)" } ?? "")")
      }
      if let status = record.jsonStatus, status != JSONOutput.Status.valid.rawValue {
        return failFinal(&finish, &summary, status, "JSON output \(status): \(record.jsonError ?? "")")
      }
      if candidate.answerText == nil && candidate.functionCalls.isEmpty && candidate.finishReason == .maxTokens {
        return failFinal(&finish, &summary, "truncated", "maxOutputTokens reached before any answer (spent on thinking?)")
      }
      return (finish, summary)
    }
  }

  private func failFinal(_ finish: inout AttemptFinish, _ summary: inout AttemptSummary, _ cls: String, _ reason: String)
    -> (AttemptFinish, AttemptSummary)
  {
    finish.outcome = .failed
    finish.jobState = .failed
    finish.failureClass = cls
    finish.failureReason = reason
    summary.kind = .failed(failureClass: cls)
    return (finish, summary)
  }

  func makeResult(job: DispatchJob, attemptId: Int64, runId: Int64, response r: GenerateContentResponse, exchange ex: Exchange, now: Double)
    -> ResultRecord
  {
    let c = r.firstCandidate
    let u = r.usageMetadata
    let truncated = c?.finishReason == .maxTokens
    var rec = ResultRecord(jobId: job.id, attemptId: attemptId, runId: runId, requestHash: job.requestHash, createdAt: now)
    rec.modelVersion = r.modelVersion
    rec.responseId = r.responseId
    rec.answerText = c?.answerText
    rec.thoughtText = c?.thoughtText
    rec.finishReason = c?.finishReason?.rawValue
    rec.finishMessage = c?.finishMessage
    rec.blockReason = r.blockReason?.rawValue
    rec.truncated = truncated
    let callParts = (c?.content?.parts ?? []).filter { $0.functionCall != nil }
    if !callParts.isEmpty {
      rec.functionCallsJSON = JSONValue.array(callParts.map { part in
        let call = part.functionCall!
        var o = JSONObject()
        if let id = call.id { o["id"] = .string(id) }
        o["name"] = .string(call.name)
        o["args"] = call.args ?? .object(JSONObject())
        if let sig = part.thoughtSignature { o["thoughtSignature"] = .string(sig) }
        return .object(o)
      }).serialized()
    }
    let sources = r.groundingSources
    if !sources.isEmpty {
      rec.groundingSourcesJSON = JSONValue.array(sources.map { s in
        var o = JSONObject()
        o["uri"] = s.uri.map(JSONValue.string) ?? .null
        o["title"] = s.title.map(JSONValue.string) ?? .null
        return .object(o)
      }).serialized()
    }
    let grounding = c?.groundingMetadata
    let queries = grounding?.webSearchQueries ?? []
    if !queries.isEmpty { rec.webSearchQueriesJSON = JSONValue.array(queries.map(JSONValue.string)).serialized() }
    let details = AnswerDetails(r)
    rec.mediaJSON = details.media
    rec.mapsSourcesJSON = details.mapsSources
    rec.safetyRatingsJSON = details.safetyRatings
    rec.blockCategory = details.blockCategory
    rec.citationsJSON = details.citations
    rec.groundingSupportsJSON = details.groundingSupports
    rec.candidatesJSON = details.candidates
    let tier = Self.tierThatRan(header: ex.serviceTier, usage: u)
    rec.serviceTier = tier.rawValue
    if let u {
      rec.promptTokens = u.promptTokenCount
      rec.cachedTokens = u.cachedContentTokenCount
      rec.candidatesTokens = u.candidatesTokenCount
      rec.thoughtsTokens = u.thoughtsTokenCount
      rec.toolUsePromptTokens = u.toolUsePromptTokenCount
      rec.totalTokens = u.totalTokenCount
      rec.usageJSON = u.compactJSON
      let p = price(
        PriceRequest(
          model: job.model, servedModel: r.modelVersion, usage: u, date: CalendarDay(unixTime: now), tier: tier,
          searchQueries: queries.count, mapsPrompts: details.mapsGrounded ? 1 : 0, images: details.images))
      rec.costUSD = p.cost
      rec.priceVersion = p.cost == nil ? nil : p.version
      rec.servedModel = p.servedModel
    }
    if job.isJSONMode {
      let parsed = JSONOutput.parse(c?.answerText, schema: job.outputSchema, truncated: truncated)
      rec.jsonStatus = parsed.status.rawValue
      rec.jsonOutput = parsed.value?.serialized()
      rec.jsonError = parsed.error
    }
    rec.latencyMs = ex.latency.milliseconds
    rec.ttfbMs = ex.timeToFirstByte?.milliseconds
    return rec
  }
}

extension Duration {
  var seconds: Double {
    let c = components
    return Double(c.seconds) + Double(c.attoseconds) / 1e18
  }
  var milliseconds: Double { seconds * 1000 }
}

extension JSONEncoder {
  static let compact: JSONEncoder = {
    let e = JSONEncoder()
    e.outputFormatting = [.withoutEscapingSlashes]
    return e
  }()
}
