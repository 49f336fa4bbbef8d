import Foundation

/// A UTC calendar day: price rows, shutdowns and releases are dated in days.
///
/// Held as a day number (days since 1970-01-01) so comparing two days, which pricing does once
/// per result, is one integer comparison.
public struct CalendarDay: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// Days since 1970-01-01 (negative before).
  public let dayNumber: Int

  public init(dayNumber: Int) { self.dayNumber = dayNumber }

  /// `YYYY-MM-DD` with a real month and day; nil for anything else.
  public init?(iso text: String) {
    let u = Array(text.utf8)
    guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else { return nil }
    func digits(_ r: Range<Int>) -> Int? {
      var v = 0
      for i in r {
        guard (0x30...0x39).contains(u[i]) else { return nil }
        v = v * 10 + Int(u[i] - 0x30)
      }
      return v
    }
    guard let y = digits(0..<4), let m = digits(5..<7), let d = digits(8..<10), (1...12).contains(m), d >= 1,
      d <= Self.daysIn(month: m, year: y)
    else { return nil }
    self.init(year: y, month: m, day: d)
  }

  public init(year: Int, month: Int, day: Int) {
    // Howard Hinnant's days_from_civil.
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    dayNumber = era * 146_097 + doe - 719_468
  }

  /// The UTC day of a Unix time. Not-finite or absurd times are clamped, never trapped on.
  public init(unixTime t: Double) {
    let bounded = t.isFinite ? min(max(t, -1e14), 1e14) : 0
    dayNumber = Int((bounded / 86_400).rounded(.down))
  }

  /// The day the system clock says it is (UTC).
  public static var today: CalendarDay {
    CalendarDay(unixTime: Date().timeIntervalSince1970)
  }

  public var civil: (year: Int, month: Int, day: Int) {
    // Howard Hinnant's civil_from_days.
    let z = dayNumber + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
  }

  public func adding(days: Int) -> CalendarDay { CalendarDay(dayNumber: dayNumber &+ days) }

  /// `YYYY-MM-DD`.
  public var description: String {
    let c = civil
    func pad(_ v: Int, _ n: Int) -> String {
      let s = String(v)
      return String(repeating: "0", count: max(0, n - s.count)) + s
    }
    return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
  }

  public static func < (a: CalendarDay, b: CalendarDay) -> Bool { a.dayNumber < b.dayNumber }

  static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }
}
