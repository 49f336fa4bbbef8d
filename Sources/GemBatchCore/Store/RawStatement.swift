import Foundation
import GRDB
import GRDBSQLite

/// Runs one of the ledger's cached statements through SQLite's C API: binds each value in
/// place and steps once. GRDB's `execute(arguments:)` boxes every argument in a
/// `DatabaseValue` array first, and on the latency benchmark that layer was about a third of the
/// ledger's CPU. The values bound are the ones GRDB would bind (Bool as 0/1, nil as NULL, Data
/// as a blob, String as UTF-8 text); `LedgerRawStatementTests` compares the rows with GRDB's.
struct RawStatement {
  private let handle: SQLiteStatement
  private let db: Database
  private var index: CInt = 0

  /// The statement GRDB keeps cached for `sql` on this connection, reset and ready to bind.
  init(_ db: Database, sql: String) throws {
    self.init(db, try db.cachedStatement(sql: sql))
  }

  /// `statement` (prepared on `db`), reset and ready to bind. Callers that run one statement many
  /// times in a transaction look it up once: GRDB's cache is keyed by the SQL text, which is
  /// hashed on every lookup.
  init(_ db: Database, _ statement: Statement) {
    self.db = db
    self.handle = statement.sqliteStatement
    sqlite3_reset(handle)
    sqlite3_clear_bindings(handle)
  }

  private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

  mutating func bind(_ v: Int64) {
    index += 1
    sqlite3_bind_int64(handle, index, v)
  }

  mutating func bind(_ v: Int) { bind(Int64(v)) }

  mutating func bind(_ v: Bool) { bind(Int64(v ? 1 : 0)) }

  mutating func bind(_ v: Int?) {
    guard let v else { return bindNull() }
    bind(Int64(v))
  }

  mutating func bind(_ v: Double?) {
    guard let v else { return bindNull() }
    index += 1
    sqlite3_bind_double(handle, index, v)
  }

  mutating func bind(_ v: String?) {
    guard var v else { return bindNull() }
    index += 1
    let i = index
    _ = v.withUTF8 { sqlite3_bind_text(handle, i, $0.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, CInt($0.count), Self.transient) }
  }

  mutating func bind(_ v: Data?) {
    guard let v else { return bindNull() }
    index += 1
    let i = index
    _ = v.withUnsafeBytes { sqlite3_bind_blob(handle, i, $0.baseAddress, CInt($0.count), Self.transient) }
  }

  mutating func bindNull() {
    index += 1
    sqlite3_bind_null(handle, index)
  }

  /// Steps the statement to its end; throws SQLite's error (with the SQL, never the values).
  func run() throws {
    precondition(index == sqlite3_bind_parameter_count(handle), "bound \(index) of \(sqlite3_bind_parameter_count(handle)) parameters")
    let rc = sqlite3_step(handle)
    if rc == SQLITE_DONE || rc == SQLITE_ROW {
      sqlite3_reset(handle)
      return
    }
    let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
    sqlite3_reset(handle)
    throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: message, sql: String(cString: sqlite3_sql(handle)))
  }
}
