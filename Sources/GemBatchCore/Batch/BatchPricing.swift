import Foundation
import GeminiAPI
import GeminiCatalog

/// The one place a Batch Mode line is judged and priced: at the catalog's batch tier (50% of the
/// token rates, cached tokens at the normal cache rate: Google says "cached tokens are priced the
/// same as for non-batch", and a peer that billed them at the batch rate got it wrong), grounding
/// as usual, recorded as tier `batch`.
///
/// A batch line is one answer, collected hours later: the free local repair of a JSON answer
/// (fences, prose) applies, but a re-ask or a larger maxOutputTokens would be a new request, so
/// such an answer ends invalid here and `--rerun invalid-json,schema,truncated` sends it again.
public enum BatchPricing {
  public static func interpreter(policy: RetryPolicy, catalog: ModelCatalog) -> OutcomeInterpreter {
    var i = OutcomeInterpreter(
      policy: policy, price: Pricing(catalog: catalog).priceFunction, repair: RepairPolicy(maxReasks: 0),
      outputLimit: { catalog.entry($0)?.limits?.outputTokens ?? 65_536 })
    i.localRepair = true
    i.forcedTier = .batch
    return i
  }
}
