import Foundation
import Testing

/// The request checks and the new run flags, through the built binary.
@Suite struct RequestCheckCLITests {
  @Test func validateListsErrorsAndWarningsAndStrictRefusesWarnings() async throws {
    let dir = try CLI.tempDir()
    let file = dir.appendingPathComponent("jobs.jsonl")
    try Data(
      (#"{"id":"a","model":"gemini-2.5-flsh","prompt":"x"}"# + "\n"
        + #"{"id":"b","model":"gemini-2.5-flash","prompt":"x","generationConfig":{"maxOutputTokens":256,"thinkingConfig":{"thinkingBudget":512}}}"#
        + "\n").utf8
    ).write(to: file)
    let r = try await CLI.run(["validate", file.path])
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    #expect(r.stdout.contains("\(file.path):1: [id a] warning: model: the catalog does not know \"gemini-2.5-flsh\"; did you mean gemini-2.5-flash?"), "\(r.stdout)")
    #expect(r.stdout.contains("2 warnings (thinking-tokens 1, unknown-model 1)"))
    let strict = try await CLI.run(["validate", file.path, "--strict"])
    #expect(strict.status == 2)
    #expect(strict.stdout.contains("refused with --strict"))

    try Data((#"{"id":"c","model":"gemini-2.5-flash","prompt":"x","generationConfig":{"temperature":"hot"}}"# + "\n").utf8)
      .write(to: file)
    let bad = try await CLI.run(["validate", file.path, "--json"])
    #expect(bad.status == 2)
    #expect(bad.stdout.contains("generationConfig.temperature: must be a number from 0..2"), "\(bad.stdout)")
  }

  @Test func runChecksItsNewFlags() async throws {
    let dir = try CLI.tempDir()
    let file = dir.appendingPathComponent("jobs.jsonl")
    try Data((#"{"id":"a","model":"gemini-2.5-flash","prompt":"x"}"# + "\n").utf8).write(to: file)
    let db = dir.appendingPathComponent("s.sqlite").path
    let rerun = try await CLI.run(["run", file.path, "--db", db, "--endpoint", "mock", "--rerun", "truncated,oops"])
    #expect(rerun.status != 0)
    #expect(rerun.stderr.contains("unknown class \"oops\""), "\(rerun.stderr)")
    let repair = try await CLI.run(["run", file.path, "--db", db, "--endpoint", "mock", "--repair=-1"])
    #expect(repair.status != 0)
    #expect(repair.stderr.contains("--repair must be 0 or more"), "\(repair.stderr)")
    let ok = try await CLI.run(
      ["run", file.path, "--db", db, "--endpoint", "mock", "--progress", "none", "--repair", "2", "--grow-max-tokens"])
    #expect(ok.status == 0, "\(ok.stderr)")
  }
}
