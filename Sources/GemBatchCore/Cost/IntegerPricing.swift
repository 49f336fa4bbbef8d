import Foundation
import GeminiAPI

/// The runner's per-result pricing in exact integer arithmetic.
///
/// Every rate of a price key that is a whole number of nano-dollars per 1M tokens (all bundled
/// rates are) is kept as an `Int64`; a cost is then Σ tokens × rate, an exact integer in units of
/// 1e-15 USD, turned into a Double with one correctly rounded division. `CostBreakdown.totalUSD`
/// converts an exact `Decimal` total the same way, so a result priced here and one repriced from
/// the ledger store the same Double. Grounding charges, the batch multiplier, rates that are not
/// whole nano-dollars and totals beyond 2^53 units fall back to the `Decimal` path.
/// (`Decimal` arithmetic was about 5% of the runner's CPU per job.)
struct IntegerPricing: Sendable {
  struct Rates: Sendable, Hashable {
    var input: Int64
    var output: Int64
    var cachedInput: Int64
  }
  let base: Rates
  let long: Rates?
  let threshold: Int
  let audioInput: Int64
  let cachedAudioInput: Int64?
  let hasGrounding: Bool

  static let unitsPerUSD: Decimal = 1_000_000_000_000_000  // 1e15
  static let nanosPerUSD = Decimal(1_000_000_000)

  /// nil when some rate is not a whole number of nano-dollars per 1M tokens.
  init?(_ p: ModelPrice) {
    func n(_ d: Decimal) -> Int64? {
      var scaled = d * Self.nanosPerUSD
      var rounded = Decimal()
      NSDecimalRound(&rounded, &scaled, 0, .plain)
      guard rounded == scaled, rounded >= 0, rounded < Decimal(Int64(1) << 40) else { return nil }
      return NSDecimalNumber(decimal: rounded).int64Value
    }
    func rates(_ r: ModelPrice.Rates) -> Rates? {
      guard let i = n(r.input), let o = n(r.output) else { return nil }
      guard let c = r.cachedInput.map(n) ?? i else { return nil }
      return Rates(input: i, output: o, cachedInput: c)
    }
    guard let base = rates(p.base) else { return nil }
    self.base = base
    if let l = p.longContext {
      guard let lr = rates(l) else { return nil }
      long = lr
    } else {
      long = nil
    }
    threshold = p.longContextThreshold
    if let a = p.audioInput {
      guard let v = n(a) else { return nil }
      audioInput = v
    } else {
      audioInput = -1  // the input rate of the tier in use
    }
    if let a = p.cachedAudioInput {
      guard let v = n(a) else { return nil }
      cachedAudioInput = v
    } else {
      cachedAudioInput = nil
    }
    hasGrounding = p.grounding != nil
  }

  /// The cost in USD, or nil when the `Decimal` path must decide (grounding charged, overflow).
  func costUSD(usage: UsageMetadata?, webSearchQueries: Int) -> Double? {
    if hasGrounding && webSearchQueries > 0 { return nil }
    let t = TokenSplit(usage)
    let r = (long != nil && t.prompt > threshold) ? long! : base
    let audioRate = audioInput >= 0 ? audioInput : r.input
    let cachedAudioRate = cachedAudioInput ?? r.cachedInput
    let limit = Int64(1) << 53
    var total: Int64 = 0
    for (count, rate) in [
      (t.text, r.input), (t.cachedText, r.cachedInput), (t.audio, audioRate), (t.cachedAudio, cachedAudioRate),
      (t.tool, r.input), (t.output, r.output),
    ] {
      let (m, o1) = Int64(count).multipliedReportingOverflow(by: rate)
      let (s, o2) = total.addingReportingOverflow(m)
      guard !o1, !o2, s < limit else { return nil }
      total = s
    }
    // Units of 1e-9 USD per 1M tokens × tokens = units of 1e-15 USD.
    return Double(total) / 1e15
  }
}

/// How a usage's tokens are billed: the split both pricing paths share.
struct TokenSplit {
  let prompt: Int
  let text: Int
  let cachedText: Int
  let audio: Int
  let cachedAudio: Int
  let tool: Int
  let output: Int

  /// Missing counts are 0; counts that do not add up are clamped at 0, never negative; sums
  /// saturate (the counts are the server's: no value of theirs may trap).
  init(_ usage: UsageMetadata?) {
    let u = usage ?? UsageMetadata()
    let prompt = max(0, u.promptTokenCount ?? 0)
    let cached = min(prompt, max(0, u.cachedContentTokenCount ?? 0))
    func modality(_ list: [ModalityTokenCount]?, _ name: String) -> Int {
      guard let list else { return 0 }
      var n = 0
      for m in list where m.modality?.uppercased() == name { n = UsageMetadata.saturatingAdd(n, max(0, m.tokenCount ?? 0)) }
      return n
    }
    let audioAll = min(prompt, modality(u.promptTokensDetails, "AUDIO"))
    let cachedAudio = min(cached, audioAll, modality(u.cacheTokensDetails, "AUDIO"))
    let audio = max(0, min(audioAll - cachedAudio, prompt - cached))
    self.prompt = prompt
    self.cachedAudio = cachedAudio
    self.audio = audio
    self.cachedText = cached - cachedAudio
    self.text = max(0, prompt - cached - audio)
    self.tool = max(0, u.toolUsePromptTokenCount ?? 0)
    self.output = UsageMetadata.saturatingAdd(max(0, u.candidatesTokenCount ?? 0), max(0, u.thoughtsTokenCount ?? 0))
  }
}

extension CostBreakdown {
  /// An exact total as a Double: one correctly rounded division when the total is a whole number
  /// of 1e-15 USD below 2^53 units (what `IntegerPricing` computes), else Foundation's conversion.
  static func usd(_ d: Decimal) -> Double {
    var scaled = d * IntegerPricing.unitsPerUSD
    var rounded = Decimal()
    NSDecimalRound(&rounded, &scaled, 0, .plain)
    if rounded == scaled, rounded >= 0, rounded < Decimal(Int64(1) << 53) {
      return Double(NSDecimalNumber(decimal: rounded).int64Value) / 1e15
    }
    return NSDecimalNumber(decimal: d).doubleValue
  }
}
