import Foundation
import GRDB
import GeminiAPI
import Testing

@testable import GemBatchCore

@Suite struct DiffTests {
  @Test func compareRows() {
    let a = DiffRow(id: "1", state: "succeeded", answer: "x")
    #expect(RunDiff.compare(a, a) == nil)
    #expect(RunDiff.compare(a, DiffRow(id: "1", state: "succeeded", answer: "y"))?.answerChanged == true)
    let s = RunDiff.compare(a, DiffRow(id: "1", state: "failed"))
    #expect(s?.stateA == "succeeded" && s?.stateB == "failed")
    // Same JSON, differently formatted text: not a change.
    let j1 = DiffRow(id: "1", state: "succeeded", answer: "{\"a\": 1}", json: ["a": 1])
    let j2 = DiffRow(id: "1", state: "succeeded", answer: "{\"a\":1}", json: ["a": 1])
    #expect(RunDiff.compare(j1, j2) == nil)
  }

  @Test func jsonPaths() {
    var p: [String] = []
    RunDiff.jsonPaths(
      ["score": 1, "tags": ["a", "b"], "meta": ["ok": true, "n": 1], "weird key": 1],
      ["score": 2, "tags": ["a"], "meta": ["ok": true, "n": 1], "weird key": 1, "new": nil], path: "$", into: &p)
    #expect(p == ["$.score", "$.tags[1]", "$.new"])
    p = []
    RunDiff.jsonPaths(["weird key": 1], ["weird key": 2], path: "$", into: &p)
    #expect(p == [#"$["weird key"]"#])
    p = []
    RunDiff.jsonPaths(["a": 1], "text", path: "$", into: &p)
    #expect(p == ["$"])
    p = []
    RunDiff.jsonPaths(.array((0..<50).map { .number(Double($0)) }), .array([]), path: "$", into: &p)
    #expect(p.count == RunDiff.maxPaths)
  }

  @Test func mergeCountsAndOrder() throws {
    func stream(_ rows: [DiffRow]) -> () -> DiffRow? {
      var it = rows.makeIterator()
      return { it.next() }
    }
    var seen: [String] = []
    let t = try RunDiff.merge(
      stream([.init(id: "a", state: "succeeded"), .init(id: "b", state: "succeeded", answer: "1"), .init(id: "d", state: "failed")]),
      stream([.init(id: "b", state: "succeeded", answer: "2"), .init(id: "c", state: "succeeded"), .init(id: "d", state: "failed")])
    ) { seen.append("\($0.kind.rawValue):\($0.id)") }
    #expect(seen == ["only_in_a:a", "changed:b", "only_in_b:c"])
    #expect(t.same == 1 && t.changed == 1 && t.onlyInA == 1 && t.onlyInB == 1 && !t.identical)
    // Byte order, as SQLite sorts: "B" < "a" < "é".
    #expect(RunDiff.precedes("B", "a") && RunDiff.precedes("a", "é"))
  }

  /// One store, two nightly runs: run 2 re-ran j1 (new answer, the results row replaced),
  /// j2 unchanged, j3 new in run 2, j4 failed in run 2.
  func nightly() throws -> TestStore {
    let s = try TestStore()
    try s.run(1)
    try s.run(2)
    func raw(_ text: String) -> Data {
      Data(#"{"candidates":[{"content":{"role":"model","parts":[{"text":\#(JSONValue.string(text).serialized())}]},"finishReason":"STOP"}]}"#.utf8)
    }
    try s.job("j1", seq: 0, jsonMode: true, lastRun: 2)
    _ = try s.attempt("j1", run: 1, raw: raw("{\"score\": 1, \"label\": \"x\"}"))
    let j1b = try s.attempt("j1", run: 2, raw: raw("{\"score\":2,\"label\":\"x\"}"))
    try s.result("j1", attempt: j1b, run: 2, .init(answer: "{\"score\":2,\"label\":\"x\"}", json: #"{"score":2,"label":"x"}"#))
    try s.job("j2", seq: 1)
    let j2 = try s.attempt("j2", run: 1, raw: raw("same"))
    try s.result("j2", attempt: j2, .init(answer: "same"))
    try s.job("j3", seq: 2, lastRun: 2)
    let j3 = try s.attempt("j3", run: 2, raw: raw("new"))
    try s.result("j3", attempt: j3, run: 2, .init(answer: "new"))
    try s.job("j4", seq: 3, state: "failed", lastRun: 2)
    let j4 = try s.attempt("j4", run: 1, raw: raw("ok"))
    try s.result("j4", attempt: j4, .init(answer: "ok"))
    try s.attempt("j4", run: 2, no: 2, outcome: "failed", status: 400)
    return s
  }

  func diff(_ a: TestStore, _ runA: Int, _ b: TestStore, _ runB: Int, format: DiffWriter.Format = .text) throws -> (String, DiffTotals) {
    let path = try ReportTestSupport.tempDir().appendingPathComponent("diff.out").path
    let out = try BufferedOutput.file(path)
    let pa = try ReportStore.openReadOnly(path: a.path)
    let pb = try ReportStore.openReadOnly(path: b.path)
    let totals = try pa.read { dba in
      try pb.read { dbb in
        try DiffWriter.write(
          format: format, labelA: "run \(runA)", labelB: "run \(runB)",
          a: try DiffSource(db: dba, run: runA, name: a.path).rows(), b: try DiffSource(db: dbb, run: runB, name: b.path).rows(), to: out)
      }
    }
    try out.finish()
    return (try String(contentsOfFile: path, encoding: .utf8), totals)
  }

  @Test func oneStoreTwoRuns() throws {
    let s = try nightly()
    let (text, t) = try diff(s, 1, s, 2)
    #expect(t.same == 1 && t.changed == 2 && t.onlyInA == 0 && t.onlyInB == 1)
    #expect(text.contains("~ j1  json $.score"))  // run 1's answer came from the raw response
    #expect(text.contains("~ j4  state succeeded → failed"))
    #expect(text.contains("+ j3  only in B (succeeded)"))
    #expect(!text.contains("j2  "))
    let (_, same) = try diff(s, 2, s, 2)
    #expect(same.identical && same.same == 4)
  }

  @Test func twoStoreFilesAsJSON() throws {
    let a = try nightly()
    let b = try nightly()
    try b.dbQueue.write { db in try db.execute(sql: "UPDATE results SET answer_text = 'changed' WHERE job_id = 'j2'") }
    let (json, t) = try diff(a, 2, b, 2, format: .json)
    #expect(t.changed == 1 && t.same == 3)
    let v = try JSONValue.parse(json)
    #expect(v["totals"] == ["same": 3, "changed": 1, "only_in_a": 0, "only_in_b": 0])
    #expect(v["changes"]?.arrayValue?.first?["id"] == "j2")
    #expect(v["changes"]?.arrayValue?.first?["answer_changed"] == true)
  }

  @Test func unknownRunIsBadInput() throws {
    let s = try nightly()
    let pool = try ReportStore.openReadOnly(path: s.path)
    let e = #expect(throws: ReportError.self) { try pool.read { db in _ = try DiffSource(db: db, run: 3, name: s.path) } }
    #expect(e?.code == .unknownRun)
  }
}
