import GeminiAPI

/// Decides what happens after a failed attempt. Pure: a function of the error class, the attempt
/// number and a random draw, so it is tested without sleeping.
///
/// Exponential backoff with full jitter (`delay = U(0,1) × min(cap, base × 2^(n-1))`), never shorter
/// than what the server asked for (RetryInfo / Retry-After, the longer of the two).
public struct RetryPolicy: Sendable, Hashable {
  public var maxAttempts: Int
  public var baseDelay: Duration
  public var maxDelay: Duration
  /// Flex requests the server shed: retried up to this many attempts in all (sheds are expected
  /// under load, so the budget is larger than `maxAttempts`), with their own slower backoff.
  public var maxShedAttempts: Int
  public var shedBaseDelay: Duration
  public var shedMaxDelay: Duration

  public init(
    maxAttempts: Int = 6, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(60), maxShedAttempts: Int = 20,
    shedBaseDelay: Duration = .seconds(5), shedMaxDelay: Duration = .seconds(300)
  ) {
    self.maxAttempts = max(1, maxAttempts)
    self.baseDelay = baseDelay
    self.maxDelay = maxDelay
    self.maxShedAttempts = max(self.maxAttempts, maxShedAttempts)
    self.shedBaseDelay = shedBaseDelay
    self.shedMaxDelay = shedMaxDelay
  }

  public enum Decision: Sendable, Hashable {
    /// Send again after this delay.
    case retry(after: Duration)
    /// The job fails for good, with a failure class for the store.
    case fail(failureClass: String)
    /// A per-day quota: stop taking work; the job stays pending for a later run.
    case stopRun(quotaId: String?)
  }

  /// - Parameters:
  ///   - attempt: the number of the attempt that just failed, 1-based.
  ///   - random: a draw in [0, 1) for the jitter.
  public func decide(_ errorClass: ErrorClass, attempt: Int, random: Double) -> Decision {
    switch errorClass {
    case .permanent:
      return .fail(failureClass: "permanent")
    case .rateLimited(_, true, let quotaId):
      return .stopRun(quotaId: quotaId)
    case .rateLimited(let suggested, false, _), .transient(let suggested):
      guard attempt < maxAttempts else { return .fail(failureClass: "attempts_exhausted") }
      return .retry(after: backoff(attempt: attempt, random: random, suggested: suggested))
    case .shed(let suggested):
      guard attempt < maxShedAttempts else { return .fail(failureClass: "flex_shed") }
      return .retry(after: backoff(attempt: attempt, random: random, suggested: suggested, base: shedBaseDelay, cap: shedMaxDelay))
    }
  }

  /// The delay before attempt `attempt + 1`.
  public func backoff(attempt: Int, random: Double, suggested: Duration?) -> Duration {
    backoff(attempt: attempt, random: random, suggested: suggested, base: baseDelay, cap: maxDelay)
  }

  func backoff(attempt: Int, random: Double, suggested: Duration?, base: Duration, cap: Duration) -> Duration {
    let exp = min(30, max(0, attempt - 1))
    let ceiling = min(cap, base * (1 << exp))
    let r = min(max(random, 0), 1)
    let jittered = ceiling * r
    if let suggested, suggested > jittered { return suggested }
    return jittered
  }
}
