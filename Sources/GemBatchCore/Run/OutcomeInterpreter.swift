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
    /// The endpoint refused the key (401, 403, API_KEY_INVALID): the run stops, the job stays pending.
    case authFailed(message: String)
    /// The server asked for a delay past `--max-retry-delay`: the job waits in the store until
    /// `until` (unix s) and the run stops, resumable; `reason` names the delay and the time.
    case parked(until: Double, delay: Duration, reason: String)
    /// The answer was unusable and a repair is due: send this job (a re-ask or a larger
    /// maxOutputTokens) next. The attempt's tokens and cost still count.
    case resend(DispatchJob)
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
  /// The request never reached the server: why (refused, DNS, TLS, connect timeout).
  public var transportFailure: String?
  /// For a final failure: what identifies "the same error" (status, API status, message).
  public var failureSignature: String?
  /// Set when the answer's usage was not trusted (and left unpriced, its tokens not counted).
  public var usageInvalid: String?
}

/// Turns an `Exchange` into the ledger record and the scheduler's summary. Pure: the retry draw
/// and the time are passed in.
public struct OutcomeInterpreter: Sendable {
  public var policy: RetryPolicy
  /// Prices an answer: what ran (served model, tier, usage, grounding, images, day) → its price.
  public var price: @Sendable (PriceRequest) -> AnswerPrice
  /// The tier a run sends requests at when they name none (`--tier`, see `TieredTransport`).
  public var defaultTier: String?
  /// The tier every answer ran at, whatever the response says: `.batch` for Batch Mode lines.
  public var forcedTier: ServiceTier?
  /// Remove wrapper noise from JSON answers at no cost (`LocalJSONRepair`); off with `--repair 0`.
  public var localRepair: Bool
  /// What to do with an answer that is not usable (`--repair`, `--grow-max-tokens`).
  public var repair: RepairPolicy
  /// A model's output token limit, the cap of `--grow-max-tokens`.
  public var outputLimit: @Sendable (String) -> Int
  /// The largest count a model's usage may claim (model → limit); above it the usage is invalid.
  /// A catalog that knows a model's context window can lower the generous fixed default.
  public var usageLimit: @Sendable (String) -> Int

  public init(
    policy: RetryPolicy, price: @escaping @Sendable (PriceRequest) -> AnswerPrice,
    localRepair: Bool = true, repair: RepairPolicy = RepairPolicy(),
    outputLimit: @escaping @Sendable (String) -> Int = { _ in 65_536 },
    usageLimit: @escaping @Sendable (String) -> Int = { _ in UsageMetadata.countLimit }
  ) {
    self.policy = policy
    self.price = price
    self.localRepair = localRepair && repair.repairsEnabled
    self.repair = repair
    self.outputLimit = outputLimit
    self.usageLimit = usageLimit
  }

  /// With a plain price function: (model, usage, web search query count) → (cost, version), or nil when unpriced.
  public init(
    policy: RetryPolicy,
    price: @escaping @Sendable (String, UsageMetadata, Int) -> (cost: Double, version: String)? = { _, _, _ in nil },
    localRepair: Bool = true, repair: RepairPolicy = RepairPolicy(),
    outputLimit: @escaping @Sendable (String) -> Int = { _ in 65_536 },
    usageLimit: @escaping @Sendable (String) -> Int = { _ in UsageMetadata.countLimit }
  ) {
    self.init(
      policy: policy,
      price: { (r: PriceRequest) -> AnswerPrice in
        let p = price(r.servedModel ?? r.model, r.usage ?? UsageMetadata(), r.searchQueries)
        return AnswerPrice(cost: p?.cost, version: p?.version ?? "", servedModel: nil, tier: r.tier)
      }, localRepair: localRepair, repair: repair, outputLimit: outputLimit, usageLimit: usageLimit)
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
      rawResponse: ex.rawBody, rawResponseBytes: ex.bodyBytes, result: nil)
    var summary = AttemptSummary(
      kind: .succeeded, jobId: job.id, model: job.model, httpStatus: ex.httpStatus, rateLimited: false,
      serverDelay: nil, estimatedTokens: job.estimatedInputTokens, promptTokens: nil, totalTokens: nil, costUSD: nil, latency: ex.latency)

