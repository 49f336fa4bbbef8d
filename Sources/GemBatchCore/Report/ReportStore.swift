import Foundation
import GRDB

/// Opens a store file for reports, exports and diffs.
public enum ReportStore {
  /// Read-only: works while a run writes to the same file (WAL). Fails with a message that names
  /// the file when it is missing or is not a gembatch store.
  public static func openReadOnly(path: String) throws -> DatabasePool {
    try open(path: path, readOnly: true)
  }

  /// Writable, for `report --reprice`.
  public static func openForUpdate(path: String) throws -> DatabasePool {
    try open(path: path, readOnly: false)
  }

  static func open(path: String, readOnly: Bool) throws -> DatabasePool {
    guard FileManager.default.fileExists(atPath: path) else {
      throw ReportError(code: .cannotOpen, detail: "\(path): no such store file")
    }
    var config = Configuration()
    config.readonly = readOnly
    config.busyMode = .timeout(10)
    let pool: DatabasePool
    do { pool = try DatabasePool(path: path, configuration: config) } catch {
      throw ReportError(code: .cannotOpen, detail: "\(path): cannot open as SQLite (\(Self.safe(error)))")
    }
    let tables: Set<String>
    do {
      tables = Set(try pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") })
    } catch {
      throw ReportError(code: .notAStore, detail: "\(path): not a SQLite database (\(Self.safe(error)))")
    }
    let needed: Set<String> = ["runs", "jobs", "attempts", "results"]
    guard needed.isSubset(of: tables) else {
      throw ReportError(
        code: .notAStore, detail: "\(path): not a gembatch store (missing tables: \(needed.subtracting(tables).sorted().joined(separator: ", ")))")
    }
    // A newer gembatch may store things this one would misread (or, with --reprice, break).
    let applied: [String]
    do {
      applied = tables.contains("grdb_migrations")
        ? try pool.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") } : []
    } catch {
      throw ReportError(code: .cannotOpen, detail: "\(path): cannot read its migrations (\(Self.safe(error)))")
    }
    let unknown = Set(applied).subtracting(StoreMigrations.knownIdentifiers)
    if !unknown.isEmpty {
      throw ReportError(
        code: .notAStore,
        detail: "\(path) was written by a newer gembatch (unknown migrations: \(unknown.sorted().joined(separator: ", "))); use that version to read it")
    }
    return pool
  }

  static func safe(_ error: Error) -> String {
    if let e = error as? DatabaseError { return e.message ?? "SQLite error \(e.resultCode.rawValue)" }
    return "\(type(of: error))"
  }
}
