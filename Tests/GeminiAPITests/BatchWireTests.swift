import Foundation
import GeminiAPI
import Testing

/// Every variant of Batch Mode's wire that peers have met: both state spellings, counts as
/// strings with zeros left out, the output under `response` or `metadata.output`, error lines
/// as `{"error":…}` or `{"status":…}`, a line with neither, lines matched by key only.
@Suite struct BatchWireTests {
  @Test func bothStateSpellingsReadTheSame() {
    for (raw, phase) in [
      ("BATCH_STATE_PENDING", BatchState.Phase.pending), ("JOB_STATE_PENDING", .pending), ("JOB_STATE_QUEUED", .pending),
      ("BATCH_STATE_RUNNING", .running), ("JOB_STATE_RUNNING", .running), ("BATCH_STATE_SUCCEEDED", .succeeded),
      ("JOB_STATE_SUCCEEDED", .succeeded), ("JOB_STATE_PARTIALLY_SUCCEEDED", .succeeded), ("BATCH_STATE_FAILED", .failed),
      ("JOB_STATE_FAILED", .failed), ("BATCH_STATE_CANCELLED", .cancelled), ("JOB_STATE_CANCELLING", .cancelling),
      ("BATCH_STATE_EXPIRED", .expired), ("JOB_STATE_EXPIRED", .expired), ("BATCH_STATE_UNSPECIFIED", .unknown),
      ("SOMETHING_NEW", .unknown),
    ] {
      let s = BatchState(raw: raw)
      #expect(s.phase == phase, "\(raw)")
      #expect(s.raw == raw)
    }
    #expect(BatchState(raw: "JOB_STATE_EXPIRED").isTerminal)
    #expect(!BatchState(raw: "BATCH_STATE_CANCELLING").isTerminal)
    // An unknown state is never taken for an end (a peer's bug hid failures that way).
    #expect(!BatchState(raw: "BATCH_STATE_UNSPECIFIED").isTerminal)
    #expect(BatchState(.succeeded).raw == "BATCH_STATE_SUCCEEDED")
    #expect(BatchState(.succeeded).sdkName == "JOB_STATE_SUCCEEDED")
  }

