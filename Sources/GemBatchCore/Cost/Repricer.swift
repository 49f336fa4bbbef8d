import Foundation
import GRDB
import GeminiAPI
import GeminiCatalog

/// `gembatch report --reprice`: prices stored results again with the catalog, in one transaction.
///
/// Each result is priced as it ran: at the model its answer names (`model_version`, after
/// routing), at the tier that ran (`service_tier`), on the day it was recorded (`created_at`).
public struct Repricer: Sendable {
  public struct Summary: Sendable, Hashable {
    public var results: Int = 0
    public var priced: Int = 0
    public var unpriced: Int = 0
    public var costBeforeUSD: Double = 0
    public var costAfterUSD: Double = 0
  }

  public var catalog: ModelCatalog
  /// Only results of this run; nil = every result.
  public var runID: Int?
  /// Price as Batch Mode (the catalog's batch tier). Runs record no batch flag, so this is the caller's call.
  public var batch: Bool

  public init(catalog: ModelCatalog, runID: Int? = nil, batch: Bool = false) {
    self.catalog = catalog
    self.runID = runID
    self.batch = batch
  }

  /// Updates `results.cost_usd`, `results.price_version` and `results.served_model` (NULL cost
  /// for unpriced models). Reads in pages of 500 rows by job id, so memory does not grow with the store.
  public func reprice(_ db: Database) throws -> Summary {
    var s = Summary()
    var after = ""
    let run = runID.map { $0.databaseValue } ?? .null
    // Stores from before `v3-hostile-bounds` have no such column (reports do not migrate).
    let flagged = try db.columns(in: "results").contains { $0.name == "usage_invalid" } ? "r.usage_invalid" : "NULL AS usage_invalid"
    let columns = try ResultColumns(db)
    let extra = ["service_tier", "media", "maps_sources"].map { columns.select($0) }.joined(separator: ", ")
    let update =
      columns.has("served_model")
      ? "UPDATE results SET cost_usd = ?1, price_version = ?2, served_model = COALESCE(?3, served_model) WHERE job_id = ?4"
      : "UPDATE results SET cost_usd = ?1, price_version = ?2 WHERE job_id = ?4"
    while true {
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT r.job_id, j.model, r.model_version, r.usage_json, r.prompt_tokens, r.cached_tokens, r.candidates_tokens,
            r.thoughts_tokens, r.tool_use_prompt_tokens, r.web_search_queries, r.cost_usd, r.created_at, \(extra),
            \(flagged)
          FROM results r JOIN jobs j ON j.id = r.job_id
          WHERE r.job_id > ?1 AND (?2 IS NULL OR r.run_id = ?2) ORDER BY r.job_id LIMIT 500
          """, arguments: [after, run])
      guard !rows.isEmpty else { break }
      for row in rows {
        let id: String = row["job_id"]
        after = id
        s.results += 1
        s.costBeforeUSD += (row["cost_usd"] as Double?) ?? 0
        let queries = (row["web_search_queries"] as String?).flatMap { try? JSONValue.parse($0).arrayValue?.count } ?? 0
        let usage = Self.usage(row)
        // Usage a server got wrong stays unpriced, whatever the catalog says.
        let trusted = (row["usage_invalid"] as String?) == nil && usage.problem() == nil
        let images =
          (row["media"] as String?).flatMap { try? JSONValue.parse($0).arrayValue }?
          .filter { $0["mimeType"]?.stringValue?.lowercased().hasPrefix("image/") == true }.count ?? 0
        let tier: ServiceTier =
          batch ? .batch : ((row["service_tier"] as String?).flatMap(ServiceTier.init(wire:)) ?? .standard)
        let request = PriceRequest(
          model: row["model"], servedModel: row["model_version"], usage: usage,
          date: CalendarDay(unixTime: row["created_at"]), tier: tier, searchQueries: queries,
          mapsPrompts: row["maps_sources"] == nil ? 0 : 1, images: images)
        let quote = catalog.quote(request)
        let c = trusted ? quote.cost : nil
        if let c { s.priced += 1; s.costAfterUSD += c.totalUSD } else { s.unpriced += 1 }
        if trusted, case .unpriced(let why) = quote { catalog.notices.record(why.notice) }
        try db.execute(sql: update, arguments: [c?.totalUSD, catalog.version, c?.priceKey, id])
      }
    }
    return s
  }

  /// The stored usage: the raw `usage_json` when present (it has the modality details), else the columns.
  static func usage(_ row: Row) -> UsageMetadata {
    if let text: String = row["usage_json"],
      let u = try? JSONDecoder().decode(UsageMetadata.self, from: Data(text.utf8))
    {
      return u
    }
    return UsageMetadata(
      promptTokenCount: row["prompt_tokens"], cachedContentTokenCount: row["cached_tokens"],
      candidatesTokenCount: row["candidates_tokens"], thoughtsTokenCount: row["thoughts_tokens"],
      toolUsePromptTokenCount: row["tool_use_prompt_tokens"])
  }
}
