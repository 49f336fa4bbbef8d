import Foundation

/// An attempt about to be sent. Committed (as `attempts` row with `ended_at` NULL) before the request leaves.
public struct AttemptStart: Sendable, Hashable {
  public var jobId: String
  public var runId: Int64
  /// 1-based per job.
  public var attemptNo: Int
  public var requestHash: String
  public var streamed: Bool
  /// Unix seconds.
  public var startedAt: Double
  /// Why it is sent; nil: `first` for attempt 1, else `retry`.
  public var purpose: AttemptPurpose?

  public init(
    jobId: String, runId: Int64, attemptNo: Int, requestHash: String, streamed: Bool, startedAt: Double,
    purpose: AttemptPurpose? = nil
  ) {
    self.jobId = jobId
    self.runId = runId
    self.attemptNo = attemptNo
    self.requestHash = requestHash
    self.streamed = streamed
    self.startedAt = startedAt
    self.purpose = purpose
  }
}

/// How one attempt ended (`attempts.outcome`). `lost` is only ever written by recovery.
public enum AttemptOutcome: String, Sendable, Codable {
  case succeeded
  case retry
  case failed
  case lost
}

/// The outcome of an attempt, the job's new state and (for a final answer) its result row:
/// all three land in one transaction.
public struct AttemptFinish: Sendable {
  public var attemptId: Int64
  public var jobId: String
  public var runId: Int64
  public var endedAt: Double
  public var outcome: AttemptOutcome
  /// The job's new state: `.succeeded`, `.waiting`, `.pending` or `.failed`.
  public var jobState: JobState
  /// `waiting`: not before this unix time.
  public var notBefore: Double?
  public var failureClass: String?
  public var failureReason: String?
  public var httpStatus: Int?
  public var errorClass: String?
  public var errorCode: String?
  public var apiStatus: String?
  public var errorMessage: String?
  public var quotaId: String?
  public var suggestedDelayMs: Int?
  public var latencyMs: Double?
  public var ttfbMs: Double?
  /// Body bytes or SSE transcript, exactly as received (for a failed or oversized body, a
  /// prefix of it: see `rawResponseBytes`).
  public var rawResponse: Data?
  /// The body's full length when `rawResponse` holds only a prefix of it; nil when whole.
  public var rawResponseBytes: Int?
  /// Written (INSERT OR REPLACE into `results`) in the same transaction.
  public var result: ResultRecord?
  /// This attempt's own cost and tokens (`attempts.cost_usd`, `total_tokens`) when it is not
  /// the stored result's (a re-asked answer); nil: the result's.
  public var costUSD: Double?
  public var totalTokens: Int?

  public init(
    attemptId: Int64, jobId: String, runId: Int64, endedAt: Double, outcome: AttemptOutcome, jobState: JobState,
    notBefore: Double? = nil, failureClass: String? = nil, failureReason: String? = nil, httpStatus: Int? = nil,
    errorClass: String? = nil, errorCode: String? = nil, apiStatus: String? = nil, errorMessage: String? = nil,
    quotaId: String? = nil, suggestedDelayMs: Int? = nil, latencyMs: Double? = nil, ttfbMs: Double? = nil,
    rawResponse: Data? = nil, rawResponseBytes: Int? = nil, result: ResultRecord? = nil
  ) {
    self.rawResponseBytes = rawResponseBytes
    self.attemptId = attemptId
    self.jobId = jobId
    self.runId = runId
    self.endedAt = endedAt
    self.outcome = outcome
    self.jobState = jobState
    self.notBefore = notBefore
    self.failureClass = failureClass
    self.failureReason = failureReason
    self.httpStatus = httpStatus
    self.errorClass = errorClass
    self.errorCode = errorCode
    self.apiStatus = apiStatus
    self.errorMessage = errorMessage
    self.quotaId = quotaId
    self.suggestedDelayMs = suggestedDelayMs
    self.latencyMs = latencyMs
    self.ttfbMs = ttfbMs
    self.rawResponse = rawResponse
    self.result = result
  }
}

