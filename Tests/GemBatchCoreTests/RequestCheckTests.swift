import Foundation
import GemBatchCore
import GeminiAPI
import Testing

/// `validate` and `run` check the whole request before sending: errors name FILE:LINE, the id
/// and the JSON path; warnings do not stop a line unless `--strict`.
@Suite struct RequestCheckTests {
  func read(_ lines: [String], _ defaults: RunDefaults = RunDefaults(model: "gemini-2.5-flash"))
    -> (file: String, jobs: [Job], errors: [JobError], warnings: JobWarnings)
  {
    let dir = JobsTestKit.tempDir("check")
    let f = JobsTestKit.write(lines.joined(separator: "\n") + "\n", to: dir + "/jobs.jsonl")
    var r = JobReader(files: [f], defaults: defaults)
    var jobs: [Job] = []
    var errors: [JobError] = []
    while let x = r.nextResult() {
      switch x {
      case .job(let j): jobs.append(j)
      case .error(let e): errors.append(e)
      }
    }
    return (f, jobs, errors, r.warnings)
  }

  @Test func aWrongTypeIsAnErrorWithFileLineIdAndPath() {
    let (f, jobs, errors, _) = read([
      #"{"id":"ok","prompt":"fine"}"#,
      #"{"id":"hot","prompt":"x","generationConfig":{"temperature":"hot"}}"#,
      #"{"id":"foo","prompt":"x","safetySettings":[{"category":"HARM_CATEGORY_FOO","threshold":"BLOCK_NONE"}]}"#,
    ])
    #expect(jobs.map(\.id) == ["ok"])
    #expect(errors.count == 2)
    #expect(errors[0].code == .invalidRequest)
    #expect(errors[0].description.hasPrefix("\(f):2: [id hot] generationConfig.temperature: must be a number"), "\(errors[0])")
    #expect(errors[1].description.hasPrefix("\(f):3: [id foo] safetySettings[0].category: unknown value \"HARM_CATEGORY_FOO\""), "\(errors[1])")
  }

