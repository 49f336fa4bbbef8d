import Foundation
import GeminiAPI

/// Every decision of a run's dispatch loop, as a value: events in, actions out.
///
/// No I/O, no clock and no randomness of its own: `now` (seconds on a monotonic scale) comes
/// with each event, and the retry jitter comes from a seeded generator it owns. `Runner` turns
/// the actions into child tasks of its one task group and feeds their results back as events;
/// tests drive it in microseconds with no sleeping (AHC's `Transaction+StateMachine` pattern).
///
/// What it decides: which job is next (fresh, a due retry, or the one parked on a future rate
/// slot), the per-model rate-limit reservation and its correction from the returned usage, the
/// pause after a 429 and the adaptive concurrency limit, the budget over the store's spend, the
/// per-day-quota stop and the probe after one, the interrupt and its grace, the early stops on what
/// cannot succeed (a rejected key, an endpoint that cannot be reached, one permanent error over and
/// over), jobs parked for a server delay past the cap, and when the run is over.
public struct RunScheduler: Sendable {
  public struct Settings: Sendable {
    /// Most requests in flight (the adaptive limit moves below it on 429s).
    public var concurrency: Int
    public var limits: ModelLimits
    /// The cap on what the store spends on these jobs, over all runs.
    public var budgetUSD: Double?
    /// What the store had spent on these jobs before this run.
    public var spentBeforeUSD: Double
    /// Seconds requests in flight may take after an interrupt.
    public var grace: Double
    /// Hold a model once its first this-many final outcomes are all one permanent error; nil: never.
    public var sameErrorLimit: Int?
    /// Stop when nothing has succeeded yet and this many attempts could not reach the endpoint.
    public var unreachableLimit: Int
    /// Models whose per-day quota stopped an earlier run before its reset: one request first.
    public var probeModels: Set<String>
    /// The endpoint's host, for messages.
    public var endpointHost: String
    /// Seed of the retry jitter.
    public var seed: UInt64
    /// The longest wait the run takes on for a job an earlier run left waiting (`--max-retry-delay`);
    /// one due later stays parked, unsent, and the run ends `.parked`. nil: no cap.
    public var maxWaitSeconds: Double?

    public init(
      concurrency: Int, limits: ModelLimits = ModelLimits(), budgetUSD: Double? = nil, spentBeforeUSD: Double = 0,
      grace: Double = 30, sameErrorLimit: Int? = 20, unreachableLimit: Int = 3, probeModels: Set<String> = [],
      endpointHost: String = "the endpoint", seed: UInt64 = 0, maxWaitSeconds: Double? = nil
    ) {
      self.maxWaitSeconds = maxWaitSeconds
      self.concurrency = max(1, concurrency)
      self.limits = limits
      self.budgetUSD = budgetUSD
      self.spentBeforeUSD = max(0, spentBeforeUSD)
      self.grace = max(0, grace)
      self.sameErrorLimit = sameErrorLimit.map { max(1, $0) }
      self.unreachableLimit = max(1, unreachableLimit)
      self.probeModels = probeModels
      self.endpointHost = endpointHost
      self.seed = seed
    }
  }

  public enum Event: Sendable {
    /// The run begins: feed the first jobs.
    case start
    /// A page of runnable jobs from the store (answer to `.load`); `exhausted` when it was the last.
    case loaded([DispatchJob], exhausted: Bool)
    /// An attempt ended and its outcome is queued for the ledger.
    case finished(AttemptSummary, DispatchJob)
    /// An attempt's start or outcome could not be recorded: the store cannot be written.
    case storeFailed(String, DispatchJob?)
    /// A timer asked for with `.wake` fired (or any wake-up: the time is what matters).
    case timer
    /// SIGINT, SIGTERM or SIGHUP.
    case interrupt
    /// The grace period asked for with `.startGrace` is over.
    case graceExpired
  }

  public enum Action: Sendable {
    /// Start an attempt of this job (its `attempts` already counts it); `draw` is its jitter draw.
    case send(DispatchJob, draw: Double)
    /// Fetch the next page of runnable jobs and answer with `.loaded`.
    case load
    /// Send `.timer` at (or after) this time.
    case wake(at: Double)
    /// Send `.graceExpired` after this many seconds.
    case startGrace(after: Double)
    /// Cancel every request in flight (their attempts end as lost).
    case cancelInFlight
    /// Nothing is left to do: the loop ends.
    case finish
  }

