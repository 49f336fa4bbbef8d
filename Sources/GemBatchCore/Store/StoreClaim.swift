import Dispatch
import Foundation
import GRDB
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One writer per store: a run takes the claim before it reads anything and holds it for the
/// life of the process.
///
/// The claim is two things:
/// - an exclusive `flock` on a sidecar file, `<store>.lock`, taken before the store is opened.
///   The OS drops it when the process ends, however it ends, so a free lock means the last
///   writer is gone. (A sidecar, not the store: SQLite locks the store with `fcntl` locks, which
///   the process loses on its first `close()` of any descriptor for that file, so gembatch
///   never opens the store file itself.) The sidecar holds the holder's pid, host, start time
///   and run as one JSON line, so a refused run can name it without opening the store.
/// - a row in `store_claims` (written by `Store.open(path:claim:)` once the store is migrated)
///   with the same facts and a heartbeat this object updates every `heartbeatInterval` on a
///   connection and a timer of its own, so `status` shows the live run and a store on a file
///   system without working locks still refuses a second writer while the first one beats.
///
/// A claim left by a dead process (the lock was free; or, without OS locks, its pid is gone or
/// its heartbeat stale) is taken over: `takenOver` names it, and `needsCheck` says the store did
/// not end cleanly (run `PRAGMA quick_check` before sending; `Store.integrityProblems()`). Its
/// attempts in flight are then marked lost by `recoverLostAttempts()`, as after any crash.
public final class StoreClaim: Sendable {
  /// A process holding (or having held) a store.
  public struct Holder: Sendable, Hashable, Codable {
    public var pid: Int32
    public var host: String
    public var startedAt: Double
    public var heartbeatAt: Double?
    public var runId: Int64?

    public init(pid: Int32, host: String, startedAt: Double, heartbeatAt: Double? = nil, runId: Int64? = nil) {
      self.pid = pid
      self.host = host
      self.startedAt = startedAt
      self.heartbeatAt = heartbeatAt
      self.runId = runId
    }

    /// "run #3 (pid 4242 on host1, started 2026-12-01T09:00:00Z, heartbeat 2 s ago)".
    public func describe(now: Double = Date().timeIntervalSince1970) -> String {
      var s = runId.map { "run #\($0)" } ?? "a gembatch run"
      s += " (pid \(pid) on \(host), started \(Date(timeIntervalSince1970: startedAt).ISO8601Format())"
      if let h = heartbeatAt { s += ", heartbeat \(Int(max(0, now - h).rounded())) s ago" }
      return s + ")"
    }

    /// Whether this process still exists (only answerable on its own host).
    public var isAliveHere: Bool? {
      guard host == StoreClaim.hostName() else { return nil }
      return kill(pid, 0) == 0 || errno == EPERM
    }
  }

  /// Seconds between heartbeats; a claim whose heartbeat is `staleAfter` old is taken for dead
  /// when the OS lock cannot tell.
  public static let heartbeatInterval: Double = 5
  public static let staleAfter: Double = 30

  public let storePath: String
  public let lockPath: String
  /// This process, as recorded.
  public let holder: Holder
  /// Where this writer sends, recorded on its runs.
  public let endpoint: EndpointIdentity?
  let token: String
  private let lockFD: Int32
  /// False on a file system where `flock` is not supported: the heartbeat alone keeps writers apart.
  let osLocked: Bool
  let now: @Sendable () -> Double

  private struct State {
    var takenOver: Holder?
    var needsCheck = false
    var connection: DatabaseQueue?
    var runId: Int64?
    var released = false
  }

  private let state = Mutex(State())

  private init(
    storePath: String, lockPath: String, holder: Holder, endpoint: EndpointIdentity?, token: String, lockFD: Int32,
    osLocked: Bool, now: @escaping @Sendable () -> Double
  ) {
    self.storePath = storePath
    self.lockPath = lockPath
    self.holder = holder
    self.endpoint = endpoint
    self.token = token
    self.lockFD = lockFD
    self.osLocked = osLocked
    self.now = now
  }

  private let heartbeatQueue = DispatchQueue(label: "gembatch.claim-heartbeat", qos: .utility)

  deinit {
    close(lockFD)
  }

  /// The claim taken over from a dead process, if there was one.
  public var takenOver: Holder? { state.withLock { $0.takenOver } }

