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
      Exit codes: 0 every job succeeded, 1 some failed, 2 bad input or a store that cannot be used (nothing \
      sent: another run holds it, it is damaged, another application's file), 3 stopped resumable (interrupt, \
      SIGHUP, per-day quota, budget, a full disk or an I/O error). Run the same command again to resume: jobs \
      that succeeded with the same request at the same endpoint are never sent again. One run per store \
      at a time; status, export and report read it meanwhile.
      """)

  @Argument(help: "JSONL job files.") var files: [String]
  @Option(help: "The SQLite store (default gembatch.sqlite; gembatch-mock.sqlite with --endpoint mock).") var db: String?
  @OptionGroup var endpointOptions: EndpointOptions
  @OptionGroup var jobOptions: JobFileOptions

  @Option(help: "Requests in flight at most (the limit adapts down on 429s).") var concurrency: Int?
  @Option(help: "Requests per minute per model.") var rpm: Double?
  @Option(help: "Input tokens per minute per model.") var tpm: Double?
  @Option(help: "Attempts per job, the first included.") var maxAttempts: Int?
  @Flag(help: "Use streamGenerateContent (SSE) and record time to first token.") var stream = false
  @Flag(help: "Run jobs that failed for good in an earlier run again.") var retryFailed = false
  @Flag(
    help: "Let these files take over jobs whose ids the store holds from another file (a job id belongs to its file; without this flag such an id is refused)."
  ) var takeOver = false
  @Option(help: "Seconds that requests in flight may take to finish after an interrupt.") var grace: Double = 30
  @Option(help: "Stop taking new jobs before spend (done + in flight) would cross this many USD.") var budget: Double?
  @Option(help: "A price table that overrides or extends the bundled one.") var prices: String?
  @Option(help: "Per-request timeout in seconds.") var timeout: Double = 600
  @Option(help: "Progress display: auto, tty, log, json or none.") var progress: ProgressMode = .auto
  @Option(help: "Seed for the retry jitter (reproducible runs).") var seed: UInt64?

  func validate() throws {
    if files.isEmpty { throw ValidationError("give at least one job file") }
    if let c = concurrency, c < 1 { throw ValidationError("--concurrency must be at least 1") }
    if let r = rpm, r <= 0 { throw ValidationError("--rpm must be positive") }
    if let t = tpm, t <= 0 { throw ValidationError("--tpm must be positive") }
    if let m = maxAttempts, m < 1 { throw ValidationError("--max-attempts must be at least 1") }
    if let b = budget, b <= 0 { throw ValidationError("--budget must be positive") }
    if grace < 0 { throw ValidationError("--grace must be 0 or more") }
  }

  /// The store a run uses: `--db`, else one per kind of destination, so a dry run never
  /// shares its store (and its mock answers) with real runs.
  static func storePath(_ db: String?, mock: Bool) -> String {
    db ?? (mock ? "gembatch-mock.sqlite" : "gembatch.sqlite")
  }

  func run() async throws {
    // First of all: an interrupt (or a hangup) while the store is claimed and opened must stop
    // the run before it sends, not kill the process (the runner sees it as soon as it starts).
    let interrupts = SignalHandler.install()
    var logger = Logger(label: "gembatch")
    logger.logLevel = .notice
    let resolved = try endpointOptions.resolve()
    let db = Self.storePath(self.db, mock: resolved.isMock)
    let defaults: RunDefaults
    let configFile: RunConfigFile?
    do {
      defaults = try jobOptions.defaults()
      configFile = try jobOptions.config.map { try RunConfigFile.load(path: $0) }
    } catch {
      Stderr.write("gembatch: \(error)\n")
      throw ExitCode(ExitStatus.badInput)
    }
    // Before the store is touched: a job file that cannot be read is bad input, and no run row
    // may be left saying `running` for it.
    for file in files {
      if let why = Self.unreadable(file) {
        Stderr.write("gembatch: cannot read the job file \(file): \(why); nothing was sent\n")
        throw ExitCode(ExitStatus.badInput)
      }
    }

    let display = ProgressDisplay(mode: progress.resolved)
    display.startWatchingStoreLock()
    // One writer per store: the claim comes before anything of the store is read.
    let claim: StoreClaim
    let store: Store
    do {
      claim = try StoreClaim.acquire(storePath: db, endpoint: Self.identity(resolved))
    } catch {
      display.finish()
      throw ExitCode(RunSummaryPrinter.printStoreFailure(error, db: db))
    }
    do {
      store = try Store.open(path: db, claim: claim, takeOverJobs: takeOver)
    } catch let e as StoreError where e.code == .notAStore {
      claim.abandon()
      display.finish()
      throw ExitCode(RunSummaryPrinter.printStoreFailure(e, db: db))
    } catch let e as StoreError where e.code == .corrupt {
      // Name what the check finds, not only the statement that met the damage.
      display.finish()
      throw ExitCode(RunSummaryPrinter.printStoreFailure(Store.damage(at: db, fallback: e), db: db))
    } catch {
      display.finish()
      throw ExitCode(RunSummaryPrinter.printStoreFailure(error, db: db))
    }
    if let previous = claim.takenOver {
      Stderr.write("gembatch: \(db) was held by \(previous.describe()), which is gone; taking over\n")
    }
    if claim.needsCheck, let damage = store.damage() {
      display.finish()
      throw ExitCode(RunSummaryPrinter.printStoreFailure(damage, db: db))
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
      ("endpoint", .string(endpointOptions.endpoint ?? "auto")), ("takeOver", .bool(takeOver)),
    ]))

    let limitsFinal = limits
    let log = logger

    let body: @Sendable (Endpoint) async throws -> RunReport = { endpoint in
      let config = RunConfiguration(
        files: files, defaults: defaults, concurrency: conc, limits: limitsFinal, retry: policy, stream: stream,
        retryFailed: retryFailed, grace: .milliseconds(Int64(grace * 1000)), budgetUSD: budget,
        endpoint: EndpointIdentity.sanitized(endpoint.baseURL), optionsJSON: options.serialized(), seed: seed)
      return try await GeminiClient.withGeminiClient(
        endpoint: endpoint,
        timeouts: .init(total: .milliseconds(Int64(timeout * 1000))),
        maxConnections: conc, logger: log
      ) { client in
        let runner = Runner(
          store: store, transport: client, configuration: config,
          interpreter: OutcomeInterpreter(policy: policy, price: pricing.priceFunction),
          costEstimate: budget == nil ? nil : pricing.estimateFunction, logger: log)
        let report: RunReport
        do {
          report = try await runner.run(
            interrupts: interrupts, onLostAttempts: { RunSummaryPrinter.printLost($0, db: db) },
            onProgress: { display.show($0) })
        } catch {
          display.finish()
          guard var failure = store.storageFailure ?? StoreError.storageFailure(in: error, path: db) else { throw error }
          if failure.code == .corrupt { failure = store.damage() ?? failure }
          Foundation.exit(RunSummaryPrinter.printStoreFailure(failure, db: db))
        }
        // The run is recorded: the claim's row goes and the WAL is folded into the store file.
        claim.release()
        // Everything is committed and the store's WAL folded into its file, so the process ends
        // here: closing hundreds of idle keep-alive connections one by one (and the mock, for a
        // dry run) took 30-50 ms that nobody waits for.
        display.finish()
        let code = RunSummaryPrinter.print(report, db: db)
        Foundation.exit(code)
      }
    }

    let report: RunReport
    switch resolved {
    case .remote(let endpoint):
      let id = EndpointIdentity(kind: Self.kind(endpoint), baseURL: endpoint.baseURL)
      Stderr.write("gembatch: sending to \(id.host) (\(id.kind.rawValue)), store \(db)\n")
      report = try await body(endpoint)
    case .mock:
      var mockConfig = MockConfiguration()
      mockConfig.apiKey = "mock-key"
      report = try await GeminiMockServer.withServer(mockConfig, logger: log) { port in
        Stderr.write("gembatch: dry run against the built-in mock at http://127.0.0.1:\(port), store \(db)\n")
        return try await body(Endpoint(name: "mock", baseURL: "http://127.0.0.1:\(port)", apiKey: "mock-key"))
      }
    }
    display.finish()
    throw ExitCode(RunSummaryPrinter.print(report, db: db))
  }

  static func kind(_ e: Endpoint) -> EndpointIdentity.Kind {
    EndpointIdentity.Kind(rawValue: e.name) ?? .custom
  }

  static func identity(_ r: EndpointOptions.Resolved) -> EndpointIdentity {
    switch r {
    case .mock: EndpointIdentity(kind: .mock, baseURL: "http://127.0.0.1")
    case .remote(let e): EndpointIdentity(kind: kind(e), baseURL: e.baseURL)
    }
  }

  /// Why `path` cannot be read as a job file, or nil when it can.
  static func unreadable(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { return String(cString: strerror(errno)) }
    defer { close(fd) }
    var st = stat()
    if fstat(fd, &st) != 0 { return String(cString: strerror(errno)) }
    if (st.st_mode & S_IFMT) == S_IFDIR { return "it is a folder" }
    return nil
  }
}

enum ProgressMode: String, ExpressibleByArgument, CaseIterable, Sendable {
  case auto, tty, log, json, none
  var resolved: ProgressMode {
    guard self == .auto else { return self }
    return isatty(STDERR_FILENO) == 1 ? .tty : .log
  }
}
