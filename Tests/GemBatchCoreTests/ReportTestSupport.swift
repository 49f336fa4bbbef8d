import Foundation
import GeminiAPI

/// Paths and helpers shared by the Cost/Export/Report/Diff/Plan tests.
enum ReportTestSupport {
  /// `../shared/fixtures/gemini` relative to the package root (found from this file's path).
  static let fixturesDir: URL = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }  // file, GemBatchCoreTests, Tests
    return url.deletingLastPathComponent().appendingPathComponent("shared/fixtures/gemini")
  }()

  static var fixturesPresent: Bool {
    FileManager.default.fileExists(atPath: fixturesDir.appendingPathComponent("PROVENANCE.md").path)
  }

  static func fixture(_ name: String) throws -> Data {
    try Data(contentsOf: fixturesDir.appendingPathComponent(name))
  }

  /// The response of a fixture: the JSON body, or for `.sse` the last event (running totals).
  static func response(_ name: String) throws -> GenerateContentResponse {
    let data = try fixture(name)
    if name.hasSuffix(".sse") {
      let text = String(decoding: data, as: UTF8.self)
      let events = text.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("data:") }
      guard let last = events.last else { throw CocoaError(.fileReadCorruptFile) }
      let json = last.dropFirst("data:".count).trimmingCharacters(in: .whitespacesAndNewlines)
      return try JSONDecoder().decode(GenerateContentResponse.self, from: Data(json.utf8))
    }
    return try JSONDecoder().decode(GenerateContentResponse.self, from: data)
  }

  static func tempDir() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gembatch-report-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
  }
}

import GRDB

/// A real SQLite store file in a temp folder, with the schema of docs/store-schema.md, filled row
/// by row so tests control every column. (Built by SQL until the store branch is merged.)
final class TestStore {
  let path: String
  let dbQueue: DatabaseQueue

  init() throws {
    let dir = try ReportTestSupport.tempDir()
    path = dir.appendingPathComponent("store.sqlite").path
    dbQueue = try DatabaseQueue(path: path)
    try dbQueue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
    try dbQueue.write { db in try db.execute(sql: TestStore.schema) }
  }

  func run(_ id: Int, startedAt: Double = 1_767_000_000) throws {
    try dbQueue.write { db in
      try db.execute(
        sql: """
          INSERT INTO runs (id, started_at, status, endpoint, files, options_json, gembatch_version)
          VALUES (?, ?, 'finished', 'http://127.0.0.1', '[]', '{}', '0.1.0')
          """, arguments: [id, startedAt])
    }
  }

  func job(
    _ id: String, seq: Int, model: String = "gemini-2.5-flash", state: String = "succeeded", metadata: String? = nil,
    jsonMode: Bool = false, failureClass: String? = nil, failureReason: String? = nil, lastRun: Int? = 1, attempts: Int = 1
  ) throws {
    try dbQueue.write { db in
      try db.execute(
        sql: """
          INSERT INTO jobs (id, seq, source_file, source_line, model, request_hash, request_json, metadata_json,
            est_input_tokens, json_mode, state, attempt_count, failure_class, failure_reason, last_run_id, updated_at)
          VALUES (?, ?, 'jobs.jsonl', ?, ?, 'h', X'7B7D', ?, 10, ?, ?, ?, ?, ?, ?, 0)
          """,
        arguments: [id, seq, seq + 1, model, metadata, jsonMode ? 1 : 0, state, attempts, failureClass, failureReason, lastRun])
    }
  }

  @discardableResult
  func attempt(
    _ job: String, run: Int = 1, no: Int = 1, outcome: String? = "succeeded", status: Int? = 200, endedAt: Double? = 1_767_000_030,
    apiStatus: String? = nil, message: String? = nil, latency: Double? = nil, raw: Data? = nil
  ) throws -> Int64 {
    try dbQueue.write { db in
      try db.execute(
        sql: """
          INSERT INTO attempts (job_id, run_id, attempt_no, request_hash, started_at, ended_at, outcome, http_status,
            api_status, error_message, latency_ms, raw_response)
          VALUES (?, ?, ?, 'h', 1767000000, ?, ?, ?, ?, ?, ?, ?)
          """, arguments: [job, run, no, endedAt, outcome, status, apiStatus, message, latency, raw])
      return db.lastInsertedRowID
    }
  }

