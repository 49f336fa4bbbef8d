import Foundation

/// Small inline SVG charts for the HTML report: no scripts, no network, fixed sizes.
enum SVGChart {
  static let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"]

  static func esc(_ s: String) -> String {
    var o = ""
    for ch in s {
      switch ch {
      case "&": o += "&amp;"
      case "<": o += "&lt;"
      case ">": o += "&gt;"
      case "\"": o += "&quot;"
      case "'": o += "&#39;"
      default: o.append(ch)
      }
    }
    return o
  }

  static func n(_ x: Double) -> String { String(format: "%.1f", x) }

  static func empty(_ text: String, width: Int = 560) -> String {
    "<svg class=\"chart\" width=\"\(width)\" height=\"40\" role=\"img\"><text x=\"8\" y=\"24\" class=\"muted\">\(esc(text))</text></svg>"
  }

  /// One horizontal bar per item, value label at the end.
  static func bars(_ items: [(label: String, value: Double, text: String)], width: Int = 560, color: String = palette[0])
    -> String
  {
    guard !items.isEmpty, let maxV = items.map(\.value).max(), maxV > 0 else { return empty("no data", width: width) }
    let labelW = 190.0, row = 28.0, valueW = 90.0
    let plotW = Double(width) - labelW - valueW
    let h = Double(items.count) * row + 8
    var s = "<svg class=\"chart\" width=\"\(width)\" height=\"\(n(h))\" viewBox=\"0 0 \(width) \(n(h))\" role=\"img\">"
    for (i, it) in items.enumerated() {
      let y = Double(i) * row + 4
      let w = max(1, it.value / maxV * plotW)
      s += "<text x=\"\(n(labelW - 8))\" y=\"\(n(y + 18))\" text-anchor=\"end\">\(esc(it.label))</text>"
      s += "<rect x=\"\(n(labelW))\" y=\"\(n(y + 4))\" width=\"\(n(w))\" height=\"\(n(row - 10))\" fill=\"\(color)\" rx=\"2\">"
      s += "<title>\(esc(it.label)): \(esc(it.text))</title></rect>"
      s += "<text x=\"\(n(labelW + w + 6))\" y=\"\(n(y + 18))\">\(esc(it.text))</text>"
    }
    return s + "</svg>"
  }

  /// Vertical bars over consecutive bins, with the range labels under the first, middle and last.
  static func histogram(_ bins: [HistogramBin], width: Int = 560, height: Int = 220) -> String {
    guard !bins.isEmpty, let maxC = bins.map(\.count).max(), maxC > 0 else { return empty("no latencies recorded", width: width) }
    let left = 44.0, bottom = 36.0, top = 10.0
    let plotW = Double(width) - left - 10, plotH = Double(height) - bottom - top
    let bw = plotW / Double(bins.count)
    var s = "<svg class=\"chart\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\">"
    s += axisY(left: left, top: top, plotH: plotH, maxValue: Double(maxC), width: Double(width))
    for (i, b) in bins.enumerated() {
      let h = Double(b.count) / Double(maxC) * plotH
      let x = left + Double(i) * bw
      s += "<rect x=\"\(n(x + 1))\" y=\"\(n(top + plotH - h))\" width=\"\(n(max(1, bw - 2)))\" height=\"\(n(h))\" fill=\"\(palette[0])\">"
      s += "<title>\(Fmt.ms(b.lowerMs))–\(Fmt.ms(b.upperMs)): \(b.count)</title></rect>"
    }
    let marks = Set([0, bins.count / 2, bins.count - 1])
    for i in marks.sorted() {
      let x = left + Double(i) * bw + bw / 2
      s += "<text x=\"\(n(x))\" y=\"\(n(top + plotH + 16))\" text-anchor=\"middle\" class=\"small\">\(esc(Fmt.ms(bins[i].lowerMs)))</text>"
    }
    s += "<text x=\"\(n(left + plotW / 2))\" y=\"\(n(Double(height) - 4))\" text-anchor=\"middle\" class=\"small muted\">latency (bin start); bar height = jobs</text>"
    return s + "</svg>"
  }