/// One row of `results`: a job's final answer (see docs/store-schema.md for each column).
public struct ResultRecord: Sendable, Hashable {
  public var jobId: String
  public var attemptId: Int64
  public var runId: Int64
  public var requestHash: String
  public var modelVersion: String?
  public var responseId: String?
  public var answerText: String?
  public var thoughtText: String?
  /// Parsed JSON (compact) when JSON mode parsed.
  public var jsonOutput: String?
  /// `valid`, `invalid_json`, `schema_mismatch`, `truncated`, or nil when not JSON mode.
  public var jsonStatus: String?
  public var jsonError: String?
  public var functionCallsJSON: String?
  public var groundingSourcesJSON: String?
  public var webSearchQueriesJSON: String?
  public var finishReason: String?
  public var finishMessage: String?
  public var blockReason: String?
  public var truncated: Bool
  public var promptTokens: Int?
  public var cachedTokens: Int?
  public var candidatesTokens: Int?
  public var thoughtsTokens: Int?
  public var toolUsePromptTokens: Int?
  public var totalTokens: Int?
  public var usageJSON: String?
  /// Why the usage was not trusted (a negative, absurd or unreadable count): the result is then
  /// unpriced, its token columns are nil and `usageJSON` keeps what the server said.
  public var usageInvalid: String?
  public var costUSD: Double?
  public var priceVersion: String?
  public var latencyMs: Double?
  public var ttfbMs: Double?
  public var createdAt: Double
  /// How the answer was obtained; nil lets the ledger derive it (`valid` for a job that
  /// succeeded, `invalid` with the failure reason otherwise).
  public var obtained: AnswerObtained?
  public var obtainedReason: String?
  /// The first answer's text when this one came from a re-ask or a larger maxOutputTokens.
  public var originalAnswerText: String?
  /// The catalog model whose rates priced the answer (the model that ran, after routing).
  public var servedModel: String?
  /// The tier that ran (`standard`, `flex`, `priority`), as the response said.
  public var serviceTier: String?
  /// Inline media parts of the answer: `[{"candidate","part","mimeType","bytes"}]` (bytes in the raw response).
  public var mediaJSON: String?
  /// Google Maps grounding sources: `[{"uri","title","placeId"}]`.
  public var mapsSourcesJSON: String?
  /// The first candidate's safety ratings (and the prompt's, when it was blocked).
  public var safetyRatingsJSON: String?
  /// The harm category that blocked the prompt or the candidate.
  public var blockCategory: String?
  public var citationsJSON: String?
  public var groundingSupportsJSON: String?
  /// Every candidate when there are several: `[{"index","text","finishReason"}]`.
  public var candidatesJSON: String?

  public init(
    jobId: String, attemptId: Int64, runId: Int64, requestHash: String, modelVersion: String? = nil,
    responseId: String? = nil, answerText: String? = nil, thoughtText: String? = nil, jsonOutput: String? = nil,
    jsonStatus: String? = nil, jsonError: String? = nil, functionCallsJSON: String? = nil,
    groundingSourcesJSON: String? = nil, webSearchQueriesJSON: String? = nil, finishReason: String? = nil,
    finishMessage: String? = nil, blockReason: String? = nil, truncated: Bool = false, promptTokens: Int? = nil,
    cachedTokens: Int? = nil, candidatesTokens: Int? = nil, thoughtsTokens: Int? = nil,
    toolUsePromptTokens: Int? = nil, totalTokens: Int? = nil, usageJSON: String? = nil, costUSD: Double? = nil,
    priceVersion: String? = nil, latencyMs: Double? = nil, ttfbMs: Double? = nil, createdAt: Double
  ) {
    self.jobId = jobId
    self.attemptId = attemptId
    self.runId = runId
    self.requestHash = requestHash
    self.modelVersion = modelVersion
    self.responseId = responseId
    self.answerText = answerText
    self.thoughtText = thoughtText
    self.jsonOutput = jsonOutput
    self.jsonStatus = jsonStatus
    self.jsonError = jsonError
    self.functionCallsJSON = functionCallsJSON
    self.groundingSourcesJSON = groundingSourcesJSON
    self.webSearchQueriesJSON = webSearchQueriesJSON
    self.finishReason = finishReason
    self.finishMessage = finishMessage
    self.blockReason = blockReason
    self.truncated = truncated
    self.promptTokens = promptTokens
    self.cachedTokens = cachedTokens
    self.candidatesTokens = candidatesTokens
    self.thoughtsTokens = thoughtsTokens
    self.toolUsePromptTokens = toolUsePromptTokens
    self.totalTokens = totalTokens
    self.usageJSON = usageJSON
    self.costUSD = costUSD
    self.priceVersion = priceVersion
    self.latencyMs = latencyMs
    self.ttfbMs = ttfbMs
    self.createdAt = createdAt
  }
}

extension ResultRecord {
  /// `results.obtained` and `obtained_reason` as stored: the record's own, or derived from the
  /// attempt's finish: a job that succeeded got a usable answer (at once unless the record
  /// says how), a job that failed did not, for the job's failure reason.
  func obtainedColumns(finish f: AttemptFinish) -> (obtained: String, reason: String?) {
    switch f.jobState {
    case .succeeded: return ((obtained ?? .valid).rawValue, obtainedReason)
    case .failed: return (AnswerObtained.invalid.rawValue, obtainedReason ?? f.failureReason ?? jsonError)
    default: return ((obtained ?? .invalid).rawValue, obtainedReason ?? jsonError)
    }
  }
}
