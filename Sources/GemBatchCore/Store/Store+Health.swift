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
    let rows = try read { db in try String.fetchAll(db, sql: "PRAGMA \(pragma)(\(max(1, limit)))") }
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
