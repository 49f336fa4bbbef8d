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
    // Model → price key, found once per model name (the longest-prefix search is per result otherwise).
    let keys = Mutex<[String: String?]>([:])
    return { model, usage, queries in
      let key: String?
      if let known = keys.withLock({ $0[model] }) {
        key = known
      } else {
        key = table.key(for: model)
        keys.withLock { $0[model] = .some(key) }
      }
      guard let key else { return nil }
      return table.cost(priceKey: key, usage: usage, webSearchQueries: queries).map { ($0.totalUSD, $0.priceVersion) }
    }
  }

  public var estimateFunction: @Sendable (DispatchJob) -> Double? {
    let table = self.table
    let fallback = assumedMaxOutputTokens
    return { job in
      let maxOut = Self.maxOutputTokens(job.body) ?? fallback
      return table.maxCost(
        model: job.model, inputTokens: job.estimatedInputTokens, maxOutputTokens: maxOut, searches: job.usesSearch
      )?.totalUSD
    }
  }

  static func maxOutputTokens(_ body: Data) -> Int? {
    // Cheap scan before a parse: most bodies do not set it.
    guard body.range(of: Data("maxOutputTokens".utf8)) != nil, let v = try? JSONValue.parse(body) else { return nil }
    return v["generationConfig"]?["maxOutputTokens"]?.intValue
  }
}
