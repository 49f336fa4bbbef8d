import Foundation
import GRDB

/// Looks at an existing file before `Store.open` turns it into a store, read-only, so a file
/// that must be refused is left byte for byte as it was. (Opening it as a `DatabasePool` first
/// would already switch it to WAL mode, rewriting its header, and the migrations would add
/// gembatch's tables to another application's database.)
enum StoreInspection {
  static let sqliteHeader = Array("SQLite format 3\0".utf8)

  /// Throws `notAStore` (not SQLite; SQLite with tables of its own and no gembatch migrations),
  /// `newerStore` (gembatch migrations this version does not know), or what SQLite says about a
  /// damaged file. An empty file, or a SQLite file with no tables, is fine: it becomes a store.
  static func check(path: String) throws {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw StoreError(.cannotCreate, "cannot read \(path)", path: path)
    }
    let head = (try? handle.read(upToCount: 100)) ?? Data()
    try? handle.close()
    if head.isEmpty { return }
    guard head.count >= 16, Array(head.prefix(16)) == sqliteHeader else {
      throw StoreError(.notAStore, "\(path) is not a SQLite file (not a gembatch store); it was not touched", path: path)
    }
    var config = Configuration()
    config.readonly = true
    config.busyMode = .timeout(Store.busyTimeout)
    do {
      let queue = try DatabaseQueue(path: path, configuration: config)
      defer { try? queue.close() }
      try queue.read { db in
        let tables = try String.fetchAll(
          db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        if tables.isEmpty { return }
        let applied: Set<String> =
          try db.tableExists("grdb_migrations")
          ? Set(String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")) : []
        if applied.isDisjoint(with: StoreMigrations.gembatchMarkers) {
          let shown = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", …" : "")
          throw StoreError(
            .notAStore,
            "\(path) is another application's SQLite database (tables \(shown); no gembatch migrations); it was not touched. Pass --db with a new file",
            path: path)
        }
        if !applied.isSubset(of: StoreMigrations.knownIdentifiers) {
          throw StoreError(.newerStore, "\(path) was written by a newer gembatch (unknown migrations)", path: path)
        }
      }
    } catch {
      throw StoreError.wrap(error, path: path)
    }
  }
}
