import ArgumentParser
import Foundation
import GemBatchCore
import GeminiCatalog

/// `gembatch plan FILE...`: jobs, tokens, a cost range and a duration, before anything is sent.
struct PlanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Before a run: jobs, estimated input tokens, a projected cost range and the duration at your rates.",
    discussion: "Exit status 0 when every line is a valid job, 2 when a line or a flag is wrong (the plan covers the valid jobs).")

  @Argument(help: ArgumentHelp("JSONL job files.", valueName: "file")) var files: [String]
  @OptionGroup var jobOptions: JobFileOptions
  @Option(help: ArgumentHelp("An old-form price file, folded into the model catalog.", valueName: "path")) var prices: String?
  @Option(help: "Price jobs that name no serviceTier at this tier: flex, standard or priority.") var tier: String?
  @Option(help: ArgumentHelp("Read prices as of this day (default today).", valueName: "YYYY-MM-DD")) var date: String?
  @Option(help: "Requests per minute the run may send.") var rpm: Int?
  @Option(help: "Input tokens per minute the run may send.") var tpm: Int?
  @Option(help: "Requests in flight at most.") var concurrency: Int?
  @Option(help: "Output tokens per job for an 'expected' cost column.") var expectedOutputTokens: Int?
  @Option(help: "Output bound for jobs without maxOutputTokens (high estimate).") var defaultMaxOutputTokens = 8192
  @Flag(help: "Price as Gemini Batch Mode (token prices × 0.5).") var batch = false
  @Flag(help: "Print the plan as JSON.") var json = false

  func validate() throws {
    for (name, v) in [("--rpm", rpm), ("--tpm", tpm), ("--concurrency", concurrency)] {
      if let v, v <= 0 { throw ValidationError("\(name) must be positive") }
    }
    if let e = expectedOutputTokens, e < 0 { throw ValidationError("--expected-output-tokens must not be negative") }
    if defaultMaxOutputTokens < 0 { throw ValidationError("--default-max-output-tokens must not be negative") }
    if let tier, ServiceTier(wire: tier) == nil { throw ValidationError("--tier must be flex, standard or priority, not \(tier)") }
    if let date, CalendarDay(iso: date) == nil { throw ValidationError("--date must be YYYY-MM-DD") }
  }

  func run() throws {
    let catalog = try jobOptions.catalog(prices: prices)
    let defaults = try jobOptions.defaults(catalog: catalog)
    let settings = PlanSettings(
      rpm: rpm, tpm: tpm, concurrency: concurrency, expectedOutputTokens: expectedOutputTokens,
      defaultMaxOutputTokens: defaultMaxOutputTokens, batch: batch, tier: tier.flatMap(ServiceTier.init(wire:)),
      date: date.flatMap(CalendarDay.init(iso:)))
    let result = PlanEstimator.plan(files: files, defaults: defaults, catalog: catalog, settings: settings)
    var text: String
    if json {
      let enc = JSONEncoder()
      enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      text = String(decoding: try enc.encode(result.plan), as: UTF8.self) + "\n"
    } else {
      text = result.plan.renderText()
    }
    FileHandle.standardOutput.write(Data(text.utf8))
    for n in catalog.notices.all { CommandFailure.printError("warning: \(n.message)") }
    if result.errorCount > 0 {
      for e in result.errors { CommandFailure.printError(e.description) }
      if result.errorCount > result.errors.count {
        CommandFailure.printError("… and \(result.errorCount - result.errors.count) more")
      }
      CommandFailure.printError("\(result.errorCount) lines are not valid jobs and are not in the plan (gembatch validate lists them all)")
      throw ExitCode(ExitStatus.badInput)
    }
  }
}
