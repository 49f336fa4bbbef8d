import ArgumentParser
import Foundation
import GemBatchCore
import GeminiAPI
import GeminiMock
import Logging

/// `gembatch run FILES --mode batch`: the batch engine, then (with `--fallback online`) an
/// interactive run for the jobs it left.
extension RunCommand {
  func runBatch(
    resolved: EndpointOptions.Resolved, store: Store, defaults: RunDefaults, pricing: Pricing, policy: RetryPolicy,
    options: JSONValue, logger: Logger
  ) async throws {
    let b = batchOptions
    var opts = options.objectValue ?? JSONObject()
    opts["mode"] = "batch"
    opts["poll"] = .string(b.poll)
    opts["batchTimeout"] = .string(b.batchTimeout)
    opts["batchMaxTokens"] = b.batchMaxTokens.map { .number(Double($0)) } ?? .null
    opts["fallback"] = .string(b.fallback.rawValue)
    let killAt = ProcessInfo.processInfo.environment["GEMBATCH_TEST_KILL_AT"].flatMap(BatchConfiguration.KillPoint.init)
    let interrupts = SignalHandler.install()
    let files = self.files
    let db = store.path
    let retryFailed = self.retryFailed
    let seed = self.seed
    let timeout = self.timeout
    let mode = progress.resolved
    let optionsJSON = JSONValue.object(opts).serialized()

    let body: @Sendable (Endpoint) async throws -> Int32 = { endpoint in
      guard BatchEngine.supportsBatch(endpoint) else {
        FileHandle.standardError.write(Data("gembatch: \(BatchError.unsupported(endpoint.name))\n".utf8))
        return ExitStatus.badInput
      }
      let config = BatchConfiguration(
        files: files, defaults: defaults, retry: policy, retryFailed: retryFailed, fallback: b.fallback,
        poll: BatchOptions.duration(b.poll)!, pendingTimeout: BatchOptions.duration(b.batchTimeout)!,
        maxTokens: b.batchMaxTokens, createBackoff: BatchOptions.duration(b.batchCreateBackoff)!, detach: b.detach,
        uploadChunkSize: b.uploadChunkSize, endpoint: endpoint.baseURL, optionsJSON: optionsJSON, seed: seed,
        killAt: killAt)
      return try await GeminiClient.withGeminiClient(
        endpoint: endpoint, timeouts: .init(total: .milliseconds(Int64(timeout * 1000))), maxConnections: 8, logger: logger
      ) { client in
        let engine = BatchEngine(store: store, client: client, configuration: config, pricing: pricing.catalog, logger: logger)
        let report = try await engine.run(
          interrupts: interrupts, onLostAttempts: { RunSummaryPrinter.printLost($0, db: db) },
          onProgress: { lines in BatchProgressPrinter.show(lines, mode: mode) })
        var code = BatchProgressPrinter.summary(report)
        if report.ending == .finished, !report.needsInteractive.isEmpty {
          FileHandle.standardError.write(
            Data("gembatch: \(report.needsInteractive.count) job(s) failed or were missing in their batch; sending them interactively (--fallback online)\n".utf8))
          let runConfig = RunConfiguration(
            files: files, defaults: defaults, concurrency: 16, retry: policy, retryFailed: false,
            endpoint: endpoint.baseURL, optionsJSON: optionsJSON, seed: seed)
          let runner = Runner(
            store: store, transport: UploadingTransport(base: client, uploader: FileUploader(store: store, client: client)),
            configuration: runConfig,
            interpreter: OutcomeInterpreter(policy: policy, price: pricing.priceFunction), logger: logger)
          let display = ProgressDisplay(mode: mode)
          let r = try await runner.run(interrupts: interrupts, onProgress: { display.show($0) })
          display.finish()
          code = RunSummaryPrinter.print(r, db: db)
        }
        return code
      }
    }

    let code: Int32
    do {
      switch resolved {
      case .remote(let endpoint):
        code = try await body(endpoint)
      case .mock:
        var mockConfig = MockConfiguration()
        mockConfig.apiKey = "mock-key"
        code = try await GeminiMockServer.withServer(mockConfig, logger: logger) { port in
          FileHandle.standardError.write(Data("gembatch: dry run against the built-in mock at http://127.0.0.1:\(port)\n".utf8))
          return try await body(Endpoint(name: "mock", baseURL: "http://127.0.0.1:\(port)", apiKey: "mock-key"))
        }
      }
    } catch let e as BatchError {
      FileHandle.standardError.write(Data("gembatch: \(e)\n".utf8))
      throw ExitCode(ExitStatus.badInput)
    } catch let e as GeminiError {
      FileHandle.standardError.write(Data("gembatch: batch mode stopped: \(e); run the same command to resume\n".utf8))
      throw ExitCode(ExitStatus.stoppedResumable)
    }
    throw ExitCode(code)
  }
}

/// Batch Mode's progress lines and closing summary.
enum BatchProgressPrinter {
  static func show(_ lines: [BatchProgress], mode: ProgressMode) {
    guard mode != .none else { return }
    var out = ""
    for p in lines {
      out += "batch #\(p.rowId) \(p.name ?? "(creating)") \(p.model): \(p.state), \(p.succeeded)/\(p.jobs) ok"
      if p.failed > 0 { out += ", \(p.failed) failed" }
      if p.pending > 0 { out += ", \(p.pending) pending" }
      out += ", age \(age(p.age))\n"
    }
    FileHandle.standardError.write(Data(out.utf8))
  }

  static func age(_ s: Double) -> String {
    if s < 120 { return "\(Int(s.rounded())) s" }
    if s < 7200 { return "\(Int((s / 60).rounded())) min" }
    return String(format: "%.1f h", s / 3600)
  }

  static func summary(_ r: BatchRunReport) -> Int32 {
    if r.ending == .badInput {
      var out = ""
      for e in r.inputErrors.prefix(50) { out += "\(e)\n" }
      out += "\(r.inputErrors.count) invalid job line(s); nothing was sent.\n"
      FileHandle.standardError.write(Data(out.utf8))
      return ExitStatus.badInput
    }
    var out = "run \(r.runId) (batch mode): \(r.succeeded) succeeded, \(r.failed) failed"
    if r.alreadySucceeded > 0 { out += ", \(r.alreadySucceeded) already done earlier" }
    out += "; \(r.batchesCreated) batch(es) created"
    if r.batchesAdopted > 0 { out += ", \(r.batchesAdopted) adopted after a crash" }
    out += ", \(r.batchesCollected) collected, \(r.linesStored) line(s) stored\n"
    switch r.ending {
    case .detached:
      out += "detached: \(r.liveBatches) batch(es) live; run the same command to poll and collect.\n"
    case .interrupted:
      out += "interrupted: \(r.liveBatches) batch(es) live; run the same command to poll and collect.\n"
    default: break
    }
    FileHandle.standardError.write(Data(out.utf8))
    switch r.ending {
    case .finished: return r.failed > 0 ? ExitStatus.someFailed : ExitStatus.ok
    case .badInput: return ExitStatus.badInput
    case .detached, .interrupted: return ExitStatus.stoppedResumable
    }
  }
}
