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
    public var version: String
    public var attempts: Int
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
}
