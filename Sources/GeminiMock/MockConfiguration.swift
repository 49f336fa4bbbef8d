import GeminiCatalog

/// Everything the mock server can be told: where to listen, which key to expect, how slow and
/// how unreliable to be, which quotas to enforce, and where recorded bodies come from.
public struct MockConfiguration: Sendable {
  /// Interface to bind; loopback by default.
  public var host: String = "127.0.0.1"
  /// Port to bind; 0 picks a free one (reported through `withServer`/`run`).
  public var port: Int = 0
  /// The one key accepted; nil accepts any non-empty key.
  public var apiKey: String?
  /// Delay before the first byte of every answer.
  public var firstByteLatency: LatencyModel = .none
  /// Delay between stream events.
  public var chunkDelay: LatencyModel = .none
  /// How many events a streamed text answer is split into (at least 1).
  public var streamChunks: Int = 3
  /// Probability per request of each injected fault (0...1). Rolled with a seeded generator.
  public var faultRates: [MockFault: Double] = [:]
  /// The delay used by the `slow-first-byte` fault.
  public var slowFirstByteDelay: Duration = .seconds(30)
  /// Quotas per model name (`gemini-3.8-flash`); `defaultQuota` applies to models not listed.
  public var quotas: [String: QuotaLimits] = [:]
  public var defaultQuota: QuotaLimits = QuotaLimits()
  /// Mixed into every deterministic choice: same request + same seed = same body.
  public var seed: UInt64 = 0
  /// A folder of recorded bodies (`*.json`, `*.sse`) to serve instead of generated answers.
  public var replayDirectory: String?
  /// Serve every request from the replay folder round-robin (otherwise only on a replay marker/header).
  public var replayAll: Bool = true
  /// The models the mock answers for, with their rules: the bundled catalog unless told otherwise.
  public var catalog: ModelCatalog = .bundledOrEmpty
  /// The day the catalog is read on (what is shut down, where it routes); nil: the system clock's.
  public var today: CalendarDay?
  /// Model names accepted besides the catalog's (no rules checked, listed after the catalog's).
  public var extraModels: Set<String> = []
  /// Added before the first byte of a `serviceTier: flex` answer (flex is slower by design).
  public var flexLatency: LatencyModel = .none
  /// Probability that a flex request is shed (503, to be retried later).
  public var flexShedRate: Double = 0
  /// Probability that a priority request runs at standard instead (the header says so).
  public var priorityDowngradeRate: Double = 0
  /// Length of the per-minute quota window in seconds (60). Tests shorten it to check rate
  /// accuracy in seconds rather than minutes.
  public var quotaMinuteSeconds: Double = 60
  /// Largest request body accepted.
  public var maxBodyBytes: Int = 32 << 20
  /// How long a batch takes: PENDING for the first half, RUNNING for the second, then ended.
  public var batchTurnaround: Duration = .seconds(3)
  /// Where uploaded and generated files are kept (nil: a fresh temporary folder per server).
  public var filesDirectory: String?
  /// Batch faults by create call, in order (`nil` for none); used before `faultRates` are rolled
  /// for the batch faults. A `batch-create-429` entry refuses that create call.
  public var batchFaultPlan: [MockFault?] = []
  /// Most batches or files in one list page (a smaller `pageSize` asked wins).
  public var listPageSize: Int = 20

  public init() {}

  /// The limits that apply to `model`.
  public func quota(for model: String) -> QuotaLimits { quotas[model] ?? defaultQuota }
}

/// Per-model limits; nil means unlimited.
public struct QuotaLimits: Sendable, Hashable {
  /// Requests per minute (sliding 60 s window).
  public var rpm: Int?
  /// Input (prompt) tokens per minute (sliding 60 s window).
  public var tpm: Int?
  /// Requests per day (sliding 24 h window).
  public var rpd: Int?

  public init(rpm: Int? = nil, tpm: Int? = nil, rpd: Int? = nil) {
    self.rpm = rpm
    self.tpm = tpm
    self.rpd = rpd
  }

  public var isUnlimited: Bool { rpm == nil && tpm == nil && rpd == nil }
}

/// An outcome the mock can force instead of a normal answer.
///
/// Forced per request with the header `x-mock-fault: <name>` or the marker `[[mock:<name>]]` in
/// the prompt text; rolled at random with `MockConfiguration.faultRates`.
public enum MockFault: String, Sendable, Hashable, CaseIterable {
  /// 500 INTERNAL.
  case internalError = "internal"
  /// 503 UNAVAILABLE "The model is overloaded. Please try again later."
  case overloaded
  /// 503 RESOURCE_EXHAUSTED.
  case exhausted503 = "exhausted-503"
  /// 429 RESOURCE_EXHAUSTED with a per-minute QuotaFailure and RetryInfo (as if RPM ran out).
  case rateLimited = "rate-limited"
  /// The connection is closed before any response byte.
  case dropBeforeResponse = "drop-before"
  /// The headers and part of the body are sent, then the connection is closed.
  case dropMidBody = "drop-mid"
  /// A stream ends cleanly but without its last event (no finishReason, no final usage).
  case cutStream = "cut-stream"
  /// Status 200 with a body that is not JSON.
  case malformedBody = "malformed"
  /// 502 with an HTML page, as a proxy sends it.
  case proxyHTML = "html-502"
  /// 200 with `promptFeedback.blockReason: SAFETY` and no candidates.
  case promptBlocked = "prompt-blocked"
  /// A candidate stopped with finishReason SAFETY and empty content.
  case safety
  /// A candidate stopped with finishReason RECITATION.
  case recitation
  /// The first byte comes after `slowFirstByteDelay`.
  case slowFirstByte = "slow-first-byte"
  /// JSON mode: an answer that does not parse (its closing bracket missing).
  case invalidJSON = "invalid-json"
  /// JSON mode: an answer that parses but breaks its schema (a required property missing, or
  /// a value of the wrong type).
  case schemaViolation = "schema-violation"
  /// JSON mode: the valid answer wrapped in ```json fences after a line of prose.
  case fencedJSON = "fenced-json"

  /// The faults that change a JSON-mode answer's text. They apply to JSON-mode text answers
  /// only; a re-ask (a conversation whose last user turn quotes a validator, `ReaskPrompt`) gets
  /// a fresh roll, and a forced one (`name` or `name*K`) applies to the first K requests of the
  /// conversation (the original and K-1 re-asks; K is 1 by default), so repairs can succeed.
  public var changesJSONAnswer: Bool { self == .invalidJSON || self == .schemaViolation || self == .fencedJSON }
  /// Batch Mode, per line: the line is an error (`{"error":…}` or `{"status":…}`, both seen).
  case batchLineError = "batch-line-error"
  /// Batch Mode, per batch: it ends EXPIRED with no output.
  case batchExpire = "batch-expire"
  /// Batch Mode, per batch: it stays PENDING until cancelled.
  case batchStuck = "batch-stuck"
  /// Batch Mode, per create call: 429 RESOURCE_EXHAUSTED, nothing created.
  case batchCreate429 = "batch-create-429"
  /// Batch Mode, per batch: it ends FAILED with an operation error and no output.
  case batchFail = "batch-fail"
  /// Batch Mode, per line: the key is missing from the output.
  case batchLineDrop = "batch-line-drop"

  /// The faults rolled per batch or create call rather than per request.
  static let batchLevel: Set<MockFault> = [.batchExpire, .batchStuck, .batchCreate429, .batchFail]
  /// Faults that only mean something in a batch.
  public static let batchOnly: Set<MockFault> = batchLevel.union([.batchLineError, .batchLineDrop])
}
