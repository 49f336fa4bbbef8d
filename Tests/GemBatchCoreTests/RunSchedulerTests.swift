import Foundation
import GeminiAPI
import GeminiMock
import Testing

@testable import GemBatchCore

/// `RunScheduler` driven by `SchedulerSim`: every decision of the run loop, in simulated time.
@Suite struct RunSchedulerTests {
  typealias Sim = SchedulerSim

  static func ok(_ job: DispatchJob, cost: Double? = nil) -> (latency: Double, summary: AttemptSummary) {
    (0.5, Sim.summary(.succeeded, job, cost: cost))
  }

  // MARK: - Feeding and finishing

  @Test func everyJobIsSentOnceAndPagesAreLoadedOnlyWhenNeeded() {
    var sim = Sim(.init(concurrency: 8), jobs: Sim.jobs(250), pageSize: 100) { job, _ in Self.ok(job) }
    sim.run()
    #expect(sim.finished)
    #expect(sim.scheduler.ending == .finished)
    #expect(sim.sent.count == 250)
    #expect(Set(sim.sent.map(\.job.id)).count == 250)
    #expect(sim.maxInFlight == 8)
    #expect(sim.loads == 3)
    #expect(sim.scheduler.progress.succeeded == 250)
    #expect(sim.scheduler.progress.inFlight == 0)
    // Each send counts the attempt.
    #expect(sim.sent.allSatisfy { $0.job.attempts == 1 })
  }

  @Test func anEmptyRunFinishesAtOnce() {
    var sim = Sim(.init(concurrency: 8), jobs: []) { job, _ in Self.ok(job) }
    sim.run()
    #expect(sim.finished)
    #expect(sim.sent.isEmpty)
    #expect(sim.scheduler.ending == .finished)
  }

  @Test func retriesWaitTheirDelayThenGoAgain() {
    var seen: Set<String> = []
    var sim = Sim(.init(concurrency: 4), jobs: Sim.jobs(10)) { job, _ in
      if seen.insert(job.id).inserted { return (0.1, Sim.summary(.retry(after: .seconds(5)), job)) }
      return Self.ok(job)
    }
    sim.run()
    #expect(sim.sent.count == 20)
    #expect(sim.scheduler.progress.retries == 10)
    #expect(sim.scheduler.progress.succeeded == 10)
    for id in seen {
      let times = sim.sent.filter { $0.job.id == id }.map(\.t)
      #expect(times.count == 2)
      #expect(times[1] - times[0] >= 5.1 - 1e-9)
      #expect(sim.sent.last { $0.job.id == id }!.job.attempts == 2)
    }
  }

  // MARK: - Budget over the store

  @Test func theBudgetCoversWhatTheStoreSpentBefore() {
    // Each job may cost up to $0.01 and costs $0.008. $0.05 was spent by earlier runs.
    let settings = RunScheduler.Settings(concurrency: 4, budgetUSD: 0.10, spentBeforeUSD: 0.05)
    var sim = Sim(settings, jobs: Sim.jobs(100, maxCost: 0.01)) { job, _ in Self.ok(job, cost: 0.008) }
    sim.run()
    #expect(sim.scheduler.ending == .budgetStopped)
    #expect(sim.scheduler.storeSpentUSD <= 0.10 + 1e-12)
    // It used what was left: at least four more jobs would have crossed the cap.
    #expect(sim.scheduler.storeSpentUSD > 0.10 - 0.01 - 1e-12)
    #expect(sim.sent.count == 6)
    let reason = sim.scheduler.reason ?? ""
    #expect(reason.contains("spent $0.0980") && reason.contains("left"), "\(reason)")
  }

  @Test func theBudgetWaitsForInFlightCostsToSettleBeforeStopping() {
    // Four in flight reserve $0.04 of a $0.05 cap; as they settle at $0.001 each, more may go.
    let settings = RunScheduler.Settings(concurrency: 4, budgetUSD: 0.05)
    var sim = Sim(settings, jobs: Sim.jobs(100, maxCost: 0.01)) { job, _ in Self.ok(job, cost: 0.001) }
    sim.run()
    #expect(sim.scheduler.ending == .budgetStopped)
    #expect(sim.sent.count > 30)
    #expect(sim.scheduler.storeSpentUSD <= 0.05 + 1e-12)
  }

  @Test func anUnpricedJobCannotRunUnderABudget() {
    var sim = Sim(.init(concurrency: 4, budgetUSD: 1), jobs: Sim.jobs(5, maxCost: nil)) { job, _ in Self.ok(job) }
    sim.run()
    #expect(sim.sent.isEmpty)
    #expect(sim.scheduler.ending == .budgetStopped)
    #expect(sim.scheduler.reason?.contains("no price") == true)
  }

  // MARK: - Per-day quota

