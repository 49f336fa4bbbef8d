import Dispatch
import GRDB
import Synchronization

/// Moves the work of WAL checkpoints off the ledger writer for the length of a run.
///
/// SQLite checkpoints inside the COMMIT that pushes the WAL past 1,000 pages: that commit copies
/// the WAL into the database file and syncs both, 10–30 ms on this machine, and every attempt
/// start queued behind it waits as long (the latency benchmark saw starts wait 100 ms at p99,
/// with a checkpoint every 0.3–0.6 s). While a checkpointer runs, a connection of its own runs a
/// PASSIVE checkpoint every `interval` on its own queue; PASSIVE takes no writer lock, so commits
/// go on while it copies. The writer keeps an automatic checkpoint, at `writerPages` instead of
/// 1,000: a PASSIVE checkpoint from another connection never catches up with a writer that
/// commits all the time, and only a checkpoint that reaches the WAL's end lets the next write
/// start the WAL over (without it the WAL grew by 40 MB a second, 1 GB in a 100,000-job run).
/// By the time the writer's checkpoint comes, the background one has copied nearly everything,
/// so it has little left to do.
/// `stop()` (required: the timer keeps the checkpointer alive) checkpoints what is left into the
/// database file and turns the writer's automatic checkpoint back to 1,000.
final class BackgroundCheckpointer: Sendable {
  private let store: Store
  private let connection: DatabaseQueue
  private let interval: DispatchTimeInterval
  private let queue = DispatchQueue(label: "gembatch.checkpointer", qos: .utility)
  private let stopped = Mutex(false)
  /// Checkpoints run (tests and benchmarks).
  private let runs = Atomic<Int>(0)

  var checkpoints: Int { runs.load(ordering: .relaxed) }

  private init(store: Store, connection: DatabaseQueue, interval: DispatchTimeInterval) {
    self.store = store
    self.connection = connection
    self.interval = interval
  }

  /// Starts checkpointing `store` in the background; nil for a read-only store.
  static func start(_ store: Store, interval: DispatchTimeInterval = .milliseconds(250), writerPages: Int = 4000) throws
    -> BackgroundCheckpointer?
  {
    guard !store.isReadOnly else { return nil }
    var config = Configuration()
    config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
    let connection: DatabaseQueue
    do {
      connection = try DatabaseQueue(path: store.path, configuration: config)
      try store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = \(max(1, writerPages))") }
    } catch {
      throw StoreError.wrap(error)
    }
    let c = BackgroundCheckpointer(store: store, connection: connection, interval: interval)
    c.schedule()
    return c
  }

  private func schedule() {
    queue.asyncAfter(deadline: .now() + interval) { [self] in
      if stopped.withLock({ $0 }) { return }
      checkpoint()
      schedule()
    }
  }

  private func checkpoint() {
    // A failure (a busy lock, a full disk) is not the run's: the writer's COMMITs report their
    // own, and the next tick or the store's close tries again.
    _ = try? connection.writeWithoutTransaction { db in
      try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)")
    }
    runs.add(1, ordering: .relaxed)
  }

  /// Stops the timer, waits for a checkpoint in progress, gives checkpoints back to the writer.
  func stop() {
    let already = stopped.withLock { s -> Bool in
      defer { s = true }
      return s
    }
    if already { return }
    queue.sync {}
    // Everything the run wrote goes into the database file now, so the file alone is complete
    // (someone may copy it without its -wal), whatever order the connections close in.
    try? store.pool.writeWithoutTransaction { db in
      try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000")
      try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
    }
    try? connection.close()
  }
}
