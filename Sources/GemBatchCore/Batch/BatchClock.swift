import Foundation

/// The time a Batch Mode run reads and waits on; injected so tests never sleep for real.
public protocol BatchClock: Sendable {
  /// Unix seconds.
  func now() -> Double
  func sleep(for d: Duration) async throws
}

public struct SystemBatchClock: BatchClock {
  public init() {}
  public func now() -> Double { Date().timeIntervalSince1970 }
  public func sleep(for d: Duration) async throws { try await Task.sleep(for: d) }
}