  @Test func aPerDayQuotaStopsTheRun() {
    var sim = Sim(.init(concurrency: 1), jobs: Sim.jobs(20)) { job, _ in
      job.seq < 5 ? Self.ok(job) : (0.1, Sim.summary(.stopRun(quotaId: "PerDay", message: "quota"), job))
    }
    sim.run()
    #expect(sim.scheduler.ending == .quotaStopped)
    #expect(sim.sent.count == 6)
    #expect(sim.scheduler.reason?.contains("PerDay") == true)
  }

  @Test func beforeTheQuotaResetsAResumeSendsOneProbeFirst() {
    // Still exhausted: one request, then the run stops.
    var still = Sim(.init(concurrency: 64, probeModels: ["m"]), jobs: Sim.jobs(100)) { job, _ in
      (0.2, Sim.summary(.stopRun(quotaId: "PerDay", message: "quota"), job))
    }
    still.run()
    #expect(still.sent.count == 1)
    #expect(still.scheduler.ending == .quotaStopped)
    // Reset after all: the probe succeeds and the run goes on at full concurrency.
    var reset = Sim(.init(concurrency: 64, probeModels: ["m"]), jobs: Sim.jobs(100)) { job, _ in Self.ok(job) }
    reset.run()
    #expect(reset.sent.count == 100)
    #expect(reset.sent[1].t >= 0.5)  // nothing else left before the probe's answer
    #expect(reset.maxInFlight == 64)
    #expect(reset.scheduler.ending == .finished)
  }

  // MARK: - 429: pause and adaptive concurrency

  final class QuotaServer {
    var tracker = QuotaTracker()
    let limits: QuotaLimits
    let policy = RetryPolicy(maxAttempts: 1000)
    var refused = 0
    init(rpm: Int) { limits = QuotaLimits(rpm: rpm) }

    func answer(_ job: DispatchJob, _ now: Double) -> (latency: Double, summary: AttemptSummary) {
      if let r = tracker.admit(model: job.model, inputTokens: job.estimatedInputTokens, limits: limits, now: now) {
        refused += 1
        let delay = Duration.milliseconds(Int64(r.retryAfter * 1000))
        let cls = ErrorClass.rateLimited(suggestedDelay: delay, daily: false, quotaId: "PerMinute")
        guard case .retry(let after) = policy.decide(cls, attempt: job.attempts, random: 0.5) else { fatalError() }
        return (0.05, Sim.summary(.retry(after: after), job, rateLimited: true, serverDelay: delay))
      }
      return (0.3, Sim.summary(.succeeded, job))
    }
  }

  @Test func a429HalvesConcurrencyPausesTheModelAndGrowsBack() {
    // A burst of 20 where the server takes 10: the other 10 are refused with a 5 s RetryInfo.
    var burst = 0
    var sim = Sim(.init(concurrency: 20), jobs: Sim.jobs(200)) { job, now in
      if now == 0 {
        burst += 1
        if burst > 10 {
          return (0.05, Sim.summary(.retry(after: .seconds(5)), job, rateLimited: true, serverDelay: .seconds(5)))
        }
      }
      return (0.3, Sim.summary(.succeeded, job))
    }
    sim.run(limit: 1)
    #expect(sim.scheduler.progress.rateLimited == 10)
    #expect(sim.scheduler.progress.concurrencyLimit == 10)  // halved once: one burst counts once
    // Nothing leaves while the server's window is full (the model's limiter is paused).
    #expect(!sim.sent.contains { $0.t > 0 && $0.t < 5.05 - 1e-9 })
    sim.run()
    #expect(sim.scheduler.progress.succeeded == 200)
    #expect(sim.scheduler.progress.retries == 10)
    // After the cooldown, every `limit` successes add one, back up to the maximum.
    #expect(sim.scheduler.progress.concurrencyLimit == 20)
  }

  // MARK: - RPM spacing over a simulated hour

  @Test func theRPMLimiterMeetsTheServersOwnWindowForAnHour() {
    // 600 requests per minute for an hour, against the mock's own sliding-window tracker.
    let n = 36_000
    let spaced = QuotaServer(rpm: 600)
    var limits = ModelLimits()
    limits.defaultLimit = .init(rpm: 600)
    var sim = Sim(.init(concurrency: 64, limits: limits), jobs: Sim.jobs(n), pageSize: 2048) { spaced.answer($0, $1) }
    sim.run()
    #expect(spaced.refused == 0)
    #expect(sim.scheduler.progress.succeeded == n)
    // The 1% margin costs 1% of the rate and no more.
    let last = sim.sent.last!.t
    #expect(last > 3600 && last < 3600 * 1.011, "last request at \(last) s")
    // The control: the same server without --rpm refuses requests.
    let burst = QuotaServer(rpm: 600)
    var control = Sim(.init(concurrency: 64), jobs: Sim.jobs(3_000)) { burst.answer($0, $1) }
    control.run()
    #expect(burst.refused > 100)
  }