  struct Result {
    var answer: String? = nil
    var json: String? = nil
    var jsonStatus: String? = nil
    var finish: String? = "STOP"
    var prompt: Int? = nil
    var cached: Int? = nil
    var candidates: Int? = nil
    var thoughts: Int? = nil
    var toolUse: Int? = nil
    var usageJSON: String? = nil
    var cost: Double? = nil
    var priceVersion: String? = nil
    var latency: Double? = nil
    var ttfb: Double? = nil
    var thoughtText: String? = nil
    var functionCalls: String? = nil
    var sources: String? = nil
    var queries: String? = nil
  }

  func result(_ job: String, attempt: Int64, run: Int = 1, _ r: Result) throws {
    try dbQueue.write { db in
      try db.execute(
        sql: """
          INSERT OR REPLACE INTO results (job_id, attempt_id, run_id, request_hash, answer_text, thought_text, json_output,
            json_status, function_calls, grounding_sources, web_search_queries, finish_reason, prompt_tokens, cached_tokens,
            candidates_tokens, thoughts_tokens, tool_use_prompt_tokens, total_tokens, usage_json, cost_usd, price_version,
            latency_ms, ttfb_ms, created_at)
          VALUES (?, ?, ?, 'h', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
          """,
        arguments: [
          job, attempt, run, r.answer, r.thoughtText, r.json, r.jsonStatus, r.functionCalls, r.sources, r.queries, r.finish,
          r.prompt, r.cached, r.candidates, r.thoughts, r.toolUse,
          (r.prompt ?? 0) + (r.candidates ?? 0) + (r.thoughts ?? 0) + (r.toolUse ?? 0), r.usageJSON, r.cost,
          r.priceVersion, r.latency, r.ttfb,
        ])
    }
  }

  /// The tables of docs/store-schema.md (v1).
  static let schema = """
    CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at REAL NOT NULL, ended_at REAL, status TEXT NOT NULL,
      stop_reason TEXT, endpoint TEXT NOT NULL, files TEXT NOT NULL, options_json TEXT NOT NULL, gembatch_version TEXT NOT NULL);
    CREATE TABLE jobs (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, source_file TEXT NOT NULL, source_line INTEGER NOT NULL,
      model TEXT NOT NULL, request_hash TEXT NOT NULL, request_json BLOB NOT NULL, metadata_json TEXT,
      est_input_tokens INTEGER NOT NULL, json_mode INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL,
      attempt_count INTEGER NOT NULL DEFAULT 0, not_before REAL, failure_class TEXT, failure_reason TEXT,
      last_run_id INTEGER REFERENCES runs(id), updated_at REAL NOT NULL);
    CREATE TABLE attempts (id INTEGER PRIMARY KEY, job_id TEXT NOT NULL REFERENCES jobs(id), run_id INTEGER NOT NULL REFERENCES runs(id),
      attempt_no INTEGER NOT NULL, request_hash TEXT NOT NULL, streamed INTEGER NOT NULL DEFAULT 0, started_at REAL NOT NULL,
      ended_at REAL, outcome TEXT, http_status INTEGER, error_class TEXT, error_code TEXT, api_status TEXT, error_message TEXT,
      quota_id TEXT, suggested_delay_ms INTEGER, latency_ms REAL, ttfb_ms REAL, raw_response BLOB);
    CREATE TABLE results (job_id TEXT PRIMARY KEY REFERENCES jobs(id), attempt_id INTEGER NOT NULL REFERENCES attempts(id),
      run_id INTEGER NOT NULL REFERENCES runs(id), request_hash TEXT NOT NULL, model_version TEXT, response_id TEXT,
      answer_text TEXT, thought_text TEXT, json_output TEXT, json_status TEXT, json_error TEXT, function_calls TEXT,
      grounding_sources TEXT, web_search_queries TEXT, finish_reason TEXT, finish_message TEXT, block_reason TEXT,
      truncated INTEGER NOT NULL DEFAULT 0, prompt_tokens INTEGER, cached_tokens INTEGER, candidates_tokens INTEGER,
      thoughts_tokens INTEGER, tool_use_prompt_tokens INTEGER, total_tokens INTEGER, usage_json TEXT, cost_usd REAL,
      price_version TEXT, latency_ms REAL, ttfb_ms REAL, created_at REAL NOT NULL);
    """
}
