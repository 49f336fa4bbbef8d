import ArgumentParser
import Foundation
import GemBatchCore

extension ReportFormat: ExpressibleByArgument {}

/// `gembatch report`: totals and per-model figures of a store or one run.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Jobs by state, tokens, cost, latency percentiles, retries, failures; text, JSON or a self-contained HTML page.")

  @Option(help: "The store file.") var db = "gembatch.sqlite"
  @Option(name: .customLong("run"), help: "Only this run.") var runID: Int?
  @Option(help: "text, json or html.") var format: ReportFormat = .text
  @Option(help: "Write here instead of standard output.") var out: String?
  @Option(help: "An old-form price file that adds to or replaces catalog prices (a proxy's prices, new models).") var prices: String?
  @Option(help: "A model catalog file that adds models or overrides facts and prices (repeatable).") var models: [String] = []
  @Flag(help: "Price stored results again with the current table (updates cost and price version, one transaction).")
  var reprice = false

  func run() throws {
    let config = ReportRunner.ReportConfig(
      database: db, runID: runID, format: format, outPath: out, pricesPath: prices, modelsPaths: models, reprice: reprice)
    let (_, summary) = try CommandFailure.mapping { try ReportRunner.report(config) }
    if let s = summary {
      CommandFailure.printError(
        "repriced \(s.results) results (\(s.priced) priced, \(s.unpriced) unpriced): "
          + String(format: "$%.6f → $%.6f", s.costBeforeUSD, s.costAfterUSD))
    }
  }
}
