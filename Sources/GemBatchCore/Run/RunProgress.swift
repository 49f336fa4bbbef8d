/// A snapshot of a run for progress displays.
public struct RunProgress: Sendable {
  public var elapsed: Double
  /// Jobs this run set out to do.
  public var total: Int
  public var succeeded: Int
  public var failed: Int
  public var inFlight: Int
  /// Waiting for a retry.
  public var waiting: Int
  public var attempts: Int
  public var rateLimited: Int
  public var retries: Int
  public var tokens: Int
  public var costUSD: Double
  public var unpricedResults: Int
  public var concurrencyLimit: Int
  public var stopping: Bool
  /// Set aside: the server asked for a delay past `--max-retry-delay`. Not in the ETA.
  public var parked: Int = 0
  /// Attempts sent again to repair an unusable answer (a re-ask or a larger maxOutputTokens).
  public var repairs: Int = 0
  /// Held by fail-fast (one permanent error over and over for their model). Not in the ETA.
  public var held: Int = 0

  public var done: Int { succeeded + failed }
  public var jobsPerSecond: Double { elapsed > 0 ? Double(done) / elapsed : 0 }
  public var tokensPerMinute: Double { elapsed > 0 ? Double(tokens) / elapsed * 60 : 0 }
  /// Seconds left at the current pace, nil before anything finished.
  public var eta: Double? {
    let rate = jobsPerSecond
    guard rate > 0 else { return nil }
    return Double(max(0, total - done - parked - held)) / rate
  }
}

/// How a run ended.
public struct RunReport: Sendable {
  public enum Ending: String, Sendable {
    /// Every job that was to run has a final state.
    case finished
    /// Stopped by SIGINT/SIGTERM; resumable.
    case interrupted
    /// A per-day quota ran out; resumable.
    case quotaStopped = "quota_stopped"
    /// The budget would have been crossed; resumable.
    case budgetStopped = "budget_stopped"
    /// Invalid job files: nothing was sent.
    case badInput = "bad_input"
    /// The endpoint refused the API key (401, 403, API_KEY_INVALID); resumable once it is fixed.
    case authFailed = "auth_failed"
    /// Nothing succeeded and the first attempts could not reach the endpoint; resumable.
    case unreachable
    /// A model's first answers were all one permanent error: its other jobs were held; resumable.
    case failFast = "fail_fast"
    /// Some jobs wait on a server delay past `--max-retry-delay`; resumable after it.
    case parked
    /// The store could not be written (full disk, I/O error); resumable once fixed.
    case storeFailed = "store_failed"
  }

  public var runId: Int64?
  public var ending: Ending
  public var stopReason: String?
  public var progress: RunProgress
  /// Errors in the job files (nothing is sent when there are any).
  public var inputErrors: [JobError]
  /// Warnings about the job files (their lines are sent; `JobLoader.Result.warnings`).
  public var inputWarnings = JobWarnings()
  /// Attempts found in flight from an earlier process: sent, no stored answer, possibly billed.
  public var lostAttempts: [LostAttempt]
  /// Jobs skipped because they already succeeded with the same request.
  public var alreadySucceeded: Int
  /// Jobs in the store that are failed (this run or earlier).
  public var failedTotal: Int
}

extension RunProgress {
  public static let zero = RunProgress(
    elapsed: 0, total: 0, succeeded: 0, failed: 0, inFlight: 0, waiting: 0, attempts: 0, rateLimited: 0, retries: 0,
    tokens: 0, costUSD: 0, unpricedResults: 0, concurrencyLimit: 0, stopping: false)
}
