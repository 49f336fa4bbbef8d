import Foundation
import GemBatchCore
import Testing

/// The example job files under `jobs/` are valid; the broken ones under `jobs/bad/` fail as documented.
@Suite struct ExampleJobsTests {
  static let jobsDir = JobsTestKit.packageRoot.appendingPathComponent("jobs").path
  /// extraction.jsonl names ../schemas/*.json: outside its folder, so the run must allow that tree.
  // No --files-root: the examples' schemas sit beside them, as a new user's would.
  static let defaults = RunDefaults(model: "gemini-3.8-flash")

  static var examples: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: jobsDir)) ?? []).filter { $0.hasSuffix(".jsonl") }.sorted()
  }

  @Test func allExamplesPresent() {
    #expect(
      Self.examples == [
        "batch-mode.jsonl", "extraction.jsonl", "flex-tier.jsonl", "function-calling.jsonl", "image-output.jsonl",
        "maps-grounding.jsonl", "multimodal.jsonl", "plain.jsonl", "search-grounding.jsonl", "thinking.jsonl",
      ])
  }

  @Test(arguments: examples)
  func exampleValidates(_ name: String) {
    // batch-mode lines carry no model: the run gives one.
    let report = ValidationReport.validate(files: [Self.jobsDir + "/" + name], defaults: Self.defaults)
    #expect(report.errors.isEmpty, "\(report.errors.map(\.description))")
    #expect(report.jobs > 0)
    // No example names a model that is shut down, routed, unknown or missing what the job uses.
    #expect(report.warnings.isEmpty, "\(report.warnings)")
  }

  @Test func allExamplesTogetherHaveUniqueIdsAndModels() {
    let report = ValidationReport.validate(
      files: Self.examples.map { Self.jobsDir + "/" + $0 }, defaults: Self.defaults)
    #expect(report.isValid, "\(report.errors.map(\.description))")
    #expect(report.jobs == 20 + 8 + 4 + 4 + 3 + 6 + 3 + 3 + 2 + 4)
    #expect(report.models.map(\.model).contains("gemini-3.1-pro-preview"))
    #expect(report.estimatedInputTokens > 0)
  }

  func codes(_ file: String, _ defaults: RunDefaults = RunDefaults()) -> [JobError.Code] {
    ValidationReport.validate(files: [Self.jobsDir + "/bad/" + file], defaults: defaults).errors.map(\.code)
  }

  @Test func badMixed() {
    let report = ValidationReport.validate(files: [Self.jobsDir + "/bad/mixed.jsonl"], defaults: RunDefaults())
    #expect(report.jobs == 2)
    #expect(report.errors.map(\.code) == [.invalidJSON, .unknownField, .missingPrompt, .duplicateId, .missingId, .missingModel, .badField, .unreadableFile])
    #expect(report.errors.map(\.line) == [2, 3, 4, 5, 6, 7, 8, 9])
  }

  @Test func badSchemas() {
    // schema-ok names ../schemas/person.schema.json (jobs/schemas): outside the job file's folder
    // (jobs/bad), so it is refused unless that folder is given with --files-root.
    #expect(codes("schema.jsonl") == [.badSchema, .badSchema, .unreadableSchema, .badSchema, .fileRefused])
    let root = RunDefaults(filesRoots: [JobsTestKit.packageRoot.appendingPathComponent("jobs/schemas").path])
    #expect(codes("schema.jsonl", root) == [.badSchema, .badSchema, .unreadableSchema, .badSchema])
  }

  @Test func badThinking() {
    #expect(codes("thinking.jsonl") == Array(repeating: .thinkingConfig, count: 6))
  }

  @Test func badUTF8() {
    #expect(codes("not-utf8.jsonl") == [.invalidUTF8])
  }
}
