import Foundation
import GRDB

/// The job ids seen so far, to catch duplicates across all files of a run, in bounded memory.
///
/// Up to `spillThreshold` ids live in a `Set`. Past that, they move to a private temporary SQLite
/// database (an on-disk file SQLite deletes itself, with a 2 MB page cache), so reading a file of
/// any length keeps memory flat: a 1,000,000-job file held ~40 MB of ids in memory before.
/// Exact either way: no hashing shortcut can report a false duplicate.
final class IdRegistry {
  let spillThreshold: Int
  private var memory = Set<String>()
  private var spill: Spill?

  /// Ids that went to the spill database (for tests).
  private(set) var spilled = 0

  init(spillThreshold: Int = 100_000) {
    self.spillThreshold = max(1, spillThreshold)
  }

  /// Records `id`; false when it was already there.
  func insert(_ id: String) throws -> Bool {
    if let spill {
      return try spill.insert(id)
    }
    guard memory.insert(id).inserted else { return false }
    if memory.count > spillThreshold {
      let s = try Spill()
      for known in memory { _ = try s.insert(known) }
      spilled = memory.count
      memory = []
      spill = s
    }
    return true
  }

  /// A temporary database of ids, written in large transactions without a journal: it only has
  /// to live as long as one read of the job files.
  final class Spill {
    let queue: DatabaseQueue
    private var statement: Statement?
    private var uncommitted = 0

    init() throws {
      var config = Configuration()
      config.label = "gembatch.job-ids"
      // Transactions span many inserts (one BEGIN per 50,000 ids), across accesses.
      config.allowsUnsafeTransactions = true
      config.prepareDatabase { db in
        try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -2048")
      }
      // "" is SQLite's private temporary on-disk database, deleted when it closes.
      queue = try DatabaseQueue(path: "", configuration: config)
      try queue.inDatabase { db in
        try db.execute(sql: "CREATE TABLE ids (id TEXT PRIMARY KEY) WITHOUT ROWID")
      }
    }

    deinit {
      try? queue.inDatabase { db in if db.isInsideTransaction { try db.execute(sql: "COMMIT") } }
    }

    func insert(_ id: String) throws -> Bool {
      try queue.inDatabase { db in
        if uncommitted == 0 { try db.execute(sql: "BEGIN") }
        if statement == nil { statement = try db.makeStatement(sql: "INSERT OR IGNORE INTO ids (id) VALUES (?)") }
        try statement!.execute(arguments: [id])
        let inserted = db.changesCount == 1
        uncommitted += 1
        if uncommitted >= 50_000 {
          try db.execute(sql: "COMMIT")
          uncommitted = 0
        }
        return inserted
      }
    }
  }
}