  public let settings: Settings
  public private(set) var progress = RunProgress.zero
  public private(set) var ending = RunReport.Ending.finished
  public private(set) var reason: String?
  public private(set) var isFinished = false
  /// A stop was decided: no new request leaves.
  public var isStopping: Bool { stopping }

  private var rng: SplitMix64
  private var limiters: [String: RateLimiter] = [:]
  private var concurrency: AdaptiveConcurrency
  private var fresh: [DispatchJob] = []
  private var freshIndex = 0
  private var freshExhausted = false
  private var loading = false
  private var retryQueue = RetryQueue()
  /// The one job waiting on a future rate slot, the budget or a quota probe; it goes first.
  private var parked: DispatchJob?
  private var budgetWait = false
  private var inFlight = 0
  private var inFlightCost = 0.0
  private var spent = 0.0
  private var timerDeadline: Double?
  private var stopping = false
  private var graceStarted = false
  private var probes: Set<String>
  private var probing: Set<String> = []
  private var anySucceeded = false
  private var unreachable = 0
  private var sameError: [String: SameErrorTrack] = [:]
  /// Models held after one permanent error over and over, with the error.
  private var held: [String: String] = [:]
  /// Jobs an earlier run parked whose time is further off than `maxWaitSeconds`: not sent.
  private var stillParked = 0
  private var firstStillParked: (id: String, notBefore: Double)?

  private struct SameErrorTrack {
    var finals = 0
    var signature: String?
    var mixed = false
  }

  public init(_ settings: Settings, total: Int) {
    self.settings = settings
    rng = SplitMix64(seed: settings.seed)
    concurrency = AdaptiveConcurrency(maximum: settings.concurrency)
    probes = settings.probeModels
    progress.total = total
    progress.concurrencyLimit = concurrency.limit
  }

  /// Spend that counts against the budget: the store's earlier runs plus this one.
  public var storeSpentUSD: Double { settings.spentBeforeUSD + spent }

  // MARK: - Events

  /// Takes one event at `now`; appends what to do to `actions` (kept by the caller, so the hot
  /// path allocates nothing per event).
  public mutating func handle(_ event: Event, now: Double, into actions: inout [Action]) {
    guard !isFinished else { return }
    switch event {
    case .start:
      break
    case .loaded(var page, let exhausted):
      loading = false
      if page.first?.waitSeconds != nil { page = holdWaiting(page, now: now) }
      if freshIndex >= fresh.count {
        fresh = page
        freshIndex = 0
      } else {
        fresh.removeFirst(freshIndex)
        freshIndex = 0
        fresh.append(contentsOf: page)
      }
      freshExhausted = exhausted
    case .timer:
      if let d = timerDeadline, d <= now + 0.0005 { timerDeadline = nil }
    case .interrupt:
      if !graceStarted {
        graceStarted = true
        stop(.interrupted, "interrupted: requests in flight finish within \(Int(settings.grace)) s")
        if inFlight > 0 { actions.append(.startGrace(after: settings.grace)) }
      }
    case .graceExpired:
      if inFlight > 0 { actions.append(.cancelInFlight) }
    case .storeFailed(let message, let job):
      if let job { endAttempt(job) }
      stop(.storeFailed, message)
    case .finished(let summary, let job):
      finished(summary, job, now: now)
    }
    feed(now: now, into: &actions)
    if mayStart, parked == nil, let due = retryQueue.nextDue {
      arm(at: due, into: &actions)
    }
    let freshDone = freshExhausted && freshIndex >= fresh.count && !loading
    let idle = inFlight == 0 && parked == nil && retryQueue.isEmpty && (stopping || freshDone)
    if idle || (stopping && inFlight == 0) {
      finish(now: now)
      actions.append(.finish)
    }
    progress.inFlight = inFlight
    progress.waiting = retryQueue.count + (parked == nil ? 0 : 1)
    progress.concurrencyLimit = concurrency.limit
    progress.stopping = stopping
    progress.elapsed = now
  }

  /// A convenience for tests: the actions of one event.
  public mutating func handle(_ event: Event, now: Double) -> [Action] {
    var actions: [Action] = []
    handle(event, now: now, into: &actions)
    return actions
  }

  // MARK: - Feeding

