import GRDB

/// The columns a store's `results` table has. Reports, exports and `--reprice` read stores made
/// by older gembatch versions (read-only: no migration runs), so a column added later is read as
/// NULL where the store lacks it.
struct ResultColumns {
  let names: Set<String>

  init(_ db: Database) throws {
    names = Set(try Row.fetchAll(db, sql: "PRAGMA table_info(results)").map { $0["name"] as String })
  }

  func has(_ column: String) -> Bool { names.contains(column) }

  /// `r.<column> AS <column>`, or `NULL AS <column>` when the store has no such column.
  func select(_ column: String, table: String = "r") -> String {
    has(column) ? "\(table).\(column) AS \(column)" : "NULL AS \(column)"
  }
}
