import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Test support: ends the process with SIGKILL at a named point of a Batch Mode run, so the
/// crash tests are deterministic (no timing). Never set in normal use.
struct BatchKillSwitch: Sendable {
  let point: BatchConfiguration.KillPoint?

  func reached(_ p: BatchConfiguration.KillPoint) {
    guard point == p else { return }
    FileHandle.standardError.write(Data("gembatch: test kill at \(p.rawValue)\n".utf8))
    kill(getpid(), SIGKILL)
    // SIGKILL is not delivered synchronously everywhere: never go on past the point.
    while true { pause() }
  }
}
