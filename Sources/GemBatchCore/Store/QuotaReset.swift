import Foundation

/// When a per-day quota resets: Gemini's daily quotas reset at midnight Pacific time.
public enum QuotaReset {
  static let pacific = TimeZone(identifier: "America/Los_Angeles") ?? TimeZone(secondsFromGMT: -8 * 3600)!

  /// The first midnight in Pacific time after `t` (unix seconds).
  public static func next(after t: Double) -> Double {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = pacific
    let day = calendar.startOfDay(for: Date(timeIntervalSince1970: t))
    return (calendar.date(byAdding: .day, value: 1, to: day) ?? day.addingTimeInterval(86_400)).timeIntervalSince1970
  }
}
