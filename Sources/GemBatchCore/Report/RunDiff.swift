import Foundation
import GRDB
import GeminiAPI

/// One job's outcome as of a run: what `gembatch diff` compares.
public struct DiffRow: Sendable, Hashable {
  public var id: String
  /// succeeded | failed | unfinished
  public var state: String
  public var answer: String?
  /// The parsed JSON answer (JSON-mode jobs).
  public var json: JSONValue?
  public init(id: String, state: String, answer: String? = nil, json: JSONValue? = nil) {
    self.id = id
    self.state = state
    self.answer = answer
    self.json = json
  }
}

/// What changed for one job id.
public struct JobChange: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable {
    case changed
    case onlyInA = "only_in_a"
    case onlyInB = "only_in_b"
  }
  public var id: String
  public var kind: Kind
  public var stateA: String?
  public var stateB: String?
  public var answerChanged: Bool
  /// JSON paths (`$.field`, `$.list[2].x`) whose values differ, at most `RunDiff.maxPaths`.
  public var jsonPaths: [String]
}

public struct DiffTotals: Sendable, Hashable, Codable {
  public var same = 0
  public var changed = 0
  public var onlyInA = 0
  public var onlyInB = 0
  public init() {}
  public var identical: Bool { changed == 0 && onlyInA == 0 && onlyInB == 0 }
}

/// Compares two runs job by job. Pure over rows sorted by id (byte order, as SQLite sorts TEXT),
/// merged like a sorted-merge join, so memory does not grow with the number of jobs.
public enum RunDiff {
  public static let maxPaths = 20

  /// nil when the two rows are the same.
  public static func compare(_ a: DiffRow, _ b: DiffRow) -> JobChange? {
    var paths: [String] = []
    if a.json != nil || b.json != nil { jsonPaths(a.json, b.json, path: "$", into: &paths) }
    // For JSON answers the JSON decides (formatting differences of the text are not a change).
    let answerChanged = (a.json == nil && b.json == nil) ? a.answer != b.answer : !paths.isEmpty
    guard a.state != b.state || answerChanged || !paths.isEmpty else { return nil }
    return JobChange(
      id: a.id, kind: .changed, stateA: a.state, stateB: b.state, answerChanged: answerChanged, jsonPaths: paths)
  }

  /// The paths where two JSON values differ; objects by key, arrays by index.
  public static func jsonPaths(_ a: JSONValue?, _ b: JSONValue?, path: String, into out: inout [String]) {
    guard out.count < maxPaths else { return }
    switch (a, b) {
    case (.object(let x)?, .object(let y)?):
      var keys = x.keys
      for k in y.keys where x[k] == nil { keys.append(k) }
      for k in keys { jsonPaths(x[k], y[k], path: path + key(k), into: &out) }
    case (.array(let x)?, .array(let y)?):
      for i in 0..<max(x.count, y.count) {
        jsonPaths(i < x.count ? x[i] : nil, i < y.count ? y[i] : nil, path: path + "[\(i)]", into: &out)
      }
    default:
      if a != b { out.append(path) }
    }
  }

  static func key(_ k: String) -> String {
    let plain = !k.isEmpty && k.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "_" }
    return plain ? "." + k : "[" + JSONValue.string(k).serialized() + "]"
  }

  /// Byte-order comparison, the same as SQLite's BINARY collation.
  public static func precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

  /// Merges two id-sorted streams; `onChange` sees every difference in id order.
  public static func merge(
    _ nextA: () throws -> DiffRow?, _ nextB: () throws -> DiffRow?, onChange: (JobChange) throws -> Void
  ) throws -> DiffTotals {
    var t = DiffTotals()
    var a = try nextA()
    var b = try nextB()
    while a != nil || b != nil {
      if let x = a, let y = b, x.id == y.id {
        if let c = compare(x, y) { t.changed += 1; try onChange(c) } else { t.same += 1 }
        a = try nextA()
        b = try nextB()
      } else if let x = a, b == nil || precedes(x.id, b!.id) {
        t.onlyInA += 1
        try onChange(JobChange(id: x.id, kind: .onlyInA, stateA: x.state, stateB: nil, answerChanged: false, jsonPaths: []))
        a = try nextA()
      } else if let y = b {
        t.onlyInB += 1
        try onChange(JobChange(id: y.id, kind: .onlyInB, stateA: nil, stateB: y.state, answerChanged: false, jsonPaths: []))
        b = try nextB()
      }
    }
    return t
  }
}

/// The rows of one run in one store.
///
/// Rule: a job belongs to run R when it has an attempt in a run ≤ R. Its outcome as of R is its
/// last finished attempt (succeeded or failed) in a run ≤ R; its answer is that attempt's result
/// (`results` when the stored result is that attempt's, else parsed from the attempt's raw
/// response). A job with no finished attempt by R is `unfinished`. So later runs of the same
/// store never change what "as of run R" means, and two store files compare the same way.
public struct DiffSource {
  public let db: Database
  public let run: Int

