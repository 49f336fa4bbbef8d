import Foundation
import GeminiAPI
import GeminiCatalog
import Testing

@testable import GemBatchCore

/// Job lines checked against the catalog: errors name the allowed values, warnings come once per model.
@Suite struct CatalogJobCheckTests {
  static let day = CalendarDay(iso: "2026-12-01")!

  func read(_ lines: [String], catalog: ModelCatalog? = nil) throws -> (
    report: ValidationReport, notices: [CatalogNotice]
  ) {
    let dir = JobsTestKit.tempDir("catalog")
    let file = JobsTestKit.write(lines.joined(separator: "\n") + "\n", to: dir + "/jobs.jsonl")
    let c = try catalog ?? ModelCatalog.bundled()
    let defaults = RunDefaults(catalog: c, checkDate: Self.day)
    return (ValidationReport.validate(files: [file], defaults: defaults), c.notices.all)
  }

  @Test func warningsOncePerModelAndKind() throws {
    var lines: [String] = []
    for i in 0..<50 { lines.append(#"{"id":"p\#(i)","model":"gemini-2.5-pro","prompt":"x \#(i)"}"#) }
    lines.append(
      #"{"id":"img","model":"gemini-3.8-flash","prompt":"x","generationConfig":{"responseModalities":["TEXT","IMAGE"]}}"#
    )
    lines.append(
      #"{"id":"img2","model":"gemini-3.8-flash","prompt":"y","generationConfig":{"responseModalities":["IMAGE"]}}"#)
    lines.append(#"{"id":"maps","model":"gemini-2.0-flash","prompt":"x","tools":[{"googleMaps":{}}]}"#)
    lines.append(#"{"id":"u","model":"brand-new-model","prompt":"x"}"#)
    let (report, notices) = try read(lines)
    #expect(report.isValid && report.jobs == 54)
    #expect(notices.map(\.kind) == [.shutDown, .imageOutput, .featureMissing], "\(notices)")
    #expect(report.modelWarnings.count == 3)
    // A name the catalog lacks is the request check's warning: one line with FILE:LINE and "did you mean".
    #expect(report.warnings.filter { $0.kind == .unknownModel }.map(\.jobId) == ["u"])
    #expect(report.summary.contains("warning: gemini-2.5-pro was shut down on 2026-12-01"))
  }

  @Test func thinkingErrorsStillStopEveryLine() throws {
    let lines =
      (0..<3).map {
        #"{"id":"t\#($0)","model":"gemini-3.8-flash","prompt":"x","generationConfig":{"thinkingConfig":{"thinkingLevel":"MINIMAL"}}}"#
      }
      + [
        #"{"id":"ok","model":"gemini-3.1-pro-preview","prompt":"x","generationConfig":{"thinkingConfig":{"thinkingLevel":"MEDIUM"}}}"#
      ]
    let (report, _) = try read(lines)
    #expect(report.errors.map(\.code) == [.thinkingConfig, .thinkingConfig, .thinkingConfig])
    #expect(report.errors.allSatisfy { $0.message.contains("use one of LOW, MEDIUM, HIGH") })
    #expect(report.jobs == 1)
  }

  @Test func serviceTierIsCheckedAndSentLowerCase() throws {
    let dir = JobsTestKit.tempDir("tier")
    let file = JobsTestKit.write(
      #"{"id":"a","model":"gemini-3.8-flash","prompt":"x","serviceTier":"FLEX"}"# + "\n"
        + #"{"id":"b","model":"gemini-3.8-flash","prompt":"x","serviceTier":"turbo"}"# + "\n", to: dir + "/j.jsonl")
    let (jobs, errors) = JobsTestKit.readAll([file])
    #expect(String(decoding: jobs[0].body, as: UTF8.self).hasSuffix(#","serviceTier":"flex"}"#))
    #expect(errors.count == 1 && errors[0].message.contains("flex, standard or priority"))
  }

  @Test func theConfigFileNamesModelFilesRelativeToItself() throws {
    let dir = JobsTestKit.tempDir("config")
    JobsTestKit.write(
      #"{"version":"mine","models":[{"id":"house-model","prices":[{"input":1,"output":1}]}]}"#, to: dir + "/models.json"
    )
    let config = JobsTestKit.write(#"{"model":"house-model","models":"models.json"}"#, to: dir + "/run.json")
    let c = try RunConfigFile.load(path: config)
    #expect(c.models == [dir + "/models.json"])
    let catalog = try ModelCatalog.load(overrides: c.models)
    #expect(catalog.entry(id: "house-model") != nil)
    let bad = JobsTestKit.write(#"{"models":[3]}"#, to: dir + "/bad.json")
    #expect(throws: JobError.self) { try RunConfigFile.load(path: bad) }
  }
}
