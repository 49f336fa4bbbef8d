import Foundation
import GRDB
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The ledger: one SQLite file in WAL mode. See docs/store-schema.md and docs/store.md.
///
/// Writes from the hot path go through `LedgerWriter` (group commit); everything here is for
/// setup (runs, job sync, recovery) and for readers (status, export, report).
public final class Store: Sendable {
  /// For export/report queries. Readers never block the writer (WAL).
  public let pool: DatabasePool
  public let path: String
  public let isReadOnly: Bool
  /// The process's claim on the store when it was opened for a run (one writer per store).
  public let claim: StoreClaim?
  /// `syncJobs` moves a job whose id another file already holds to the new file instead of
  /// refusing it (`run --take-over`).
  public let takesOverJobs: Bool
  /// Unix seconds; injected in tests.
  let now: @Sendable () -> Double
  private let failure = Mutex<StoreError?>(nil)

  private init(
    pool: DatabasePool, path: String, readOnly: Bool, claim: StoreClaim?, takesOverJobs: Bool,
    now: @escaping @Sendable () -> Double
  ) {
    self.pool = pool
    self.path = path
    self.isReadOnly = readOnly
    self.claim = claim
    self.takesOverJobs = takesOverJobs
    self.now = now
  }

  /// Seconds a connection waits on a lock before failing (status reads while a run writes).
  public static let busyTimeout: TimeInterval = 10

  /// Opens (creating with mode 0600 if needed) the store, in WAL mode, and runs the migrations.
  ///
  /// An existing file is looked at read-only first and left as it is, byte for byte, when it is
  /// not a gembatch store (not SQLite, another application's tables) or was written by a newer
  /// gembatch. With `claim` (a run: take it first, `StoreClaim.acquire`), the claim is recorded
  /// in the store once it is migrated; a claim left by a dead process is taken over there.
  public static func open(
    path: String, claim: StoreClaim? = nil, takeOverJobs: Bool = false,
    now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
  ) throws -> Store {
    if FileManager.default.fileExists(atPath: path) {
      try StoreInspection.check(path: path)
    } else if let failure = createPrivateFile(path) {
      throw StoreError(.cannotCreate, "cannot create \(path): \(failure)", path: path)
    }
    var config = Configuration()
    config.busyMode = .callback(StoreLockWait.callback(timeout: busyTimeout))
    config.foreignKeysEnabled = true
    config.prepareDatabase { db in
      // WAL + NORMAL: a commit is in the WAL before COMMIT returns (safe against process kills);
      // only an OS crash or power loss may drop the last transactions, never half of one.
      try db.execute(sql: "PRAGMA synchronous = NORMAL")
    }
    let store: Store
    do {
      let pool = try DatabasePool(path: path, configuration: config)
      let m = StoreMigrations.migrator
      try pool.read { db in
        if try m.hasBeenSuperseded(db) {
          throw StoreError(.newerStore, "\(path) was written by a newer gembatch (unknown migrations)", path: path)
        }
      }
      try m.migrate(pool)
      store = Store(pool: pool, path: path, readOnly: false, claim: claim, takesOverJobs: takeOverJobs, now: now)
    } catch {
      throw StoreError.wrap(error, path: path)
    }
    if let claim {
      do { try claim.attach(store) } catch {
        try? store.pool.close()
        throw error
      }
    }
    return store
  }

  /// Opens an existing store for reading while a run may write to it.
  public static func openReadOnly(path: String, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 })
    throws -> Store
  {
    guard FileManager.default.fileExists(atPath: path) else {
      throw StoreError(.missingFile, "no store at \(path) (run `gembatch run` first, or pass --db)", path: path)
    }
    var config = Configuration()
    config.readonly = true
    config.busyMode = .callback(StoreLockWait.callback(timeout: busyTimeout))
    do {
      let pool = try DatabasePool(path: path, configuration: config)
      try pool.read { db in
        guard try db.tableExists("runs"), try db.tableExists("jobs") else {
          throw StoreError(.notAStore, "\(path) is not a gembatch store", path: path)
        }
        if try StoreMigrations.migrator.hasBeenSuperseded(db) {
          throw StoreError(.newerStore, "\(path) was written by a newer gembatch (unknown migrations)", path: path)
        }
      }
      return Store(pool: pool, path: path, readOnly: true, claim: nil, takesOverJobs: false, now: now)
    } catch {
      throw StoreError.wrap(error, path: path)
    }
  }

  /// Runs `body` with a store that is open for its duration (the pool closes on every path).
  public static func withStore<T>(path: String, _ body: (Store) async throws -> T) async throws -> T {
    let store = try open(path: path)
    defer { try? store.pool.close() }
    return try await body(store)
  }

  /// Applied migration names, oldest first.
  public func migrations() throws -> [String] {
    try pool.read { db in try StoreMigrations.migrator.appliedMigrations(db) }
  }

  /// The first damage, full disk or I/O error any call on this store met (the ledger writer's
  /// included), so the caller can name the cause and the file whatever error reached it.
  public var storageFailure: StoreError? { failure.withLock { $0 } }

  /// Keeps `e` as `storageFailure` when it is one (the first one wins); returns it.
  @discardableResult
  func noted(_ e: StoreError) -> StoreError {
    if e.isStorageFailure { failure.withLock { if $0 == nil { $0 = e } } }
    return e
  }

  func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
    do { return try pool.write(body) } catch { throw noted(StoreError.wrap(error, path: path)) }
  }

  func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
    do { return try pool.read(body) } catch { throw noted(StoreError.wrap(error, path: path)) }
  }
}

/// Creates an empty file readable and writable by its owner only (0600). SQLite gives the
/// `-wal` and `-shm` files the same mode. Returns the reason on failure; an existing file is fine.
func createPrivateFile(_ path: String) -> String? {
  let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
  if fd < 0 {
    return errno == EEXIST ? nil : String(cString: strerror(errno))
  }
  close(fd)
  return nil
}