  /// The last writer did not end cleanly (its claim was left behind, or a run still says
  /// `running`, or attempts are open): check the store before anything is sent.
  public var needsCheck: Bool { state.withLock { $0.needsCheck } }

  /// Takes the claim on the store at `storePath`, before anything of it is read. Throws
  /// `StoreError(.claimed)` naming the holder when another live process has it.
  public static func acquire(
    storePath: String, endpoint: EndpointIdentity? = nil,
    now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
  ) throws -> StoreClaim {
    let lockPath = storePath + ".lock"
    let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    if fd < 0 {
      throw StoreError(
        .cannotCreate, "cannot create the lock file \(lockPath): \(String(cString: strerror(errno)))", path: storePath)
    }
    var osLocked = true
    if flock(fd, LOCK_EX | LOCK_NB) != 0 {
      let err = errno
      if err == EWOULDBLOCK || err == EAGAIN {
        let holder = readHolder(fd: fd, storePath: storePath)
        close(fd)
        throw busy(storePath: storePath, holder: holder, now: now())
      }
      // No OS locks here (some network file systems): the store row and its heartbeat decide.
      osLocked = false
    }
    let me = Holder(pid: getpid(), host: hostName(), startedAt: now())
    let claim = StoreClaim(
      storePath: storePath, lockPath: lockPath, holder: me, endpoint: endpoint, token: UUID().uuidString, lockFD: fd,
      osLocked: osLocked, now: now)
    claim.writeSidecar(me)
    return claim
  }

  static func busy(storePath: String, holder: Holder?, now: Double) -> StoreError {
    let who = holder?.describe(now: now) ?? "another gembatch process"
    return StoreError(
      .claimed,
      "\(storePath) is in use by \(who); one run per store: wait for it to end, or stop it (Ctrl-C or kill -TERM) and run again. status, export and report work meanwhile",
      path: storePath)
  }

  /// The holder as the sidecar and, when it can be read, the store say. The sidecar is written
  /// just after the lock is taken, so a run started at the same moment waits a little for it.
  static func readHolder(fd: Int32, storePath: String) -> Holder? {
    var fromFile: Holder?
    for _ in 0..<20 {
      var buf = [UInt8](repeating: 0, count: 4096)
      let n = pread(fd, &buf, buf.count, 0)
      if n > 0, let h = try? JSONDecoder().decode(Holder.self, from: Data(buf[0..<n])) {
        fromFile = h
        break
      }
      usleep(50_000)
    }
    guard var holder = fromFile else { return nil }
    if let row = try? storeRow(storePath), row.pid == holder.pid, row.host == holder.host {
      holder.heartbeatAt = row.heartbeatAt
      holder.runId = row.runId ?? holder.runId
    }
    return holder
  }

  /// The `store_claims` row, read-only (nil on a store without one).
  static func storeRow(_ storePath: String) throws -> Holder? {
    guard FileManager.default.fileExists(atPath: storePath) else { return nil }
    var config = Configuration()
    config.readonly = true
    config.busyMode = .timeout(1)
    let q = try DatabaseQueue(path: storePath, configuration: config)
    defer { try? q.close() }
    return try q.read { db in
      guard try db.tableExists("store_claims") else { return nil }
      return try Row.fetchOne(db, sql: "SELECT pid, host, started_at, heartbeat_at, run_id FROM store_claims WHERE id = 1")
        .map { Holder(pid: $0[0], host: $0[1], startedAt: $0[2], heartbeatAt: $0[3], runId: $0[4]) }
    }
  }

  private func writeSidecar(_ h: Holder) {
    guard var data = try? JSONEncoder().encode(h) else { return }
    data.append(0x0A)
    _ = ftruncate(lockFD, 0)
    _ = data.withUnsafeBytes { pwrite(lockFD, $0.baseAddress, $0.count, 0) }
  }

