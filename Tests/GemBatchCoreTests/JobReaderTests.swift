import Foundation
import GemBatchCore
import GeminiAPI
import Testing

@Suite struct JobReaderTests {
  @Test func bomCRLFAndBlankLines() {
    let dir = JobsTestKit.tempDir("bom")
    let text = "\u{FEFF}{\"id\":\"a\",\"prompt\":\"one\"}\r\n\r\n   \n{\"id\":\"b\",\"prompt\":\"two\"}\r\n\n{\"id\":\"c\",\"prompt\":\"three\"}"
    let f = JobsTestKit.write(text, to: dir + "/j.jsonl")
    let (jobs, errors) = JobsTestKit.readAll([f])
    #expect(errors.isEmpty, "\(errors)")
    #expect(jobs.map(\.id) == ["a", "b", "c"])
    #expect(jobs.map(\.sourceLine) == [1, 4, 6])
    #expect(jobs.map(\.seq) == [0, 1, 2])
  }

  @Test func promptBecomesCanonicalBody() throws {
    let (f, jobs, errors) = JobsTestKit.one(#"{"metadata":{"b":1,"a":[true]},"prompt":"Hi","id":"a","generationConfig":{"temperature":0.5}}"#)
    #expect(errors.isEmpty)
    let j = try #require(jobs.first)
    #expect(String(decoding: j.body, as: UTF8.self) == #"{"contents":[{"role":"user","parts":[{"text":"Hi"}]}],"generationConfig":{"temperature":0.5}}"#)
    #expect(j.requestHash == Job.hash(model: "gemini-2.5-flash", body: j.body))
    #expect(j.metadata == ["b": 1, "a": [true]])
    #expect(j.sourceFile == f)
    #expect(!j.isJSONMode)
    #expect(j.estimatedInputTokens == 1)
  }

  @Test func sameLineSameHashDifferentModelDifferentHash() throws {
    let a = JobsTestKit.one(#"{"id":"a","prompt":"Hi"}"#).jobs[0]
    let b = JobsTestKit.one(#"{"id":"a","prompt":"Hi"}"#).jobs[0]
    let c = JobsTestKit.one(#"{"id":"a","prompt":"Hi","model":"gemini-2.5-pro"}"#).jobs[0]
    #expect(a.requestHash == b.requestHash)
    #expect(a.requestHash != c.requestHash)
    #expect(c.model == "gemini-2.5-pro")
  }

  @Test func batchModeLine() throws {
    let line = #"{"key":"request_1","request":{"generation_config":{"temperature":1},"contents":[{"parts":[{"text":"Describe"}],"role":"user"}],"system_instruction":{"parts":[{"text":"Be brief"}]}}}"#
    let (_, jobs, errors) = JobsTestKit.one(line)
    #expect(errors.isEmpty, "\(errors)")
    let j = try #require(jobs.first)
    #expect(j.id == "request_1")
    let body = JobsTestKit.body(j)
    #expect(body.objectValue?.keys == ["contents", "systemInstruction", "generationConfig"])
    #expect(body["generationConfig"]?["temperature"] == 1)
  }

  @Test func defaultsApply() throws {
    let d = RunDefaults(
      model: "gemini-2.5-flash", generationConfig: ["temperature": 0.1, "maxOutputTokens": 100],
      systemInstruction: "You are terse.")
    let (_, jobs, errors) = JobsTestKit.one(#"{"id":"a","prompt":"x","generationConfig":{"temperature":0.9}}"#, d)
    #expect(errors.isEmpty)
    let body = JobsTestKit.body(try #require(jobs.first))
    #expect(body["generationConfig"] == ["temperature": 0.9, "maxOutputTokens": 100])
    #expect(body["systemInstruction"] == ["parts": [["text": "You are terse."]]])
  }

  @Test func schemaSetsJSONModeAndIsReadOnce() throws {
    let dir = JobsTestKit.tempDir("schema")
    try FileManager.default.createDirectory(atPath: dir + "/schemas", withIntermediateDirectories: true)
    JobsTestKit.write(#"{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}"#, to: dir + "/schemas/p.json")
    var text = ""
    for i in 0..<5 { text += "{\"id\":\"\(i)\",\"prompt\":\"x\",\"responseJsonSchema\":\"schemas/p.json\"}\n" }
    let f = JobsTestKit.write(text, to: dir + "/j.jsonl")
    var r = JobReader(files: [f], defaults: RunDefaults(model: "gemini-2.5-flash"))
    var jobs: [Job] = []
    while case .job(let j)? = r.nextResult() { jobs.append(j) }
    #expect(jobs.count == 5)
    #expect(r.schemaFilesRead == 1)
    let j = jobs[0]
    #expect(j.isJSONMode)
    #expect(j.outputSchema == .jsonSchema(["type": "object", "properties": ["name": ["type": "string"]], "required": ["name"]]))
    let gc = try #require(JobsTestKit.body(j)["generationConfig"])
    #expect(gc["responseMimeType"] == "application/json")
    #expect(gc["responseJsonSchema"]?["type"] == "object")
  }

  @Test func enumMimeTypeKept() throws {
    let (_, jobs, errors) = JobsTestKit.one(
      #"{"id":"a","prompt":"x","responseSchema":{"type":"STRING","enum":["a","b"]},"generationConfig":{"responseMimeType":"text/x.enum"}}"#)
    #expect(errors.isEmpty)
    let j = try #require(jobs.first)
    #expect(JobsTestKit.body(j)["generationConfig"]?["responseMimeType"] == "text/x.enum")
  }

  @Test func filesInlinedRelativeToJobFile() throws {
    let dir = JobsTestKit.tempDir("files")
    try FileManager.default.createDirectory(atPath: dir + "/sub/img", withIntermediateDirectories: true)
    let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]
    JobsTestKit.write(bytes: png, to: dir + "/sub/img/pic.jpg")  // misnamed: magic bytes win
    JobsTestKit.write("col\n1\n", to: dir + "/sub/img/t.csv")
    let f = JobsTestKit.write(
      #"{"id":"a","prompt":"What is it?","files":["img/pic.jpg",{"path":"img/t.csv"},{"uri":"https://example.com/doc.pdf"},{"path":"img/pic.jpg","mimeType":"image/x-custom"}]}"# + "\n",
      to: dir + "/sub/j.jsonl")
    let (jobs, errors) = JobsTestKit.readAll([f])
    #expect(errors.isEmpty, "\(errors)")
    let j = try #require(jobs.first)
    let parts = try #require(JobsTestKit.body(j)["contents"]?.arrayValue?.first?["parts"]?.arrayValue)
    #expect(parts.count == 5)
    #expect(parts[0] == ["inlineData": ["mimeType": "image/png", "data": .string(Data(png).base64EncodedString())]])
    #expect(parts[1]["inlineData"]?["mimeType"] == "text/csv")
    #expect(parts[2] == ["fileData": ["mimeType": "application/pdf", "fileUri": "https://example.com/doc.pdf"]])
    #expect(parts[3]["inlineData"]?["mimeType"] == "image/x-custom")
    #expect(parts[4] == ["text": "What is it?"])
    #expect(j.estimatedInputTokens == 4 * 258 + 3)
  }

  @Test func unknownFileTypeNeedsMimeType() {
    let dir = JobsTestKit.tempDir("mime")
    JobsTestKit.write(bytes: [0, 1, 2, 3], to: dir + "/blob.bin")
    let f = JobsTestKit.write(#"{"id":"a","prompt":"x","files":["blob.bin"]}"# + "\n", to: dir + "/j.jsonl")
    let (_, errors) = JobsTestKit.readAll([f])
    #expect(errors.first?.code == .badField)
    #expect(errors.first?.message.contains("add mimeType") == true)
  }

  @Test func snakeCaseTopLevelAndSearchTool() throws {
    let (_, jobs, errors) = JobsTestKit.one(
      #"{"id":"a","prompt":"x","system_instruction":"sys","tools":[{"google_search":{}}],"safety_settings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}],"response_schema":{"type":"STRING"}}"#)
    #expect(errors.isEmpty, "\(errors)")
    let j = try #require(jobs.first)
    #expect(j.usesSearch)
    #expect(j.isJSONMode)
    let body = JobsTestKit.body(j)
    #expect(body.objectValue?.keys == ["contents", "systemInstruction", "tools", "safetySettings", "generationConfig"])
  }

  @Test func thinkingValidPerFamily() {
    let a = JobsTestKit.one(#"{"id":"a","model":"gemini-2.5-flash","prompt":"x","generationConfig":{"thinkingConfig":{"thinkingBudget":1024,"includeThoughts":true}}}"#)
    let b = JobsTestKit.one(#"{"id":"b","model":"gemini-3-pro-preview","prompt":"x","generationConfig":{"thinkingConfig":{"thinkingLevel":"low"}}}"#)
    #expect(a.errors.isEmpty && a.jobs.count == 1)
    #expect(b.errors.isEmpty && b.jobs.count == 1)
  }

  @Test func modelsPrefixStripped() {
    let (_, jobs, _) = JobsTestKit.one(#"{"id":"a","model":"models/gemini-2.5-pro","prompt":"x"}"#)
    #expect(jobs.first?.model == "gemini-2.5-pro")
  }

  @Test func contentsWithFilesPrependedToLastTurn() throws {
    let dir = JobsTestKit.tempDir("contents")
    JobsTestKit.write("hello", to: dir + "/n.txt")
    let f = JobsTestKit.write(
      #"{"id":"a","files":["n.txt"],"contents":[{"role":"user","parts":[{"text":"q1"}]},{"role":"model","parts":[{"text":"a1"}]},{"role":"user","parts":[{"text":"q2"}]}]}"# + "\n",
      to: dir + "/j.jsonl")
    let (jobs, errors) = JobsTestKit.readAll([f])
    #expect(errors.isEmpty)
    let j = try #require(jobs.first)
    let contents = try #require(JobsTestKit.body(j)["contents"]?.arrayValue)
    #expect(contents.count == 3)
    #expect(contents[2]["parts"]?.arrayValue?.count == 2)
    #expect(contents[2]["parts"]?.arrayValue?.first?["inlineData"]?["mimeType"] == "text/plain")
  }

  @Test func configFileLoads() throws {
    let dir = JobsTestKit.tempDir("cfg")
    let p = JobsTestKit.write(
      #"{"model":"gemini-2.5-flash","generation_config":{"temperature":0.2},"limits":{"gemini-2.5-flash":{"rpm":10,"tpm":250000}},"concurrency":8,"maxAttempts":5}"#,
      to: dir + "/c.json")
    let c = try RunConfigFile.load(path: p)
    #expect(c.defaults.model == "gemini-2.5-flash")
    #expect(c.defaults.generationConfig == ["temperature": 0.2])
    #expect(c.limits["gemini-2.5-flash"] == RunConfigFile.Limit(rpm: 10, tpm: 250000))
    #expect(c.concurrency == 8)
    #expect(c.maxAttempts == 5)
    let bad = JobsTestKit.write(#"{"modle":"x"}"#, to: dir + "/bad.json")
    #expect(throws: JobError.self) { try RunConfigFile.load(path: bad) }
    #expect(RunDefaults(model: "a").fingerprint != RunDefaults(model: "b").fingerprint)
  }

  @Test func tokenEstimate() {
    let body: JSONValue = ["contents": [["parts": [["text": "12345678"], ["inlineData": ["mimeType": "image/png", "data": "AAAA"]]]]]]
    #expect(TokenEstimator.estimate(bodyJSON: body) == 2 + 258)
  }
}

@Suite struct JobKeysTests {
  @Test func snakeCaseInsideRequestPartsIsCamelCasedButUserNamesKept() throws {
    let line = #"{"id":"a","prompt":"x","tools":[{"function_declarations":[{"name":"f","parameters":{"type":"OBJECT","properties":{"user_id":{"type":"STRING"}}}}]}],"generation_config":{"response_mime_type":"application/json","thinking_config":{"thinking_budget":512}}}"#
    let (_, jobs, errors) = JobsTestKit.one(line)
    #expect(errors.isEmpty, "\(errors)")
    let body = JobsTestKit.body(try #require(jobs.first))
    let decl = body["tools"]?.arrayValue?.first?["functionDeclarations"]?.arrayValue?.first
    #expect(decl?["parameters"]?["properties"]?["user_id"] != nil, "a user's property name is kept")
    #expect(body["generationConfig"]?["responseMimeType"] == "application/json")
    #expect(body["generationConfig"]?["thinkingConfig"]?["thinkingBudget"] == 512)
    // Same request written camelCase hashes the same.
    let camel = #"{"id":"a","prompt":"x","tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"OBJECT","properties":{"user_id":{"type":"STRING"}}}}]}],"generationConfig":{"responseMimeType":"application/json","thinkingConfig":{"thinkingBudget":512}}}"#
    #expect(JobsTestKit.one(camel).jobs.first?.requestHash == jobs.first?.requestHash)
  }
}
