import Foundation

/// Delays as people write them (`90s`, `30m`, `1h`, `2d`) and as messages show them.
public enum DelayText {
  /// `3600`, `3600s`, `90m`, `1.5h`, `2d`: nil for anything else, zero, negative or above 100 years.
  public static func parse(_ text: String) -> Duration? {
    let t = text.trimmingCharacters(in: .whitespaces).lowercased()
    guard let last = t.last else { return nil }
    let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
    let (number, unit) = units[last].map { (String(t.dropLast()), $0) } ?? (t, 1)
    guard let v = Double(number), v.isFinite, v > 0 else { return nil }
    let seconds = v * unit
    guard seconds <= 100 * 365 * 86400 else { return nil }
    return .milliseconds(Int64((seconds * 1000).rounded()))
  }

  /// The largest unit that keeps it short: `45s`, `12m`, `3h20m`, `3650d`.
  public static func format(_ d: Duration) -> String {
    let c = d.components
    let s = max(0, c.seconds)
    if s < 60 {
      let ms = Double(s) + Double(c.attoseconds) / 1e18
      return ms == ms.rounded() ? "\(s)s" : String(format: "%.1fs", ms)
    }
    if s < 3600 { return s % 60 == 0 ? "\(s / 60)m" : "\(s / 60)m\(s % 60)s" }
    if s < 86400 * 2 { return s % 3600 / 60 == 0 ? "\(s / 3600)h" : "\(s / 3600)h\(s % 3600 / 60)m" }
    return "\(s / 86400)d"
  }

  /// A unix time as ISO 8601 UTC (`2036-01-01T00:00:00Z`); far future times are shown as such.
  public static func date(_ unix: Double) -> String {
    guard unix.isFinite, unix < 253_402_300_799 else { return "the year 9999" }
    return Date(timeIntervalSince1970: unix).ISO8601Format()
  }
}