  @Test func countsAreStringsAndZerosAreLeftOut() throws {
    let s = BatchStats(json: try JSONValue.parse(#"{"requestCount":"3","successfulRequestCount":"2","failedRequestCount":1}"#))
    #expect(s.requestCount == 3 && s.successfulRequestCount == 2 && s.failedRequestCount == 1 && s.pendingRequestCount == 0)
    #expect(BatchStats(json: nil) == BatchStats())
    #expect(BatchStats(json: try JSONValue.parse("{}")) == BatchStats())
    let wire = BatchStats(requestCount: 5, successful: 5).json
    #expect(wire.serialized(sortedKeys: true) == #"{"requestCount":"5","successfulRequestCount":"5"}"#)
  }

  @Test func theCapturedOperationReads() throws {
    let text = """
      {"name":"batches/X","metadata":{"@type":"type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
       "model":"models/gemini-2.5-flash","displayName":"gembatch-abc-1-deadbeef","inputConfig":{"fileName":"files/in1"},
       "output":{"responsesFile":"files/batch-X"},"createTime":"2026-01-10T10:00:00.123456Z","endTime":"2026-01-10T10:05:00Z",
       "updateTime":"2026-01-10T10:05:00Z","batchStats":{"requestCount":"2","successfulRequestCount":"2"},
       "state":"BATCH_STATE_SUCCEEDED","name":"batches/X"},"done":true,
       "response":{"@type":"type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput","responsesFile":"files/batch-X"}}
      """
    let b = try #require(BatchJob.parse(Data(text.utf8)))
    #expect(b.name == "batches/X" && b.id == "X")
    #expect(b.displayName == "gembatch-abc-1-deadbeef")
    #expect(b.state.phase == .succeeded && b.done)
    #expect(b.stats.requestCount == 2 && b.stats.successfulRequestCount == 2 && b.stats.failedRequestCount == 0)
    #expect(b.inputFileName == "files/in1" && b.responsesFile == "files/batch-X")
    #expect(b.createTime.flatMap(RFC3339.parse) != nil)
  }

  @Test func outputUnderMetadataOnlyAndTheBareBatchShape() throws {
    let op = try #require(
      BatchJob.parse(
        try JSONValue.parse(
          #"{"name":"batches/Y","metadata":{"state":"JOB_STATE_SUCCEEDED","output":{"responsesFile":"files/batch-Y"}}}"#)))
    #expect(op.responsesFile == "files/batch-Y" && op.state.phase == .succeeded)
    let bare = try #require(
      BatchJob.parse(try JSONValue.parse(#"{"name":"batches/Z","state":"BATCH_STATE_RUNNING","batchStats":{"requestCount":"9"}}"#)))
    #expect(bare.state.phase == .running && bare.stats.requestCount == 9 && !bare.done)
    let inline = try #require(
      BatchJob.parse(
        try JSONValue.parse(
          #"{"name":"batches/I","metadata":{"state":"BATCH_STATE_SUCCEEDED"},"response":{"inlinedResponses":{"inlinedResponses":[{"response":{},"metadata":{"key":"a"}}]}}}"#
        )))
    #expect(inline.inlinedResponses.count == 1)
    let failed = try #require(
      BatchJob.parse(
        try JSONValue.parse(#"{"name":"batches/F","metadata":{"state":"BATCH_STATE_FAILED"},"error":{"code":13,"message":"boom"}}"#)))
    #expect(failed.error?.message == "boom" && failed.state.isTerminal)
    #expect(BatchJob.parse(try JSONValue.parse(#"{"metadata":{}}"#)) == nil)
  }

  static let answer = #"{"candidates":[{"content":{"role":"model","parts":[{"text":"hi"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":1,"totalTokenCount":4},"modelVersion":"gemini-2.5-flash"}"#

  @Test func aSuccessLine() throws {
    let line = BatchOutputLine.parse(Data(#"{"response":\#(Self.answer),"key":"job-7"}"#.utf8))
    #expect(line.key == "job-7")
    let r = try line.result.get()
    #expect(r.firstCandidate?.answerText == "hi")
    #expect(r.usageMetadata?.totalTokenCount == 4)
    #expect(String(decoding: line.raw, as: UTF8.self).hasPrefix(#"{"response""#))
  }

  @Test func bothErrorShapesCarryTheAPIMessageAndClass() {
    let a = BatchOutputLine.parse(Data(#"{"key":"a","error":{"code":400,"message":"bad field","status":"INVALID_ARGUMENT"}}"#.utf8))
    guard case .failure(let ea) = a.result else { Issue.record("not a failure"); return }
    #expect(a.key == "a" && ea.httpStatus == 400 && ea.detail == "bad field" && !ea.errorClass.isRetryable)
    let b = BatchOutputLine.parse(Data(#"{"key":"b","status":{"code":429,"message":"quota exceeded"}}"#.utf8))
    guard case .failure(let eb) = b.result else { Issue.record("not a failure"); return }
    #expect(eb.httpStatus == 429 && eb.detail == "quota exceeded" && eb.errorClass.isRetryable)
    // A google.rpc.Status carries gRPC codes: 14 is UNAVAILABLE (503), 3 INVALID_ARGUMENT (400).
    let c = BatchOutputLine.parse(Data(#"{"key":"c","status":{"code":14,"message":"try later"}}"#.utf8))
    guard case .failure(let ec) = c.result else { Issue.record("not a failure"); return }
    #expect(ec.httpStatus == 503 && ec.apiStatus == "UNAVAILABLE" && ec.errorClass.isRetryable)
    let d = BatchOutputLine.parse(Data(#"{"key":"d","error":{"code":3,"message":"no"}}"#.utf8))
    guard case .failure(let ed) = d.result else { Issue.record("not a failure"); return }
    #expect(ed.httpStatus == 400 && !ed.errorClass.isRetryable)
  }

  @Test func aLineWithNeitherIsAFailure() {
    for text in [#"{"key":"n"}"#, #"{"key":"n","response":null}"#, #"{"key":"n","something":{}}"#] {
      let l = BatchOutputLine.parse(Data(text.utf8))
      #expect(l.key == "n")
      guard case .failure(let e) = l.result else { Issue.record("\(text) is not a failure"); continue }
      #expect(e.code == .malformedBody)
    }
    let junk = BatchOutputLine.parse(Data("not json".utf8))
    #expect(junk.key == nil)
    #expect(!junk.result.isSuccessForTest)
  }

  @Test func linesAreMatchedByKeyInAnyOrder() throws {
    let lines = (0..<50).reversed().map { i in #"{"key":"k\#(i)","response":\#(Self.answer)}"# }
    var byKey: [String: BatchOutputLine] = [:]
    for l in lines.shuffled() {
      let p = BatchOutputLine.parse(Data(l.utf8))
      byKey[try #require(p.key)] = p
    }
    #expect(byKey.count == 50)
    #expect(byKey["k0"] != nil && byKey["k49"] != nil)
    // The key may also sit in metadata (inline results).
    let inline = BatchOutputLine.parse(try JSONValue.parse(#"{"metadata":{"key":"m1"},"response":\#(Self.answer)}"#), raw: Data())
    #expect(inline.key == "m1")
  }

  @Test func fileResourceAndTimes() throws {
    let f = try #require(
      FileResource.parse(
        try JSONValue.parse(
          #"{"file":{"name":"files/abc-123","mimeType":"application/jsonl","sizeBytes":"2048","expirationTime":"2025-09-12T13:37:01.000Z","source":"UPLOADED"}}"#
        )))
    #expect(f.name == "files/abc-123" && f.id == "abc-123" && f.sizeBytes == 2048)
    #expect(f.expiresAt == 1_757_684_221)
    #expect(RFC3339.parse("2025-09-12T13:37:01.123456789Z").map { Int($0) } == 1_757_684_221)
  }
}

extension Result {
  var isSuccessForTest: Bool { if case .success = self { return true } else { return false } }
}
