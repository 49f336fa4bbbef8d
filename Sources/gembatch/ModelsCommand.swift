import ArgumentParser
import Foundation
import GemBatchCore
import GeminiAPI
import GeminiCatalog
import GeminiMock
import Logging

/// `gembatch models`: the model catalog as a table or JSON; `models refresh`: the catalog against
/// a live `GET /v1beta/models`.
struct ModelsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "models",
    abstract: "The model catalog: status, limits, thinking, prices in effect; or refresh it against an endpoint.",
    subcommands: [ModelsList.self, ModelsRefresh.self],
    defaultSubcommand: ModelsList.self)
}

enum ModelsFormat: String, ExpressibleByArgument, CaseIterable {
  case table, json
}

/// Options every `models` subcommand shares: which catalog, as of which day.
struct CatalogOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp("A model catalog file that adds models or overrides facts (repeatable).", valueName: "path"))
  var models: [String] = []

  @Option(name: .long, help: ArgumentHelp("An old-form price file, folded into the catalog.", valueName: "path"))
  var prices: String?

  @Option(name: .long, help: ArgumentHelp("Read the catalog as of this day (default today).", valueName: "YYYY-MM-DD"))
  var date: String?

  func validate() throws {
    if let date, CalendarDay(iso: date) == nil { throw ValidationError("--date must be YYYY-MM-DD") }
  }

  var day: CalendarDay { date.flatMap(CalendarDay.init(iso:)) ?? .today }

  func catalog() throws -> ModelCatalog {
    do { return try ModelCatalog.load(overrides: models + (prices.map { [$0] } ?? [])) } catch {
      CommandFailure.printError("gembatch: \(error)")
      throw ExitCode(ExitStatus.badInput)
    }
  }
}

struct ModelsList: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "Show the catalog: status, limits, thinking, prices in effect (n/v facts marked).")

  @OptionGroup var catalogOptions: CatalogOptions
  @Option(help: "table or json.") var format: ModelsFormat = .table
  @Flag(help: "Leave out models shut down on the day.") var current = false
  @Flag(help: "List every fact the catalog marks n/v (not verified).") var unverified = false

  func run() throws {
    let catalog = try catalogOptions.catalog()
    let day = catalogOptions.day
    let text: String
    if unverified {
      text = catalog.unverifiedFacts().map { $0 + "\n" }.joined()
    } else {
      switch format {
      case .table: text = catalog.table(date: day, includeShutDown: !current)
      case .json: text = CatalogJSON.pretty(catalog.describe(date: day))
      }
    }
    FileHandle.standardOutput.write(Data(text.utf8))
  }
}

struct ModelsRefresh: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "refresh",
    abstract:
      "Read the live GET /v1beta/models (all pages) and show ids added and removed and changed limits or thinking flags.",
    discussion: "With --write FILE, the differences are written as a catalog override file for --models.")

  @OptionGroup var endpointOptions: EndpointOptions
  @OptionGroup var catalogOptions: CatalogOptions
  @Option(help: "text or json.") var format: ModelsFormat = .table
  @Option(help: ArgumentHelp("Write the differences as an override file here.", valueName: "path")) var write: String?
  @Option(help: "Models per page asked for.") var pageSize: Int = 100
  @Option(help: "Per-request timeout in seconds.") var timeout: Double = 60

  func validate() throws {
    if pageSize < 1 || pageSize > 1000 { throw ValidationError("--page-size must be 1...1000") }
  }

  func run() async throws {
    let catalog = try catalogOptions.catalog()
    let day = catalogOptions.day
    let resolved = try endpointOptions.resolve()
    let size = pageSize
    let timeouts = GeminiClient.Timeouts(total: .milliseconds(Int64(timeout * 1000)))
    let fetch: @Sendable (Endpoint) async throws -> [ListedModel] = { endpoint in
      try await GeminiClient.withGeminiClient(endpoint: endpoint, timeouts: timeouts, maxConnections: 1) { client in
        var all: [ListedModel] = []
        var token: String?
        for _ in 0..<1000 {
          switch await client.listModelsPage(pageSize: size, pageToken: token) {
          case .failure(let e):
            CommandFailure.printError("gembatch: GET /models failed: \(e)")
            throw ExitCode(ExitStatus.someFailed)
          case .success(let data):
            let page: ModelsListing.Page
            do { page = try ModelsListing.page(data) } catch {
              CommandFailure.printError("gembatch: \(error)")
              throw ExitCode(ExitStatus.someFailed)
            }
            all += page.models
            token = page.nextPageToken
          }
          if token == nil { break }
        }
        return all
      }
    }
    let listed: [ListedModel]
    let where_: String
    switch resolved {
    case .remote(let endpoint):
      listed = try await fetch(endpoint)
      where_ = endpoint.baseURL
    case .mock:
      var config = MockConfiguration()
      config.apiKey = "mock-key"
      config.catalog = catalog
      config.today = day
      listed = try await GeminiMockServer.withServer(config) { port in
        try await fetch(Endpoint(name: "mock", baseURL: "http://127.0.0.1:\(port)", apiKey: "mock-key"))
      }
      where_ = "the built-in mock"
    }
    let diff = CatalogDiff.compare(catalog: catalog, listed: listed, date: day)
    var text: String
    switch format {
    case .table:
      text = "\(listed.count) models listed by \(where_); catalog \(catalog.version) as of \(day)\n" + diff.renderText()
    case .json:
      let enc = JSONEncoder()
      enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      text = String(decoding: try enc.encode(diff), as: UTF8.self) + "\n"
    }
    if let write {
      let file = CatalogJSON.pretty(diff.overrideFile(endpoint: where_, date: day))
      do { try file.write(toFile: write, atomically: true, encoding: .utf8) } catch {
        CommandFailure.printError("gembatch: cannot write \(write)")
        throw ExitCode(ExitStatus.someFailed)
      }
      text += "wrote \(write) (use it with --models \(write))\n"
    }
    FileHandle.standardOutput.write(Data(text.utf8))
  }
}
