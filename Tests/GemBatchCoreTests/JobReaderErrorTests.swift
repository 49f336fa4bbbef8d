import Foundation
import GemBatchCore
import GeminiAPI
import Testing

/// Every kind of bad line gives its code, FILE:LINE and (when known) the id.
@Suite struct JobReaderErrorTests {
  /// Reads one bad line (line 2, after a good one) and returns its single error.
  func bad(_ line: String, _ defaults: RunDefaults = RunDefaults(model: "gemini-2.5-flash")) -> (String, JobError?) {
    let dir = JobsTestKit.tempDir("bad")
    let f = JobsTestKit.write("{\"id\":\"ok\",\"prompt\":\"fine\"}\n" + line + "\n", to: dir + "/jobs.jsonl")
    let (jobs, errors) = JobsTestKit.readAll([f], defaults)
    #expect(jobs.count == 1, "the good line still reads")
    #expect(errors.count == 1)
    return (f, errors.first)
  }

  func expectError(_ e: JobError?, _ code: JobError.Code, file: String, id: String?, contains: String) {
    guard let e else {
      Issue.record("no error")
      return
    }
    #expect(e.code == code)
    #expect(e.line == 2)
    #expect(e.jobId == id)
    #expect(e.description.hasPrefix("\(file):2: " + (id.map { "[id \($0)] " } ?? "")), "\(e.description)")
    #expect(e.message.contains(contains), "\(e.message)")
  }