  // MARK: - Interrupt and grace

  @Test func anInterruptLetsInFlightRequestsFinishWithinTheGrace() {
    var sim = Sim(.init(concurrency: 4, grace: 30), jobs: Sim.jobs(100), interruptsAt: [1.2]) { job, _ in
      (1.0, Sim.summary(.succeeded, job))
    }
    sim.run()
    #expect(sim.scheduler.ending == .interrupted)
    #expect(sim.cancelled == 0)
    #expect(sim.sent.count == 8)  // two waves of 4 had left; none after the signal
    #expect(!sim.sent.contains { $0.t > 1.2 })
    #expect(sim.scheduler.progress.succeeded == 8)
  }

  @Test func theGraceExpiresAndCancelsWhatIsStillInFlight() {
    var sim = Sim(.init(concurrency: 4, grace: 30), jobs: Sim.jobs(10), interruptsAt: [1]) { job, _ in
      (1_000, Sim.summary(.succeeded, job))
    }
    sim.run()
    #expect(sim.graceStartedAt == 1)
    #expect(sim.cancelled == 4)
    #expect(sim.scheduler.ending == .interrupted)
    #expect(sim.now == 31)
    #expect(sim.scheduler.progress.succeeded == 0)
  }

  // MARK: - What cannot succeed stops early

  @Test func aRejectedKeyStopsTheRunAtOnce() {
    var sim = Sim(.init(concurrency: 2, endpointHost: "api.example"), jobs: Sim.jobs(500)) { job, _ in
      (0.1, Sim.summary(.authFailed(message: "API key not valid"), job))
    }
    sim.run()
    #expect(sim.scheduler.ending == .authFailed)
    #expect(sim.sent.count == 2)
    #expect(sim.scheduler.progress.failed == 0)
    #expect(sim.scheduler.reason?.contains("api.example") == true)
  }

  @Test func anUnreachableEndpointStopsAfterAFewAttempts() {
    var sim = Sim(.init(concurrency: 2, unreachableLimit: 3, endpointHost: "10.0.0.1:9"), jobs: Sim.jobs(50_000)) {
      job, _ in
      (10, Sim.summary(.retry(after: .seconds(1)), job, transportFailure: "connect timeout"))
    }
    sim.run()
    #expect(sim.scheduler.ending == .unreachable)
    // Two in the first wave; after their failures, one at a time until the third.
    #expect(sim.sent.count == 3)
    #expect(sim.now == 20)
    #expect(sim.scheduler.progress.failed == 0)
    #expect(sim.scheduler.reason?.contains("10.0.0.1:9: connect timeout") == true)
  }

  @Test func connectFailuresAfterASuccessAreOnlyRetried() {
    var n = 0
    var sim = Sim(.init(concurrency: 1, unreachableLimit: 3), jobs: Sim.jobs(10)) { job, _ in
      n += 1
      if n == 1 || n > 8 { return Self.ok(job) }
      return (0.1, Sim.summary(.retry(after: .seconds(1)), job, transportFailure: "connection refused"))
    }
    sim.run()
    #expect(sim.scheduler.ending == .finished)
    #expect(sim.scheduler.progress.succeeded == 10)
  }

  @Test func onePermanentErrorOverAndOverHoldsTheModel() {
    let bad = Sim.jobs(60, model: "bad")
    let good = Sim.jobs(30, model: "good")
    var jobs: [DispatchJob] = []
    for i in 0..<60 {
      jobs.append(bad[i])
      if i < 30 { jobs.append(good[i]) }
    }
    for i in jobs.indices { jobs[i].seq = i }
    func server(_ job: DispatchJob, _ now: Double) -> (latency: Double, summary: AttemptSummary) {
      job.model == "good"
        ? Self.ok(job)
        : (0.1, Sim.summary(.failed(failureClass: "permanent"), job, signature: "400 INVALID_ARGUMENT: bad field"))
    }
    var sim = Sim(.init(concurrency: 1, sameErrorLimit: 20), jobs: jobs, server: server)
    sim.run()
    #expect(sim.scheduler.ending == .failFast)
    #expect(sim.sent.filter { $0.job.model == "bad" }.count == 20)
    #expect(sim.sent.filter { $0.job.model == "good" }.count == 30)
    #expect(sim.scheduler.progress.held == 40)
    #expect(sim.scheduler.reason?.contains("bad field") == true)
    #expect(sim.scheduler.reason?.contains("--no-fail-fast") == true)

    var off = Sim(.init(concurrency: 1, sameErrorLimit: nil), jobs: jobs, server: server)
    off.run()
    #expect(off.scheduler.ending == .finished)
    #expect(off.sent.count == 90)
  }

