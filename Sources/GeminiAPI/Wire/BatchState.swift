/// A batch's state as the API spells it: `BATCH_STATE_*` on the wire, `JOB_STATE_*` in the SDKs
/// and in the docs' own samples. Both spellings read to the same `phase`; `raw` keeps what came.
public struct BatchState: Sendable, Hashable, CustomStringConvertible {
  public enum Phase: String, Sendable, Hashable, CaseIterable {
    case pending, running, succeeded, failed, cancelling, cancelled, expired
    /// Anything else (`UNSPECIFIED`, a name added later): not terminal, so a batch in it is
    /// polled on and, past the run's timeout, cancelled rather than taken for done.
    case unknown
  }

  public let raw: String
  public let phase: Phase

  public init(raw: String) {
    self.raw = raw
    var name = Substring(raw.uppercased())
    for prefix in ["BATCH_STATE_", "JOB_STATE_"] where name.hasPrefix(prefix) {
      name = name.dropFirst(prefix.count)
    }
    switch name {
    case "PENDING", "QUEUED": phase = .pending
    case "RUNNING", "UPDATING", "PAUSED": phase = .running
    // The SDK's PARTIALLY_SUCCEEDED has an output file, read like a success's (failed lines fail).
    case "SUCCEEDED", "PARTIALLY_SUCCEEDED": phase = .succeeded
    case "FAILED": phase = .failed
    case "CANCELLING": phase = .cancelling
    case "CANCELLED": phase = .cancelled
    case "EXPIRED": phase = .expired
    default: phase = .unknown
    }
  }

  public init(_ phase: Phase) {
    self.phase = phase
    self.raw = "BATCH_STATE_" + phase.rawValue.uppercased()
  }

  /// The batch will not change any more.
  public var isTerminal: Bool {
    switch phase {
    case .succeeded, .failed, .cancelled, .expired: true
    case .pending, .running, .cancelling, .unknown: false
    }
  }

  /// The name SDK users know (`JOB_STATE_SUCCEEDED`).
  public var sdkName: String { phase == .unknown ? raw : "JOB_STATE_" + phase.rawValue.uppercased() }

  public var description: String { phase == .unknown ? raw : phase.rawValue.uppercased() }
}

/// `batchStats`: counts arrive as JSON strings and a zero count is left out, so a missing field
/// is 0 and a number is accepted too.
public struct BatchStats: Sendable, Hashable {
  public var requestCount = 0
  public var successfulRequestCount = 0
  public var failedRequestCount = 0
  public var pendingRequestCount = 0

  public init(requestCount: Int = 0, successful: Int = 0, failed: Int = 0, pending: Int = 0) {
    self.requestCount = requestCount
    self.successfulRequestCount = successful
    self.failedRequestCount = failed
    self.pendingRequestCount = pending
  }

  public init(json: JSONValue?) {
    func count(_ key: String) -> Int {
      guard let v = json?[key] else { return 0 }
      if let s = v.stringValue { return Int(s.trimmingCharacters(in: .whitespaces)) ?? 0 }
      return v.intValue ?? 0
    }
    requestCount = count("requestCount")
    successfulRequestCount = count("successfulRequestCount")
    failedRequestCount = count("failedRequestCount")
    pendingRequestCount = count("pendingRequestCount")
  }

  /// The wire form: strings, zeros left out.
  public var json: JSONValue {
    var o = JSONObject()
    for (k, v) in [
      ("requestCount", requestCount), ("successfulRequestCount", successfulRequestCount),
      ("failedRequestCount", failedRequestCount), ("pendingRequestCount", pendingRequestCount),
    ] where v != 0 {
      o[k] = .string(String(v))
    }
    return .object(o)
  }
}
