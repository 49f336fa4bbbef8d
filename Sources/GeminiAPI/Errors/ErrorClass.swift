/// How the scheduler treats a failure.
public enum ErrorClass: Sendable, Hashable {
  /// 429, or 503 RESOURCE_EXHAUSTED. `daily` means a per-day quota: waiting minutes will not help.
  case rateLimited(suggestedDelay: Duration?, daily: Bool, quotaId: String?)
  /// 408, 500, 502, 503, 504, timeouts, connection errors, truncated bodies or streams, malformed 200 bodies.
  case transient(suggestedDelay: Duration?)
  /// Any other 4xx, or a request that could not be built.
  case permanent
  /// A flex-tier request the server shed for capacity (503, or a 429 without a quota): best
  /// effort by design, so it is retried with its own longer backoff and is not a failure.
  case shed(suggestedDelay: Duration?)

  /// A short stable name for storage and reports.
  public var name: String {
    switch self {
    case .rateLimited(_, let daily, _): daily ? "rate_limited_daily" : "rate_limited"
    case .transient: "transient"
    case .permanent: "permanent"
    case .shed: "shed"
    }
  }

  public var isRetryable: Bool {
    switch self {
    case .rateLimited(_, let daily, _): !daily
    case .transient: true
    case .permanent: false
    case .shed: true
    }
  }
}

extension GeminiError {
  /// The classification of a failure of a request sent at `tier` (`flex`, `standard`,
  /// `priority`, any case; nil when the request named none). A flex request's 503, or a 429 that
  /// names no quota, is `.shed`; everything else is `errorClass`.
  public func errorClass(requestTier tier: String?) -> ErrorClass {
    guard tier?.lowercased() == "flex" || tier?.uppercased() == "SERVICE_TIER_FLEX", code == .httpStatus else { return errorClass }
    let status = httpStatus ?? 0
    if status == 503 && body?.status != "RESOURCE_EXHAUSTED" { return .shed(suggestedDelay: suggestedDelay) }
    if status == 429 || body?.status == "RESOURCE_EXHAUSTED", (body?.quotaViolations ?? []).isEmpty {
      return .shed(suggestedDelay: suggestedDelay)
    }
    return errorClass
  }

  /// The classification the scheduler acts on.
  public var errorClass: ErrorClass {
    switch code {
    case .httpStatus:
      let status = httpStatus ?? 0
      let api = body?.status
      if status == 429 || api == "RESOURCE_EXHAUSTED" {
        let violations = body?.quotaViolations ?? []
        let daily = violations.contains { $0.quotaClass.isDaily }
        let id = violations.first { $0.quotaClass.isDaily }?.quotaId ?? violations.first?.quotaId
        return .rateLimited(suggestedDelay: suggestedDelay, daily: daily, quotaId: id)
      }
      if [408, 500, 502, 503, 504].contains(status) { return .transient(suggestedDelay: suggestedDelay) }
      if status >= 500 { return .transient(suggestedDelay: suggestedDelay) }
      return .permanent
    case .malformedBody, .truncated, .connect, .connectionLost, .timeout:
      return .transient(suggestedDelay: nil)
    case .invalidRequest, .missingAPIKey, .cancelled:
      return .permanent
    }
  }
}

extension GeminiError {
  /// The endpoint refused the credentials: 401, 403, or an `API_KEY_INVALID` reason (Google
  /// answers a bad key with 400 INVALID_ARGUMENT and that reason). Every request would fail alike.
  public var isAuthFailure: Bool {
    guard code == .httpStatus else { return false }
    if httpStatus == 401 || httpStatus == 403 { return true }
    for d in body?.details ?? [] {
      if case .errorInfo(let reason, _, _) = d, reason == "API_KEY_INVALID" || reason == "API_KEY_EXPIRED" { return true }
    }
    return body?.status == "UNAUTHENTICATED"
  }
}
