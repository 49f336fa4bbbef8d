import Foundation
import GRDB
import GeminiAPI

/// Streams one row per job, in input order (`jobs.seq`), from a store to an output.
///
/// Rows come from a GRDB cursor and go straight to a `BufferedOutput`: memory does not grow
/// with the number of jobs. With `flatten` in CSV, a first streamed pass over `json_output`
/// collects the top-level keys (first-seen order), so the header is known before the first row.
public struct Exporter: Sendable {
  public var options: ExportOptions

  public init(options: ExportOptions) { self.options = options }

  static let baseColumns = [
    "id", "seq", "model", "state", "metadata", "answer", "json", "json_status", "finish_reason", "block_reason",
    "failure_class", "failure_reason", "attempts", "prompt_tokens", "cached_tokens", "candidates_tokens",
    "thoughts_tokens", "tool_use_prompt_tokens", "total_tokens", "cost_usd", "price_version", "latency_ms", "ttfb_ms",
    "obtained", "obtained_reason",
    "model_version", "served_model", "service_tier", "endpoint",
  ]

  /// Columns of `results` added after v1, read as NULL from a store that has none of them.
  static let laterColumns = [
    "served_model", "service_tier", "media", "maps_sources", "safety_ratings", "block_category", "citations",
    "grounding_supports", "candidates",
  ]