  /// Records the claim in the migrated store (called by `Store.open(path:claim:)`): takes over a
  /// dead writer's row, notes whether the store ended cleanly, marks runs left `running` with no
  /// attempt open as crashed (those with open attempts are `recoverLostAttempts()`'s), and
  /// starts the heartbeat.
  func attach(_ store: Store) throws {
    let me = holder
    let token = token
    let osLocked = osLocked
    let t = now()
    let stale = Self.staleAfter
    let (previous, unclean) = try store.write { db -> (Holder?, Bool) in
      let row = try Row.fetchOne(
        db, sql: "SELECT pid, host, started_at, heartbeat_at, run_id FROM store_claims WHERE id = 1"
      ).map { Holder(pid: $0[0], host: $0[1], startedAt: $0[2], heartbeatAt: $0[3], runId: $0[4]) }
      if let row, !osLocked, row.pid != me.pid || row.host != me.host {
        let fresh = t - (row.heartbeatAt ?? row.startedAt) < stale
        if fresh && row.isAliveHere != false { throw StoreClaim.busy(storePath: store.path, holder: row, now: t) }
      }
      let running = try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM runs WHERE status = 'running')") ?? false
      let open = try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM attempts WHERE ended_at IS NULL)") ?? false
      try db.execute(
        sql: """
          INSERT OR REPLACE INTO store_claims (id, token, pid, host, started_at, heartbeat_at, run_id)
          VALUES (1, ?, ?, ?, ?, ?, NULL)
          """, arguments: [token, me.pid, me.host, me.startedAt, t])
      // Runs left `running` with nothing in flight: their process is gone (we hold the store).
      try db.execute(
        sql: """
          UPDATE runs SET status = 'crashed', ended_at = COALESCE(ended_at, ?),
            stop_reason = COALESCE(stop_reason, 'process ended without closing the run')
          WHERE status = 'running' AND id NOT IN (SELECT run_id FROM attempts WHERE ended_at IS NULL)
          """, arguments: [t])
      return (row, row != nil || running || open)
    }
    state.withLock { s in
      s.takenOver = previous
      s.needsCheck = unclean
    }
    startHeartbeat(store)
  }

  /// Notes the run this claim is writing (called by `Store.beginRun`): in the store's row (same
  /// transaction as the run) and in the sidecar.
  func noteRun(_ runId: Int64, _ db: Database) throws {
    try db.execute(sql: "UPDATE store_claims SET run_id = ? WHERE id = 1 AND token = ?", arguments: [runId, token])
    state.withLock { $0.runId = runId }
    var h = holder
    h.runId = runId
    writeSidecar(h)
  }

  private func startHeartbeat(_ store: Store) {
    var config = Configuration()
    config.busyMode = .timeout(2)
    config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
    guard let connection = try? DatabaseQueue(path: store.path, configuration: config) else { return }
    state.withLock { $0.connection = connection }
    scheduleBeat()
  }

  private func scheduleBeat() {
    heartbeatQueue.asyncAfter(deadline: .now() + Self.heartbeatInterval) { [weak self] in
      guard let self, let connection = self.state.withLock({ $0.released ? nil : $0.connection }) else { return }
      let token = self.token
      let t = self.now()
      // A failed beat (a busy lock, a full disk) is not the run's failure; the next one tries again.
      _ = try? connection.write { db in
        try db.execute(sql: "UPDATE store_claims SET heartbeat_at = ? WHERE id = 1 AND token = ?", arguments: [t, token])
      }
      self.scheduleBeat()
    }
  }

  /// A clean end: stops the heartbeat, removes the claim's row (so the next run knows the store
  /// was closed properly and skips the check) and folds the WAL into the store file, then frees
  /// the lock. Call it once the run is recorded; a process that dies without it leaves the row,
  /// and the next run checks the store.
  public func release() {
    let connection: DatabaseQueue? = state.withLock { s in
      if s.released { return nil }
      s.released = true
      defer { s.connection = nil }
      return s.connection
    }
    // A beat in progress finishes first; later ones see `released`.
    heartbeatQueue.sync {}
    if let connection {
      let token = token
      try? connection.writeWithoutTransaction { db in
        try db.execute(sql: "DELETE FROM store_claims WHERE id = 1 AND token = ?", arguments: [token])
        try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
      }
      try? connection.close()
    }
    _ = ftruncate(lockFD, 0)
    _ = flock(lockFD, LOCK_UN)
  }

  /// Gives up the claim on a file that turned out not to be a store (another application's
  /// database): the lock file is removed too, so nothing of gembatch is left beside it.
  public func abandon() {
    state.withLock { $0.released = true }
    unlink(lockPath)
    _ = flock(lockFD, LOCK_UN)
  }

  static func hostName() -> String {
    var buf = [CChar](repeating: 0, count: 256)
    guard gethostname(&buf, buf.count - 1) == 0 else { return "localhost" }
    return String(cString: buf)
  }
}
