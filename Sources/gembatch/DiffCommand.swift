import ArgumentParser
import GemBatchCore

/// `gembatch diff RUN_A RUN_B`: what changed between two runs, per job id. Exit 0 identical, 1 changed, 2 bad input.
struct DiffCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff",
    abstract: "Compare two runs job by job (answer text, JSON fields, state). Exit 0 identical, 1 changed, 2 bad input.",
    discussion: """
      A job's outcome as of run R is its last finished attempt in a run ≤ R. RUN_B is read from --db-b when given,
      else from the same store.
      """)

  @Argument(help: "The first run id.") var runA: String
  @Argument(help: "The second run id.") var runB: String
  @Option(help: "The store file (of run A, and of run B without --db-b).") var db = "gembatch.sqlite"
  @Option(name: .customLong("db-b"), help: "The store file of run B.") var dbB: String?
  @Option(help: "text or json.") var format = "text"
  @Option(help: "Write here instead of standard output.") var out: String?

  func run() throws {
    // Parsed here, not by ArgumentParser, so bad input exits with 2 (CI contract), not 64.
    guard let a = Int(runA), a > 0, let b = Int(runB), b > 0 else {
      CommandFailure.printError("gembatch: run ids must be positive integers, not \(runA) and \(runB)")
      throw ExitCode(ExitStatus.badInput)
    }
    guard let fmt = DiffWriter.Format(rawValue: format) else {
      CommandFailure.printError("gembatch: --format must be text or json, not \(format)")
      throw ExitCode(ExitStatus.badInput)
    }
    let totals = try CommandFailure.mapping {
      try ReportRunner.diff(.init(runA: a, runB: b, database: db, databaseB: dbB, format: fmt, outPath: out))
    }
    if !totals.identical { throw ExitCode(ExitStatus.someFailed) }
  }
}