  public init(db: Database, run: Int, name: String) throws {
    guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM runs WHERE id = ?)", arguments: [run]) == true else {
      throw ReportError(code: .unknownRun, detail: "run \(run) is not in \(name)")
    }
    self.db = db
    self.run = run
  }

  static let sql = """
    WITH last AS (
      SELECT j.id AS job_id, j.json_mode AS json_mode,
        (SELECT a.id FROM attempts a WHERE a.job_id = j.id AND a.run_id <= ?1 AND a.outcome IN ('succeeded', 'failed')
         ORDER BY a.run_id DESC, a.attempt_no DESC, a.id DESC LIMIT 1) AS attempt_id
      FROM jobs j WHERE EXISTS (SELECT 1 FROM attempts a WHERE a.job_id = j.id AND a.run_id <= ?1)
    )
    SELECT l.job_id, l.json_mode, a.outcome, r.job_id AS has_result, r.answer_text, r.json_output,
      CASE WHEN r.job_id IS NULL AND a.outcome = 'succeeded' THEN a.raw_response END AS raw
    FROM last l LEFT JOIN attempts a ON a.id = l.attempt_id
      LEFT JOIN results r ON r.job_id = l.job_id AND r.attempt_id = l.attempt_id
    ORDER BY l.job_id
    """

  /// A cursor over the run's rows in id order. Use it inside the database access that made `db`.
  public func rows() throws -> () throws -> DiffRow? {
    let cursor = try Row.fetchCursor(db, sql: Self.sql, arguments: [run])
    return {
      guard let row = try cursor.next() else { return nil }
      return DiffSource.diffRow(row)
    }
  }

  static func diffRow(_ row: Row) -> DiffRow {
    let id: String = row["job_id"]
    let outcome: String? = row["outcome"]
    let state = outcome ?? "unfinished"
    let jsonMode = (row["json_mode"] as Int?) == 1
    if (row["has_result"] as String?) != nil {
      let json = (row["json_output"] as String?).flatMap { try? JSONValue.parse($0) }
      return DiffRow(id: id, state: state, answer: row["answer_text"], json: json)
    }
    guard let raw: Data = row["raw"], let merged = StreamedResponse.merged(raw),
      let response = try? JSONDecoder().decode(GenerateContentResponse.self, from: merged.serializedData())
    else { return DiffRow(id: id, state: state) }
    let answer = response.answerText
    var json: JSONValue?
    if jsonMode, let text = answer?.trimmingCharacters(in: .whitespacesAndNewlines) { json = try? JSONValue.parse(text) }
    return DiffRow(id: id, state: state, answer: answer, json: json)
  }
}

/// Writes a diff as text or JSON while it is computed.
public struct DiffWriter {
  public enum Format: String, Sendable, CaseIterable {
    case text
    case json
  }

  /// Runs the diff and streams it to `out`. Returns the totals (the CLI maps them to exit codes).
  public static func write(
    format: Format, labelA: String, labelB: String, a: () throws -> DiffRow?, b: () throws -> DiffRow?,
    to out: BufferedOutput
  ) throws -> DiffTotals {
    var first = true
    if format == .json {
      try out.write(
        "{\"a\":\(JSONValue.string(labelA).serialized()),\"b\":\(JSONValue.string(labelB).serialized()),\"changes\":[\n")
    }
    let totals = try RunDiff.merge(a, b) { c in
      switch format {
      case .text:
        // Ids come from job files and JSON paths from answers: cleaned for the terminal.
        let id = TerminalText.clean(c.id)
        switch c.kind {
        case .onlyInA: try out.write("- \(id)  only in A (\(c.stateA ?? "?"))\n")
        case .onlyInB: try out.write("+ \(id)  only in B (\(c.stateB ?? "?"))\n")
        case .changed:
          var parts: [String] = []
          if c.stateA != c.stateB { parts.append("state \(c.stateA ?? "?") → \(c.stateB ?? "?")") }
          if !c.jsonPaths.isEmpty { parts.append("json " + TerminalText.clean(c.jsonPaths.joined(separator: ", "))) }
          else if c.answerChanged { parts.append("answer text changed") }
          try out.write("~ \(id)  " + parts.joined(separator: "; ") + "\n")
        }
      case .json:
        var o = JSONObject()
        o["id"] = .string(c.id)
        o["kind"] = .string(c.kind.rawValue)
        o["state_a"] = c.stateA.map(JSONValue.string) ?? .null
        o["state_b"] = c.stateB.map(JSONValue.string) ?? .null
        o["answer_changed"] = .bool(c.answerChanged)
        o["json_paths"] = .array(c.jsonPaths.map(JSONValue.string))
        try out.write((first ? "" : ",\n") + JSONValue.object(o).serialized())
        first = false
      }
    }
    switch format {
    case .text:
      try out.write(
        "\(labelA) vs \(labelB): same \(totals.same), changed \(totals.changed), only in A \(totals.onlyInA), only in B \(totals.onlyInB)\n"
      )
    case .json:
      try out.write(
        "\n],\"totals\":{\"same\":\(totals.same),\"changed\":\(totals.changed),\"only_in_a\":\(totals.onlyInA),\"only_in_b\":\(totals.onlyInB)}}\n"
      )
    }
    try out.flush()
    return totals
  }
}
