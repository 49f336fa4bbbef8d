import Foundation
import GRDB

/// A store failure: a closed code plus a description that is safe to print (no request text,
/// no response bodies, no key: GRDB's own `description` hides statement arguments).
public struct StoreError: Error, Sendable, CustomStringConvertible, Equatable {
  public enum Code: String, Sendable {
    /// `openReadOnly` on a path that does not exist.
    case missingFile
    /// The file exists but is not a gembatch store (no `runs`/`jobs` tables, another
    /// application's SQLite file, or not SQLite at all).
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
    /// Another process holds the store (`StoreClaim`): one writer per store.
    case claimed
    /// SQLite found the file damaged (SQLITE_CORRUPT, SQLITE_NOTADB) or `PRAGMA quick_check`
    /// reported a problem. Nothing may be sent from such a store.
    case corrupt
    /// The disk (or quota) holding the store is full (SQLITE_FULL). Resumable once there is room.
    case diskFull
    /// The operating system failed a read or write of the store (SQLITE_IOERR).
    case ioError
    /// SQLite said no.
    case database
  }

  public let code: Code
  public let message: String
  /// The store file the failure is about, when known.
  public let path: String?

  public init(_ code: Code, _ message: String, path: String? = nil) {
    self.code = code
    self.message = message
    self.path = path
  }

  public var description: String { "store: \(message)" }

  public static func == (a: StoreError, b: StoreError) -> Bool { a.code == b.code }

  /// Damage, a full disk or an I/O error: the store itself (or its disk) is the problem, not
  /// the request that met it.
  public var isStorageFailure: Bool { code == .corrupt || code == .diskFull || code == .ioError }

  /// Wraps any error from GRDB into a `StoreError` (keeps `StoreError`s as they are, adding the
  /// path when they have none). SQLite's damage, full-disk and I/O codes get codes of their own
  /// and a message that names the cause and the file.
  static func wrap(_ error: any Error, path: String? = nil) -> StoreError {
    if let e = error as? StoreError {
      if e.path == nil, let path { return StoreError(e.code, e.message, path: path) }
      return e
    }
    if let e = error as? DatabaseError { return classify(e, path: path) }
    return StoreError(.database, String(describing: error), path: path)
  }

  static func classify(_ e: DatabaseError, path: String?) -> StoreError {
    let file = path ?? "the store"
    switch e.resultCode {
    case .SQLITE_CORRUPT, .SQLITE_NOTADB:
      return StoreError(.corrupt, "\(file) is damaged (\(Self.codeName(e))): \(e.message ?? "corrupt")", path: path)
    case .SQLITE_FULL:
      return StoreError(.diskFull, "the disk holding \(file) is full (\(Self.codeName(e)))", path: path)
    case .SQLITE_IOERR:
      return StoreError(.ioError, "an I/O error on \(file) (\(Self.codeName(e)): \(e.message ?? "disk I/O error"))", path: path)
    default:
      return StoreError(.database, e.description, path: path)
    }
  }

  /// `SQLITE_FULL`, `SQLITE_IOERR_WRITE (778)`, …: the primary name, and the extended number
  /// when it says more.
  static func codeName(_ e: DatabaseError) -> String {
    let primary: String =
      switch e.resultCode {
      case .SQLITE_CORRUPT: "SQLITE_CORRUPT"
      case .SQLITE_NOTADB: "SQLITE_NOTADB"
      case .SQLITE_FULL: "SQLITE_FULL"
      case .SQLITE_IOERR: "SQLITE_IOERR"
      default: "SQLite error \(e.resultCode.rawValue)"
      }
    let ext = e.extendedResultCode.rawValue
    return ext == e.resultCode.rawValue ? primary : "\(primary), extended code \(ext)"
  }

  /// The storage failure behind an error from a store call (a `StoreError` or a GRDB
  /// `DatabaseError`); nil for anything else. Errors that keep only a message (the runner's
  /// `StoreWriteError`) are covered by `Store.storageFailure`, which the store notes itself.
  public static func storageFailure(in error: any Error, path: String? = nil) -> StoreError? {
    let e = wrap(error, path: path)
    return e.isStorageFailure ? e : nil
  }
}
