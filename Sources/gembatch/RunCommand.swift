import ArgumentParser
import Foundation
import GemBatchCore
import GeminiAPI
import GeminiMock
import Logging

struct RunCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Send every job of the files, under quota, recording everything; resumable at any moment.",
    discussion: """
      Exit codes: 0 every job succeeded, 1 some failed, 2 bad input (nothing sent), 3 stopped resumable \
      (interrupt, per-day quota, budget). Run the same command again to resume: jobs that succeeded with \
      the same request are never sent again.
      """)

  @Argument(help: "JSONL job files.") var files: [String]
  @Option(help: "The SQLite store.") var db = "gembatch.sqlite"
  @OptionGroup var endpointOptions: EndpointOptions
  @OptionGroup var jobOptions: JobFileOptions

  @Option(help: "Requests in flight at most (the limit adapts down on 429s).") var concurrency: Int?
  @Option(help: "Requests per minute per model.") var rpm: Double?
  @Option(help: "Input tokens per minute per model.") var tpm: Double?
  @Option(help: "Attempts per job, the first included.") var maxAttempts: Int?
  @Flag(help: "Use streamGenerateContent (SSE) and record time to first token.") var stream = false
  @Flag(help: "Run jobs that failed for good in an earlier run again.") var retryFailed = false
  @Option(help: "Seconds that requests in flight may take to finish after an interrupt.") var grace: Double = 30
  @Option(help: "Stop taking new jobs before spend (done + in flight) would cross this many USD.") var budget: Double?
  @Option(help: "A price table that overrides or extends the bundled one.") var prices: String?
  @Option(help: "Per-request timeout in seconds.") var timeout: Double = 600
  @Option(help: "Progress display: auto, tty, log, json or none.") var progress: ProgressMode = .auto
  @Option(help: "Seed for the retry jitter (reproducible runs).") var seed: UInt64?
  @OptionGroup var batchOptions: BatchOptions

  func validate() throws {
    if files.isEmpty { throw ValidationError("give at least one job file") }
    if let c = concurrency, c < 1 { throw ValidationError("--concurrency must be at least 1") }
    if let r = rpm, r <= 0 { throw ValidationError("--rpm must be positive") }
    if let t = tpm, t <= 0 { throw ValidationError("--tpm must be positive") }
    if let m = maxAttempts, m < 1 { throw ValidationError("--max-attempts must be at least 1") }
    if let b = budget, b <= 0 { throw ValidationError("--budget must be positive") }
    if grace < 0 { throw ValidationError("--grace must be 0 or more") }
    try batchOptions.check()
  }

  func run() async throws {
    var logger = Logger(label: "gembatch")
    logger.logLevel = .notice
    let resolved = try endpointOptions.resolve()
    let defaults: RunDefaults
    let configFile: RunConfigFile?
    do {
      defaults = try jobOptions.defaults()
      configFile = try jobOptions.config.map { try RunConfigFile.load(path: $0) }
    } catch {
      FileHandle.standardError.write(Data("gembatch: \(error)\n".utf8))
      throw ExitCode(ExitStatus.badInput)
    }

    let store: Store
    do { store = try Store.open(path: db) } catch {
      FileHandle.standardError.write(Data("gembatch: cannot open the store \(db): \(error)\n".utf8))
      throw ExitCode(ExitStatus.badInput)
    }

    var limits = ModelLimits(defaultLimit: .init(rpm: rpm, tpm: tpm))
    for (model, l) in configFile?.limits ?? [:] {
      limits.perModel[model] = .init(rpm: l.rpm.map(Double.init), tpm: l.tpm.map(Double.init))
    }
    let pricing = try Pricing(overrides: prices)
    let conc = concurrency ?? configFile?.concurrency ?? 64
    let policy = RetryPolicy(maxAttempts: maxAttempts ?? configFile?.maxAttempts ?? 6)
    let options = JSONValue.object(JSONObject([
      ("concurrency", .number(Double(conc))), ("rpm", rpm.map(JSONValue.number) ?? .null),
      ("tpm", tpm.map(JSONValue.number) ?? .null), ("maxAttempts", .number(Double(policy.maxAttempts))),
      ("stream", .bool(stream)), ("retryFailed", .bool(retryFailed)), ("budget", budget.map(JSONValue.number) ?? .null),
      ("endpoint", .string(endpointOptions.endpoint ?? "auto")),
    ]))

    if batchOptions.mode == .batch {
      try await runBatch(
        resolved: resolved, store: store, defaults: defaults, pricing: pricing, policy: policy, options: options,
        logger: logger)
      return
    }

    let limitsFinal = limits
    let log = logger
    let interrupts = SignalHandler.install()
    let display = ProgressDisplay(mode: progress.resolved)

    let body: @Sendable (Endpoint) async throws -> RunReport = { endpoint in
      let config = RunConfiguration(
        files: files, defaults: defaults, concurrency: conc, limits: limitsFinal, retry: policy, stream: stream,
        retryFailed: retryFailed, grace: .milliseconds(Int64(grace * 1000)), budgetUSD: budget,
        endpoint: endpoint.baseURL, optionsJSON: options.serialized(), seed: seed)
      return try await GeminiClient.withGeminiClient(
        endpoint: endpoint,
        timeouts: .init(total: .milliseconds(Int64(timeout * 1000))),
        maxConnections: conc, logger: log
      ) { client in
        let runner = Runner(
          store: store, transport: UploadingTransport(base: client, uploader: FileUploader(store: store, client: client)),
          configuration: config,
          interpreter: OutcomeInterpreter(policy: policy, price: pricing.priceFunction),
          costEstimate: budget == nil ? nil : pricing.estimateFunction, logger: log)
        let report = try await runner.run(
          interrupts: interrupts, onLostAttempts: { RunSummaryPrinter.printLost($0, db: db) },
          onProgress: { display.show($0) })
        // Everything is committed and the store's WAL folded into its file (the runner's
        // checkpointer), so the process ends here: closing hundreds of idle keep-alive connections
        // one by one (and the mock, for a dry run) took 30-50 ms that nobody waits for.
        display.finish()
        let code = RunSummaryPrinter.print(report, db: db)
        Foundation.exit(code)
      }
    }

    let report: RunReport
    switch resolved {
    case .remote(let endpoint):
      report = try await body(endpoint)
    case .mock:
      var mockConfig = MockConfiguration()
      mockConfig.apiKey = "mock-key"
      report = try await GeminiMockServer.withServer(mockConfig, logger: log) { port in
        FileHandle.standardError.write(Data("gembatch: dry run against the built-in mock at http://127.0.0.1:\(port)\n".utf8))
        return try await body(Endpoint(name: "mock", baseURL: "http://127.0.0.1:\(port)", apiKey: "mock-key"))
      }
    }
    display.finish()
    throw ExitCode(RunSummaryPrinter.print(report, db: db))
  }
}

enum ProgressMode: String, ExpressibleByArgument, CaseIterable, Sendable {
  case auto, tty, log, json, none
  var resolved: ProgressMode {
    guard self == .auto else { return self }
    return isatty(STDERR_FILENO) == 1 ? .tty : .log
  }
}
