import ArgumentParser
import Foundation
import GemBatchCore
import GeminiAPI
import GeminiCatalog
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
  @Option(help: "An old-form price file ({\"version\", \"models\": {name: price}}), folded into the model catalog.")
  var prices: String?
  @Option(help: "Send requests that name no serviceTier at this tier: flex, standard or priority.") var tier: String?
    @Option(help: "Per-request timeout in seconds (positive).") var timeout: Double = 600
  @Option(
    help: ArgumentHelp(
      "Longest wait a server may ask for (RetryInfo, Retry-After) before its job is parked and the run stops, resumable: 90s, 30m, 1h, 2d.",
      valueName: "delay"))
  var maxRetryDelay = "1h"
  @Option(
    name: .customLong("max-body-mb"),
    help: ArgumentHelp("Largest response body read, in MiB (default 16); a longer one fails the attempt.", valueName: "MiB"))
  var maxBodyMB: Int = GeminiClient.BodyLimits.defaultMaxBodyBytes >> 20
  @Option(help: "Progress display: auto, tty, log, json or none.") var progress: ProgressMode = .auto
  @Option(help: "Seed for the retry jitter (reproducible runs).") var seed: UInt64?
  @Option(help: "Hold a model's other jobs once its first N final outcomes are all one permanent error.")
  var failFast: Int = 20
  @Flag(help: "Never hold a model's jobs for repeating one permanent error.") var noFailFast = false
  @Option(
    help: ArgumentHelp(
      "Re-asks per JSON-mode answer that does not parse or breaks its schema (after the free local repair of fences and prose); 0 turns repair off.",
      valueName: "n"))
  var repair: Int = RepairPolicy.defaultRepairs
  @Flag(help: "Retry a JSON answer cut at maxOutputTokens, or an empty one, with maxOutputTokens doubled (up to the model's limit).")
  var growMaxTokens = false
  @Option(
    help: ArgumentHelp(
      "Run only the jobs whose last outcome is of these classes (truncated, invalid-json, schema, failed, blocked), keeping every other result.",
      valueName: "class,…"))
  var rerun: String?
  @OptionGroup var batchOptions: BatchOptions

  func validate() throws {
    if files.isEmpty { throw ValidationError("give at least one job file") }
    if let c = concurrency, c < 1 { throw ValidationError("--concurrency must be at least 1") }
    if let r = rpm, r <= 0 { throw ValidationError("--rpm must be positive") }
    if let t = tpm, t <= 0 { throw ValidationError("--tpm must be positive") }
    if let m = maxAttempts, m < 1 { throw ValidationError("--max-attempts must be at least 1") }
    if let b = budget, b <= 0 { throw ValidationError("--budget must be positive") }
    if grace < 0 { throw ValidationError("--grace must be 0 or more") }
    if failFast < 1 { throw ValidationError("--fail-fast must be at least 1 (or pass --no-fail-fast)") }
    if repair < 0 { throw ValidationError("--repair must be 0 or more") }
    if let rerun {
      do throws(RerunError) { _ = try RerunClass.parseList(rerun) } catch { throw ValidationError(error.description) }
    }
    // 0 would time every attempt out at once, after it may have been sent and billed.
    if !(timeout > 0) || !timeout.isFinite || timeout > 1e7 { throw ValidationError("--timeout must be a positive number of seconds") }
    if DelayText.parse(maxRetryDelay) == nil {
      throw ValidationError("--max-retry-delay must be a positive delay such as 90s, 30m, 1h or 2d")
    }
    if maxBodyMB < 1 || maxBodyMB > 4096 { throw ValidationError("--max-body-mb must be between 1 and 4096") }
    if let tier, ServiceTier(wire: tier) == nil {
      throw ValidationError("--tier must be flex, standard or priority, not \(tier)")
    }
    try batchOptions.check()
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
    let catalog: ModelCatalog
    do {
      // Warnings about models (shut down, routed, unknown, unpriced) are said once each, as they come.
      let notices = CatalogNotices { n in FileHandle.standardError.write(Data("gembatch: warning: \(n.message)\n".utf8)) }
      catalog = try jobOptions.catalog(prices: prices, notices: notices)
      defaults = try jobOptions.defaults(catalog: catalog)
      configFile = try jobOptions.config.map { try RunConfigFile.load(path: $0) }
    } catch {
      FileHandle.standardError.write(Data("gembatch: \(TerminalText.clean("\(error)", limit: 2000))\n".utf8))
      throw ExitCode(ExitStatus.badInput)
    }
    let runTier = tier.flatMap(ServiceTier.init(wire:)).map(\.rawValue)
    // Before the store is touched: a job file that cannot be read is bad input, and no run row
    // may be left saying `running` for it.
    for file in files {
      if let why = Self.unreadable(file) {
        Stderr.write(TerminalText.clean("gembatch: cannot read the job file \(file): \(why); nothing was sent", limit: 2000) + "\n")
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
      Stderr.write(TerminalText.clean("gembatch: \(db) was held by \(previous.describe()), which is gone; taking over", limit: 2000) + "\n")
    }
    if claim.needsCheck, let damage = store.damage() {
      display.finish()
      throw ExitCode(RunSummaryPrinter.printStoreFailure(damage, db: db))
    }

    var limits = ModelLimits(defaultLimit: .init(rpm: rpm, tpm: tpm))
    for (model, l) in configFile?.limits ?? [:] {
      limits.perModel[model] = .init(rpm: l.rpm.map(Double.init), tpm: l.tpm.map(Double.init))
    }
    let pricing = Pricing(catalog: catalog)
    let conc = concurrency ?? configFile?.concurrency ?? 64
    let policy = RetryPolicy(
      maxAttempts: maxAttempts ?? configFile?.maxAttempts ?? 6,
      maxServerDelay: DelayText.parse(maxRetryDelay) ?? RetryPolicy.defaultMaxServerDelay)
    let bodyLimits = GeminiClient.BodyLimits(maxBodyBytes: maxBodyMB << 20)
    let repairPolicy = RepairPolicy(maxReasks: repair, growMaxTokens: growMaxTokens)
    var rerunClasses: Set<RerunClass>?
    if let rerun {
      do throws(RerunError) { rerunClasses = try RerunClass.parseList(rerun) } catch { throw ValidationError(error.description) }
    }
    var options = JSONValue.object(JSONObject([
      ("concurrency", .number(Double(conc))), ("rpm", rpm.map(JSONValue.number) ?? .null),
      ("tpm", tpm.map(JSONValue.number) ?? .null), ("maxAttempts", .number(Double(policy.maxAttempts))),
      ("stream", .bool(stream)), ("retryFailed", .bool(retryFailed)), ("budget", budget.map(JSONValue.number) ?? .null),
      ("endpoint", .string(Redactor.redactQueryKeys(endpointOptions.endpoint ?? "auto"))),
      ("maxRetryDelaySeconds", .number(Double(policy.maxServerDelay.components.seconds))), ("maxBodyMB", .number(Double(maxBodyMB))),
      ("tier", runTier.map(JSONValue.string) ?? .null), ("catalog", .string(catalog.version)),
      ("takeOver", .bool(takeOver)),
    ]))
    let rerunNames: [JSONValue]? = rerunClasses.map { $0.map(\.rawValue).sorted().map(JSONValue.string) }
    if case .object(var o) = options {
      o["repair"] = .number(Double(repair))
      o["growMaxTokens"] = .bool(growMaxTokens)
      o["rerun"] = rerunNames.map(JSONValue.array) ?? .null
      o["strict"] = .bool(jobOptions.strict)
      options = .object(o)
    }

    if batchOptions.mode == .batch {
      display.finish()
      do {
        try await runBatch(
          resolved: resolved, store: store, defaults: defaults, pricing: pricing, policy: policy, options: options,
          logger: logger)
      } catch let e as ExitCode {
        // Batch mode ends with its exit code once its state is recorded: a clean end.
        claim.release()
        throw e
      }
      claim.release()
      return
    }

    let limitsFinal = limits
    let optionsText = options.serialized()
    let rerunFinal = rerunClasses
    let log = logger

    let body: @Sendable (Endpoint) async throws -> RunReport = { endpoint in
      var config = RunConfiguration(
        files: files, defaults: defaults, concurrency: conc, limits: limitsFinal, retry: policy, stream: stream,
        retryFailed: retryFailed, grace: .milliseconds(Int64(grace * 1000)), budgetUSD: budget,
        endpoint: EndpointIdentity.sanitized(endpoint.baseURL), optionsJSON: optionsText, seed: seed, repair: repairPolicy,
        rerun: rerunFinal)
      config.failFastAfter = noFailFast ? nil : failFast
      // --budget caps what this store has spent on these jobs over all runs; a model whose
      // per-day quota stopped an earlier run, not yet reset, gets one probe request first.
      config.spentBeforeUSD = budget == nil ? 0 : try store.spentUSD(files: files)
      config.probeModels = Set(try store.quotaStops().map(\.model))
      var tiered = config
      tiered.serviceTier = runTier
      return try await GeminiClient.withGeminiClient(
        endpoint: endpoint,
        timeouts: .init(total: .milliseconds(Int64(timeout * 1000))),
        maxConnections: conc, bodyLimits: bodyLimits, logger: log
      ) { client in
        var interpreter = OutcomeInterpreter(
          policy: policy, price: pricing.priceFunction, repair: repairPolicy,
          outputLimit: { catalog.entry($0)?.limits?.outputTokens ?? 65_536 })
        interpreter.defaultTier = runTier
        // Large local files go through the Files API once (matched by sha256); --tier is added on the way out.
        let uploading = UploadingTransport(base: client, uploader: FileUploader(store: store, client: client))
        let transport: any Transport = runTier.map { TieredTransport(base: uploading, tier: $0) } ?? uploading
        let runner = Runner(
          store: store, transport: transport, configuration: tiered, interpreter: interpreter,
          costEstimate: budget == nil ? nil : pricing.estimateFunction, logger: log)
        let report: RunReport
        do {
          report = try await runner.run(
            interrupts: interrupts, onLostAttempts: { RunSummaryPrinter.printLost($0, db: db) },
            onInputWarnings: { RunSummaryPrinter.printWarnings($0) },
            onProgress: { display.show($0) })
        } catch {
          display.finish()
          guard var failure = store.storageFailure ?? StoreError.storageFailure(in: error, path: db) else { throw error }
          if failure.code == .corrupt { failure = store.damage() ?? failure }
          Foundation.exit(RunSummaryPrinter.printStoreFailure(failure, db: db))
        }
        // A probe that got an answer: that quota has room again.
        if let run = report.runId { try? store.clearQuotaStops(answeredIn: run, models: config.probeModels) }
        // The run is recorded: the claim's row goes and the WAL is folded into the store file.
        // After a store failure (a full disk) it stays, so the next run checks the store first.
        if report.ending != .storeFailed { claim.release() }
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
      Stderr.write(TerminalText.clean("gembatch: sending to \(id.host) (\(id.kind.rawValue)), store \(db)", limit: 2000) + "\n")
      report = try await body(endpoint)
    case .mock:
      var mockConfig = MockConfiguration()
      mockConfig.apiKey = "mock-key"
      mockConfig.catalog = catalog
      report = try await GeminiMockServer.withServer(mockConfig, logger: log) { port in
        Stderr.write(TerminalText.clean("gembatch: dry run against the built-in mock at http://127.0.0.1:\(port), store \(db)", limit: 2000) + "\n")
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
