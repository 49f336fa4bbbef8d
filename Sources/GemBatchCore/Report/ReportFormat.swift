import Foundation

/// The output formats of `gembatch report`.
public enum ReportFormat: String, Sendable, CaseIterable {
  case text
  case json
  case html

  /// Renders `data` in this format.
  public func render(_ data: ReportData) -> String {
    switch self {
    case .text: TextReportRenderer.render(data)
    case .json: JSONReportRenderer.render(data)
    case .html: HTMLReportRenderer.render(data)
    }
  }
}

/// Number formatting shared by the renderers (POSIX, never locale-dependent).
enum Fmt {
  static func usd(_ x: Double) -> String {
    if x == 0 { return "$0" }
    if abs(x) >= 100 { return String(format: "$%.2f", x) }
    if abs(x) >= 0.01 { return String(format: "$%.4f", x) }
    return String(format: "$%.6f", x)
  }

  static func int(_ n: Int) -> String {
    let s = String(abs(n))
    var out = ""
    for (i, ch) in s.reversed().enumerated() {
      if i > 0 && i % 3 == 0 { out.append(",") }
      out.append(ch)
    }
    return (n < 0 ? "-" : "") + String(out.reversed())
  }

  static func ms(_ x: Double) -> String {
    if x >= 10_000 { return String(format: "%.1f s", x / 1000) }
    return String(format: "%.0f ms", x)
  }

  static func date(_ unix: Double) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
    return f.string(from: Date(timeIntervalSince1970: unix))
  }

  static func minute(_ unix: Double) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "HH:mm"
    return f.string(from: Date(timeIntervalSince1970: unix))
  }

  static let stateOrder = ["succeeded", "failed", "waiting", "pending", "in_flight"]

  /// States in a stable order: the known ones, then any others alphabetically.
  static func states(_ s: [String: Int]) -> [(String, Int)] {
    let known = stateOrder.compactMap { k in s[k].map { (k, $0) } }
    let other = s.keys.filter { !stateOrder.contains($0) }.sorted().map { ($0, s[$0]!) }
    return known + other
  }
}

enum JSONReportRenderer {
  static func render(_ data: ReportData) -> String {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    guard let bytes = try? e.encode(data) else { return "{}" }
    return String(decoding: bytes, as: UTF8.self) + "\n"
  }
}