  /// Whether a request may start now (before rate slots and the budget have their say).
  private var mayStart: Bool {
    guard !stopping && inFlight < concurrency.limit else { return false }
    // The endpoint may be unreachable: nothing more leaves until the requests already out
    // answer, so a dead host costs one wave (one connect timeout), not one per job.
    return anySucceeded || unreachable == 0 || inFlight == 0
  }

  private mutating func feed(now t: Double, into actions: inout [Action]) {
    while mayStart {
      var job: DispatchJob
      if let p = parked {
        if budgetWait && inFlight > 0 { return }
        if probing.contains(p.model) { return }
        budgetWait = false
        parked = nil
        job = p
      } else if let r = retryQueue.popDue(now: t) {
        job = r
      } else if freshIndex < fresh.count {
        job = fresh[freshIndex]
        freshIndex += 1
        if freshIndex == fresh.count {
          fresh.removeAll(keepingCapacity: true)
          freshIndex = 0
        }
      } else {
        if !freshExhausted && !loading {
          loading = true
          actions.append(.load)
        }
        return
      }
      if held[job.model] != nil {
        // Held: left pending (or waiting) in the store for a run after the requests are fixed.
        progress.held += 1
        continue
      }
      if probes.contains(job.model) {
        if probing.contains(job.model) {
          parked = job
          return
        }
      }
      var limiter = limiters[job.model] ?? makeLimiter(job.model)
      let at = limiter.earliestStart(now: t, tokens: job.estimatedInputTokens)
      if at > t + 0.0005 {
        limiters[job.model] = limiter
        parked = job
        arm(at: at, into: &actions)
        return
      }
      if let budget = settings.budgetUSD {
        switch BudgetGuard(limitUSD: budget).decide(
          spentUSD: storeSpentUSD, inFlightMaxUSD: inFlightCost, nextMaxUSD: job.maxCostUSD)
        {
        case .start:
          break
        case .wait:
          parked = job
          budgetWait = true
          return
        case .stop(let why):
          parked = job
          stop(.budgetStopped, why)
          return
        }
      }
      if probes.contains(job.model) { probing.insert(job.model) }
      limiter.reserve(at: max(at, t), tokens: job.estimatedInputTokens)
      limiters[job.model] = limiter
      job.attempts += 1
      inFlight += 1
      inFlightCost += job.maxCostUSD ?? 0
      actions.append(.send(job, draw: rng.nextUnit()))
    }
  }

  /// Jobs an earlier run left waiting go to the retry queue at their time, or stay parked when
  /// that is further off than the run will wait; the rest of the page is returned.
  private mutating func holdWaiting(_ page: [DispatchJob], now t: Double) -> [DispatchJob] {
    var rest: [DispatchJob] = []
    rest.reserveCapacity(page.count)
    for var job in page {
      guard let wait = job.waitSeconds else {
        rest.append(job)
        continue
      }
      job.waitSeconds = nil
      if wait <= 0 {
        rest.append(job)
      } else if let cap = settings.maxWaitSeconds, wait > cap {
        stillParked += 1
        progress.parked += 1
        let until = job.notBefore ?? 0
        if firstStillParked.map({ until < $0.notBefore }) ?? true { firstStillParked = (job.id, until) }
      } else {
        retryQueue.push(job, due: t + wait)
      }
    }
    return rest
  }

  private func makeLimiter(_ model: String) -> RateLimiter {
    let l = settings.limits.limit(for: model)
    return RateLimiter(requestsPerMinute: l.rpm, tokensPerMinute: l.tpm)
  }

  private mutating func arm(at t: Double, into actions: inout [Action]) {
    if let d = timerDeadline, d <= t { return }
    timerDeadline = t
    actions.append(.wake(at: t))
  }

  // MARK: - Outcomes

  private mutating func endAttempt(_ job: DispatchJob) {
    inFlight -= 1
    inFlightCost = max(0, inFlightCost - (job.maxCostUSD ?? 0))
  }

