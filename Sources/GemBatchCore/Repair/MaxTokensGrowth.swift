import Foundation
import GeminiAPI

/// A larger `maxOutputTokens` for an answer that stopped at `MAX_TOKENS` in JSON mode, or that
/// has no answer at all (the thoughts took the whole budget). The new request is the old one
/// with `generationConfig.maxOutputTokens` doubled, capped at the model's output limit; the
/// truncated text is never appended (continuing a cut answer re-sends it as input, every time).
public enum MaxTokensGrowth {
  /// What an unset `maxOutputTokens` is taken to be before doubling.
  public static let unsetDefault = 8192

  public struct Step: Sendable, Hashable {
    /// The value in the request that stopped (nil: unset).
    public var from: Int?
    public var to: Int
    public var body: Data
  }

  /// The next limit: twice `current` (or `unsetDefault` when nil), at most `outputLimit`; nil
  /// when that would not be larger than what was sent (the cap is reached).
  public static func nextLimit(current: Int?, outputLimit: Int, unsetDefault: Int = unsetDefault) -> Int? {
    let base = max(1, current ?? unsetDefault)
    let (doubled, overflow) = base.multipliedReportingOverflow(by: 2)
    let next = min(overflow ? Int.max : doubled, outputLimit)
    return next > (current ?? unsetDefault) ? next : nil
  }

  /// The grown request, or nil when the cap is reached or the body is not a request object.
  public static func grow(body: Data, outputLimit: Int, unsetDefault: Int = unsetDefault) -> Step? {
    guard case .object(var o)? = try? JSONValue.parse(body) else { return nil }
    var gc = o["generationConfig"]?.objectValue ?? JSONObject()
    let current = gc["maxOutputTokens"]?.intValue
    guard let next = nextLimit(current: current, outputLimit: outputLimit, unsetDefault: unsetDefault) else {
      return nil
    }
    gc["maxOutputTokens"] = .number(Double(next))
    o["generationConfig"] = .object(gc)
    return Step(from: current, to: next, body: JSONValue.object(o).serializedData())
  }
}
