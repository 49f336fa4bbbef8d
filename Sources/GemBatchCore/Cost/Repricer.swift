import Foundation
import GRDB
import GeminiAPI

/// `gembatch report --reprice`: prices stored results again with another table, in one transaction.
public struct Repricer: Sendable {
  public struct Summary: Sendable, Hashable {
    public var results: Int = 0
    public var priced: Int = 0
    public var unpriced: Int = 0
    public var costBeforeUSD: Double = 0
    public var costAfterUSD: Double = 0
  }

  public var table: PriceTable
  /// Only results of this run; nil = every result.
  public var runID: Int?
  /// Price as Batch Mode (×batchMultiplier). Runs record no batch flag, so this is the caller's call.
  public var batch: Bool

  public init(table: PriceTable, runID: Int? = nil, batch: Bool = false) {
    self.table = table
    self.runID = runID
    self.batch = batch
  }

  /// Updates `results.cost_usd` and `results.price_version` (NULL cost for unpriced models).
  /// Reads in pages of 500 rows by job id, so memory does not grow with the store.
  public func reprice(_ db: Database) throws -> Summary {
    var s = Summary()
    var after = ""
    let run = runID.map { $0.databaseValue } ?? .null
    // Stores from before `v3-hostile-bounds` have no such column (reports do not migrate).
    let flagged = try db.columns(in: "results").contains { $0.name == "usage_invalid" } ? "r.usage_invalid" : "NULL AS usage_invalid"
    while true {
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT r.job_id, j.model, r.usage_json, r.prompt_tokens, r.cached_tokens, r.candidates_tokens,
            r.thoughts_tokens, r.tool_use_prompt_tokens, r.web_search_queries, r.cost_usd, \(flagged)
          FROM results r JOIN jobs j ON j.id = r.job_id
          WHERE r.job_id > ?1 AND (?2 IS NULL OR r.run_id = ?2) ORDER BY r.job_id LIMIT 500
          """, arguments: [after, run])
      guard !rows.isEmpty else { break }
      for row in rows {
        let id: String = row["job_id"]
        after = id
        s.results += 1
        s.costBeforeUSD += (row["cost_usd"] as Double?) ?? 0
        let usage = Self.usage(row)
        let queries = (row["web_search_queries"] as String?).flatMap { try? JSONValue.parse($0).arrayValue?.count } ?? 0
        // Usage a server got wrong stays unpriced, whatever the table.
        let trusted = (row["usage_invalid"] as String?) == nil && usage.problem() == nil
        let c = trusted ? table.cost(model: row["model"], usage: usage, webSearchQueries: queries, batch: batch) : nil
        if let c { s.priced += 1; s.costAfterUSD += c.totalUSD } else { s.unpriced += 1 }
        try db.execute(
          sql: "UPDATE results SET cost_usd = ?, price_version = ? WHERE job_id = ?",
          arguments: [c?.totalUSD, table.version, id])
      }
    }
    return s
  }

  /// The stored usage: the raw `usage_json` when present (it has the modality details), else the columns.
  static func usage(_ row: Row) -> UsageMetadata {
    if let text: String = row["usage_json"], let u = try? JSONDecoder().decode(UsageMetadata.self, from: Data(text.utf8)) {
      return u
    }
    return UsageMetadata(
      promptTokenCount: row["prompt_tokens"], cachedContentTokenCount: row["cached_tokens"],
      candidatesTokenCount: row["candidates_tokens"], thoughtsTokenCount: row["thoughts_tokens"],
      toolUsePromptTokenCount: row["tool_use_prompt_tokens"])
  }
}