  private mutating func finished(_ s: AttemptSummary, _ job: DispatchJob, now t: Double) {
    endAttempt(job)
    progress.attempts += 1
    if let cost = s.costUSD, cost.isFinite, cost >= 0 {
      spent += cost
      progress.costUSD += cost
    }
    if let tokens = s.totalTokens, tokens > 0 { progress.tokens = progress.tokens.addingSaturating(tokens) }
    if let p = s.promptTokens, var l = limiters[job.model] {
      l.correct(estimatedTokens: job.estimatedInputTokens, actualTokens: p)
      limiters[job.model] = l
    }
    if s.rateLimited {
      progress.rateLimited += 1
      concurrency.onRateLimited(now: t)
    }
    if probing.remove(job.model) != nil {
      // The probe answered: unless the per-day quota is still out, the model runs normally.
      if case .stopRun = s.kind {} else { probes.remove(job.model) }
    }
    if s.transportFailure != nil, !anySucceeded {
      unreachable += 1
    }
    switch s.kind {
    case .succeeded:
      progress.succeeded += 1
      anySucceeded = true
      concurrency.onSuccess(now: t)
      noteFinal(job.model, signature: nil)
    case .failed:
      progress.failed += 1
      noteFinal(job.model, signature: s.failureSignature)
    case .retry(let after):
      progress.retries += 1
      if s.rateLimited, let server = s.serverDelay, var l = limiters[job.model] {
        // The server's window is full: hold every request for this model until it frees.
        l.pause(until: t + server.seconds)
        limiters[job.model] = l
      }
      retryQueue.push(job, due: t + after.seconds)
    case .stopRun(let quotaId, let message):
      stop(
        .quotaStopped,
        "per-day quota \(quotaId ?? "(unnamed)") exhausted for \(job.model); it resets at midnight Pacific time. Run again then to resume. (\(message))"
      )
    case .authFailed(let message):
      stop(.authFailed, "\(settings.endpointHost) refused the API key: \(message); no job was marked failed")
    case .parked(_, _, let why):
      // Waiting the server's delay out would hold the run for longer than anyone asked: the
      // job stays in the store until then, and the run stops, resumable.
      progress.parked += 1
      stop(.parked, why)
    case .resend(let next):
      progress.repairs += 1
      retryQueue.push(next, due: t)
    case .cancelled:
      break
    }
    if let cause = s.transportFailure, !anySucceeded, unreachable >= settings.unreachableLimit {
      stop(
        .unreachable,
        "cannot reach \(settings.endpointHost): \(cause) (\(unreachable) attempts, none succeeded); no job was marked failed"
      )
    }
  }

  /// Fail fast: the first `sameErrorLimit` final outcomes of a model all one permanent error
  /// mean the requests themselves are wrong; the model's other jobs would only fail the same way.
  private mutating func noteFinal(_ model: String, signature: String?) {
    guard let limit = settings.sameErrorLimit, held[model] == nil else { return }
    var track = sameError[model] ?? SameErrorTrack()
    defer { sameError[model] = track }
    guard !track.mixed else { return }
    guard let signature else {
      track.mixed = true
      return
    }
    if track.finals == 0 {
      track.signature = signature
    } else if track.signature != signature {
      track.mixed = true
      return
    }
    track.finals += 1
    if track.finals >= limit { held[model] = signature }
  }

  // MARK: - Stopping

  private mutating func stop(_ e: RunReport.Ending, _ why: String) {
    guard !stopping else { return }
    stopping = true
    ending = e
    reason = why
  }

  private mutating func finish(now: Double) {
    isFinished = true
    if !stopping || ending == .finished {
      if !held.isEmpty {
        ending = .failFast
        reason = held.keys.sorted().map { model in
          "\(model): the first \(settings.sameErrorLimit ?? 0) answers were all the same error (\(held[model]!)); its other jobs are held, still pending"
        }.joined(separator: "; ") + ". Fix the requests and run again, or pass --no-fail-fast"
      }
      if let first = firstStillParked {
        let what =
          "\(stillParked) job(s) still parked by a server's delay, not sent (the first, \(first.id), may be tried "
          + "after \(DelayText.date(first.notBefore))); run the same command after then"
        if ending == .failFast {
          reason = (reason ?? "") + "; " + what
        } else {
          ending = .parked
          reason = what
        }
      }
    }
    progress.elapsed = now
    progress.inFlight = 0
    progress.stopping = stopping
  }
}

extension Int {
  /// `self + n`, stopping at `Int.max` instead of trapping (server-given counts).
  func addingSaturating(_ n: Int) -> Int {
    let (r, o) = addingReportingOverflow(n)
    return o ? (n > 0 ? .max : .min) : r
  }
}
