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

  /// What a child task of the run's group returns.
  private enum Child: Sendable {
    case attempt(AttemptSummary, DispatchJob)
    case ledgerFailed(String, DispatchJob)
    case timer
    case interrupt
    case graceExpired
  }

  /// Loads the files into the store, then sends every job that is to run.
  /// - Parameters:
  ///   - interrupts: yields once per SIGINT/SIGTERM/SIGHUP; the first stops new work.
  ///   - onProgress: called at most every `progressInterval` and once at the end.
  public func run(
    interrupts: AsyncStream<Void>? = nil, progressInterval: Duration = .milliseconds(500),
    onLostAttempts: (@Sendable ([LostAttempt]) -> Void)? = nil,
    onInputWarnings: (@Sendable (JobWarnings) -> Void)? = nil,
    onProgress: (@Sendable (RunProgress) -> Void)? = nil
  ) async throws -> RunReport {
    // Checkpoints on their own connection, so no attempt start waits behind one.
    let checkpointer = try BackgroundCheckpointer.start(store)
    defer { checkpointer?.stop() }
    // Attempts left open by a process that died: sent, outcome unknown, possibly billed.
    // A lost attempt counts toward --max-attempts: a job that keeps dying in flight ends failed.
    let lost = try store.recoverLostAttempts(maxAttempts: configuration.retry.maxAttempts)
    if !lost.isEmpty { onLostAttempts?(lost) }
    let runId = try store.beginRun(
      RunStart(endpoint: configuration.endpoint, files: configuration.files, optionsJSON: configuration.optionsJSON,
               version: GemBatchInfo.version))
    var report = RunReport(
      runId: runId, ending: .finished, stopReason: nil, progress: RunProgress.zero, inputErrors: [], lostAttempts: lost,
      alreadySucceeded: 0, failedTotal: 0)

    // 1. Load: every job file is read and synced into the store before anything is sent.
    let load = try JobLoader(
      store: store, defaults: configuration.defaults, retryFailed: configuration.retryFailed, rerun: configuration.rerun
    ).load(files: configuration.files, runId: runId)
    report.inputErrors = load.errors
    report.inputWarnings = load.warnings
    report.alreadySucceeded = load.alreadySucceeded
    // Warnings are seen before anything is sent (a bad line stops the run; a warning does not).
    if load.errors.isEmpty && !load.warnings.isEmpty { onInputWarnings?(load.warnings) }
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
      case .authFailed: .authFailed
      case .unreachable: .unreachable
      case .failFast: .failFast
      case .parked: .parked
      case .storeFailed: .storeFailed
      }
    if ending == .storeFailed {
      // The store may still refuse writes (a full disk): the run row says "running" until the
      // next run marks it crashed, and nothing else is lost.
      try? store.endRun(id: runId, status: status, stopReason: reason)
    } else {
      try store.endRun(id: runId, status: status, stopReason: reason)
    }
    return report
  }

  /// The scheduler's settings for this run.
  var schedulerSettings: RunScheduler.Settings {
    RunScheduler.Settings(
      concurrency: configuration.concurrency, limits: configuration.limits, budgetUSD: configuration.budgetUSD,
      spentBeforeUSD: configuration.spentBeforeUSD, grace: configuration.grace.seconds,
      sameErrorLimit: configuration.failFastAfter, probeModels: configuration.probeModels,
      endpointHost: Self.host(of: configuration.endpoint),
      seed: configuration.seed ?? UInt64.random(in: 0...UInt64.max),
      maxWaitSeconds: configuration.retry.maxServerDelay.seconds)
  }

  /// `host[:port]` of a base URL, for messages.
  static func host(of baseURL: String) -> String {
    guard let u = URL(string: baseURL), let h = u.host else { return baseURL }
    return u.port.map { "\(h):\($0)" } ?? h
  }

  // MARK: - The event loop

  /// Runs the scheduler's decisions: each `.send` becomes a child task, each child's result an
  /// event. Everything that decides lives in `RunScheduler`; this is plumbing.
  private func dispatch(
    runId: Int64, total: Int, interrupts: AsyncStream<Void>?, progressInterval: Duration,
    onProgress: (@Sendable (RunProgress) -> Void)?
  ) async throws -> (RunReport.Ending, String?, RunProgress) {
    let ledger = LedgerWriter(store: store)
    let clock = ContinuousClock()
    let start = clock.now
    func now() -> Double { (clock.now - start).seconds }

    var scheduler = RunScheduler(schedulerSettings, total: total)
    var pager = JobPager(store: store, pageSize: configuration.pageSize, runId: runId, costEstimate: costEstimate)
    var actions: [RunScheduler.Action] = []
    actions.reserveCapacity(64)
    var lastProgress = -Double.infinity
    let interval = progressInterval.seconds
    var ledgerFailureSeen = false

    try await withThrowingTaskGroup(of: Child.self) { group in
      if let interrupts {
        group.addTask {
          for await _ in interrupts { return .interrupt }
          // The stream ended without a signal: park until cancelled.
          try? await Task.sleep(for: .seconds(1_000_000_000))
          return .timer
        }
      }
      var event = RunScheduler.Event.start
      loop: while true {
        actions.removeAll(keepingCapacity: true)
        scheduler.handle(event, now: now(), into: &actions)
        var i = 0
        while i < actions.count {
          let action = actions[i]
          i += 1
          switch action {
          case .send(let job, let draw):
            group.addTask { await self.attempt(job, runId: runId, ledger: ledger, random: draw) }
          case .load:
            let (page, exhausted) = try pager.nextPage()
            scheduler.handle(.loaded(page, exhausted: exhausted), now: now(), into: &actions)
          case .wake(let at):
            let delay = max(0, at - now())
            group.addTask {
              try? await Task.sleep(for: .seconds(delay))
              return .timer
            }
          case .startGrace(let seconds):
            logger.notice(
              "interrupt: no new requests; waiting for \(scheduler.progress.inFlight) in flight (a second interrupt exits at once)")
            group.addTask {
              try? await Task.sleep(for: .seconds(seconds))
              return .graceExpired
            }
          case .cancelInFlight:
            logger.warning(
              "grace period over: cancelling \(scheduler.progress.inFlight) request(s) in flight; they are recorded as lost")
            // Cancels every child, including in-flight requests; their attempts are recorded as lost.
            group.cancelAll()
          case .finish:
            break
          }
        }
        if scheduler.isFinished { break loop }
        let t = now()
        if let onProgress, t - lastProgress >= interval {
          lastProgress = t
          onProgress(scheduler.progress)
        }
        if !ledgerFailureSeen, let f = ledger.failure {
          ledgerFailureSeen = true
          event = .storeFailed("could not record an outcome: \(f)", nil)
          continue
        }
        guard let child = try await group.next() else { break loop }
        switch child {
        case .attempt(let s, let job): event = .finished(s, job)
        case .ledgerFailed(let message, let job): event = .storeFailed(message, job)
        case .timer: event = .timer
        case .interrupt: event = .interrupt
        case .graceExpired: event = .graceExpired
        }
      }
      group.cancelAll()
    }
    var ending = scheduler.ending
    var reason = scheduler.reason
    do {
      try await ledger.close()
    } catch {
      if ending != .storeFailed {
        ending = .storeFailed
        reason = "could not record an outcome: \(error)"
      }
    }
    // Jobs held back (parked, waiting for a retry) stay in the store as waiting/pending: resumable.
    var progress = scheduler.progress
    progress.elapsed = now()
    onProgress?(progress)
    return (ending, reason, progress)
  }

  /// One attempt: the ledger row is committed before the request leaves. The outcome is queued
  /// for the next group commit without waiting for it, so the slot frees at once (FIFO: the
  /// job's next attempt, if any, commits after it; `close()` waits for all of them).
  private func attempt(_ job: DispatchJob, runId: Int64, ledger: LedgerWriter, random: Double) async -> Child {
    let attemptId: Int64
    do {
      attemptId = try await ledger.attemptStarted(
        AttemptStart(
          jobId: job.id, runId: runId, attemptNo: job.attempts,
          // A repair sends another body: the attempt records what it sent; the job keeps its own.
          requestHash: job.purpose == nil ? job.requestHash : Job.hash(model: job.model, body: job.body),
          streamed: configuration.stream, startedAt: Date().timeIntervalSince1970,
          purpose: job.purpose ?? .plain(attemptNo: job.attempts)))
    } catch {
      return .ledgerFailed("could not record the attempt of job \(job.id): \(error)", job)
    }
    let exchange = await transport.send(model: job.model, body: job.body, stream: configuration.stream)
    var (finish, summary) = interpreter.interpret(
      job: job, attemptId: attemptId, attemptNo: job.attempts, runId: runId, exchange: exchange, random: random,
      now: Date().timeIntervalSince1970)
    if case .resend(var next) = summary.kind, let costEstimate {
      next.maxCostUSD = costEstimate(next)
      summary.kind = .resend(next)
    }
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

public enum GemBatchInfo {
  public static let version = "0.1.0"
}
