import Foundation
import GeminiAPI

/// The one place a Batch Mode result is priced: 50% of the standard token rates (the table's
/// batch multiplier), cached tokens at the normal cache rate (Google: "cached tokens are priced
/// the same as for non-batch"; a peer billed them at the batch rate), grounding as usual.
/// The model catalog will replace `PriceTable`; rewire this function and nothing else.
public enum BatchPricing {
  public static func priceFunction(_ table: PriceTable) -> @Sendable (String, UsageMetadata, Int) -> (cost: Double, version: String)? {
    { model, usage, queries in
      guard let key = table.key(for: model),
        let batch = table.cost(priceKey: key, usage: usage, webSearchQueries: queries, batch: true),
        let standard = table.cost(priceKey: key, usage: usage, webSearchQueries: queries, batch: false)
      else { return nil }
      let total = batch.total - batch.cachedInput + standard.cachedInput
      return (NSDecimalNumber(decimal: total).doubleValue, batch.priceVersion)
    }
  }
}
