import Foundation
import GeminiAPI

extension PriceTable {
  /// The cost of one request from its stored usage; nil when the model is unpriced.
  ///
  /// - (prompt − cached − uncached audio) × input, cached text × cached rate, uncached audio ×
  ///   audio rate, cached audio × cached audio rate,
  /// - toolUsePromptTokenCount × input,
  /// - (candidates + thoughts) × output,
  /// - rates from the long-context tier when promptTokenCount > threshold,
  /// - × batch multiplier on all token charges when `batch`,
  /// - grounding: one charge per grounded prompt (any search query ran) or per query, by model.
  /// Missing counts are 0; counts that do not add up are clamped at 0, never negative.
  public func cost(model: String, usage: UsageMetadata?, webSearchQueries: Int = 0, batch: Bool = false) -> CostBreakdown? {
    guard let key = key(for: model) else { return nil }
    return cost(priceKey: key, usage: usage, webSearchQueries: webSearchQueries, batch: batch)
  }

  /// `cost(model:…)` for a price key already found with `key(for:)`.
  public func cost(priceKey key: String, usage: UsageMetadata?, webSearchQueries: Int = 0, batch: Bool = false) -> CostBreakdown? {
    guard let price = models[key] else { return nil }
    let split = TokenSplit(usage)
    let prompt = split.prompt
    let text = split.text, cachedText = split.cachedText, audio = split.audio, cachedAudio = split.cachedAudio
    let tool = split.tool, out = split.output

    let (rates, long) = price.rates(promptTokens: prompt)
    let million = Decimal(1_000_000)
    let multiplier = batch ? (price.batchMultiplier ?? batchMultiplier) : 1
    func charge(_ n: Int, _ rate: Decimal) -> Decimal { Decimal(n) * rate * multiplier / million }
    let cacheRate = rates.cachedInput ?? rates.input
    let audioRate = price.audioInput ?? rates.input
    let cachedAudioRate = price.cachedAudioInput ?? cacheRate

    var units = 0
    var grounding = Decimal(0)
    if let g = price.grounding, webSearchQueries > 0 {
      units = g.per == .prompt ? 1 : webSearchQueries
      grounding = Decimal(units) * g.usdPer1000 / 1000
    }
    return CostBreakdown(
      priceKey: key, priceVersion: version, longContext: long, batch: batch,
      inputTokens: text, cachedTokens: cachedText, audioTokens: audio, cachedAudioTokens: cachedAudio,
      toolUseTokens: tool, outputTokens: out, groundingUnits: units,
      input: charge(text, rates.input), cachedInput: charge(cachedText, cacheRate),
      audioInput: charge(audio, audioRate) + charge(cachedAudio, cachedAudioRate),
      toolUse: charge(tool, rates.input), output: charge(out, rates.output), grounding: grounding)
  }

  /// The most one request can cost before it is sent: `inputTokens` at the input rate and
  /// `maxOutputTokens` at the output rate, plus grounding when the job searches (one prompt, or
  /// `assumedQueries` queries). nil when unpriced.
  public func maxCost(
    model: String, inputTokens: Int, maxOutputTokens: Int, searches: Bool = false, assumedQueries: Int = 1, batch: Bool = false
  ) -> CostBreakdown? {
    cost(
      model: model, usage: UsageMetadata(promptTokenCount: inputTokens, candidatesTokenCount: maxOutputTokens),
      webSearchQueries: searches ? max(1, assumedQueries) : 0, batch: batch)
  }
}
