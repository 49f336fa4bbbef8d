import Dispatch
import Foundation

/// SIGINT/SIGTERM: the first is passed to the run (stop new work, let requests finish, record,
/// exit resumable); the second exits at once. SQLite's WAL keeps the store consistent either way,
/// and attempts cut off this way are found and reported as lost by the next run.
enum SignalHandler {
  nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

  static func install() -> AsyncStream<Void> {
    let (stream, continuation) = AsyncStream<Void>.makeStream()
    let count = Counter()
    for sig in [SIGINT, SIGTERM] {
      signal(sig, SIG_IGN)
      let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
      src.setEventHandler {
        if count.increment() >= 2 {
          FileHandle.standardError.write(Data("\ngembatch: second interrupt, exiting now (resumable; in-flight requests are reported as lost next run)\n".utf8))
          _exit(3)
        }
        FileHandle.standardError.write(Data("\ngembatch: interrupt, finishing requests in flight (interrupt again to exit at once)\n".utf8))
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
