import Foundation
import ArgumentParser
import GemBatchCore
import GeminiCatalog

extension ExportOptions.Format: ExpressibleByArgument {}

/// `gembatch export`: one row per job, in input order.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write one row per job (input order): JSONL, CSV or a Gemini Batch Mode results file.")

  @Option(help: "The store file.") var db = "gembatch.sqlite"
  @Option(name: .customLong("run"), help: "Only jobs of this run.") var runID: Int?
  @Option(help: "jsonl, csv or batch.") var format: ExportOptions.Format = .jsonl
  @Option(help: "Write here instead of standard output.") var out: String?
  @Flag(help: "Spread the top-level fields of parsed JSON answers into json.<key> columns.") var flatten = false
  @Flag(help: "Include thought summaries.") var includeThoughts = false
  @Flag(help: "Include function calls.") var includeFunctionCalls = false
  @Flag(help: "Include web and Maps grounding sources, search queries and grounding supports.") var includeGrounding = false
  @Flag(help: "Include safety ratings, the category that blocked, and citations.") var includeSafety = false
  @Flag(help: "Include every candidate (jobs with candidateCount > 1).") var includeCandidates = false
  @Flag(help: "Include the raw response (SSE streams merged into one response).") var includeRaw = false
  @Flag(help: "CSV cells exactly as stored (by default a cell starting with =, +, -, @, tab or CR gets a leading ' so no spreadsheet runs it).")
  var csvRaw = false
  @Option(
    help: ArgumentHelp(
      "Write each image of an answer here as <job id>-c<candidate>-p<part>.<ext>; rows name the files.", valueName: "dir"))
  var mediaDir: String?

  func run() throws {
    let options = ExportOptions(
      format: format, runID: runID, flatten: flatten, includeThoughts: includeThoughts,
      includeFunctionCalls: includeFunctionCalls, includeGrounding: includeGrounding, includeRawResponse: includeRaw,
      csvRaw: csvRaw, includeSafety: includeSafety, includeCandidates: includeCandidates, mediaDirectory: mediaDir)
    let summary = try CommandFailure.mapping {
      try ReportRunner.export(.init(database: db, options: options, outPath: out))
    }
    if mediaDir != nil { CommandFailure.printError("wrote \(summary.mediaFiles) media file(s) to \(mediaDir!)") }
  }
}

/// Maps core errors to exit codes: bad input (file, run, price table) → 2, other failures → 1.
enum CommandFailure {
  static func mapping<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as ReportError {
      printError("gembatch: \(e.description)")
      throw ExitCode(e.code == .writeFailed ? ExitStatus.someFailed : ExitStatus.badInput)
    } catch let e as CatalogError {
      printError("gembatch: \(e.description)")
      throw ExitCode(ExitStatus.badInput)
    } catch let e as StoreError {
      // A store another run holds (report --reprice), damaged, or on a full disk.
      printError("gembatch: \(e.message)")
      throw ExitCode(e.code == .diskFull || e.code == .ioError ? ExitStatus.stoppedResumable : ExitStatus.badInput)
    }
  }

  /// One line on standard error, cleaned for the terminal (it may quote a job file or a server).
  static func printError(_ s: String) {
    var err = StandardError()
    print(TerminalText.clean(s, limit: 2000), to: &err)
  }
}

struct StandardError: TextOutputStream {
  mutating func write(_ s: String) { Stderr.write(s) }
}