  @Test func runDefaultsAreCheckedWithTheLine() {
    let (_, jobs, errors, _) = read(
      [#"{"id":"a","prompt":"x"}"#],
      RunDefaults(model: "gemini-2.5-flash", generationConfig: ["candidateCount": 12]))
    #expect(jobs.isEmpty)
    #expect(errors.first?.message.contains("generationConfig.candidateCount: 12 is out of range; use 1..8") == true, "\(errors)")
  }

  @Test func wholeRequestsAreCheckedToo() {
    let (_, _, errors, _) = read([
      #"{"id":"r","request":{"contents":[{"role":"bot","parts":[{"text":"x"}]}],"tools":[{"googleSearch":{},"codeExecution":{"x":1}}]}}"#
    ])
    #expect(errors.first?.code == .invalidRequest)
    #expect(errors.first?.message.contains("contents[0].role: unknown role \"bot\"") == true, "\(errors)")
    #expect(errors.first?.message.contains("tools[0].codeExecution.x: unknown field") == true, "\(errors)")
  }

  @Test func thinkingBudgetAboveMaxOutputTokensWarns() {
    let (f, jobs, errors, warnings) = read([
      #"{"id":"t","prompt":"x","generationConfig":{"maxOutputTokens":256,"thinkingConfig":{"thinkingBudget":512}}}"#,
      #"{"id":"lvl","model":"gemini-3-flash-preview","prompt":"x","generationConfig":{"maxOutputTokens":300,"thinkingConfig":{"thinkingLevel":"HIGH"}}}"#,
      #"{"id":"roomy","prompt":"x","generationConfig":{"maxOutputTokens":4096,"thinkingConfig":{"thinkingBudget":512}}}"#,
      #"{"id":"off","prompt":"x","generationConfig":{"maxOutputTokens":100,"thinkingConfig":{"thinkingBudget":0}}}"#,
    ])
    #expect(jobs.count == 4 && errors.isEmpty)
    #expect(warnings.counts == ["thinking-tokens": 2])
    #expect(warnings.kept.map(\.jobId) == ["t", "lvl"])
    let first = warnings.kept[0].description
    #expect(first.hasPrefix("\(f):1: [id t] warning: generationConfig.maxOutputTokens: 256 is at or below thinkingBudget 512"), "\(first)")
    #expect(first.contains("thoughts count against maxOutputTokens; the answer may be empty"))
    #expect(warnings.kept[1].message.contains("small next to thinkingLevel HIGH"))
  }

  @Test func unknownModelsWarnWithDidYouMean() {
    let (_, jobs, _, warnings) = read([
      #"{"id":"typo","model":"gemini-2.5-flsh","prompt":"x"}"#,
      #"{"id":"spaces","model":"gemini-2.5-flash  ","prompt":"x"}"#,
      #"{"id":"other","model":"gpt-4o","prompt":"x"}"#,
      #"{"id":"dated","model":"gemini-2.5-flash-preview-09-2025","prompt":"x"}"#,
      #"{"id":"plain","model":"models/gemini-2.5-pro","prompt":"x"}"#,
    ])
    #expect(jobs.count == 5)
    let byId = Dictionary(uniqueKeysWithValues: warnings.kept.map { ($0.jobId ?? "", $0) })
    #expect(byId.keys.sorted() == ["other", "spaces", "typo"])
    #expect(byId["typo"]?.message.contains("did you mean gemini-2.5-flash?") == true, "\(byId["typo"]!)")
    #expect(byId["spaces"]?.message.contains("stray spaces; did you mean gemini-2.5-flash?") == true)
    #expect(byId["other"]?.message.contains("not a Gemini model name") == true)
    #expect(byId["other"]?.path == "model")
  }

  @Test func theSuggesterWorksOnAnyListOfNames() {
    let names = ["gemini-9-ultra", "gemini-9-mini"]
    #expect(RequestWarnings.modelName("gemini-9-ultr", known: names)?.message.contains("did you mean gemini-9-ultra?") == true)
    #expect(RequestWarnings.modelName("gemini-9-mini-002", known: names) == nil)
    #expect(RequestWarnings.modelName("tunedModels/abc", known: names) == nil)
  }

  @Test func ignoredSchemaKeywordsWarn() {
    let (_, jobs, errors, warnings) = read([
      #"{"id":"js","prompt":"x","responseJsonSchema":{"type":"object","properties":{"zip":{"type":"string","pattern":"^[0-9]{5}$"},"n":{"type":"integer","multipleOf":2}},"default":{}}}"#,
      #"{"id":"oa","prompt":"x","responseSchema":{"type":"OBJECT","properties":{"mail":{"type":"STRING","format":"email"},"d":{"type":"STRING","format":"date-time"}}}}"#,
    ])
    #expect(jobs.count == 2 && errors.isEmpty, "\(errors)")
    #expect(warnings.counts == ["ignored-schema-keyword": 3])
    let texts = warnings.kept.map(\.description)
    #expect(texts.contains { $0.contains("generationConfig.responseJsonSchema.properties.zip.pattern: responseJsonSchema ignores pattern; responseSchema supports it") }, "\(texts)")
    #expect(texts.contains { $0.contains("responseJsonSchema ignores multipleOf") })
    #expect(texts.contains { $0.contains("generationConfig.responseSchema.properties.mail.format: responseSchema ignores format \"email\"") })
  }

  @Test func strictTurnsWarningsIntoErrors() {
    var d = RunDefaults(model: "gemini-3.8-flash")
    d.strict = true
    let (f, jobs, errors, warnings) = read([
      #"{"id":"ok","prompt":"x"}"#,
      #"{"id":"w","model":"gemini-3.8-flsh","prompt":"x"}"#,
    ], d)
    #expect(jobs.map(\.id) == ["ok"])
    #expect(warnings.isEmpty)
    #expect(errors.first?.code == .strictWarning)
    #expect(errors.first?.description.hasPrefix("\(f):2: [id w] model: ") == true, "\(errors)")
    #expect(errors.first?.message.contains("refused with --strict") == true)
    // Strict is part of the defaults' fingerprint only when set: stores read without it keep theirs.
    #expect(d.fingerprint != RunDefaults(model: "gemini-3.8-flash").fingerprint)
  }

  @Test func validationReportCarriesWarnings() throws {
    let dir = JobsTestKit.tempDir("vr")
    let f = JobsTestKit.write(
      #"{"id":"a","model":"gemini-2.5-flsh","prompt":"x"}"# + "\n" + #"{"id":"b","prompt":"x","generationConfig":{"maxOutputTokens":64}}"# + "\n",
      to: dir + "/j.jsonl")
    let r = ValidationReport.validate(files: [f], defaults: RunDefaults(model: "gemini-2.5-flash"))
    #expect(r.isValid)
    #expect(r.warningCounts == ["unknown-model": 1, "thinking-tokens": 1])
    #expect(r.summary.contains("2 warnings (thinking-tokens 1, unknown-model 1); sent anyway, refused with --strict"), "\(r.summary)")
    var strict = RunDefaults(model: "gemini-2.5-flash")
    strict.strict = true
    #expect(!ValidationReport.validate(files: [f], defaults: strict).isValid)
  }

  @Test func warningsAreKeptPerKindAndCounted() {
    var w = JobWarnings()
    let warning = RequestWarning(kind: .unknownModel, path: "model", message: "m")
    for i in 0..<50 { w.add(JobWarning(file: "f", line: i + 1, jobId: "j\(i)", warning: warning)) }
    #expect(w.kept.count == JobWarnings.keptPerKind)
    #expect(w.total == 50)
    #expect(w.oncePerKind == ["f:1: [id j0] warning: model: m (unknown-model on 49 more lines)"])
  }

  /// The example bad-request file: each line gives its own error, and the good line still reads.
  @Test func badRequestJobFile() {
    let file = JobsTestKit.packageRoot.appendingPathComponent("jobs/bad/request.jsonl").path
    let (jobs, errors) = JobsTestKit.readAll([file])
    #expect(jobs.map(\.id) == ["request-ok"])
    #expect(errors.allSatisfy { $0.code == .invalidRequest }, "\(errors)")
    let paths = errors.map { $0.message.split(separator: ":").first.map(String.init) ?? "" }
    #expect(paths == [
      "generationConfig.temperature", "safetySettings[0].category", "generationConfig.responseMimeType",
      "generationConfig.responseModalities[0]", "tools[0].googleSerch", "toolConfig.functionCallingConfig.mode",
      "contents[0].parts[0]",
    ], "\(errors)")
  }
}
