import Foundation
import GRDB

/// A class of last outcomes that `gembatch run FILES --rerun CLASS[,CLASS]` runs again.
public enum RerunClass: String, Sendable, Hashable, CaseIterable, Codable {
  /// Cut at `maxOutputTokens`: a JSON answer cut short, a text answer with finish `MAX_TOKENS`,
  /// or no answer at all because the thoughts took the budget.
  case truncated
  /// A JSON-mode answer that does not parse.
  case invalidJSON = "invalid-json"
  /// A JSON-mode answer that breaks its schema.
  case schema
  /// Every job that failed, for any reason.
  case failed
  /// A blocked prompt or candidate.
  case blocked

  /// `truncated,schema` → the set; an unknown name is an error naming the known ones.
  public static func parseList(_ text: String) throws(RerunError) -> Set<RerunClass> {
    var out = Set<RerunClass>()
    for raw in text.split(separator: ",") {
      let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
      let aliases: [String: RerunClass] = [
        "invalid_json": .invalidJSON, "schema_mismatch": .schema, "schema-mismatch": .schema,
      ]
      guard let c = RerunClass(rawValue: name) ?? aliases[name] else {
        throw RerunError(name: String(raw), known: allCases.map(\.rawValue))
      }
      out.insert(c)
    }
    if out.isEmpty { throw RerunError(name: text, known: allCases.map(\.rawValue)) }
    return out
  }

  /// The condition on `jobs j LEFT JOIN results r` for a job whose last outcome is of this class:
  /// the job's failure class when it failed, its stored answer's status when it has one.
  var condition: String {
    switch self {
    case .truncated: "(j.failure_class = 'truncated' OR r.json_status = 'truncated' OR r.truncated = 1)"
    case .invalidJSON: "(j.failure_class = 'invalid_json' OR r.json_status = 'invalid_json')"
    case .schema: "(j.failure_class = 'schema_mismatch' OR r.json_status = 'schema_mismatch')"
    case .failed: "(j.state = 'failed')"
    case .blocked: "(j.failure_class = 'blocked' OR r.block_reason IS NOT NULL)"
    }
  }
}

public struct RerunError: Error, Sendable, Hashable, CustomStringConvertible {
  public let name: String
  public let known: [String]
  public var description: String {
    "--rerun: unknown class \(name.isEmpty ? "(empty)" : "\"\(name)\""); use one or more of \(known.joined(separator: ", ")), comma-separated"
  }
}

extension Store {
  /// The ids of the jobs whose last outcome is of one of `classes`, whatever run they were in.
  /// Only jobs not in flight: an attempt that is out has no last outcome yet.
  public func rerunSelection(_ classes: Set<RerunClass>) throws -> Set<String> {
    guard !classes.isEmpty else { return [] }
    let condition = classes.sorted { $0.rawValue < $1.rawValue }.map(\.condition).joined(separator: " OR ")
    return try read { db in
      var ids = Set<String>()
      let cursor = try String.fetchCursor(
        db,
        sql: """
          SELECT j.id FROM jobs j LEFT JOIN results r ON r.job_id = j.id
          WHERE j.state IN ('succeeded', 'failed', 'pending', 'waiting') AND (\(condition))
          """)
      while let id = try cursor.next() { ids.insert(id) }
      return ids
    }
  }

  /// `syncJobs` for a run with `--rerun`: only the jobs in `selected` (from `rerunSelection`,
  /// taken before the run changed anything) become part of `runId`, `pending` with a fresh
  /// attempt count, their request, model and source updated from the files (the options may
  /// have changed: a larger maxOutputTokens, another model). Every other job of the files is
  /// left exactly as it is, result included, even when the files would now give it another
  /// request. A selected job keeps its stored result until a new answer replaces it; the
  /// result's and the attempts' `request_hash` tell which request each answer came from.
  public func syncRerun(_ jobs: [Job], selected: Set<String>, runId: Int64) throws -> SyncStats {
    let t = now()
    return try write { db in
      var stats = SyncStats()
      let update = try db.cachedStatement(
        sql: """
          UPDATE jobs SET source_file = ?, source_line = ?, model = ?, request_hash = ?, request_json = ?,
                          metadata_json = ?, est_input_tokens = ?, json_mode = ?, state = 'pending',
                          attempt_count = 0, not_before = NULL, failure_class = NULL, failure_reason = NULL,
                          last_run_id = ?, updated_at = ?
          WHERE id = ? AND state != 'in_flight'
          """)
      for job in jobs {
        guard selected.contains(job.id) else {
          stats.unchanged += 1
          continue
        }
        try update.execute(arguments: [
          job.sourceFile, job.sourceLine, job.model, job.requestHash, job.body, job.metadata.map { $0.serialized() },
          job.estimatedInputTokens, job.isJSONMode, runId, t, job.id,
        ])
        if db.changesCount == 1 {
          stats.changed += 1
          stats.toRun += 1
        } else {
          stats.unchanged += 1
        }
      }
      return stats
    }
  }
}
