import Foundation
import GeminiAPI
import Synchronization

/// The price table as the runner uses it: the cost of each stored result and, for `--budget`, the
/// most a job can cost before it is sent.
public struct Pricing: Sendable {
  public let table: PriceTable
  /// Output tokens assumed for a job that sets no `maxOutputTokens` (for the budget bound only).
  public var assumedMaxOutputTokens: Int

  public init(table: PriceTable, assumedMaxOutputTokens: Int = 8192) {
    self.table = table
    self.assumedMaxOutputTokens = assumedMaxOutputTokens
  }

  /// The bundled table, extended or overridden by a file.
  public init(overrides path: String?) throws {
    self.init(table: try PriceTable.load(overrides: path))
  }

  public var priceFunction: @Sendable (String, UsageMetadata, Int) -> (cost: Double, version: String)? {
    let table = self.table
    // Per model name, found once: its price key and, when its rates allow, integer pricing.
    enum Entry: Sendable {
      case unpriced
      case priced(key: String, integer: IntegerPricing?)
    }
    let entries = Mutex<[String: Entry]>([:])
    return { model, usage, queries in
      var entry = entries.withLock { $0[model] }
      if entry == nil {
        let e: Entry = table.key(for: model).map { .priced(key: $0, integer: table.models[$0].flatMap(IntegerPricing.init)) } ?? .unpriced
        entries.withLock { $0[model] = e }
        entry = e
      }
      guard case .priced(let key, let integer)? = entry else { return nil }
      if let usd = integer?.costUSD(usage: usage, webSearchQueries: queries) { return (usd, table.version) }
      return table.cost(priceKey: key, usage: usage, webSearchQueries: queries).map { ($0.totalUSD, $0.priceVersion) }
    }
  }

  public var estimateFunction: @Sendable (DispatchJob) -> Double? {
    let table = self.table
    let fallback = assumedMaxOutputTokens
    return { job in
      let maxOut = job.maxOutputTokens ?? fallback
      return table.maxCost(
        model: job.model, inputTokens: job.estimatedInputTokens, maxOutputTokens: maxOut, searches: job.usesSearch
      )?.totalUSD
    }
  }
}
