import Foundation

/// Decides whether the next job may start under `--budget USD`. Pure: no clock, no I/O.
///
/// The guard is pessimistic: a job starts only if what is spent, plus the most the requests in
/// flight can still cost, plus the most the next job can cost, stays within the budget.
public struct BudgetGuard: Sendable, Hashable {
  public enum Decision: Sendable, Hashable {
    /// Start the job.
    case start
    /// Not now: in-flight requests may settle for less than their maximum; ask again when one finishes.
    case wait
    /// Never: even with nothing in flight the next job could exceed the budget. Stop the run (resumable).
    case stop(reason: String)
  }

  public let limitUSD: Double

  public init(limitUSD: Double) { self.limitUSD = limitUSD }

  /// - Parameters:
  ///   - spentUSD: the cost of every finished request so far (the store's, over all runs).
  ///   - inFlightMaxUSD: the sum of the maximum costs of requests sent and not finished.
  ///   - nextMaxUSD: the maximum cost of the next job; nil when its model is unpriced.
  public func decide(spentUSD: Double, inFlightMaxUSD: Double, nextMaxUSD: Double?) -> Decision {
    guard let next = nextMaxUSD else {
      return .stop(reason: "the next job's model has no price, so its cost cannot be bounded under --budget")
    }
    let eps = 1e-12
    if spentUSD + inFlightMaxUSD + next <= limitUSD + eps { return .start }
    if inFlightMaxUSD > 0, spentUSD + next <= limitUSD + eps { return .wait }
    return .stop(
      reason: String(
        format: "budget $%.4f reached: this store spent $%.4f on these jobs (earlier runs included), $%.4f left, and the next job may cost up to $%.4f",
        limitUSD, spentUSD, max(0, limitUSD - spentUSD), next))
  }
}
