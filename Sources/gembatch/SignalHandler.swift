import Dispatch
import Foundation

/// SIGINT, SIGTERM and SIGHUP: the first is passed to the run (stop new work, let requests
/// finish, record, exit resumable); the second exits at once. SQLite's WAL keeps the store
/// consistent either way, and attempts cut off this way are found and reported as lost by the
/// next run. SIGHUP is what an ssh session that drops sends: it is a request to stop cleanly,
/// not a kill, and SIGPIPE is ignored so that writing to the vanished terminal cannot kill the
/// run either (those writes fail quietly, `Stderr`).
enum SignalHandler {
  nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
  nonisolated(unsafe) private static var installed: AsyncStream<Void>?

  static let handled: [Int32] = [SIGINT, SIGTERM, SIGHUP]

  /// Installs the handlers once; later calls return the same stream (run installs them before
  /// it claims the store, and the batch engine asks again), so a signal is announced and
  /// counted once.
  static func install() -> AsyncStream<Void> {
    if let installed { return installed }
    let (stream, continuation) = AsyncStream<Void>.makeStream()
    installed = stream
    let count = Counter()
    signal(SIGPIPE, SIG_IGN)
    for sig in handled {
      signal(sig, SIG_IGN)
      let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
      src.setEventHandler {
        if count.increment() >= 2 {
          Stderr.write("\ngembatch: second interrupt, exiting now (resumable; in-flight requests are reported as lost next run)\n")
          _exit(3)
        }
        let name = sig == SIGHUP ? "hangup (SIGHUP)" : sig == SIGTERM ? "SIGTERM" : "interrupt"
        Stderr.write("\ngembatch: \(name), finishing requests in flight (interrupt again to exit at once)\n")
        continuation.yield()
      }
      src.resume()
      sources.append(src)
    }
    return stream
  }

  private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() -> Int {
      lock.lock()
      defer { lock.unlock() }
      n += 1
      return n
    }
  }
}
