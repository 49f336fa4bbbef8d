import Foundation

/// A failed exchange with the API: an HTTP error status, a transport failure or an unusable body.
///
/// A struct over a closed code, compared by code. `description` is safe to print: it never holds
/// the API key, auth headers, the prompt or the request body.
public struct GeminiError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Code: String, Sendable, Hashable {
    /// The server answered with an HTTP error status.
    case httpStatus = "http_status"
    /// A 200 whose body is not a valid response (not JSON, wrong shape).
    case malformedBody = "malformed_body"
    /// The body or stream ended before it was complete.
    case truncated
    /// No connection could be made.
    case connect
    /// The connection broke while sending or receiving.
    case connectionLost = "connection_lost"
    /// A connect, read or total timeout.
    case timeout
    /// The request could not be built or sent (bad URL, encoding).
    case invalidRequest = "invalid_request"
    /// No API key configured.
    case missingAPIKey = "missing_api_key"
    /// The task was cancelled.
    case cancelled
  }

  public let code: Code
  /// HTTP status when there was an answer.
  public let httpStatus: Int?
  /// The decoded error envelope when the body had one.
  public let body: APIErrorBody?
  /// `Retry-After` header, in seconds, when present.
  public let retryAfter: Duration?
  /// A short safe explanation (the API's message, or what failed locally).
  public let detail: String

  public init(code: Code, httpStatus: Int? = nil, body: APIErrorBody? = nil, retryAfter: Duration? = nil, detail: String) {
    self.code = code
    self.httpStatus = httpStatus
    self.body = body
    self.retryAfter = retryAfter
    self.detail = detail
  }

  public static func == (a: GeminiError, b: GeminiError) -> Bool {
    a.code == b.code && a.httpStatus == b.httpStatus && a.body == b.body && a.detail == b.detail
  }
  public func hash(into h: inout Hasher) {
    h.combine(code)
    h.combine(httpStatus)
  }

  /// Builds the error for an HTTP error answer from its status and body bytes.
  /// A body that is not Google's envelope (an HTML page from a proxy) keeps only a short,
  /// tag-stripped excerpt.
  public static func fromHTTP(status: Int, body: Data, retryAfter: Duration? = nil) -> GeminiError {
    if let env = APIErrorBody.decode(body) {
      let msg = env.message ?? env.status ?? "HTTP \(status)"
      return GeminiError(code: .httpStatus, httpStatus: status, body: env, retryAfter: retryAfter, detail: msg)
    }
    return GeminiError(
      code: .httpStatus, httpStatus: status, body: nil, retryAfter: retryAfter,
      detail: "HTTP \(status) with a non-JSON body: \(Self.excerpt(body))")
  }

  /// The API status string (`RESOURCE_EXHAUSTED`, …) when there was an envelope.
  public var apiStatus: String? { body?.status }

  /// The delay the server asked for: the longer of RetryInfo and Retry-After.
  public var suggestedDelay: Duration? {
    let a = body?.retryInfo?.retryDelay
    switch (a, retryAfter) {
    case (let x?, let y?): return max(x, y)
    case (let x?, nil): return x
    case (nil, let y?): return y
    default: return nil
    }
  }

  public var description: String {
    var s = "gemini \(code.rawValue)"
    if let httpStatus { s += " \(httpStatus)" }
    if let st = body?.status { s += " \(st)" }
    return s + ": " + detail
  }

  static func excerpt(_ body: Data, limit: Int = 160) -> String {
    var text = String(decoding: body.prefix(4096), as: UTF8.self)
    if let start = text.range(of: "<title>", options: .caseInsensitive),
       let end = text.range(of: "</title>", options: .caseInsensitive), start.upperBound < end.lowerBound {
      text = String(text[start.upperBound..<end.lowerBound])
    }
    var out = ""
    var inTag = false
    for ch in text {
      if ch == "<" { inTag = true; continue }
      if ch == ">" { inTag = false; out.append(" "); continue }
      if !inTag { out.append(ch.isNewline ? " " : ch) }
    }
    let collapsed = out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    if collapsed.isEmpty { return "(empty)" }
    return collapsed.count > limit ? String(collapsed.prefix(limit)) + "…" : collapsed
  }
}

extension GeminiError {
  /// The same error with every form of the key (and any `key=` parameter) taken out of its
  /// detail and its decoded body, so that nothing built from it (failure reasons, status lines,
  /// exports) can show the key a server echoed.
  public func redacted(_ r: Redactor) -> GeminiError {
    let detail = r.redact(self.detail, queryKeys: true)
    let body = self.body.map { $0.redacted(r) }
    if detail == self.detail && body == self.body { return self }
    return GeminiError(code: code, httpStatus: httpStatus, body: body, retryAfter: retryAfter, detail: detail)
  }
}

extension APIErrorBody {
  func redacted(_ r: Redactor) -> APIErrorBody {
    func s(_ v: String?) -> String? { v.map { r.redact($0, queryKeys: true) } }
    var b = self
    b.message = s(message)
    b.status = s(status)
    b.details = details.map { d -> ErrorDetail in
      switch d {
      case .retryInfo: return d
      case .quotaFailure(let vs):
        return .quotaFailure(
          vs.map {
            QuotaViolation(
              quotaMetric: s($0.quotaMetric), quotaId: s($0.quotaId),
              quotaDimensions: Dictionary(
                $0.quotaDimensions.map { (r.redact($0.key), r.redact($0.value, queryKeys: true)) }, uniquingKeysWith: { a, _ in a }),
              quotaValue: s($0.quotaValue))
          })
      case .errorInfo(let reason, let domain, let metadata):
        return .errorInfo(
          reason: s(reason), domain: s(domain),
          metadata: Dictionary(
            metadata.map { (r.redact($0.key), r.redact($0.value, queryKeys: true)) }, uniquingKeysWith: { a, _ in a }))
      case .help(let links):
        return .help(links: links.map { HelpLink(description: s($0.description), url: s($0.url)) })
      case .other(let v):
        return .other(v.redactingStrings(r))
      }
    }
    return b
  }
}

extension JSONValue {
  /// Every string (keys included) with the key's forms and `key=` values taken out.
  func redactingStrings(_ r: Redactor) -> JSONValue {
    switch self {
    case .string(let s): return .string(r.redact(s, queryKeys: true))
    case .array(let a): return .array(a.map { $0.redactingStrings(r) })
    case .object(let o):
      var out = JSONObject()
      o.forEachEntry { k, v in out[r.redact(k)] = v.redactingStrings(r) }
      return .object(out)
    default: return self
    }
  }
}