    switch ex.result {
    case .failure(let error):
      finish.errorCode = error.code.rawValue
      finish.apiStatus = error.apiStatus
      finish.errorMessage = error.detail
      finish.suggestedDelayMs = error.suggestedDelay.map { Self.clampedInt($0.milliseconds) }
      summary.serverDelay = error.suggestedDelay
      if error.code == .cancelled {
        finish.outcome = .lost
        finish.jobState = .pending
        finish.errorClass = "cancelled"
        summary.kind = .cancelled
        // Sent, outcome unknown: it counts, so the last allowed attempt is not followed by another.
        if case .fail(let failureClass)? = policy.afterLostAttempt(attempt: attemptNo) {
          finish.jobState = .failed
          finish.failureClass = failureClass
          finish.failureReason = Self.lostReason(attempts: attemptNo)
        }
        return (finish, summary)
      }
      if error.code == .connect {
        summary.transportFailure = error.detail
      }
      if error.isAuthFailure {
        // Every other job would be refused the same way: stop, and fail no job for it.
        finish.outcome = .failed
        finish.jobState = .pending
        finish.errorClass = "auth"
        summary.kind = .authFailed(message: error.detail)
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
        if failureClass == "permanent" { summary.failureSignature = error.description }
      case .stopRun(let quotaId):
        finish.outcome = .retry
        finish.jobState = .pending
        summary.kind = .stopRun(quotaId: quotaId, message: error.detail)
      case .park(let after):
        let until = now + after.seconds
        let reason =
          "the server asked job \(job.id) to wait \(DelayText.format(after)), more than --max-retry-delay "
          + "\(DelayText.format(policy.maxServerDelay)); it is parked and may be tried again after \(DelayText.date(until))"
        finish.outcome = .retry
        finish.jobState = .waiting
        finish.notBefore = until
        summary.kind = .parked(until: until, delay: after, reason: reason)
      }
      return (finish, summary)

    case .success(let response):
      let record = makeResult(job: job, attemptId: attemptId, runId: runId, response: response, exchange: ex, now: now)
      summary.promptTokens = record.promptTokens
      summary.totalTokens = record.totalTokens
      summary.costUSD = record.costUSD
      summary.usageInvalid = record.usageInvalid
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
      return judge(job: job, record: record, finish: &finish, summary: &summary, now: now)
    }
  }

  /// A 200 with a candidate: usable as it is, repaired at no cost, repaired by another attempt
  /// (a re-ask, a larger maxOutputTokens), or unusable for good (`RepairPolicy` decides).
  private func judge(
    job: DispatchJob, record: ResultRecord, finish: inout AttemptFinish, summary: inout AttemptSummary, now: Double
  ) -> (AttemptFinish, AttemptSummary) {
    // Text, a function call or media (an image model's answer may be an image alone).
    let hasAnswer = record.answerText != nil || record.functionCallsJSON != nil || record.mediaJSON != nil
    let cls = AnswerClass.classify(
      jsonStatus: record.jsonStatus, finishReason: record.finishReason, blocked: false, hasAnswer: hasAnswer)
    if cls == .valid && job.purpose == nil { return (finish, summary) }
    let decision = repair.decide(
      .init(
        answerClass: cls, text: record.answerText, schema: job.outputSchema, message: record.jsonError,
        repairedLocally: record.obtained == .repairedLocal),
      history: .init(reasks: job.reasks, growths: job.growths, maxOutputTokens: job.maxOutputTokens),
      outputLimit: outputLimit(job.model))
    var rec = record
    switch decision {
    case .accept(let obtained):
      rec.obtained = obtained
      rec.originalAnswerText = job.originalAnswer
      finish.result = rec
      return (finish, summary)
    case .acceptRepairedLocally(let json, let obtained):
      rec.jsonOutput = (try? JSONValue.parse(Data(json.utf8)))?.serialized() ?? json
      rec.jsonStatus = JSONOutput.Status.valid.rawValue
      rec.jsonError = nil
      rec.obtained = obtained
      rec.originalAnswerText = job.originalAnswer ?? record.answerText
      finish.result = rec
      return (finish, summary)
    case .reask(let message):
      guard let text = record.answerText,
        let body = try? ReaskBuilder.build(body: job.body, answerText: text, message: message)
      else { break }
      var next = job
      next.body = body
      next.reasks += 1
      next.purpose = .reask
      next.originalAnswer = job.originalAnswer ?? record.answerText
      // The re-ask carries the answer back: its prompt is larger by about that much.
      next.estimatedInputTokens = job.estimatedInputTokens.addingSaturating(TokenEstimator.estimate(text: text) + 64)
      return resend(next, &finish, &summary, now: now)
    case .grow(let limit):
      guard let step = MaxTokensGrowth.grow(body: job.body, outputLimit: outputLimit(job.model)) else { break }
      var next = job
      next.body = step.body
      next.maxOutputTokens = limit
      next.growths += 1
      next.purpose = .grow
      next.originalAnswer = job.originalAnswer ?? record.answerText
      return resend(next, &finish, &summary, now: now)
    case .giveUp(let reason):
      rec.obtained = .invalid
      rec.obtainedReason = reason
      rec.originalAnswerText = job.originalAnswer
      finish.result = rec
      let failureClass = record.jsonStatus ?? "truncated"
      return failFinal(&finish, &summary, failureClass, reason)
    }
    rec.obtained = .invalid
    rec.obtainedReason = "the repair could not be built from the stored request"
    finish.result = rec
    return failFinal(&finish, &summary, record.jsonStatus ?? "truncated", rec.obtainedReason!)
  }

  /// The attempt ends without a result (its answer stays in the attempt's raw body, its cost on
  /// the attempt) and the job goes out again at once with the repaired request.
  private func resend(
    _ next: DispatchJob, _ finish: inout AttemptFinish, _ summary: inout AttemptSummary, now: Double
  ) -> (AttemptFinish, AttemptSummary) {
    finish.costUSD = finish.result?.costUSD
    finish.totalTokens = finish.result?.totalTokens
    finish.result = nil
    finish.outcome = .retry
    finish.jobState = .waiting
    finish.notBefore = now
    summary.kind = .resend(next)
    return (finish, summary)
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
    let tier = forcedTier ?? Self.tierThatRan(header: ex.serviceTier, usage: u)
    rec.serviceTier = tier.rawValue
    if let u, let problem = u.problem(limit: usageLimit(job.model)) {
      // Kept as the server sent it, never summed or priced: one absurd count must not become a
      // run cost of trillions or trap the arithmetic of totals.
      rec.usageJSON = u.compactJSON
      rec.usageInvalid = problem
    } else if let u {
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
      let parsed = JSONOutput.parse(c?.answerText, schema: job.outputSchema, truncated: truncated, localRepair: localRepair)
      rec.jsonStatus = parsed.status.rawValue
      if parsed.repairedLocally && parsed.status == .valid { rec.obtained = .repairedLocal }
      rec.jsonOutput = parsed.value?.serialized()
      rec.jsonError = parsed.error
    }
    rec.latencyMs = ex.latency.milliseconds
    rec.ttfbMs = ex.timeToFirstByte?.milliseconds
    return rec
  }
}

extension OutcomeInterpreter {
  static func lostReason(attempts: Int) -> String {
    "\(attempts) attempt(s) used; the last was sent but its outcome is unknown (lost in flight, possibly billed)"
  }

  /// A Double as an Int, clamped to Int's range (a server's delay must never trap a conversion).
  static func clampedInt(_ d: Double) -> Int {
    guard d.isFinite else { return d > 0 ? Int.max : 0 }
    if d >= 9.2e18 { return Int.max }
    if d <= -9.2e18 { return Int.min }
    return Int(d.rounded())
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
