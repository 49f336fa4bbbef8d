import Foundation
import GRDB

/// A store failure: a closed code plus a description that is safe to print (no request text,
/// no response bodies, no key: GRDB's own `description` hides statement arguments).
public struct StoreError: Error, Sendable, CustomStringConvertible, Equatable {
  public enum Code: String, Sendable {
    /// `openReadOnly` on a path that does not exist.
    case missingFile
    /// The file exists but is not a gembatch store (no `runs`/`jobs` tables).
    case notAStore
    /// The store was migrated by a newer gembatch: its migrations are unknown here.
    case newerStore
    /// The file could not be created.
    case cannotCreate
    /// A ledger write named a job or attempt that is not in the store.
    case unknownRow
    /// A ledger write broke an invariant (e.g. `succeeded` without a result and raw response).
    case invariant
    /// The ledger writer was closed before the write was queued.
    case closed
    /// SQLite said no.
    case database
  }

  public let code: Code
  public let message: String

  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { "store: \(message)" }

  public static func == (a: StoreError, b: StoreError) -> Bool { a.code == b.code }

  /// Wraps any error from GRDB into a `StoreError` (keeps `StoreError`s as they are).
  static func wrap(_ error: any Error) -> StoreError {
    if let e = error as? StoreError { return e }
    if let e = error as? DatabaseError { return StoreError(.database, e.description) }
    return StoreError(.database, String(describing: error))
  }
}
