import Foundation
import GeminiAPI

/// What one model costs, in USD per 1M tokens (exact decimals).
public struct ModelPrice: Sendable, Hashable {
  public struct Rates: Sendable, Hashable {
    public var input: Decimal
    public var output: Decimal
    /// nil: cached tokens are billed at `input`.
    public var cachedInput: Decimal?
    public init(input: Decimal, output: Decimal, cachedInput: Decimal? = nil) {
      self.input = input
      self.output = output
      self.cachedInput = cachedInput
    }
  }

  /// Google Search grounding: per grounded prompt (2.5 and older) or per executed search query (3).
  public struct Grounding: Sendable, Hashable {
    public enum Unit: String, Sendable, Hashable {
      case prompt
      case query
    }
    public var per: Unit
    public var usdPer1000: Decimal
    public init(per: Unit, usdPer1000: Decimal) {
      self.per = per
      self.usdPer1000 = usdPer1000
    }
  }

  /// Standard (≤ threshold) rates.
  public var base: Rates
  /// Rates for a request whose prompt is above `longContextThreshold` tokens.
  public var longContext: Rates?
  public var longContextThreshold: Int
  /// nil: audio input is billed at the input rate.
  public var audioInput: Decimal?
  public var cachedAudioInput: Decimal?
  public var grounding: Grounding?
  /// Per-model batch multiplier; nil uses the table's.
  public var batchMultiplier: Decimal?
  /// Day the figures were checked.
  public var checked: String?

  public init(
    base: Rates, longContext: Rates? = nil, longContextThreshold: Int = 200_000, audioInput: Decimal? = nil,
    cachedAudioInput: Decimal? = nil, grounding: Grounding? = nil, batchMultiplier: Decimal? = nil, checked: String? = nil
  ) {
    self.base = base
    self.longContext = longContext
    self.longContextThreshold = longContextThreshold
    self.audioInput = audioInput
    self.cachedAudioInput = cachedAudioInput
    self.grounding = grounding
    self.batchMultiplier = batchMultiplier
    self.checked = checked
  }

  /// The rates for a request of `promptTokens` prompt tokens.
  public func rates(promptTokens: Int) -> (rates: Rates, longContext: Bool) {
    if let longContext, promptTokens > longContextThreshold { return (longContext, true) }
    return (base, false)
  }

  init(json: JSONValue, key: String, file: String) throws {
    func bad(_ s: String) -> PriceTableError { PriceTableError(code: .invalid, file: file, detail: "model \(key): \(s)") }
    guard let o = json.objectValue else { throw bad("must be an object") }
    func dec(_ name: String, in obj: JSONObject) throws -> Decimal? {
      guard let v = obj[name], !v.isNull else { return nil }
      return try PriceTable.decimal(v, "model \(key): \(name)", file: file)
    }
    guard let input = try dec("input", in: o) else { throw bad("\"input\" is required") }
    guard let output = try dec("output", in: o) else { throw bad("\"output\" is required") }
    base = Rates(input: input, output: output, cachedInput: try dec("cachedInput", in: o))
    longContextThreshold = 200_000
    if let lc = o["longContext"], !lc.isNull {
      guard let lo = lc.objectValue else { throw bad("\"longContext\" must be an object") }
      guard let li = try dec("input", in: lo), let lout = try dec("output", in: lo) else {
        throw bad("\"longContext\" needs input and output")
      }
      longContext = Rates(input: li, output: lout, cachedInput: try dec("cachedInput", in: lo))
      if let above = lo["above"] {
        guard let n = above.intValue, n > 0 else { throw bad("\"longContext.above\" must be a positive integer") }
        longContextThreshold = n
      }
    }
    audioInput = try dec("audioInput", in: o)
    cachedAudioInput = try dec("cachedAudioInput", in: o)
    if let g = o["grounding"], !g.isNull {
      guard let go = g.objectValue, let per = go["per"]?.stringValue.flatMap(Grounding.Unit.init(rawValue:)),
        let usd = try dec("usdPer1000", in: go)
      else { throw bad("\"grounding\" must be {\"per\": \"prompt\"|\"query\", \"usdPer1000\": number}") }
      grounding = Grounding(per: per, usdPer1000: usd)
    }
    batchMultiplier = try dec("batchMultiplier", in: o)
    checked = o["checked"]?.stringValue
  }
}
