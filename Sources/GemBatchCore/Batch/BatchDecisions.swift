import Foundation
import GeminiAPI

/// The pure decisions of a Batch Mode run: how long to wait before the next poll, when a
/// pending batch has waited too long, how long to back off after a throttled create, and the
/// default token budget. Functions of state and times passed in: tested without sleeping.
public enum BatchDecisions {
  /// The next poll's delay: `base` while batches change, growing by half for every poll in a
  /// row that saw no change, up to ten times `base` (and at most 10 minutes, at least `base`).
  public static func pollDelay(base: Duration, unchangedPolls: Int) -> Duration {
    let b = max(base.seconds, 0.001)
    let cap = max(b, min(b * 10, 600))
    let grown = b * pow(1.5, Double(min(max(0, unchangedPolls), 40)))
    return .milliseconds(Int64((min(grown, cap) * 1000).rounded()))
  }

  /// A batch the API still calls PENDING (or queued) when `timeout` has passed since it was
  /// submitted is cancelled: Google's own SLO is 24 h and jobs have sat pending for days.
  public static func pendingTooLong(phase: BatchState.Phase, submittedAt: Double?, now: Double, timeout: Duration) -> Bool {
    guard phase == .pending, let submittedAt else { return false }
    return now - submittedAt >= timeout.seconds
  }

  /// The wait before create number `failures + 1` after `failures` refusals in a row: doubling
  /// from `base`, at most 5 minutes, never shorter than what the server asked for.
  public static func createBackoff(base: Duration, failures: Int, suggested: Duration?) -> Duration {
    let b = max(base.seconds, 0.001)
    let d = min(b * pow(2, Double(min(max(0, failures - 1), 30))), max(b, 300))
    let wait = Duration.milliseconds(Int64((d * 1000).rounded()))
    if let suggested, suggested > wait { return suggested }
    return wait
  }

  /// A safe enqueued-token budget per model: under the lowest paid tier's limit of each family
  /// (Tier 1: 3M for the Flash models, 5M for Pro, 10M for Flash-Lite, 2M for image models), so a
  /// batch is never refused for the budget on a new account.
  public static func defaultMaxTokens(model: String) -> Int {
    let m = model.lowercased()
    if m.contains("image") { return 1_500_000 }
    if m.contains("flash-lite") { return 8_000_000 }
    if m.contains("pro") { return 4_000_000 }
    return 2_500_000
  }

  /// The token cap for the next shard of a model whose live batches hold `liveTokens`: what is
  /// left of the budget, or nil (wait) when that is not enough for the next job. With nothing
  /// live, a single job over the budget still goes alone (it could never go otherwise).
  public static func shardTokenCap(budget: Int, liveTokens: Int, nextJobTokens: Int) -> Int? {
    if liveTokens <= 0 { return max(budget, nextJobTokens) }
    let left = budget - liveTokens
    return left >= nextJobTokens ? left : nil
  }
}
