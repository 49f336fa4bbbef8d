import Foundation
import GRDB

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
  /// Unix seconds; injected in tests.
  let now: @Sendable () -> Double

  private init(pool: DatabasePool, path: String, readOnly: Bool, now: @escaping @Sendable () -> Double) {
    self.pool = pool
    self.path = path
    self.isReadOnly = readOnly
    self.now = now
  }

  /// Seconds a connection waits on a lock before failing (status reads while a run writes).
  public static let busyTimeout: TimeInterval = 10

  /// Opens (creating with mode 0600 if needed) the store, in WAL mode, and runs the migrations.
  public static func open(path: String, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 })
    throws -> Store
  {
    if !FileManager.default.fileExists(atPath: path) {
      if let failure = createPrivateFile(path) {
        throw StoreError(.cannotCreate, "cannot create \(path): \(failure)")
      }
    }
    var config = Configuration()
    config.busyMode = .timeout(busyTimeout)
    config.foreignKeysEnabled = true
    config.prepareDatabase { db in
      // WAL + NORMAL: a commit is in the WAL before COMMIT returns (safe against process kills);
      // only an OS crash or power loss may drop the last transactions, never half of one.
      try db.execute(sql: "PRAGMA synchronous = NORMAL")
    }
    do {
      let pool = try DatabasePool(path: path, configuration: config)
      let m = StoreMigrations.migrator
      try pool.read { db in
        if try m.hasBeenSuperseded(db) {
          throw StoreError(.newerStore, "\(path) was written by a newer gembatch (unknown migrations)")
        }
      }
      try m.migrate(pool)
      return Store(pool: pool, path: path, readOnly: false, now: now)
    } catch {
      throw StoreError.wrap(error)
    }
  }

  /// Opens an existing store for reading while a run may write to it.
  public static func openReadOnly(path: String, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 })
    throws -> Store
  {
    guard FileManager.default.fileExists(atPath: path) else {
      throw StoreError(.missingFile, "no store at \(path) (run `gembatch run` first, or pass --db)")
    }
    var config = Configuration()
    config.readonly = true
    config.busyMode = .timeout(busyTimeout)
    do {
      let pool = try DatabasePool(path: path, configuration: config)
      try pool.read { db in
        guard try db.tableExists("runs"), try db.tableExists("jobs") else {
          throw StoreError(.notAStore, "\(path) is not a gembatch store")
        }
        if try StoreMigrations.migrator.hasBeenSuperseded(db) {
          throw StoreError(.newerStore, "\(path) was written by a newer gembatch (unknown migrations)")
        }
      }
      return Store(pool: pool, path: path, readOnly: true, now: now)
    } catch {
      throw StoreError.wrap(error)
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

  func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
    do { return try pool.write(body) } catch { throw StoreError.wrap(error) }
  }

  func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
    do { return try pool.read(body) } catch { throw StoreError.wrap(error) }
  }
}

/// Creates an empty file readable and writable by its owner only (0600). SQLite gives the
/// `-wal` and `-shm` files the same mode. Returns the reason on failure; an existing file is fine.
private func createPrivateFile(_ path: String) -> String? {
  let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
  if fd < 0 {
    return errno == EEXIST ? nil : String(cString: strerror(errno))
  }
  close(fd)
  return nil
}