  /// One horizontal stacked bar per category, with a legend.
  static func stackedBars(categories: [String], series: [String], values: [[Double]], width: Int = 560) -> String {
    let totals = values.map { $0.reduce(0, +) }
    guard !categories.isEmpty, let maxT = totals.max(), maxT > 0 else { return empty("no tokens recorded", width: width) }
    let labelW = 190.0, row = 30.0, legendH = 26.0, valueW = 80.0
    let plotW = Double(width) - labelW - valueW
    let h = legendH + Double(categories.count) * row + 6
    var s = "<svg class=\"chart\" width=\"\(width)\" height=\"\(n(h))\" viewBox=\"0 0 \(width) \(n(h))\" role=\"img\">"
    s += legend(series, y: 14, x: labelW)
    for (i, c) in categories.enumerated() {
      let y = legendH + Double(i) * row
      s += "<text x=\"\(n(labelW - 8))\" y=\"\(n(y + 19))\" text-anchor=\"end\">\(esc(c))</text>"
      var x = labelW
      for (j, v) in values[i].enumerated() where v > 0 {
        let w = v / maxT * plotW
        s += "<rect x=\"\(n(x))\" y=\"\(n(y + 5))\" width=\"\(n(w))\" height=\"\(n(row - 10))\" fill=\"\(palette[j % palette.count])\">"
        s += "<title>\(esc(c)) \(esc(series[j])): \(Fmt.int(Int(v)))</title></rect>"
        x += w
      }
      s += "<text x=\"\(n(x + 6))\" y=\"\(n(y + 19))\" class=\"small\">\(Fmt.int(Int(totals[i])))</text>"
    }
    return s + "</svg>"
  }

  /// Vertical stacked bars over time (one per minute), with a legend.
  static func timeline(_ buckets: [TimelineBucket], width: Int = 1100, height: Int = 240) -> String {
    let series = ["succeeded", "retry", "failed", "lost"]
    let colors = [palette[2], palette[5], palette[3], palette[6]]
    let vals = buckets.map { [$0.succeeded, $0.retry, $0.failed, $0.lost].map { Double($0) } }
    let totals = vals.map { $0.reduce(0, +) }
    guard !buckets.isEmpty, let maxT = totals.max(), maxT > 0 else { return empty("no finished attempts", width: 560) }
    let left = 44.0, bottom = 30.0, top = 30.0
    let plotW = Double(width) - left - 10, plotH = Double(height) - bottom - top
    let bw = plotW / Double(buckets.count)
    var s = "<svg class=\"chart\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\">"
    s += legend(series, y: 14, x: left, colors: colors)
    s += axisY(left: left, top: top, plotH: plotH, maxValue: maxT, width: Double(width))
    for (i, b) in buckets.enumerated() {
      var y = top + plotH
      let x = left + Double(i) * bw
      for (j, v) in vals[i].enumerated() where v > 0 {
        let h = v / maxT * plotH
        y -= h
        s += "<rect x=\"\(n(x + 0.5))\" y=\"\(n(y))\" width=\"\(n(max(1, bw - 1)))\" height=\"\(n(h))\" fill=\"\(colors[j])\">"
        s += "<title>\(Fmt.minute(b.minute)) \(series[j]): \(Int(v))</title></rect>"
      }
    }
    let step = max(1, buckets.count / 8)
    for i in stride(from: 0, to: buckets.count, by: step) {
      let x = left + Double(i) * bw + bw / 2
      s += "<text x=\"\(n(x))\" y=\"\(n(top + plotH + 16))\" text-anchor=\"middle\" class=\"small\">\(Fmt.minute(buckets[i].minute))</text>"
    }
    return s + "</svg>"
  }

  static func legend(_ names: [String], y: Double, x: Double, colors: [String]? = nil) -> String {
    var s = ""
    var cx = x
    for (i, name) in names.enumerated() {
      let c = colors?[i] ?? palette[i % palette.count]
      s += "<rect x=\"\(n(cx))\" y=\"\(n(y - 9))\" width=\"10\" height=\"10\" fill=\"\(c)\"/>"
      s += "<text x=\"\(n(cx + 14))\" y=\"\(n(y))\" class=\"small\">\(esc(name))</text>"
      cx += 24 + Double(name.count) * 7
    }
    return s
  }

  static func axisY(left: Double, top: Double, plotH: Double, maxValue: Double, width: Double) -> String {
    var s = ""
    for k in 0...4 {
      let v = maxValue * Double(k) / 4
      let y = top + plotH - plotH * Double(k) / 4
      s += "<line x1=\"\(n(left))\" x2=\"\(n(width - 10))\" y1=\"\(n(y))\" y2=\"\(n(y))\" class=\"grid\"/>"
      let label = v >= 10 || v == 0 ? Fmt.int(Int(v.rounded())) : String(format: "%.1f", v)
      s += "<text x=\"\(n(left - 6))\" y=\"\(n(y + 4))\" text-anchor=\"end\" class=\"small\">\(label)</text>"
    }
    return s
  }
}
