import Foundation
import GeminiAPI
import GeminiCatalog
import Logging
import Synchronization

/// `gembatch run FILES --mode batch`: the same job files, options and store as an interactive
/// run, sent through Gemini's Batch Mode.
///
/// One round: reconcile `creating` rows (list the account's batches and adopt by display name
/// before ever creating again), submit new shards while each model's live batches stay under its
/// token budget (shard → upload → `creating` row with open attempts → create → name committed),
/// then poll the live batches and collect the ended ones. Rounds repeat, with a growing wait,
/// until no batch is live and no job is left to batch (or once, with `detach`).
public struct BatchEngine: Sendable {
  public var store: Store
  public var client: GeminiClient
  public var configuration: BatchConfiguration
  public var pricing: ModelCatalog
  public var clock: any BatchClock
  public var logger: Logger
  /// This run's own folder under `configuration.workDirectory` (set by `run`).
  var workDirectory = ""

  public init(
    store: Store, client: GeminiClient, configuration: BatchConfiguration, pricing: ModelCatalog,
    clock: any BatchClock = SystemBatchClock(), logger: Logger
  ) {
    self.store = store
    self.client = client
    self.configuration = configuration
    self.pricing = pricing
    self.clock = clock
    self.logger = logger
  }

  /// Whether the endpoint offers Batch Mode: CometAPI documents no batch or Files endpoints.
  public static func supportsBatch(_ endpoint: Endpoint) -> Bool {
    endpoint.name != "cometapi" && !endpoint.baseURL.lowercased().contains("cometapi.com")
  }

  /// State of one run (a struct the loop owns; nothing here is shared).
  struct RunState {
    var runId: Int64
    var report: BatchRunReport
    var rng: SplitMix64
    /// Rows this process knows were not created (a 429 answered their create).
    var knownNotCreated: Set<Int64> = []
    var createFailures = 0
    var createNotBefore = 0.0
    var unchangedPolls = 0
    var polledOnce = false
    var shardIndex = 0
  }