  @Test func invalidJSON() {
    let (f, e) = bad(#"{"id":"a","prompt":"x""#)
    expectError(e, .invalidJSON, file: f, id: nil, contains: "invalid JSON")
  }

  @Test func invalidUTF8() {
    let dir = JobsTestKit.tempDir("utf8")
    var bytes = Array("{\"id\":\"ok\",\"prompt\":\"fine\"}\n{\"id\":\"u\",\"prompt\":\"caf".utf8)
    bytes += [0xC3, 0x28]  // invalid 2-byte sequence
    bytes += Array("\"}\n".utf8)
    let f = JobsTestKit.write(bytes: bytes, to: dir + "/jobs.jsonl")
    let (jobs, errors) = JobsTestKit.readAll([f])
    #expect(jobs.count == 1)
    expectError(errors.first, .invalidUTF8, file: f, id: nil, contains: "UTF-8")
  }

  @Test func unknownField() {
    let (f, e) = bad(#"{"id":"a","prompt":"x","temprature":0.2}"#)
    expectError(e, .unknownField, file: f, id: "a", contains: "temprature")
  }

  @Test func missingPrompt() {
    let (f, e) = bad(#"{"id":"a","model":"gemini-2.5-flash"}"#)
    expectError(e, .missingPrompt, file: f, id: "a", contains: "no prompt")
  }

  @Test func duplicateIdInSameFile() {
    let (f, e) = bad(#"{"id":"ok","prompt":"again"}"#)
    expectError(e, .duplicateId, file: f, id: "ok", contains: "duplicate id")
  }

  @Test func duplicateIdAcrossFiles() {
    let dir = JobsTestKit.tempDir("dup")
    let a = JobsTestKit.write("{\"id\":\"x\",\"prompt\":\"1\"}\n", to: dir + "/a.jsonl")
    let b = JobsTestKit.write("{\"id\":\"y\",\"prompt\":\"2\"}\n{\"key\":\"x\",\"request\":{\"contents\":[{\"parts\":[{\"text\":\"3\"}]}]}}\n", to: dir + "/b.jsonl")
    let (jobs, errors) = JobsTestKit.readAll([a, b])
    #expect(jobs.map(\.id) == ["x", "y"])
    #expect(errors.count == 1)
    #expect(errors.first?.code == .duplicateId)
    #expect(errors.first?.description.hasPrefix("\(b):2: [id x]") == true)
  }

  @Test func unreadableFileThrowsAndReadingGoesOn() throws {
    let dir = JobsTestKit.tempDir("unreadable")
    let good = JobsTestKit.write("{\"id\":\"g\",\"prompt\":\"1\"}\n", to: dir + "/good.jsonl")
    var r = JobReader(files: [dir + "/missing.jsonl", good], defaults: RunDefaults(model: "gemini-2.5-flash"))
    #expect(throws: JobError.self) { _ = try r.next() }
    do {
      var other = JobReader(files: [dir + "/missing.jsonl"], defaults: RunDefaults())
      _ = try other.next()
    } catch let e as JobError {
      #expect(e.code == .unreadableFile)
      #expect(e.description.hasPrefix("\(dir)/missing.jsonl: cannot read"))
    }
    guard case .job(let j)? = try r.next() else {
      Issue.record("the next file was not read")
      return
    }
    #expect(j.id == "g")
    #expect(try r.next() == nil)
  }

  @Test func directoryIsUnreadable() {
    let dir = JobsTestKit.tempDir("dir")
    let (_, errors) = JobsTestKit.readAll([dir])
    #expect(errors.map(\.code) == [.unreadableFile])
  }

  @Test func unreadableSchema() {
    let (f, e) = bad(#"{"id":"a","prompt":"x","responseSchema":"nope/missing.json"}"#)
    expectError(e, .unreadableSchema, file: f, id: "a", contains: "missing.json")
  }

  @Test func schemaFileNotJSON() {
    let dir = JobsTestKit.tempDir("schemabad")
    JobsTestKit.write("{not json", to: dir + "/s.json")
    let f = JobsTestKit.write("{\"id\":\"ok\",\"prompt\":\"fine\"}\n{\"id\":\"a\",\"prompt\":\"x\",\"responseJsonSchema\":\"s.json\"}\n", to: dir + "/jobs.jsonl")
    let (_, errors) = JobsTestKit.readAll([f])
    expectError(errors.first, .unreadableSchema, file: f, id: "a", contains: "not valid JSON")
  }

  @Test func badSchema() {
    let (f, e) = bad(#"{"id":"a","prompt":"x","responseSchema":{"type":"OBJECT","properties":{"n":{"type":"TEXT"}}}}"#)
    expectError(e, .badSchema, file: f, id: "a", contains: "unknown type \"TEXT\"")
  }

  @Test func badSchemaRequiredNotInProperties() {
    let (f, e) = bad(#"{"id":"a","prompt":"x","responseJsonSchema":{"type":"object","properties":{"n":{"type":"string"}},"required":["m"]}}"#)
    expectError(e, .badSchema, file: f, id: "a", contains: "\"m\"")
  }

  @Test func bothSchemas() {
    let (f, e) = bad(#"{"id":"a","prompt":"x","responseSchema":{"type":"STRING"},"responseJsonSchema":{"type":"string"}}"#)
    expectError(e, .badSchema, file: f, id: "a", contains: "both responseSchema and responseJsonSchema")
  }

  @Test func schemaWithTextMimeType() {
    let (f, e) = bad(#"{"id":"a","prompt":"x","generationConfig":{"responseMimeType":"text/plain"},"responseSchema":{"type":"STRING"}}"#)
    expectError(e, .badSchema, file: f, id: "a", contains: "application/json")
  }

  @Test func lineTooLong() {
    var d = RunDefaults(model: "gemini-2.5-flash")
    d.maxLineBytes = 64
    let long = "{\"id\":\"big\",\"prompt\":\"" + String(repeating: "x", count: 200) + "\"}"
    let (f, e) = bad(long, d)
    expectError(e, .lineTooLong, file: f, id: nil, contains: "over the 64-byte limit")
  }

  @Test func lineTooLongAcrossChunks() {
    // Longer than one 1 MiB chunk: skipped without being held, next line still read.
    var d = RunDefaults(model: "gemini-2.5-flash")
    d.maxLineBytes = 1000
    let dir = JobsTestKit.tempDir("longline")
    let long = "{\"id\":\"big\",\"prompt\":\"" + String(repeating: "y", count: 3 << 20) + "\"}"
    let f = JobsTestKit.write(long + "\n{\"id\":\"after\",\"prompt\":\"ok\"}\n", to: dir + "/j.jsonl")
    let (jobs, errors) = JobsTestKit.readAll([f], d)
    #expect(errors.map(\.code) == [.lineTooLong])
    #expect(errors.first?.line == 1)
    #expect(jobs.map(\.id) == ["after"])
    #expect(jobs.first?.sourceLine == 2)
  }

  @Test func thinkingConfigWrongForModel() {
    let (f, e) = bad(#"{"id":"a","model":"gemini-3-pro-preview","prompt":"x","generationConfig":{"thinkingConfig":{"thinkingBudget":1024}}}"#)
    expectError(e, .thinkingConfig, file: f, id: "a", contains: "thinkingLevel")
  }

  @Test func thinkingBudgetOutOfRange() {
    let (f, e) = bad(#"{"id":"a","model":"gemini-2.5-pro","prompt":"x","generation_config":{"thinking_config":{"thinking_budget":0}}}"#)
    expectError(e, .thinkingConfig, file: f, id: "a", contains: "thinkingBudget 0")
  }

  @Test func badField() {
    let (f, e) = bad(#"{"id":"a","prompt":["not","a","string"]}"#)
    expectError(e, .badField, file: f, id: "a", contains: "prompt must be a string")
  }

  @Test func notAnObject() {
    let (f, e) = bad(#"["id","a"]"#)
    expectError(e, .badField, file: f, id: nil, contains: "JSON object")
  }

  @Test func missingModel() {
    let dir = JobsTestKit.tempDir("nomodel")
    let file = JobsTestKit.write("{\"id\":\"m\",\"model\":\"gemini-2.5-flash\",\"prompt\":\"x\"}\n{\"id\":\"a\",\"prompt\":\"x\"}\n", to: dir + "/j.jsonl")
    let (jobs, errors) = JobsTestKit.readAll([file], RunDefaults())
    #expect(jobs.count == 1)
    expectError(errors.first, .missingModel, file: file, id: "a", contains: "no model")
  }

  @Test func missingId() {
    let (f, e) = bad(#"{"prompt":"x"}"#)
    expectError(e, .missingId, file: f, id: nil, contains: "--id-from-line")
  }

  @Test func idFromLine() {
    var d = RunDefaults(model: "gemini-2.5-flash")
    d.idFromLine = true
    let (_, jobs, errors) = JobsTestKit.one(#"{"prompt":"x"}"#, d)
    #expect(errors.isEmpty)
    #expect(jobs.first?.id == "jobs.jsonl:1")
  }

  /// A file over the inline limit goes through the Files API now (`overTheInlineLimitIsUploaded`);
  /// only one over the Files API's 2 GB is refused (a sparse file: nothing is written or read).
  @Test func fileTooLarge() throws {
    let dir = JobsTestKit.tempDir("big")
    let path = dir + "/big.mp4"
    FileManager.default.createFile(atPath: path, contents: nil)
    let h = try #require(FileHandle(forWritingAtPath: path))
    try h.truncate(atOffset: 2_100_000_000)
    try h.close()
    let f = JobsTestKit.write("{\"id\":\"ok\",\"prompt\":\"fine\"}\n{\"id\":\"a\",\"prompt\":\"x\",\"files\":[\"big.mp4\"]}\n", to: dir + "/j.jsonl")
    let (_, errors) = JobsTestKit.readAll([f], RunDefaults(model: "gemini-2.5-flash"))
    expectError(errors.first, .fileTooLarge, file: f, id: "a", contains: "2 GB")
  }

  @Test func overTheInlineLimitIsUploaded() throws {
    let dir = JobsTestKit.tempDir("big")
    let bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 7, count: 4000)
    JobsTestKit.write(bytes: bytes, to: dir + "/img.png")
    var d = RunDefaults(model: "gemini-2.5-flash")
    d.maxInlineBytes = 2000
    let f = JobsTestKit.write("{\"id\":\"a\",\"prompt\":\"x\",\"files\":[\"img.png\"]}\n", to: dir + "/j.jsonl")
    let (jobs, errors) = JobsTestKit.readAll([f], d)
    #expect(errors.isEmpty)
    let job = try #require(jobs.first)
    let part = try #require(JobsTestKit.body(job)["contents"]?.arrayValue?.first?["parts"]?.arrayValue?.first)
    #expect(part["fileData"]?["mimeType"]?.stringValue == "image/png")
    let uri = try #require(part["fileData"]?["fileUri"]?.stringValue)
    #expect(uri == FileUploader.placeholder(sha256: SHA256.hex(bytes), path: (dir as NSString).appendingPathComponent("img.png")))
  }

  @Test func missingInlineFile() {
    let (f, e) = bad(#"{"id":"a","prompt":"x","files":[{"path":"nope.png"}]}"#)
    expectError(e, .unreadableFile, file: f, id: "a", contains: "files[0] nope.png")
  }

  @Test func requestWithTopLevelRequestField() {
    let (f, e) = bad(#"{"key":"a","request":{"contents":[{"parts":[{"text":"x"}]}]},"tools":[]}"#)
    expectError(e, .badField, file: f, id: "a", contains: "inside the request")
  }

  @Test func promptAndContents() {
    let (f, e) = bad(#"{"id":"a","prompt":"x","contents":[{"parts":[{"text":"y"}]}]}"#)
    expectError(e, .badField, file: f, id: "a", contains: "only one of")
  }

  @Test func manyBadLinesAllReported() throws {
    let dir = JobsTestKit.tempDir("many")
    let lines = [
      #"{"id":"1","prompt":"good"}"#,
      #"{"id":"2","prompt":"x""#,
      #"{"id":"3","prompt":"x","bogus":1}"#,
      #"{"id":"4"}"#,
      #"{"id":"1","prompt":"dup"}"#,
      "",
      #"{"prompt":"no id"}"#,
      #"{"id":"6","prompt":"x","responseSchema":{"type":"STRING"},"responseJsonSchema":{"type":"string"}}"#,
      #"{"id":"7","model":"gemini-3-flash-preview","prompt":"x","generationConfig":{"thinkingConfig":{"thinkingBudget":5}}}"#,
      #"{"id":"8","prompt":"good too"}"#,
    ]
    let f = JobsTestKit.write(lines.joined(separator: "\n"), to: dir + "/many.jsonl")
    let report = ValidationReport.validate(files: [f], defaults: RunDefaults(model: "gemini-2.5-flash"))
    #expect(report.jobs == 2)
    #expect(report.errors.map(\.line) == [2, 3, 4, 5, 7, 8, 9])
    #expect(report.errors.map(\.code) == [.invalidJSON, .unknownField, .missingPrompt, .duplicateId, .missingId, .badSchema, .thinkingConfig])
    #expect(!report.isValid)
    #expect(report.summary.contains("7 problems"))
  }
}
