import GeminiAPI

/// Decides what happens after a failed attempt. Pure: a function of the error class, the attempt
/// number and a random draw, so it is tested without sleeping.
///
/// Exponential backoff with full jitter (`delay = U(0,1) × min(cap, base × 2^(n-1))`), never shorter
/// than what the server asked for (RetryInfo / Retry-After, the longer of the two) — unless the
/// server asks for more than `maxServerDelay`: then the job is parked instead of waited for, so
/// no server can hold a run for years.
public struct RetryPolicy: Sendable, Hashable {
  public var maxAttempts: Int
  public var baseDelay: Duration
  public var maxDelay: Duration
  /// The longest server-requested delay the run waits out itself (`--max-retry-delay`).
  public var maxServerDelay: Duration

  /// Flex requests the server shed: retried up to this many attempts in all (sheds are expected
  /// under load, so the budget is larger than `maxAttempts`), with their own slower backoff.
  public var maxShedAttempts: Int
  public var shedBaseDelay: Duration
  public var shedMaxDelay: Duration

  public static let defaultMaxServerDelay: Duration = .seconds(3600)

  public init(
    maxAttempts: Int = 6, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(60),
    maxServerDelay: Duration = RetryPolicy.defaultMaxServerDelay, maxShedAttempts: Int = 20,
    shedBaseDelay: Duration = .seconds(5), shedMaxDelay: Duration = .seconds(300)
  ) {
    self.maxAttempts = max(1, maxAttempts)
    self.baseDelay = baseDelay
    self.maxDelay = maxDelay
    self.maxServerDelay = max(.zero, maxServerDelay)
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
    /// The server asked for a wait longer than `maxServerDelay`: the job waits (not before
    /// `after` from now) and the run stops, resumable, instead of sleeping that long.
    case park(after: Duration)
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
      if let suggested, suggested > maxServerDelay { return .park(after: suggested) }
      return .retry(after: backoff(attempt: attempt, random: random, suggested: suggested))
    case .shed(let suggested):
      guard attempt < maxShedAttempts else { return .fail(failureClass: "flex_shed") }
      return .retry(after: backoff(attempt: attempt, random: random, suggested: suggested, base: shedBaseDelay, cap: shedMaxDelay))
    }
  }

  /// What an attempt that was sent but never answered (lost in a crash, cancelled in flight)
  /// leaves: it counts toward `maxAttempts`, as River and Sidekiq count a crashed attempt, so a
  /// job whose every attempt was lost is not sent forever.
  public func afterLostAttempt(attempt: Int) -> Decision? {
    attempt >= maxAttempts ? .fail(failureClass: "attempts_exhausted") : nil
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
    if let suggested, suggested > jittered { return min(suggested, max(maxServerDelay, jittered)) }
    return jittered
  }
}
