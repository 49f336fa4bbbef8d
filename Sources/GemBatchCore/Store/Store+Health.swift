import Foundation
import GRDB

extension Store {
  /// What `PRAGMA quick_check` (or, with `full`, `integrity_check`) finds, at most `limit`
  /// findings; empty when the store is sound. Run before anything is sent from a store whose
  /// last writer did not end cleanly (`StoreClaim.needsCheck`) or on which SQLite reported
  /// damage; a finding means nothing may be sent from it. quick_check reads every page
  /// (O(size): about a second per GB here) but skips index-to-table cross-checks.
  public func integrityProblems(full: Bool = false, limit: Int = 10) throws -> [String] {
    let pragma = full ? "integrity_check" : "quick_check"
    // Outside a transaction: after the check meets damage, even the COMMIT of a read
    // transaction fails with SQLITE_CORRUPT, and its findings would be lost with it.
    let rows = try uncheckedRead { db -> [String] in
      // The check may report its findings and then fail a step on the damage itself
      // (SQLITE_CORRUPT): keep what it said before that.
      func check(_ arg: String) throws -> [String] {
        var out: [String] = []
        do {
          let cursor = try String.fetchCursor(db, sql: "PRAGMA \(pragma)(\(arg))")
          while let row = try cursor.next() {
            // The first finding comes as "*** in database main ***\nPage 89: …".
            for line in row.split(separator: "\n") where !line.hasPrefix("*** in database") { out.append(String(line)) }
          }
        } catch {
          if out.isEmpty { throw error }
        }
        return out
      }
      do {
        return try check("\(max(1, limit))")
      } catch let e as DatabaseError where e.resultCode == .SQLITE_CORRUPT || e.resultCode == .SQLITE_NOTADB {
        // The check stopped on the damage itself: name the first table it stops on.
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rootpage")
        for t in tables {
          do {
            let found = try check(t.quotedDatabaseIdentifier)
            if found != ["ok"] { return found.map { "table \(t): \($0)" } }
          } catch let inner as DatabaseError {
            return ["table \(t): \(inner.message ?? "database disk image is malformed")"]
          }
        }
        return [e.message ?? "database disk image is malformed"]
      }
    }
    return rows == ["ok"] ? [] : rows
  }

  /// A `corrupt` error naming the check's first finding, or nil when the check passes. A store
  /// too damaged for the check to run is corrupt too.
  public func damage() -> StoreError? {
    do {
      let problems = try integrityProblems()
      guard let first = problems.first else { return nil }
      return noted(
        StoreError(
          .corrupt,
          "\(path) is damaged: PRAGMA quick_check: \(first)\(problems.count > 1 ? " (and \(problems.count - 1) more)" : ""); nothing was sent. Restore it from a copy, or start a new store with --db",
          path: path))
    } catch let e as StoreError {
      return e.code == .corrupt ? e : nil
    } catch {
      return nil
    }
  }
}

extension Store {
  /// The damage `PRAGMA quick_check` finds in the store at `path`, read-only, for a store that
  /// SQLite reported damaged before it could be opened for writing; `fallback` when the check
  /// itself cannot run.
  public static func damage(at path: String, fallback: StoreError) -> StoreError {
    guard let store = try? openReadOnly(path: path) else { return fallback }
    defer { try? store.pool.close() }
    return store.damage() ?? fallback
  }
}

extension Store {
  func uncheckedRead<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
    do { return try pool.unsafeRead(body) } catch { throw noted(StoreError.wrap(error, path: path)) }
  }
}
