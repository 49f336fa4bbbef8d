import Foundation
import GeminiAPI
import Logging

/// Runs the jobs of some files against one endpoint, recording everything in the store.
///
/// One bounded task group: each child makes one attempt (ledger row committed, request sent,
/// outcome committed) and returns a summary; the parent owns all bookkeeping — the per-model
/// rate limiters, the adaptive concurrency limit, the retry queue, the budget and the stop
/// decisions — and feeds the next job. Timers and the interrupt watcher are children too, so the
/// parent only ever waits on `group.next()`.
public struct Runner: Sendable {
  public var store: Store
  public var transport: any Transport
  public var configuration: RunConfiguration
  public var interpreter: OutcomeInterpreter
  /// Upper estimate of a job's cost, for `--budget`; nil when the model is unpriced.
  public var costEstimate: (@Sendable (DispatchJob) -> Double?)?
  public var logger: Logger

  public init(
    store: Store, transport: any Transport, configuration: RunConfiguration, interpreter: OutcomeInterpreter,
    costEstimate: (@Sendable (DispatchJob) -> Double?)? = nil, logger: Logger
  ) {
    self.store = store
    self.transport = transport
    self.configuration = configuration
    self.interpreter = interpreter
    self.costEstimate = costEstimate
    self.logger = logger
  }

  private enum Event: Sendable {
    case attempt(AttemptSummary, DispatchJob)
    case ledgerFailed(String, DispatchJob)
    case timer
    case interrupt
    case graceExpired
  }

  /// Loads the files into the store, then sends every job that is to run.
  /// - Parameters:
  ///   - interrupts: yields once per SIGINT/SIGTERM; the first stops new work.
  ///   - onProgress: called at most every `progressInterval` and once at the end.
  public func run(
    interrupts: AsyncStream<Void>? = nil, progressInterval: Duration = .milliseconds(500),
    onLostAttempts: (@Sendable ([LostAttempt]) -> Void)? = nil,
    onProgress: (@Sendable (RunProgress) -> Void)? = nil
  ) async throws -> RunReport {
    // Checkpoints on their own connection, so no attempt start waits behind one.
    let checkpointer = try BackgroundCheckpointer.start(store)
    defer { checkpointer?.stop() }
    // Attempts left open by a process that died: sent, outcome unknown, possibly billed.
    let lost = try store.recoverLostAttempts()
    if !lost.isEmpty { onLostAttempts?(lost) }
    let runId = try store.beginRun(
      RunStart(endpoint: configuration.endpoint, files: configuration.files, optionsJSON: configuration.optionsJSON,
               version: GemBatchInfo.version))
    var report = RunReport(
      runId: runId, ending: .finished, stopReason: nil, progress: RunProgress.zero, inputErrors: [], lostAttempts: lost,
      alreadySucceeded: 0, failedTotal: 0)

    // 1. Load: every job file is read and synced into the store before anything is sent.
    let load = try JobLoader(store: store, defaults: configuration.defaults, retryFailed: configuration.retryFailed)
      .load(files: configuration.files, runId: runId)
    report.inputErrors = load.errors
    report.alreadySucceeded = load.alreadySucceeded
    if !load.errors.isEmpty {
      report.ending = .badInput
      report.stopReason = "\(load.errors.count) invalid job line(s); nothing was sent"
      try store.endRun(id: runId, status: .refused, stopReason: report.stopReason)
      return report
    }

    // 2. Dispatch.
    let (ending, reason, progress) = try await dispatch(
      runId: runId, total: load.toRun, interrupts: interrupts, progressInterval: progressInterval, onProgress: onProgress)
    report.ending = ending
    report.stopReason = reason
    report.progress = progress
    report.failedTotal = (try? store.counts().failed) ?? progress.failed
    let status: RunStatus =
      switch ending {
      case .finished: .finished
      case .interrupted, .badInput: .interrupted
      case .quotaStopped: .quotaStopped
      case .budgetStopped: .budgetStopped
      }
    try store.endRun(id: runId, status: status, stopReason: reason)
    return report
  }

  // MARK: - The event loop