  public func export(_ db: Database, to out: BufferedOutput) throws -> ExportSummary {
    let run = options.runID.map { $0.databaseValue } ?? .null
    if let id = options.runID,
      try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM runs WHERE id = ?)", arguments: [id]) != true
    {
      throw ReportError(code: .unknownRun, detail: "run \(id) is not in the store")
    }
    var summary = ExportSummary()
    let where_ = "WHERE (?1 IS NULL OR \(try Store.lastRunSQL(db, job: "j")) = ?1 OR r.run_id = ?1)"
    if options.flatten && options.format != .batch {
      summary.flattenedColumns = try flattenKeys(db, where: where_, run: run)
    }
    let needRaw = options.includeRawResponse || options.format == .batch || options.mediaDirectory != nil
    var media = try options.mediaDirectory.map { try MediaWriter(directory: $0) }
    let columns = try ResultColumns(db)
    let later = Self.laterColumns.map { columns.select($0) }.joined(separator: ", ")
    // The endpoint that gave each result (its run's); stores before v3-trust have no kind column.
    let hasKind = try db.columns(in: "runs").contains { $0.name == "endpoint_kind" }
    let sql = """
      SELECT j.seq, j.id, j.model, j.state, j.metadata_json, j.failure_class, j.failure_reason, j.attempt_count,
        r.answer_text, r.json_output, r.json_status, r.finish_reason, r.block_reason, r.prompt_tokens, r.cached_tokens,
        r.candidates_tokens, r.thoughts_tokens, r.tool_use_prompt_tokens, r.total_tokens, r.cost_usd, r.price_version,
        r.latency_ms, r.ttfb_ms, r.thought_text, r.function_calls, r.grounding_sources, r.web_search_queries,
        \(try Store.obtainedSQL(db)) AS obtained, \(try Store.obtainedReasonSQL(db)) AS obtained_reason,
        r.model_version, \(later),
        \(needRaw ? "a.raw_response" : "NULL") AS raw_response,
        \(options.format == .batch ? lastAttemptColumns : "NULL AS last_status, NULL AS last_api_status, NULL AS last_message"),
        \(hasKind ? "ru.endpoint_kind" : "NULL") AS endpoint_kind, ru.endpoint AS endpoint_url
      FROM jobs j LEFT JOIN results r ON r.job_id = j.id
        LEFT JOIN runs ru ON ru.id = r.run_id
        \(needRaw ? "LEFT JOIN attempts a ON a.id = r.attempt_id" : "")
      \(where_)
      ORDER BY j.seq
      """
    if options.format == .csv {
      let header = csvColumns(flattened: summary.flattenedColumns)
      try out.write(CSV.record(header, neutralize: !options.csvRaw))
    }
    let cursor = try Row.fetchCursor(db, sql: sql, arguments: [run])
    while let row = try cursor.next() {
      var files: [String]?
      if media != nil {
        files = try media!.write(jobId: row["id"], manifest: row["media"], raw: row["raw_response"])
      }
      switch options.format {
      case .jsonl:
        try out.write(jsonObject(row, flattened: summary.flattenedColumns, mediaFiles: files).serialized() + "\n")
        summary.rows += 1
      case .csv:
        try out.write(CSV.record(csvFields(row, flattened: summary.flattenedColumns, mediaFiles: files), neutralize: !options.csvRaw))
        summary.rows += 1
      case .batch:
        if let line = batchLine(row) {
          try out.write(line.serialized() + "\n")
          summary.rows += 1
        } else {
          summary.skipped += 1
        }
      }
    }
    try out.flush()
    summary.mediaFiles = media?.filesWritten ?? 0
    return summary
  }

  let lastAttemptColumns = """
    (SELECT http_status FROM attempts WHERE job_id = j.id ORDER BY attempt_no DESC, id DESC LIMIT 1) AS last_status,
    (SELECT api_status FROM attempts WHERE job_id = j.id ORDER BY attempt_no DESC, id DESC LIMIT 1) AS last_api_status,
    (SELECT error_message FROM attempts WHERE job_id = j.id ORDER BY attempt_no DESC, id DESC LIMIT 1) AS last_message
    """

  func flattenKeys(_ db: Database, where where_: String, run: DatabaseValue) throws -> [String] {
    var seen = Set<String>()
    var keys: [String] = []
    let cursor = try String.fetchCursor(
      db,
      sql: "SELECT r.json_output FROM jobs j JOIN results r ON r.job_id = j.id \(where_) AND r.json_output IS NOT NULL ORDER BY j.seq",
      arguments: [run])
    while let text = try cursor.next() {
      guard let o = try? JSONValue.parse(text).objectValue else { continue }
      for k in o.keys where seen.insert(k).inserted { keys.append(k) }
    }
    return keys
  }

  func csvColumns(flattened: [String]) -> [String] {
    var c = Self.baseColumns
    if options.includeThoughts { c.append("thoughts") }
    if options.includeFunctionCalls { c.append("function_calls") }
    if options.includeGrounding { c += ["grounding_sources", "web_search_queries", "maps_sources", "grounding_supports"] }
    if options.includeSafety { c += ["safety_ratings", "block_category", "citations"] }
    if options.includeCandidates { c.append("candidates") }
    if options.mediaDirectory != nil { c.append("media") }
    if options.includeRawResponse { c.append("raw_response") }
    return c + flattened.map { "json." + $0 }
  }

  static func json(_ text: String?) -> JSONValue? { text.flatMap { try? JSONValue.parse($0) } }

  static func number(_ row: Row, _ col: String) -> JSONValue {
    if let i: Int64 = row[col] { return .number(Double(i)) }
    return .null
  }

  func rawJSON(_ row: Row) -> JSONValue {
    guard let data: Data = row["raw_response"] else { return .null }
    if let v = StreamedResponse.merged(data) { return v }
    return .string(String(decoding: data, as: UTF8.self))
  }

  func jsonObject(_ row: Row, flattened: [String], mediaFiles: [String]? = nil) -> JSONValue {
    var o = JSONObject()
    o["id"] = .string(row["id"])
    o["seq"] = Self.number(row, "seq")
    o["model"] = .string(row["model"])
    o["state"] = .string(row["state"])
    o["metadata"] = Self.json(row["metadata_json"]) ?? .null
    o["answer"] = (row["answer_text"] as String?).map(JSONValue.string) ?? .null
    let parsed = Self.json(row["json_output"])
    o["json"] = parsed ?? .null
    o["json_status"] = (row["json_status"] as String?).map(JSONValue.string) ?? .null
    // How the answer was obtained: valid, repaired_local, repaired_reask, grown or invalid.
    o["obtained"] = (row["obtained"] as String?).map(JSONValue.string) ?? .null
    o["obtained_reason"] = (row["obtained_reason"] as String?).map(JSONValue.string) ?? .null
    o["finish_reason"] = (row["finish_reason"] as String?).map(JSONValue.string) ?? .null
    o["block_reason"] = (row["block_reason"] as String?).map(JSONValue.string) ?? .null
    o["failure_class"] = (row["failure_class"] as String?).map(JSONValue.string) ?? .null
    o["failure_reason"] = (row["failure_reason"] as String?).map(JSONValue.string) ?? .null
    o["attempts"] = Self.number(row, "attempt_count")
    var tokens = JSONObject()
    for (k, col) in [
      ("prompt", "prompt_tokens"), ("cached", "cached_tokens"), ("candidates", "candidates_tokens"),
      ("thoughts", "thoughts_tokens"), ("tool_use_prompt", "tool_use_prompt_tokens"), ("total", "total_tokens"),
    ] { tokens[k] = Self.number(row, col) }
    o["tokens"] = .object(tokens)
    o["cost_usd"] = (row["cost_usd"] as Double?).map(JSONValue.number) ?? .null
    o["price_version"] = (row["price_version"] as String?).map(JSONValue.string) ?? .null
    o["latency_ms"] = (row["latency_ms"] as Double?).map(JSONValue.number) ?? .null
    o["ttfb_ms"] = (row["ttfb_ms"] as Double?).map(JSONValue.number) ?? .null
    for k in ["model_version", "served_model", "service_tier"] { o[k] = (row[k] as String?).map(JSONValue.string) ?? .null }
    o["endpoint"] =
      Self.endpoint(row).map { .object(JSONObject([("kind", .string($0.kind.rawValue)), ("url", .string($0.baseURL))])) }
      ?? .null
    if options.includeThoughts { o["thoughts"] = (row["thought_text"] as String?).map(JSONValue.string) ?? .null }
    if options.includeFunctionCalls { o["function_calls"] = Self.json(row["function_calls"]) ?? .null }
    if options.includeGrounding {
      o["grounding_sources"] = Self.json(row["grounding_sources"]) ?? .null
      o["web_search_queries"] = Self.json(row["web_search_queries"]) ?? .null
      o["maps_sources"] = Self.json(row["maps_sources"]) ?? .null
      o["grounding_supports"] = Self.json(row["grounding_supports"]) ?? .null
    }
    if options.includeSafety {
      o["safety_ratings"] = Self.json(row["safety_ratings"]) ?? .null
      o["block_category"] = (row["block_category"] as String?).map(JSONValue.string) ?? .null
      o["citations"] = Self.json(row["citations"]) ?? .null
    }
    if options.includeCandidates { o["candidates"] = Self.json(row["candidates"]) ?? .null }
    if options.mediaDirectory != nil { o["media"] = .array((mediaFiles ?? []).map(JSONValue.string)) }
    if options.includeRawResponse { o["raw_response"] = rawJSON(row) }
    if !flattened.isEmpty, let p = parsed?.objectValue {
      for k in flattened { o["json." + k] = p[k] ?? .null }
    }
    return .object(o)
  }

  func csvFields(_ row: Row, flattened: [String], mediaFiles: [String]? = nil) -> [String] {
    func s(_ c: String) -> String { (row[c] as String?) ?? "" }
    func i(_ c: String) -> String { (row[c] as Int64?).map { String($0) } ?? "" }
    func d(_ c: String) -> String { (row[c] as Double?).map { "\($0)" } ?? "" }
    var f = [
      s("id"), i("seq"), s("model"), s("state"), s("metadata_json"), s("answer_text"), s("json_output"), s("json_status"),
      s("finish_reason"), s("block_reason"), s("failure_class"), s("failure_reason"), i("attempt_count"),
      i("prompt_tokens"), i("cached_tokens"), i("candidates_tokens"), i("thoughts_tokens"), i("tool_use_prompt_tokens"),
      i("total_tokens"), d("cost_usd"), s("price_version"), d("latency_ms"), d("ttfb_ms"), s("obtained"),
      s("obtained_reason"), s("model_version"),
      s("served_model"), s("service_tier"),
      Self.endpoint(row).map { "\($0.kind.rawValue) \($0.baseURL)" } ?? "",
    ]
    if options.includeThoughts { f.append(s("thought_text")) }
    if options.includeFunctionCalls { f.append(s("function_calls")) }
    if options.includeGrounding { f += [s("grounding_sources"), s("web_search_queries"), s("maps_sources"), s("grounding_supports")] }
    if options.includeSafety { f += [s("safety_ratings"), s("block_category"), s("citations")] }
    if options.includeCandidates { f.append(s("candidates")) }
    if options.mediaDirectory != nil { f.append((mediaFiles ?? []).joined(separator: " ")) }
    if options.includeRawResponse {
      let raw = rawJSON(row)
      f.append(raw.isNull ? "" : (raw.stringValue ?? raw.serialized()))
    }
    if !flattened.isEmpty {
      let p = Self.json(row["json_output"])?.objectValue
      for k in flattened {
        switch p?[k] {
        case nil, .null?: f.append("")
        case .string(let v)?: f.append(v)
        case let v?: f.append(v.serialized())
        }
      }
    }
    return f
  }

  /// The endpoint the row's result came from (nil without a result).
  static func endpoint(_ row: Row) -> EndpointIdentity? {
    guard let url: String = row["endpoint_url"] else { return nil }
    let kind = (row["endpoint_kind"] as String?).flatMap(EndpointIdentity.Kind.init(rawValue:))
    return EndpointIdentity(kind: kind ?? EndpointIdentity.kind(forURL: url), baseURL: url)
  }

  /// A Batch Mode results line, or nil for a job that has not finished.
  func batchLine(_ row: Row) -> JSONValue? {
    let id: String = row["id"]
    let state: String = row["state"]
    if let data: Data = row["raw_response"], let response = StreamedResponse.merged(data), response.objectValue != nil {
      return .object(JSONObject([("key", .string(id)), ("response", response)]))
    }
    guard state == "failed" else { return nil }
    let status: Int? = row["last_status"]
    let code = status.flatMap { $0 >= 400 ? $0 : nil } ?? 500
    let apiStatus = (row["last_api_status"] as String?) ?? Self.statusName(code)
    let message = (row["failure_reason"] as String?) ?? (row["last_message"] as String?) ?? "failed"
    let error = JSONObject([("code", .number(Double(code))), ("message", .string(message)), ("status", .string(apiStatus))])
    return .object(JSONObject([("key", .string(id)), ("error", .object(error))]))
  }

  static func statusName(_ code: Int) -> String {
    switch code {
    case 400: "INVALID_ARGUMENT"
    case 403: "PERMISSION_DENIED"
    case 404: "NOT_FOUND"
    case 429: "RESOURCE_EXHAUSTED"
    case 503: "UNAVAILABLE"
    case 504: "DEADLINE_EXCEEDED"
    default: "INTERNAL"
    }
  }
}
