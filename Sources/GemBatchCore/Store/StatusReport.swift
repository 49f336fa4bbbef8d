import Foundation

/// What `gembatch status` shows: a snapshot read in one transaction.
public struct StatusReport: Sendable, Codable, Hashable {
  public struct ModelCounts: Sendable, Codable, Hashable {
    public var model: String
    public var counts: StateCounts
  }

  public struct FailureReason: Sendable, Codable, Hashable {
    public var failureClass: String?
    public var reason: String?
    public var count: Int
  }

  public struct RunInfo: Sendable, Codable, Hashable {
    public var id: Int64
    public var status: String
    public var stopReason: String?
    public var startedAt: Double
    public var endedAt: Double?
    public var endpoint: String
    /// google, cometapi, mock or custom (read off the URL for runs before `v3-trust`).
    public var endpointKind: String
    public var version: String
    public var attempts: Int
    public var pid: Int32?
    public var host: String?
  }

  /// The process holding the store (`StoreClaim`), as its `store_claims` row says.
  public struct Writer: Sendable, Codable, Hashable {
    public var runId: Int64?
    public var pid: Int32
    public var host: String
    public var startedAt: Double
    public var heartbeatAt: Double
    /// Seconds since the last heartbeat, when the report was read.
    public var heartbeatAgeSeconds: Double
    /// false: the process is gone (or its heartbeat is stale) and the next run takes over.
    public var live: Bool
  }

  /// How many stored results came from one endpoint.
  public struct EndpointResults: Sendable, Codable, Hashable {
    public var kind: String
    public var url: String
    public var results: Int
  }

  public var path: String
  public var counts: StateCounts
  public var models: [ModelCounts]
  /// Failed jobs grouped by class and reason, most frequent first.
  public var failures: [FailureReason]
  /// Newest first.
  public var runs: [RunInfo]
  /// Attempts sent by a process that died before their outcome: possibly billed, no stored answer.
  public var lostAttempts: [LostAttempt]
  /// Attempts with no outcome yet (a run is writing now, or one died and was not yet recovered).
  public var openAttempts: Int
  public var totalCostUSD: Double
  public var totalTokens: Int
  /// The run writing the store now, or a claim a dead one left; nil when no run holds it.
  public var writer: Writer?
  /// Where the stored results came from, most first.
  public var endpoints: [EndpointResults]
}
