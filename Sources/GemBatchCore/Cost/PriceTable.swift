import Foundation
import GeminiAPI

/// A dated, versioned price table: the bundled `prices.json`, optionally overridden by a user file.
///
/// Rates are exact decimals (USD per 1M tokens), so golden figures compare with `==`.
/// Model names match by the longest key that is a prefix of the (lowercased, `models/`-stripped)
/// name: `gemini-2.5-flash-preview-09-2025` prices as `gemini-2.5-flash`, and
/// `gemini-2.5-flash-lite` as `gemini-2.5-flash-lite`, never as flash.
public struct PriceTable: Sendable, Hashable {
  /// Recorded in `results.price_version` next to each cost.
  public var version: String
  /// The day the figures were checked (ISO date).
  public var date: String
  /// Where the figures come from (tag → text).
  public var sources: [String: String]
  /// Multiplier on token charges in Batch Mode (0.5 = 50% off).
  public var batchMultiplier: Decimal
  /// Model key (a name prefix, lowercased) → price.
  public var models: [String: ModelPrice]

  public init(
    version: String, date: String, sources: [String: String] = [:], batchMultiplier: Decimal = Decimal(string: "0.5")!,
    models: [String: ModelPrice]
  ) {
    self.version = version
    self.date = date
    self.sources = sources
    self.batchMultiplier = batchMultiplier
    self.models = Dictionary(models.map { (PriceTable.normalize($0.key), $0.value) }, uniquingKeysWith: { _, b in b })
  }

  /// The table shipped in the package (`Sources/GemBatchCore/Resources/prices.json`).
  public static func bundled() throws -> PriceTable {
    guard let url = Bundle.module.url(forResource: "prices", withExtension: "json") else {
      throw PriceTableError(code: .unreadable, file: "prices.json (bundled)", detail: "resource missing from the bundle")
    }
    return try load(url: url, name: "prices.json (bundled)")
  }

  /// The bundled table with the models of the file at `path` added or replacing bundled ones.
  /// `nil` gives the bundled table. The version becomes `bundled+override`.
  public static func load(overrides path: String?) throws -> PriceTable {
    let base = try bundled()
    guard let path else { return base }
    let extra = try load(url: URL(fileURLWithPath: path), name: path, isOverride: true)
    return base.merging(extra)
  }

  /// A table read from a file (full table or override file: `version` and `models` are required).
  public static func load(url: URL, name: String? = nil, isOverride: Bool = false) throws -> PriceTable {
    let label = name ?? url.path
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
      throw PriceTableError(code: .unreadable, file: label, detail: "cannot read the file")
    }
    let json: JSONValue
    do { json = try JSONValue.parse(data) } catch let e as JSONParseError {
      throw PriceTableError(code: .invalid, file: label, detail: e.description)
    }
    return try PriceTable(json: json, file: label)
  }

  /// Parses the JSON form (see `docs/cost.md`).
  public init(json: JSONValue, file: String) throws {
    func bad(_ s: String) -> PriceTableError { PriceTableError(code: .invalid, file: file, detail: s) }
    guard let root = json.objectValue else { throw bad("the top level must be an object") }
    guard let version = root["version"]?.stringValue, !version.isEmpty else { throw bad("\"version\" (a string) is required") }
    guard let modelsObj = root["models"]?.objectValue else { throw bad("\"models\" (an object) is required") }
    var models: [String: ModelPrice] = [:]
    for (key, value) in modelsObj {
      models[key] = try ModelPrice(json: value, key: key, file: file)
    }
    var sources: [String: String] = [:]
    if let s = root["sources"]?.objectValue { for (k, v) in s { sources[k] = v.stringValue ?? v.serialized() } }
    let multiplier = try root["batchMultiplier"].map { try PriceTable.decimal($0, "batchMultiplier", file: file) }
    self.init(
      version: version, date: root["date"]?.stringValue ?? "", sources: sources,
      batchMultiplier: multiplier ?? Decimal(string: "0.5")!, models: models)
  }

  /// This table with `other`'s models added (replacing same keys). Keeps this table's batch multiplier.
  public func merging(_ other: PriceTable) -> PriceTable {
    var t = self
    for (k, v) in other.models { t.models[k] = v }
    t.version = version + "+" + other.version
    if !other.date.isEmpty { t.date = max(date, other.date) }
    for (k, v) in other.sources { t.sources[k] = v }
    return t
  }

  /// The price key that matches `model` (longest prefix), if any.
  public func key(for model: String) -> String? {
    let name = PriceTable.normalize(model)
    var best: String?
    for k in models.keys where name.hasPrefix(k) {
      if best == nil || k.count > best!.count { best = k }
    }
    return best
  }

  /// The price of `model`, or nil when the model is unpriced (never treat that as free).
  public func price(model: String) -> ModelPrice? { key(for: model).flatMap { models[$0] } }

  static func normalize(_ model: String) -> String {
    var m = model.lowercased().trimmingCharacters(in: .whitespaces)
    if m.hasPrefix("models/") { m.removeFirst("models/".count) }
    if let slash = m.lastIndex(of: "/") { m = String(m[m.index(after: slash)...]) }
    return m
  }

  /// A JSON number (or numeric string) as an exact decimal: `0.075` stays 0.075.
  static func decimal(_ v: JSONValue, _ field: String, file: String) throws -> Decimal {
    let text: String
    switch v {
    case .number(let d) where d.isFinite && d >= 0: text = "\(d)"
    case .string(let s): text = s
    default: throw PriceTableError(code: .invalid, file: file, detail: "\(field) must be a non-negative number")
    }
    guard let d = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), !d.isNaN, d >= 0 else {
      throw PriceTableError(code: .invalid, file: file, detail: "\(field) must be a non-negative number, not \(text)")
    }
    return d
  }
}

/// The failure to read or parse a price table. Names the file and the problem.
public struct PriceTableError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Code: String, Sendable, Hashable {
    case unreadable
    case invalid
  }
  public let code: Code
  public let file: String
  public let detail: String
  public var description: String { "price table \(file): \(detail)" }
}
