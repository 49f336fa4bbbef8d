import Foundation

/// The three date formats HTTP allows (RFC 9110 §5.6.7), read without a `DateFormatter` or a
/// locale: the preferred IMF-fixdate and the two obsolete forms a recipient must still accept.
///
///     Sun, 06 Nov 1994 08:49:37 GMT     IMF-fixdate
///     Sunday, 06-Nov-94 08:49:37 GMT    RFC 850 (two-digit year: within 50 years of `now`)
///     Sun Nov  6 08:49:37 1994          asctime
///
/// The weekday is not checked against the date (RFC 9110 lets a recipient ignore it).
public enum HTTPDate {
  static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

  public static func parse(_ text: String, now: Date = Date()) -> Date? {
    let s = text.trimmingCharacters(in: .whitespaces)
    let parts = s.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    var day: Int?
    var month: Int?
    var year: Int?
    var time: String?
    if parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT" {
      // IMF-fixdate
      day = Int(parts[1])
      month = monthNumber(parts[2])
      year = parts[3].count == 4 ? Int(parts[3]) : nil
      time = parts[4]
    } else if parts.count == 4, parts[0].hasSuffix(","), parts[3] == "GMT" {
      // RFC 850: 06-Nov-94
      let d = parts[1].split(separator: "-").map(String.init)
      guard d.count == 3, d[2].count == 2, let yy = Int(d[2]) else { return nil }
      day = Int(d[0])
      month = monthNumber(d[1])
      // RFC 9110: a two-digit year more than 50 years in the future means the past century.
      let current = Calendar(identifier: .gregorian).component(.year, from: now)
      var y = current - current % 100 + yy
      if y > current + 50 { y -= 100 }
      year = y
      time = parts[2]
    } else if parts.count == 5, !parts[0].hasSuffix(",") {
      // asctime: Sun Nov  6 08:49:37 1994
      month = monthNumber(parts[1])
      day = Int(parts[2])
      time = parts[3]
      year = parts[4].count == 4 ? Int(parts[4]) : nil
    } else {
      return nil
    }
    guard let day, let month, let year, let time, (1...31).contains(day) else { return nil }
    let hms = time.split(separator: ":").map { Int($0) }
    guard hms.count == 3, let h = hms[0], let m = hms[1], let sec = hms[2], (0...23).contains(h), (0...59).contains(m),
      (0...60).contains(sec), time.count == 8
    else { return nil }
    guard day <= daysIn(month: month, year: year) else { return nil }
    let days = daysFromCivil(year: year, month: month, day: day)
    return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + h * 3_600 + m * 60 + sec))
  }

  static func monthNumber(_ s: String) -> Int? {
    guard s.count == 3, let i = months.firstIndex(of: s.lowercased()) else { return nil }
    return i + 1
  }

  static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
  static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }
}
