import Foundation
import GRDB
import GeminiAPI
import Testing

@testable import GemBatchCore

@Suite struct ExportTests {
  func export(_ s: TestStore, _ o: ExportOptions) throws -> (String, ExportSummary) {
    let dir = try ReportTestSupport.tempDir()
    let path = dir.appendingPathComponent("out").path
    let out = try BufferedOutput.file(path)
    let pool = try ReportStore.openReadOnly(path: s.path)
    let summary = try pool.read { db in try Exporter(options: o).export(db, to: out) }
    try out.finish()
    return (try String(contentsOfFile: path, encoding: .utf8), summary)
  }

  func jsonStore() throws -> TestStore {
    let s = try TestStore()
    try s.run(1)
    try s.job("b", seq: 0, metadata: #"{"lang":"fr"}"#, jsonMode: true)
    let a = try s.attempt("b", raw: Data(#"{"candidates":[{"content":{"role":"model","parts":[{"text":"{\"x\":1}"}]},"finishReason":"STOP"}],"modelVersion":"gemini-2.5-flash"}"#.utf8))
    try s.result("b", attempt: a, .init(answer: "say \"hi\", then\nleave", json: #"{"x":1,"tags":["p","q"]}"#, jsonStatus: "valid", prompt: 5, candidates: 3, cost: 0.25, latency: 12.5))
    try s.job("a", seq: 1, jsonMode: true)
    let a2 = try s.attempt("a")
    try s.result("a", attempt: a2, .init(answer: "{}", json: #"{"y":"text, with comma","x":2}"#, jsonStatus: "valid"))
    try s.job("c", seq: 2, state: "failed", failureClass: "permanent", failureReason: "Request contains an invalid argument.")
    try s.attempt("c", outcome: "failed", status: 400, apiStatus: "INVALID_ARGUMENT", message: "Request contains an invalid argument.")
    try s.job("d", seq: 3, state: "pending", lastRun: nil, attempts: 0)
    return s
  }

  @Test func jsonlInInputOrder() throws {
    let (text, summary) = try export(try jsonStore(), ExportOptions(format: .jsonl))
    let lines = text.split(separator: "\n").map { try! JSONValue.parse(String($0)) }
    #expect(summary.rows == 4)
    #expect(lines.map { $0["id"]?.stringValue } == ["b", "a", "c", "d"])  // seq, not id order
    #expect(lines[0]["metadata"] == ["lang": "fr"])
    #expect(lines[0]["json"] == ["x": 1, "tags": ["p", "q"]])
    #expect(lines[0]["answer"]?.stringValue == "say \"hi\", then\nleave")
    #expect(lines[0]["tokens"]?["prompt"] == 5)
    #expect(lines[0]["cost_usd"] == 0.25)
    #expect(lines[0]["latency_ms"] == 12.5)
    #expect(lines[0]["raw_response"] == nil)
    #expect(lines[2]["failure_reason"]?.stringValue == "Request contains an invalid argument.")
    #expect(lines[3]["state"] == "pending")
    #expect(lines[3]["cost_usd"] == .null)
  }

  @Test func jsonlFlattenAndExtras() throws {
    let (text, summary) = try export(
      try jsonStore(), ExportOptions(format: .jsonl, flatten: true, includeThoughts: true, includeRawResponse: true))
    #expect(summary.flattenedColumns == ["x", "tags", "y"])
    let first = try JSONValue.parse(String(text.split(separator: "\n")[0]))
    #expect(first["json.x"] == 1)
    #expect(first["json.y"] == .null)
    #expect(first["raw_response"]?["modelVersion"] == "gemini-2.5-flash")
    #expect(first["thoughts"] == .null)
  }

  @Test func csvRFC4180WithFlattenHeaderFromAllRows() throws {
    let (text, summary) = try export(try jsonStore(), ExportOptions(format: .csv, flatten: true))
    #expect(summary.rows == 4)
    let records = text.components(separatedBy: "\r\n")
    #expect(records.last == "")
    let header = records[0].split(separator: ",").map(String.init)
    #expect(header.prefix(4) == ["id", "seq", "model", "state"])
    #expect(header.suffix(3) == ["json.x", "json.tags", "json.y"])  // "y" first seen on the second row
    // The answer with a quote, a comma and a newline is quoted, quotes doubled, newline kept.
    #expect(text.contains("\"say \"\"hi\"\", then\nleave\""))
    // Parsed JSON as a JSON string column; flattened arrays as JSON, strings raw.
    #expect(text.contains(#""{""x"":1,""tags"":[""p"",""q""]}""#))
    #expect(text.contains(",1,\"[\"\"p\"\",\"\"q\"\"]\",\r\n"))
    #expect(text.contains("2,,\"text, with comma\"\r\n"))
  }

  @Test func csvFieldRules() {
    #expect(CSV.field("plain") == "plain")
    #expect(CSV.field("a,b") == "\"a,b\"")
    #expect(CSV.field("a\"b") == "\"a\"\"b\"")
    #expect(CSV.field("a\nb") == "\"a\nb\"")
    #expect(CSV.field("a\rb") == "\"a\rb\"")
    #expect(CSV.field(" lead") == "\" lead\"")
    #expect(CSV.field("") == "")
    #expect(CSV.record(["a", "b,c"]) == "a,\"b,c\"\r\n")
  }

  @Test func batchModeResultsFile() throws {
    let (text, summary) = try export(try jsonStore(), ExportOptions(format: .batch))
    #expect(summary.rows == 2)  // b (response), c (error); a has no raw response
    #expect(summary.skipped == 2)  // a: no stored raw body, d: pending
    let lines = text.split(separator: "\n").map { try! JSONValue.parse(String($0)) }
    #expect(lines[0]["key"] == "b")
    let r = try JSONDecoder().decode(GenerateContentResponse.self, from: try #require(lines[0]["response"]).serializedData())
    #expect(r.answerText == "{\"x\":1}")
    #expect(lines[1]["key"] == "c")
    #expect(lines[1]["error"] == ["code": 400, "message": "Request contains an invalid argument.", "status": "INVALID_ARGUMENT"])
  }

  @Test func unknownRun() throws {
    #expect(throws: ReportError.self) { try export(try jsonStore(), ExportOptions(runID: 7)) }
  }

  @Test func readsWhileAWriterHoldsTheStore() throws {
    let s = try jsonStore()
    // An open write transaction in another connection (a run in progress): WAL readers go on.
    let writer = try DatabaseQueue(path: s.path)
    try writer.inDatabase { db in
      try db.execute(sql: "BEGIN IMMEDIATE")
      try db.execute(sql: "UPDATE jobs SET state = 'in_flight' WHERE id = 'd'")
      let (text, summary) = try export(s, ExportOptions(format: .jsonl))
      #expect(summary.rows == 4)
      #expect(text.contains("\"pending\""))  // the uncommitted change is not seen
      try db.execute(sql: "COMMIT")
    }
  }

  @Test func notAStore() throws {
    let dir = try ReportTestSupport.tempDir()
    let path = dir.appendingPathComponent("x.sqlite").path
    _ = try DatabaseQueue(path: path)
    let e = #expect(throws: ReportError.self) { try ReportStore.openReadOnly(path: path) }
    #expect(e?.code == .notAStore)
    #expect(e?.description.contains(path) == true)
    let missing = #expect(throws: ReportError.self) { try ReportStore.openReadOnly(path: dir.appendingPathComponent("none").path) }
    #expect(missing?.code == .cannotOpen)
  }
}

@Suite(.enabled(if: ReportTestSupport.fixturesPresent, "shared/fixtures/gemini not found next to the package"))
struct ExportStreamMergeTests {
  @Test func sseTranscriptMergesToOneResponse() throws {
    let raw = try ReportTestSupport.fixture("stream_thinking_includeThoughts_gemini-2.5-pro.sse")
    let merged = try #require(StreamedResponse.merged(raw))
    let r = try JSONDecoder().decode(GenerateContentResponse.self, from: merged.serializedData())
    // Every answer chunk joined, in order, the same as concatenating each event's answer text.
    let text = String(decoding: raw, as: UTF8.self)
    var answer = ""
    var thoughts = ""
    for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("data:") {
      let e = try JSONDecoder().decode(
        GenerateContentResponse.self, from: Data(line.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines).utf8))
      answer += e.answerText ?? ""
      thoughts += e.thoughtText ?? ""
    }
    #expect(!answer.isEmpty && !thoughts.isEmpty)
    #expect(r.answerText == answer)
    #expect(r.thoughtText == thoughts)
    #expect(r.usageMetadata?.thoughtsTokenCount == 787)
    #expect(r.finishReason?.rawValue == "STOP")
  }

  @Test func groundingFromTheLastFullEvent() throws {
    let raw = try ReportTestSupport.fixture("stream_google_search_grounding_gemini-2.5-pro.sse")
    let merged = try #require(StreamedResponse.merged(raw))
    let r = try JSONDecoder().decode(GenerateContentResponse.self, from: merged.serializedData())
    #expect(r.firstCandidate?.groundingMetadata?.webSearchQueries == ["weather in San Francisco today"])
    #expect(r.usageMetadata?.toolUsePromptTokenCount == 102)
  }

  @Test func jsonBodyPassesThroughAndGarbageIsNil() throws {
    let body = try ReportTestSupport.fixture("text_basic_gemini-2.5-flash.json")
    let parsed = try JSONValue.parse(body)
    #expect(StreamedResponse.merged(body) == parsed)
    #expect(StreamedResponse.merged(Data("not json".utf8)) == nil)
    #expect(StreamedResponse.merged(Data()) == nil)
  }
}
