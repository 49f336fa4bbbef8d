import GeminiAPI
import Testing

@testable import GemBatchCore

/// A discrete-event world for `RunScheduler`: jobs served in pages, a server that answers each
/// request after a latency, timers and signals. Time jumps from one event to the next, so an
/// hour of scheduling runs in milliseconds and nothing depends on the machine's speed.
struct SchedulerSim {
  /// What the server does with a request sent at `now`: the latency and the attempt's summary.
  typealias Server = (DispatchJob, Double) -> (latency: Double, summary: AttemptSummary)

  var scheduler: RunScheduler
  private(set) var now = 0.0
  private var pages: [[DispatchJob]]
  private let server: Server
  private(set) var sent: [(t: Double, job: DispatchJob)] = []
  private(set) var outcomes: [(t: Double, job: DispatchJob, summary: AttemptSummary)] = []
  private(set) var maxInFlight = 0
  private(set) var loads = 0
  private(set) var cancelled = 0
  private(set) var finished = false
  private(set) var graceStartedAt: Double?
  private var inFlight: [(at: Double, job: DispatchJob, summary: AttemptSummary)] = []
  private var timers: [Double] = []
  private var graceAt: Double?
  private var signals: [Double]
  private var storeFailureAt: Double?

  init(
    _ settings: RunScheduler.Settings, jobs: [DispatchJob], pageSize: Int = 100, interruptsAt: [Double] = [],
    storeFailsAt: Double? = nil, server: @escaping Server
  ) {
    scheduler = RunScheduler(settings, total: jobs.count)
    pages = stride(from: 0, to: jobs.count, by: pageSize).map { Array(jobs[$0..<min(jobs.count, $0 + pageSize)]) }
    self.server = server
    signals = interruptsAt.sorted()
    storeFailureAt = storeFailsAt
  }

  /// Runs until the scheduler finishes (or `limit` seconds of simulated time pass).
  mutating func run(limit: Double = 1e9) {
    deliver(.start)
    var events = 0
    while !finished {
      events += 1
      // A scheduler that keeps waking at the same instant would spin here forever.
      if events > 2_000_000 {
        Issue.record("the scheduler did not finish within 2,000,000 events (a busy loop?) at t = \(now)")
        return
      }
      var next = Double.infinity
      var kind = 0
      if let i = inFlight.indices.min(by: { inFlight[$0].at < inFlight[$1].at }), inFlight[i].at < next {
        next = inFlight[i].at
        kind = 1
      }
      if let t = timers.min(), t < next {
        next = t
        kind = 2
      }
      if let g = graceAt, g < next {
        next = g
        kind = 3
      }
      if let s = signals.first, s < next {
        next = s
        kind = 4
      }
      if let f = storeFailureAt, f < next {
        next = f
        kind = 5
      }
      guard next.isFinite, next <= limit else { return }
      now = max(now, next)
      switch kind {
      case 1:
        let i = inFlight.indices.min(by: { inFlight[$0].at < inFlight[$1].at })!
        let done = inFlight.remove(at: i)
        outcomes.append((now, done.job, done.summary))
        deliver(.finished(done.summary, done.job))
      case 2:
        timers.removeAll { $0 <= now }
        deliver(.timer)
      case 3:
        graceAt = nil
        deliver(.graceExpired)
      case 4:
        signals.removeFirst()
        deliver(.interrupt)
      default:
        storeFailureAt = nil
        deliver(.storeFailed("disk full", nil))
      }
    }
  }

  private mutating func deliver(_ event: RunScheduler.Event) {
    var actions = scheduler.handle(event, now: now)
    var i = 0
    while i < actions.count {
      let action = actions[i]
      i += 1
      switch action {
      case .send(let job, _):
        sent.append((now, job))
        let (latency, summary) = server(job, now)
        inFlight.append((now + latency, job, summary))
        maxInFlight = max(maxInFlight, inFlight.count)
      case .load:
        loads += 1
        let page = pages.isEmpty ? [] : pages.removeFirst()
        scheduler.handle(.loaded(page, exhausted: pages.isEmpty), now: now, into: &actions)
      case .wake(let t):
        timers.append(t)
      case .startGrace(let after):
        graceStartedAt = now
        graceAt = now + after
      case .cancelInFlight:
        for j in inFlight.indices {
          inFlight[j].at = now
          inFlight[j].summary.kind = .cancelled
          cancelled += 1
        }
      case .finish:
        finished = true
      }
    }
  }
}

extension SchedulerSim {
  static func jobs(_ n: Int, model: String = "m", maxCost: Double? = nil, tokens: Int = 10) -> [DispatchJob] {
    (0..<n).map { i in
      DispatchJob(
        id: "\(model)-\(i)", seq: i, model: model, body: Data(), requestHash: "h\(i)", estimatedInputTokens: tokens,
        isJSONMode: false, outputSchema: nil, attempts: 0, maxCostUSD: maxCost)
    }
  }

  static func summary(
    _ kind: AttemptSummary.Kind, _ job: DispatchJob, cost: Double? = nil, rateLimited: Bool = false,
    serverDelay: Duration? = nil, transportFailure: String? = nil, signature: String? = nil
  ) -> AttemptSummary {
    AttemptSummary(
      kind: kind, jobId: job.id, model: job.model, httpStatus: nil, rateLimited: rateLimited, serverDelay: serverDelay,
      estimatedTokens: job.estimatedInputTokens, promptTokens: nil, totalTokens: nil, costUSD: cost, latency: .zero,
      transportFailure: transportFailure, failureSignature: signature)
  }
}

import Foundation