  public func run(
    interrupts: AsyncStream<Void>? = nil, onLostAttempts: (@Sendable ([LostAttempt]) -> Void)? = nil,
    onProgress: (@Sendable ([BatchProgress]) -> Void)? = nil
  ) async throws -> BatchRunReport {
    guard Self.supportsBatch(client.endpoint) else { throw BatchError.unsupported(client.endpoint.name) }
    // Shards and downloads in a folder of this run's own: two runs (on two stores) never share a file.
    var engine = self
    engine.workDirectory = (configuration.workDirectory as NSString).appendingPathComponent(
      "gembatch-\(getpid())-\(UUID().uuidString.prefix(8))")
    do {
      try FileManager.default.createDirectory(
        atPath: engine.workDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    } catch {
      throw BatchError(.store, "cannot create the work folder \(engine.workDirectory)")
    }
    defer { try? FileManager.default.removeItem(atPath: engine.workDirectory) }
    return try await engine.runInWorkDirectory(interrupts: interrupts, onLostAttempts: onLostAttempts, onProgress: onProgress)
  }

  func runInWorkDirectory(
    interrupts: AsyncStream<Void>?, onLostAttempts: (@Sendable ([LostAttempt]) -> Void)?,
    onProgress: (@Sendable ([BatchProgress]) -> Void)?
  ) async throws -> BatchRunReport {
    let interrupted = InterruptFlag()
    let watcher = interrupts.map { stream in
      Task {
        for await _ in stream {
          interrupted.set()
          return
        }
      }
    }
    defer { watcher?.cancel() }
    // Checkpoints on their own connection, as in an interactive run: without them a million-line
    // collection grew the WAL past 500 MB (and the mapped -shm index with it).
    let checkpointer = try BackgroundCheckpointer.start(store)
    defer { checkpointer?.stop() }

    let lost = try store.recoverLostAttempts()
    if !lost.isEmpty { onLostAttempts?(lost) }
    let runId = try store.beginRun(
      RunStart(endpoint: configuration.endpoint, files: configuration.files, optionsJSON: configuration.optionsJSON,
               version: GemBatchInfo.version))
    var st = RunState(
      runId: runId,
      report: BatchRunReport(runId: runId, ending: .finished, lostAttempts: lost),
      rng: SplitMix64(seed: configuration.seed ?? UInt64.random(in: 0...UInt64.max)))

    let load = try JobLoader(store: store, defaults: configuration.defaults, retryFailed: configuration.retryFailed)
      .load(files: configuration.files, runId: runId)
    st.report.inputErrors = load.errors
    st.report.alreadySucceeded = load.alreadySucceeded
    if !load.errors.isEmpty {
      st.report.ending = .badInput
      try store.endRun(id: runId, status: .interrupted, stopReason: "\(load.errors.count) invalid job line(s); nothing was sent")
      return st.report
    }

    let files = FilesClient(client: client, chunkSize: configuration.uploadChunkSize)
    let batches = BatchClient(client: client)
    let kill = BatchKillSwitch(point: configuration.killAt)
    let collector = BatchCollector(
      store: store, runId: runId, files: files,
      interpreter: BatchPricing.interpreter(policy: configuration.retry, catalog: pricing),
      fallback: configuration.fallback, directory: workDirectory, kill: kill, logger: logger)

    while true {
      try await reconcileCreating(&st, batches: batches, kill: kill)
      if !interrupted.isSet {
        try await submit(&st, runId: runId, files: files, batches: batches, kill: kill)
      }
      let changed = try await pollLive(&st, batches: batches, files: files, collector: collector, kill: kill, onProgress: onProgress)
      st.unchangedPolls = changed ? 0 : st.unchangedPolls + 1

      let live = try store.batches(phases: [.creating, .live]).count
      let more = try !store.batchEligibleModels(runId: runId, neverBatched: configuration.fallback == .online).isEmpty
      if live == 0 && !more { break }
      if configuration.detach && st.polledOnce {
        st.report.ending = live > 0 ? .detached : .finished
        break
      }
      if interrupted.isSet {
        st.report.ending = .interrupted
        break
      }
      var wait = BatchDecisions.pollDelay(base: configuration.poll, unchangedPolls: st.unchangedPolls)
      let untilCreate = st.createNotBefore - clock.now()
      if untilCreate > 0, untilCreate < wait.seconds {
        // A throttled create is due before the next poll.
        wait = .milliseconds(Int64(max(0.05, untilCreate) * 1000))
      }
      try await sleep(wait, interrupted: interrupted)
    }

    st.report.liveBatches = try store.batches(phases: [.creating, .live]).count
    let counts = try store.counts()
    st.report.succeeded = counts.succeeded
    st.report.failed = counts.failed
    if configuration.fallback == .online {
      st.report.needsInteractive = try store.jobsLeftForInteractive(runId: runId)
    }
    let status: RunStatus = st.report.ending == .finished ? .finished : .interrupted
    let reason: String? =
      switch st.report.ending {
      case .finished: nil
      case .detached: "detached: \(st.report.liveBatches) batch(es) live; run the same command to collect"
      case .interrupted: "interrupted: \(st.report.liveBatches) batch(es) live; run the same command to collect"
      case .badInput: "bad input"
      }
    try store.endRun(id: runId, status: status, stopReason: reason)
    return st.report
  }

  /// Sleeps in short slices so an interrupt ends the wait at once.
  func sleep(_ d: Duration, interrupted: InterruptFlag) async throws {
    var left = d.seconds
    while left > 0 {
      if interrupted.isSet { return }
      let slice = min(left, 0.25)
      try await clock.sleep(for: .milliseconds(Int64(slice * 1000)))
      left -= slice
    }
  }

  // MARK: - Never twice: creating rows

  /// Every `creating` row: adopted from the account's list when a batch with its display name
  /// exists, created otherwise. A row this process saw refused (429) skips the list.
  func reconcileCreating(_ st: inout RunState, batches: BatchClient, kill: BatchKillSwitch) async throws {
    let creating = try store.batches(phases: [.creating])
    if creating.isEmpty { return }
    var listed: [String: BatchJob]?
    for row in creating {
      if !st.knownNotCreated.contains(row.id) {
        if listed == nil {
          let all = try await batches.listAll()
          listed = Dictionary(all.compactMap { b in b.displayName.map { ($0, b) } }, uniquingKeysWith: { a, _ in a })
        }
        if let found = listed?[row.displayName] {
          try store.batchCreated(
            id: row.id, name: found.name, stateRaw: found.state.raw, apiCreateTime: found.createTime,
            expiresAt: found.createTime.flatMap(RFC3339.parse).map { $0 + 48 * 3600 })
          st.report.batchesAdopted += 1
          logger.notice("adopted \(found.name) for batch #\(row.id) (created before a crash)")
          continue
        }
      }
      try await create(&st, row: row, batches: batches, kill: kill)
    }
  }

  /// One create call for a committed `creating` row.
  func create(_ st: inout RunState, row: BatchRecord, batches: BatchClient, kill: BatchKillSwitch) async throws {
    guard clock.now() >= st.createNotBefore, let input = row.inputFile else { return }
    do {
      var onSent: (@Sendable () -> Void)?
      if kill.point == .createSent { onSent = { kill.reached(.createSent) } }
      let job = try await batches.create(model: row.model, displayName: row.displayName, fileName: input, onSent: onSent)
      kill.reached(.createReplied)
      try store.batchCreated(
        id: row.id, name: job.name, stateRaw: job.state.raw, apiCreateTime: job.createTime,
        expiresAt: job.createTime.flatMap(RFC3339.parse).map { $0 + 48 * 3600 })
      st.knownNotCreated.remove(row.id)
      st.createFailures = 0
      st.report.batchesCreated += 1
    } catch let e as GeminiError {
      switch e.errorClass {
      case .rateLimited:
        // Not created: back off (creates are throttled apart from generateContent).
        st.knownNotCreated.insert(row.id)
        st.createFailures += 1
        let wait = BatchDecisions.createBackoff(base: configuration.createBackoff, failures: st.createFailures, suggested: e.suggestedDelay)
        st.createNotBefore = clock.now() + wait.seconds
        try store.batchNote(id: row.id, message: "create throttled: \(e.detail)")
        logger.notice("batch create throttled (429); next try in \(Int(wait.seconds.rounded())) s")
      case .transient, .shed:
        // The batch may exist (a reply lost on the way): list before creating again.
        st.knownNotCreated.remove(row.id)
        st.createFailures += 1
        st.createNotBefore = clock.now() + BatchDecisions.createBackoff(base: configuration.createBackoff, failures: st.createFailures, suggested: e.suggestedDelay).seconds
        try store.batchNote(id: row.id, message: "create answer lost: \(e.description)")
      case .permanent:
        // Refused for good: nothing runs; the attempts fail with the API's message.
        var rng = st.rng
        let collector = closer(runId: st.runId)
        _ = try await collector.closeRemaining(batch: row, error: e, rng: &rng, now: clock.now())
        st.rng = rng
        try store.batchDone(id: row.id, outcome: "create_failed", message: e.description)
      }
    }
  }

  /// A collector used only to close attempts (no downloads).
  func closer(runId: Int64) -> BatchCollector {
    BatchCollector(
      store: store, runId: runId, files: FilesClient(client: client),
      interpreter: BatchPricing.interpreter(policy: configuration.retry, catalog: pricing),
      fallback: configuration.fallback, directory: workDirectory, kill: BatchKillSwitch(point: nil),
      logger: logger)
  }

  // MARK: - Submitting

  func submit(_ st: inout RunState, runId: Int64, files: FilesClient, batches: BatchClient, kill: BatchKillSwitch) async throws {
    let never = configuration.fallback == .online
    let uploader = FileUploader(store: store, client: client)
    let writer = ShardWriter(
      store: store, runId: runId, neverBatched: never, directory: workDirectory,
      resolve: { try await uploader.resolve($0) })
    for model in try store.batchEligibleModels(runId: runId, neverBatched: never) {
      var after = -1
      while clock.now() >= st.createNotBefore {
        guard let first = try writer.peek(model: model, afterSeq: after) else { break }
        let budget = configuration.maxTokens ?? BatchDecisions.defaultMaxTokens(model: model)
        let liveTokens = try store.batches(phases: [.creating, .live]).filter { $0.model == model }.reduce(0) { $0 + $1.estTokens }
        guard let cap = BatchDecisions.shardTokenCap(budget: budget, liveTokens: liveTokens, nextJobTokens: first.estInputTokens)
        else { break }
        st.shardIndex += 1
        guard
          let shard = try await writer.next(
            model: model, afterSeq: after, maxTokens: cap, maxBytes: configuration.maxShardBytes, index: st.shardIndex)
        else { break }
        defer { try? FileManager.default.removeItem(atPath: shard.path) }
        after = shard.lastSeq
        let input = try await uploadShard(shard, files: files, kill: kill)
        let row = try store.beginBatch(
          Store.BatchDraft(
            shardHash: shard.sha256, model: model, firstSeq: shard.firstSeq, lastSeq: shard.lastSeq,
            jobCount: shard.jobCount, estTokens: shard.estTokens, inputFile: input, runId: runId, neverBatched: never))
        // A fresh row: no batch can have its display name yet, so no list is needed.
        st.knownNotCreated.insert(row.id)
        try await create(&st, row: row, batches: batches, kill: kill)
      }
    }
  }

  /// The shard's file on the Files API: an earlier upload of the same content (a run killed
  /// before its batch row was committed) is reused until it expires.
  func uploadShard(_ shard: ShardWriter.Shard, files: FilesClient, kill: BatchKillSwitch) async throws -> String {
    if let known = try store.upload(sha256: shard.sha256) { return known.fileName }
    let total = shard.bytes
    var onChunk: (@Sendable (Int64) -> Void)?
    if kill.point == .uploading { onChunk = { sent in if sent < total { kill.reached(.uploading) } } }
    let file = try await files.upload(
      path: shard.path, displayName: "gembatch-shard-\(shard.sha256.prefix(16))", mimeType: "application/jsonl",
      onChunk: onChunk)
    let t = clock.now()
    try store.recordUpload(
      UploadRecord(
        sha256: shard.sha256, fileName: file.name, size: shard.bytes, mimeType: "application/jsonl", purpose: "batch-input",
        uploadedAt: t, expiresAt: file.expiresAt ?? (t + 48 * 3600)))
    return file.name
  }

  // MARK: - Polling and collecting

  /// Polls every live batch once; collects those that ended; cancels those pending too long.
  /// Returns whether anything changed.
  func pollLive(
    _ st: inout RunState, batches: BatchClient, files: FilesClient, collector: BatchCollector, kill: BatchKillSwitch,
    onProgress: (@Sendable ([BatchProgress]) -> Void)?
  ) async throws -> Bool {
    var changed = false
    var lines: [BatchProgress] = []
    for row in try store.batches(phases: [.live]) {
      guard let name = row.name else { continue }
      let job: BatchJob
      do {
        job = try await batches.get(name: name)
      } catch let e as GeminiError where e.errorClass.isRetryable {
        logger.notice("polling \(name) failed for now: \(e)")
        continue
      } catch let e as GeminiError {
        // Gone from the account (deleted elsewhere) or refused for good: it will never end, so
        // its jobs are handled as a failed batch's.
        logger.warning("batch \(name) cannot be read: \(e); its jobs are retried")
        var rng = st.rng
        _ = try await collector.closeRemaining(batch: row, error: GeminiError(code: .connectionLost, detail: "the batch cannot be read: \(e.detail)"), rng: &rng, now: clock.now())
        st.rng = rng
        try store.batchDone(id: row.id, outcome: "failed", message: e.description)
        changed = true
        continue
      }
      if job.state.raw != row.stateRaw || job.stats.successfulRequestCount != row.succeededCount
        || job.stats.failedRequestCount != row.failedCount
      {
        changed = true
      }
      try store.batchPolled(
        id: row.id, stateRaw: job.state.raw, requestCount: job.stats.requestCount,
        succeeded: job.stats.successfulRequestCount, failed: job.stats.failedRequestCount,
        pending: job.stats.pendingRequestCount, outputFile: job.responsesFile)
      let now = clock.now()
      lines.append(
        BatchProgress(
          rowId: row.id, name: name, model: row.model, state: job.state.description, jobs: row.jobCount,
          succeeded: job.stats.successfulRequestCount, failed: job.stats.failedRequestCount,
          pending: job.stats.pendingRequestCount, age: now - (row.submittedAt ?? row.createdAt)))
      if !st.polledOnce {
        st.polledOnce = true
        kill.reached(.polling)
      }
      if job.state.isTerminal {
        try await finish(&st, row: row, job: job, files: files, collector: collector)
        changed = true
      } else if BatchDecisions.pendingTooLong(
        phase: job.state.phase, submittedAt: row.submittedAt, now: now, timeout: configuration.pendingTimeout)
      {
        do { try await batches.cancel(name: name) } catch { logger.notice("cancelling \(name) failed: \(error)") }
        let e = GeminiError(
          code: .timeout, detail: "the batch was still pending after \(Int(configuration.pendingTimeout.seconds)) s; cancelled")
        var rng = st.rng
        _ = try await collector.closeRemaining(batch: row, error: e, rng: &rng, now: now)
        st.rng = rng
        try store.batchDone(id: row.id, outcome: "timed_out", message: e.detail)
        await deleteInput(row, files: files)
        changed = true
      }
    }
    st.polledOnce = true
    if !lines.isEmpty { onProgress?(lines) }
    return changed
  }

  /// An ended batch: its output lines first (a failed or cancelled batch may have some), then
  /// every attempt left open, closed with the reason; then its input file is deleted.
  func finish(_ st: inout RunState, row: BatchRecord, job: BatchJob, files: FilesClient, collector: BatchCollector) async throws {
    var rng = st.rng
    defer { st.rng = rng }
    let fresh = row
    var lostOutput: GeminiError?
    if let output = job.responsesFile {
      do {
        let tally = try await collector.collect(batch: fresh, outputFile: output, rng: &rng, now: clock.now())
        st.report.linesStored += tally.stored
      } catch let e as GeminiError where e.errorClass.isRetryable {
        logger.notice("downloading \(output) failed for now: \(e); trying again at the next poll")
        return
      } catch let e as GeminiError {
        // The output is gone (kept about 48 h) or refused: the jobs without a line are retried.
        logger.warning("the output \(output) cannot be downloaded: \(e)")
        lostOutput = e
      }
    }
    let reason: GeminiError
    let outcome: String
    switch job.state.phase {
    case .succeeded where lostOutput != nil:
      outcome = "output_lost"
      reason = GeminiError(code: .connectionLost, detail: "the batch output cannot be downloaded: \(lostOutput!.detail)")
    case .succeeded:
      outcome = "collected"
      reason = GeminiError(code: .malformedBody, detail: "the batch output has no line for this key")
    case .expired:
      outcome = "expired"
      reason = GeminiError(code: .timeout, detail: "the batch expired (pending or running for more than 48 h) with no result")
    case .cancelled:
      outcome = "cancelled"
      reason = GeminiError(code: .connectionLost, detail: "the batch was cancelled before this request ran")
    default:
      outcome = "failed"
      reason = GeminiError(
        code: .malformedBody, httpStatus: job.error?.code.flatMap { (100...599).contains($0) ? $0 : nil },
        detail: "the batch failed: \(job.error?.message ?? job.error?.status ?? "no reason given")")
    }
    _ = try await collector.closeRemaining(batch: fresh, error: reason, rng: &rng, now: clock.now())
    try store.batchDone(id: row.id, outcome: outcome, message: outcome == "collected" ? nil : reason.detail)
    st.report.batchesCollected += 1
    await deleteInput(row, files: files)
  }

  /// Uploaded inputs are deleted once their batch ends; the names stay in the store.
  func deleteInput(_ row: BatchRecord, files: FilesClient) async {
    guard let input = row.inputFile, !row.inputDeleted else { return }
    do {
      try await files.delete(name: input)
    } catch let e as GeminiError where e.httpStatus != 404 {
      logger.notice("deleting \(input) failed: \(e)")
      return
    } catch {}
    try? store.uploadDeleted(fileName: input)
    try? store.batchInputDeleted(id: row.id)
  }
}

/// Set once by the first interrupt; read by the run loop between its steps.
final class InterruptFlag: Sendable {
  private let flag = Mutex(false)
  func set() { flag.withLock { $0 = true } }
  var isSet: Bool { flag.withLock { $0 } }
}