  private func dispatch(
    runId: Int64, total: Int, interrupts: AsyncStream<Void>?, progressInterval: Duration,
    onProgress: (@Sendable (RunProgress) -> Void)?
  ) async throws -> (RunReport.Ending, String?, RunProgress) {
    let ledger = LedgerWriter(store: store)
    let clock = ContinuousClock()
    let start = clock.now
    func now() -> Double { (clock.now - start).seconds }

    var rng = SplitMix64(seed: configuration.seed ?? UInt64.random(in: 0...UInt64.max))
    var limiters: [String: RateLimiter] = [:]
    var concurrency = AdaptiveConcurrency(maximum: configuration.concurrency)
    var fresh = JobPager(store: store, pageSize: configuration.pageSize, runId: runId)
    var retryQueue = RetryQueue()
    var parked: DispatchJob?  // a job whose rate-limit slot is in the future
    var inFlight = 0
    var inFlightCost = 0.0
    var spent = 0.0
    var timerDeadline: Double?
    var budgetWait = false  // the budget allows the next job only once in-flight costs settle
    var stopping = false
    var ending = RunReport.Ending.finished
    var reason: String?
    var ledgerError: String?
    var progress = RunProgress.zero
    progress.total = total
    var lastProgress = -Double.infinity
    let interval = progressInterval.seconds

    func limiter(for model: String) -> RateLimiter {
      if let l = limiters[model] { return l }
      let lim = configuration.limits.limit(for: model)
      let l = RateLimiter(requestsPerMinute: lim.rpm, tokensPerMinute: lim.tpm)
      limiters[model] = l
      return l
    }

    func stop(_ e: RunReport.Ending, _ r: String) {
      guard !stopping else { return }
      stopping = true
      ending = e
      reason = r
    }

    try await withThrowingTaskGroup(of: Event.self) { group in
      if let interrupts {
        group.addTask {
          for await _ in interrupts { return .interrupt }
          // The stream ended without a signal: park until cancelled.
          try? await Task.sleep(for: .seconds(1_000_000_000))
          return .timer
        }
      }

      func armTimer(at t: Double) {
        if let d = timerDeadline, d <= t { return }
        timerDeadline = t
        let delay = max(0, t - now())
        group.addTask {
          try? await Task.sleep(for: .seconds(delay))
          return .timer
        }
      }

      loop: while true {
        // Feed: start as many attempts as the concurrency limit, the rate limits and the budget allow.
        while !stopping && inFlight < concurrency.limit {
          let t = now()
          var next: DispatchJob?
          if let p = parked {
            if budgetWait && inFlight > 0 { break }
            budgetWait = false
            next = p
            parked = nil
          } else if let r = retryQueue.popDue(now: t) {
            next = r
          } else {
            next = try fresh.next()
          }
          guard var job = next else { break }
          var l = limiter(for: job.model)
          let at = l.earliestStart(now: t, tokens: job.estimatedInputTokens)
          if at > t + 0.0005 {
            parked = job
            armTimer(at: at)
            break
          }
          if let budget = configuration.budgetUSD {
            switch BudgetGuard(limitUSD: budget).decide(spentUSD: spent, inFlightMaxUSD: inFlightCost, nextMaxUSD: costEstimate?(job)) {
            case .start: break
            case .wait:
              parked = job
              budgetWait = true
            case .stop(let why):
              parked = job
              stop(.budgetStopped, why)
            }
            if parked != nil { break }
          }
          l.reserve(at: max(at, t), tokens: job.estimatedInputTokens)
          limiters[job.model] = l
          job.attempts += 1
          inFlight += 1
          let estimate = costEstimate?(job) ?? 0
          inFlightCost += estimate
          let draw = rng.nextUnit()
          let dispatched = job
          group.addTask {
            await self.attempt(dispatched, runId: runId, ledger: ledger, random: draw)
          }
        }

        if ledgerError == nil, let f = ledger.failure {
          ledgerError = "could not record an outcome: \(f)"
        }
        if let e = ledgerError {
          group.cancelAll()
          throw StoreWriteError(message: e)
        }
        if !stopping, let due = retryQueue.nextDue, parked == nil, inFlight < concurrency.limit {
          armTimer(at: due)
        }
        let idle = inFlight == 0 && parked == nil && retryQueue.isEmpty && (stopping || fresh.isDone)
        if idle { break loop }
        if stopping && inFlight == 0 { break loop }

        guard let event = try await group.next() else { break loop }
        switch event {
        case .timer:
          if let d = timerDeadline, d <= now() + 0.0005 { timerDeadline = nil }
        case .interrupt:
          stop(.interrupted, "interrupted: requests in flight finish within \(Int(configuration.grace.seconds)) s")
          logger.notice("interrupt: no new requests; waiting for \(inFlight) in flight (a second interrupt exits at once)")
          let grace = configuration.grace
          group.addTask {
            try? await Task.sleep(for: grace)
            return .graceExpired
          }
        case .graceExpired:
          if inFlight > 0 {
            logger.warning("grace period over: cancelling \(inFlight) request(s) in flight; they are recorded as lost")
            // Cancels every child, including in-flight requests; their attempts are recorded as lost.
            group.cancelAll()
          }
        case .ledgerFailed(let message, let job):
          inFlight -= 1
          inFlightCost -= costEstimate?(job) ?? 0
          ledgerError = message
        case .attempt(let s, let job):
          inFlight -= 1
          inFlightCost -= costEstimate?(job) ?? 0
          let t = now()
          progress.attempts += 1
          if let cost = s.costUSD { spent += cost; progress.costUSD += cost }
          if let tokens = s.totalTokens { progress.tokens += tokens }
          if let p = s.promptTokens, var l = limiters[job.model] {
            l.correct(estimatedTokens: job.estimatedInputTokens, actualTokens: p)
            limiters[job.model] = l
          }
          if s.rateLimited {
            progress.rateLimited += 1
            concurrency.onRateLimited(now: t)
          }
          switch s.kind {
          case .succeeded:
            progress.succeeded += 1
            concurrency.onSuccess(now: t)
          case .failed:
            progress.failed += 1
          case .retry(let after):
            progress.retries += 1
            if s.rateLimited, let server = s.serverDelay, var l = limiters[job.model] {
              // The server's window is full: hold every request for this model until it frees.
              l.pause(until: t + server.seconds)
              limiters[job.model] = l
            }
            retryQueue.push(job, due: t + after.seconds)
          case .stopRun(let quotaId, let message):
            stop(.quotaStopped,
              "per-day quota \(quotaId ?? "(unnamed)") exhausted for \(job.model); it resets at midnight Pacific time. Run again then to resume. (\(message))")
          case .cancelled:
            break
          }
        }
        progress.inFlight = inFlight
        progress.waiting = retryQueue.count
        progress.concurrencyLimit = concurrency.limit
        progress.stopping = stopping
        let t = now()
        progress.elapsed = t
        if let onProgress, t - lastProgress >= interval {
          lastProgress = t
          onProgress(progress)
        }
      }
      group.cancelAll()
    }
    do {
      try await ledger.close()
    } catch {
      throw StoreWriteError(message: "could not record an outcome: \(error)")
    }
    // Jobs held back (parked, waiting for a retry) stay in the store as waiting/pending: resumable.
    progress.inFlight = 0
    progress.waiting = retryQueue.count + (parked == nil ? 0 : 1)
    progress.elapsed = now()
    progress.stopping = stopping
    onProgress?(progress)
    return (ending, reason, progress)
  }

