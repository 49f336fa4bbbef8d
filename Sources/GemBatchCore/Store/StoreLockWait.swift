import Foundation
import GRDB
import Synchronization

/// The busy handler of every store connection this process opens, and the signal it leaves:
/// "a connection has been waiting on a lock held by another connection since T".
///
/// SQLite calls a busy handler while a lock it needs is held elsewhere (another process's write,
/// `report --reprice`, a `sqlite3` shell in a transaction). This one sleeps like SQLite's own
/// (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms, then 100 ms) until `timeout` has been
/// slept, then gives up (the statement fails with SQLITE_BUSY), and notes when the wait began so
/// a progress display can say why nothing moves. Waits are process-wide: any connection of any
/// store counts.
public enum StoreLockWait {
  private struct State {
    var since: Double?
    var lastCall = -Double.infinity
  }

  private static let state = Mutex(State())
  static let delaysMs: [Int] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100]

  /// A busy callback that waits up to `timeout` seconds per lock.
  static func callback(timeout: TimeInterval) -> Database.BusyCallback {
    let budgetMs = Int(timeout * 1000)
    return { tries in
      let (delay, slept) = schedule(tries)
      if slept >= budgetMs { return false }
      let t = Date().timeIntervalSince1970
      state.withLock { s in
        if s.since == nil || t - s.lastCall > 0.5 { s.since = t }
        s.lastCall = t
      }
      usleep(useconds_t(min(delay, budgetMs - slept) * 1000))
      return true
    }
  }

  /// The delay before try `tries + 1` and the total slept before it, in ms.
  static func schedule(_ tries: Int) -> (delay: Int, slept: Int) {
    let n = delaysMs.count
    if tries < n { return (delaysMs[tries], delaysMs.prefix(tries).reduce(0, +)) }
    let total = delaysMs.reduce(0, +)
    return (100, total + (tries - n) * 100)
  }

  /// Unix time at which a connection of this process began waiting on a store lock, while it
  /// still waits (a handler call in the last half second); nil when nothing waits.
  public static func waitingSince(now: Double = Date().timeIntervalSince1970) -> Double? {
    state.withLock { s in
      guard let since = s.since else { return nil }
      if now - s.lastCall > 0.5 {
        s.since = nil
        return nil
      }
      return since
    }
  }
}
