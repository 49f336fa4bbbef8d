import Foundation

/// Google's error envelope `{"error":{code,message,status,details}}`, with typed details.
public struct APIErrorBody: Sendable, Hashable {
  public var code: Int?
  public var message: String?
  /// `INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`, `UNAVAILABLE`, …
  public var status: String?
  public var details: [ErrorDetail]

  public init(code: Int? = nil, message: String? = nil, status: String? = nil, details: [ErrorDetail] = []) {
    self.code = code
    self.message = message
    self.status = status
    self.details = details
  }

  public var retryInfo: RetryInfo? {
    for d in details { if case .retryInfo(let r) = d { return r } }
    return nil
  }

  public var quotaViolations: [QuotaViolation] {
    details.flatMap { d -> [QuotaViolation] in
      if case .quotaFailure(let v) = d { return v }
      return []
    }
  }

  /// Decodes the envelope from a body: a bare object, an array-wrapped `[{"error":…}]`
  /// (the non-SSE stream form), or nil when the body is not JSON or has no `error` object.
  public static func decode(_ data: Data) -> APIErrorBody? {
    guard let v = try? JSONValue.parse(data) else { return nil }
    return decode(v)
  }

  public static func decode(_ v: JSONValue) -> APIErrorBody? {
    if case .array(let a) = v {
      for e in a { if let b = decode(e) { return b } }
      return nil
    }
    guard case .object(let e) = v["error"] ?? .null else { return nil }
    var body = APIErrorBody()
    body.code = e["code"]?.intValue
    body.message = e["message"]?.stringValue
    body.status = e["status"]?.stringValue
    body.details = (e["details"]?.arrayValue ?? []).map(ErrorDetail.init(json:))
    return body
  }
}

/// One entry of `error.details`, typed by its `@type`.
public enum ErrorDetail: Sendable, Hashable {
  case retryInfo(RetryInfo)
  case quotaFailure([QuotaViolation])
  case errorInfo(reason: String?, domain: String?, metadata: [String: String])
  case help(links: [HelpLink])
  case other(JSONValue)

  init(json: JSONValue) {
    let type = json["@type"]?.stringValue ?? ""
    if type.hasSuffix("google.rpc.RetryInfo") {
      self = .retryInfo(RetryInfo(retryDelayText: json["retryDelay"]?.stringValue))
    } else if type.hasSuffix("google.rpc.QuotaFailure") {
      let vs = (json["violations"]?.arrayValue ?? []).map { v in
        QuotaViolation(
          quotaMetric: v["quotaMetric"]?.stringValue, quotaId: v["quotaId"]?.stringValue,
          quotaDimensions: (v["quotaDimensions"]?.objectValue).map { o in
            Dictionary(uniqueKeysWithValues: o.compactMap { k, v in v.stringValue.map { (k, $0) } })
          } ?? [:],
          quotaValue: v["quotaValue"]?.stringValue ?? v["quotaValue"]?.intValue.map(String.init))
      }
      self = .quotaFailure(vs)
    } else if type.hasSuffix("google.rpc.ErrorInfo") {
      let md = (json["metadata"]?.objectValue).map { o in
        Dictionary(uniqueKeysWithValues: o.compactMap { k, v in v.stringValue.map { (k, $0) } })
      } ?? [:]
      self = .errorInfo(reason: json["reason"]?.stringValue, domain: json["domain"]?.stringValue, metadata: md)
    } else if type.hasSuffix("google.rpc.Help") {
      self = .help(links: (json["links"]?.arrayValue ?? []).map {
        HelpLink(description: $0["description"]?.stringValue, url: $0["url"]?.stringValue)
      })
    } else {
      self = .other(json)
    }
  }
}

public struct HelpLink: Sendable, Hashable {
  public var description: String?
  public var url: String?
}

/// `google.rpc.RetryInfo`: how long the server asks the client to wait.
public struct RetryInfo: Sendable, Hashable {
  /// The raw Duration string, e.g. "26s" or "1.5s".
  public var retryDelayText: String?
  public var retryDelay: Duration? { retryDelayText.flatMap(RetryInfo.parseDuration) }

  public init(retryDelayText: String?) { self.retryDelayText = retryDelayText }

  /// Parses a protobuf Duration string (`^\d+(\.\d+)?s$`). Longer than `maxDelaySeconds` is
  /// cut to that, so no server value can overflow the conversion (the run's own ceiling,
  /// `--max-retry-delay`, decides what happens to long waits).
  public static func parseDuration(_ s: String) -> Duration? {
    let t = s.trimmingCharacters(in: .whitespaces)
    guard t.hasSuffix("s"), let secs = Double(t.dropLast()), secs >= 0, secs.isFinite else { return nil }
    return .milliseconds(Int64((min(secs, maxDelaySeconds) * 1000).rounded()))
  }

  /// About 31.7 years: the longest delay any server value is read as.
  public static let maxDelaySeconds = 1e9
}

/// One `QuotaFailure` violation.
public struct QuotaViolation: Sendable, Hashable {
  public var quotaMetric: String?
  public var quotaId: String?
  public var quotaDimensions: [String: String]
  public var quotaValue: String?

  public init(quotaMetric: String? = nil, quotaId: String?, quotaDimensions: [String: String] = [:], quotaValue: String? = nil) {
    self.quotaMetric = quotaMetric
    self.quotaId = quotaId
    self.quotaDimensions = quotaDimensions
    self.quotaValue = quotaValue
  }

  /// Which window ran out, read from the quotaId.
  public var quotaClass: QuotaClass { QuotaClass(quotaId: quotaId ?? quotaMetric ?? "") }
}

public enum QuotaClass: String, Sendable, Hashable {
  case requestsPerMinute = "requests_per_minute"
  case requestsPerDay = "requests_per_day"
  case tokensPerMinute = "tokens_per_minute"
  case tokensPerDay = "tokens_per_day"
  case unknown

  public init(quotaId: String) {
    let id = quotaId.lowercased()
    let perDay = id.contains("perday") || id.contains("per_day") || id.contains("daily")
    let tokens = id.contains("token")
    switch (tokens, perDay) {
    case (true, true): self = .tokensPerDay
    case (true, false): self = id.contains("minute") ? .tokensPerMinute : .unknown
    case (false, true): self = .requestsPerDay
    case (false, false): self = id.contains("minute") ? .requestsPerMinute : .unknown
    }
  }

  public var isDaily: Bool { self == .requestsPerDay || self == .tokensPerDay }
}