  @Test func mixedOutcomesNeverTripFailFast() {
    var sim = Sim(.init(concurrency: 1, sameErrorLimit: 5), jobs: Sim.jobs(40)) { job, _ in
      job.seq == 3
        ? Self.ok(job)
        : (0.1, Sim.summary(.failed(failureClass: "permanent"), job, signature: "400: same"))
    }
    sim.run()
    #expect(sim.scheduler.ending == .finished)
    #expect(sim.sent.count == 40)
  }

  // MARK: - Parked jobs and store failures

  @Test func aJobParkedForAServerDelayPastTheCapStopsTheRunResumable() {
    var sim = Sim(.init(concurrency: 2), jobs: Sim.jobs(10)) { job, now in
      job.seq == 4
        ? (0.1, Sim.summary(.parked(until: 1_900_000_000, delay: .seconds(315_360_000), reason: "wait 10 years"), job))
        : Self.ok(job)
    }
    sim.run()
    #expect(sim.scheduler.ending == .parked)
    #expect(sim.scheduler.reason == "wait 10 years")
    #expect(sim.sent.count == 6)  // nothing after the park; the one in flight ended
    #expect(sim.scheduler.progress.parked == 1)
    #expect(sim.scheduler.progress.succeeded == 5)
    // The ETA leaves the parked job out.
    let p = sim.scheduler.progress
    #expect(abs((p.eta ?? -1) - Double(10 - 5 - 1) / p.jobsPerSecond) < 1e-9)
  }

  /// Jobs an earlier run left waiting come first in the first page: one due within the cap is
  /// sent at its time, one due past it is never sent and the run ends `.parked`, naming it.
  @Test func jobsLeftWaitingByAnEarlierRunKeepTheirTime() {
    var jobs = Sim.jobs(6)
    jobs[0].waitSeconds = 120
    jobs[0].notBefore = 1_800_000_120
    jobs[1].waitSeconds = 86_400 * 365
    jobs[1].notBefore = 1_831_536_000
    jobs[2].waitSeconds = 0
    jobs[2].notBefore = 1_700_000_000
    var sim = Sim(.init(concurrency: 4, maxWaitSeconds: 3600), jobs: jobs) { job, _ in Self.ok(job) }
    sim.run()
    let sentAt = Dictionary(uniqueKeysWithValues: sim.sent.map { ($0.job.id, $0.t) })
    #expect(sentAt["m-1"] == nil)
    #expect((sentAt["m-0"] ?? 0) >= 120)
    #expect(sentAt["m-2"] == 0)
    #expect(sim.sent.count == 5)
    #expect(sim.scheduler.ending == .parked)
    #expect(sim.scheduler.reason?.contains("1 job(s) still parked") == true)
    #expect(sim.scheduler.reason?.contains("m-1") == true)
    #expect(sim.scheduler.reason?.contains("2028-01-15") == true, "\(sim.scheduler.reason ?? "")")
    #expect(sim.scheduler.progress.parked == 1)
    #expect(sim.scheduler.progress.succeeded == 5)
  }

  @Test func withoutACapAJobLeftWaitingIsWaitedFor() {
    var jobs = Sim.jobs(2)
    jobs[0].waitSeconds = 86_400
    jobs[0].notBefore = 1_800_086_400
    var sim = Sim(.init(concurrency: 2), jobs: jobs) { job, _ in Self.ok(job) }
    sim.run()
    #expect(sim.scheduler.ending == .finished)
    #expect(sim.sent.map(\.job.id) == ["m-1", "m-0"])
    #expect((sim.sent.last?.t ?? 0) >= 86_400)
  }

  @Test func aStoreFailureStopsNewWorkAndLetsInFlightRequestsEnd() {
    var sim = Sim(.init(concurrency: 4), jobs: Sim.jobs(100), storeFailsAt: 2.2) { job, _ in
      (1.0, Sim.summary(.succeeded, job))
    }
    sim.run()
    #expect(sim.scheduler.ending == .storeFailed)
    #expect(sim.sent.count == 12)
    #expect(sim.scheduler.progress.succeeded == 12)
    #expect(sim.scheduler.reason == "disk full")
  }

  // MARK: - Server numbers never trap

  @Test func absurdTokenCountsSaturate() {
    var sim = Sim(.init(concurrency: 1), jobs: Sim.jobs(3)) { job, _ in
      var s = Sim.summary(.succeeded, job, cost: .infinity)
      s.totalTokens = .max
      return (0.1, s)
    }
    sim.run()
    #expect(sim.scheduler.progress.tokens == .max)
    #expect(sim.scheduler.progress.costUSD == 0)
  }
}