  /// One attempt: the ledger row is committed before the request leaves. The outcome is queued
  /// for the next group commit without waiting for it, so the slot frees at once (FIFO: the
  /// job's next attempt, if any, commits after it; `close()` waits for all of them).
  private func attempt(_ job: DispatchJob, runId: Int64, ledger: LedgerWriter, random: Double) async -> Event {
    let attemptId: Int64
    do {
      attemptId = try await ledger.attemptStarted(
        AttemptStart(jobId: job.id, runId: runId, attemptNo: job.attempts, requestHash: job.requestHash,
                     streamed: configuration.stream, startedAt: Date().timeIntervalSince1970))
    } catch {
      return .ledgerFailed("could not record the attempt of job \(job.id): \(error)", job)
    }
    let exchange = await transport.send(model: job.model, body: job.body, stream: configuration.stream)
    let (finish, summary) = interpreter.interpret(
      job: job, attemptId: attemptId, attemptNo: job.attempts, runId: runId, exchange: exchange, random: random,
      now: Date().timeIntervalSince1970)
    do {
      try ledger.submitFinished(finish)
    } catch {
      return .ledgerFailed("could not record the outcome of job \(job.id): \(error)", job)
    }
    return .attempt(summary, job)
  }
}

/// The store could not be written: the run stops (what was committed stays consistent).
public struct StoreWriteError: Error, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}

extension RunProgress {
  static let zero = RunProgress(
    elapsed: 0, total: 0, succeeded: 0, failed: 0, inFlight: 0, waiting: 0, attempts: 0, rateLimited: 0, retries: 0,
    tokens: 0, costUSD: 0, unpricedResults: 0, concurrencyLimit: 0, stopping: false)
}

public enum GemBatchInfo {
  public static let version = "0.1.0"
}
