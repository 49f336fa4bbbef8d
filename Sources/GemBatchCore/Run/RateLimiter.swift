/// Requests-per-minute and input-tokens-per-minute limits for one (endpoint, model), as a pure
/// state machine over an injected clock (seconds on a monotonic scale).
///
/// Both limits are GCRA ("virtual scheduling"): each request moves a theoretical arrival time
/// forward by its cost, so requests leave evenly spaced instead of in bursts that a server's
/// sliding window would reject. Token costs are estimated before sending and corrected when the
/// answer's usage arrives.
public struct RateLimiter: Sendable {
  public var requestsPerMinute: Double?
  public var tokensPerMinute: Double?
  /// Spacing is widened by this factor so that a server counting over an inclusive 60 s window,
  /// with network jitter, never sees one request too many: 1% is 600 ms of slack per minute
  /// (0.4%, 240 ms, was too little on a loaded machine), at 1% of the throughput.
  public var safety: Double

  private var requestTAT: Double = -.infinity
  private var tokenTAT: Double = -.infinity
  private var pausedUntil: Double = -.infinity

  public init(requestsPerMinute: Double? = nil, tokensPerMinute: Double? = nil, safety: Double = 1.01) {
    self.requestsPerMinute = requestsPerMinute.flatMap { $0 > 0 ? $0 : nil }
    self.tokensPerMinute = tokensPerMinute.flatMap { $0 > 0 ? $0 : nil }
    self.safety = safety
  }

  public var isUnlimited: Bool { requestsPerMinute == nil && tokensPerMinute == nil }

  /// The earliest time a request costing `tokens` may leave.
  public func earliestStart(now: Double, tokens: Int) -> Double {
    var t = max(now, pausedUntil)
    if requestsPerMinute != nil { t = max(t, requestTAT) }
    if let tpm = tokensPerMinute {
      // A request larger than a minute's budget can still go, alone, once the bucket is empty.
      let cost = Double(tokens) * 60 / tpm * safety
      t = max(t, tokenTAT - max(0, 60 * safety - cost))
    }
    return t
  }

  /// Takes a slot at `at` (≥ earliestStart). Call it when the request is dispatched.
  public mutating func reserve(at: Double, tokens: Int) {
    if let rpm = requestsPerMinute {
      requestTAT = max(requestTAT, at) + 60 / rpm * safety
    }
    if let tpm = tokensPerMinute {
      tokenTAT = max(tokenTAT, at) + Double(tokens) * 60 / tpm * safety
    }
  }

  /// Corrects the token account once the real prompt size is known.
  public mutating func correct(estimatedTokens: Int, actualTokens: Int) {
    guard let tpm = tokensPerMinute, tokenTAT > -.infinity else { return }
    tokenTAT += Double(actualTokens - estimatedTokens) * 60 / tpm * safety
  }

  /// After a 429 for a per-minute window: nothing more leaves before `until` (the server said
  /// the window is full until then), whether or not limits are configured.
  public mutating func pause(until: Double) {
    pausedUntil = max(pausedUntil, until)
  }
}
