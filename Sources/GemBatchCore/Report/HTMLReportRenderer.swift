import Foundation

/// One self-contained HTML file: inline CSS and inline SVG, no scripts, no network.
enum HTMLReportRenderer {
  static func render(_ d: ReportData) -> String {
    let e = SVGChart.esc
    let t = d.total
    var h = """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>gembatch report — \(e(d.database))</title>
      <style>
      body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px auto;max-width:1160px;color:#222;padding:0 16px}
      h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
      .muted{color:#777;fill:#777}.small{font-size:11px}
      .cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
      .card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:150px}
      .card .v{font-size:20px;font-weight:600}.card .l{color:#666;font-size:12px}
      .warn{background:#fff4e5;border-color:#f0b36b}
      table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
      th{background:#f6f6f6}td:first-child,th:first-child{text-align:left}td.wrap{white-space:normal;text-align:left}
      .grid2{display:grid;grid-template-columns:1fr 1fr;gap:24px}.scroll{overflow-x:auto}tr.total td{font-weight:600;border-top:2px solid #ccc}
      svg.chart{font:12px sans-serif;fill:#333;display:block}svg .grid{stroke:#e5e5e5}
      </style></head><body>
      <h1>gembatch report</h1>
      <div class="muted">\(e(d.database)) · \(d.runID.map { "run \($0)" } ?? "all runs") · generated \(e(Fmt.date(d.generatedAt))) · prices \(e(d.priceVersions.isEmpty ? "(none)" : d.priceVersions.joined(separator: ", ")))\(d.endpoints.isEmpty ? "" : " · results from " + e(ReportData.endpointSummary(d.endpoints, hostOnly: true)))</div>
      <div class="cards">
      """
    func card(_ v: String, _ l: String, warn: Bool = false) {
      h += "<div class=\"card\(warn ? " warn" : "")\"><div class=\"v\">\(e(v))</div><div class=\"l\">\(e(l))</div></div>\n"
    }
    card(Fmt.int(t.jobs), "jobs")
    card(Fmt.int(t.states["succeeded"] ?? 0), "succeeded")
    card(Fmt.int(t.states["failed"] ?? 0), "failed", warn: (t.states["failed"] ?? 0) > 0)
    card(Fmt.usd(t.costUSD), "cost" + (t.groundingUSD > 0 ? " (grounding \(Fmt.usd(t.groundingUSD)))" : ""))
    card(t.costPer1000Jobs.map(Fmt.usd) ?? "—", "per 1,000 jobs")
    if t.unpricedJobs > 0 { card("unpriced: \(Fmt.int(t.unpricedJobs)) jobs", "no price for their model", warn: true) }
    card(t.latencyMs.map { Fmt.ms($0.p50) } ?? "—", "latency p50")
    card(t.ttfbMs.map { Fmt.ms($0.p50) } ?? "—", "time to first token p50")
    card("\(Fmt.int(t.retries)) / \(Fmt.int(t.http429))", "retries / 429s")
    if t.lostAttempts > 0 { card(Fmt.int(t.lostAttempts), "lost attempts (may be billed)", warn: true) }
    if let o = d.obtained, o.values.contains(where: { $0 > 0 }) {
      let repaired = (o["repaired_local"] ?? 0) + (o["repaired_reask"] ?? 0) + (o["grown"] ?? 0)
      card("\(Fmt.int(o["valid"] ?? 0)) / \(Fmt.int(repaired)) / \(Fmt.int(o["invalid"] ?? 0))", "answers valid / repaired / invalid",
        warn: (o["invalid"] ?? 0) > 0)
    }
    if let n = d.repairAttempts, n > 0 { card("\(Fmt.int(n)), \(Fmt.usd(d.repairCostUSD ?? 0))", "repair attempts, cost") }
    h += "</div>\n"

    let byCost = d.models.filter { $0.pricedJobs > 0 }.sorted { $0.costUSD > $1.costUSD }
    h += "<div class=\"grid2\"><div><h2>Cost by model</h2>"
    h += SVGChart.bars(byCost.map { ($0.model, $0.costUSD, Fmt.usd($0.costUSD)) })
    h += "</div><div><h2>Latency distribution</h2>"
    h += SVGChart.histogram(d.latencyHistogram)
    h += "</div></div>\n<h2>Tokens by kind</h2>"
    let series = ["uncached prompt", "cached prompt", "tool use", "output", "thoughts"]
    h += SVGChart.stackedBars(
      categories: d.models.map(\.model), series: series,
      values: d.models.map {
        [$0.tokens.prompt - $0.tokens.cached, $0.tokens.cached, $0.tokens.toolUse, $0.tokens.candidates, $0.tokens.thoughts]
          .map { Double(max(0, $0)) }
      }, width: 1100)
    h += "\n<h2>Outcomes over time (attempts per minute)</h2>"
    h += SVGChart.timeline(d.timeline)

    h += "\n<h2>Per model: jobs, tokens, cost</h2><div class=\"scroll\"><table><tr><th>model</th><th>jobs</th>"
    for (s, _) in Fmt.states(t.states) { h += "<th>\(e(s))</th>" }
    h += "<th>prompt</th><th>cached</th><th>output</th><th>thoughts</th><th>tool use</th><th>cost</th><th>per 1,000 jobs</th><th>unpriced</th></tr>\n"
    for m in d.models + [t] {
      h += "<tr\(m.model == "all" ? " class=\"total\"" : "")><td>\(e(m.model))</td><td>\(Fmt.int(m.jobs))</td>"
      for (s, _) in Fmt.states(t.states) { h += "<td>\(Fmt.int(m.states[s] ?? 0))</td>" }
      let cells = [
        Fmt.int(m.tokens.prompt), Fmt.int(m.tokens.cached), Fmt.int(m.tokens.candidates), Fmt.int(m.tokens.thoughts),
        Fmt.int(m.tokens.toolUse), m.pricedJobs > 0 ? Fmt.usd(m.costUSD) : "—", m.costPer1000Jobs.map(Fmt.usd) ?? "—",
        Fmt.int(m.unpricedJobs),
      ]
      h += cells.map { "<td>\(e($0))</td>" }.joined() + "</tr>\n"
    }
    h += "</table></div>\n<h2>Per model: latency and retries</h2><div class=\"scroll\"><table><tr><th>model</th>"
    h += "<th>latency p50</th><th>p90</th><th>p99</th><th>first token p50</th><th>p90</th><th>p99</th>"
    h += "<th>attempts</th><th>retries</th><th>429s</th><th>lost</th></tr>\n"
    for m in d.models + [t] {
      let cells = [
        m.latencyMs.map { Fmt.ms($0.p50) } ?? "—", m.latencyMs.map { Fmt.ms($0.p90) } ?? "—",
        m.latencyMs.map { Fmt.ms($0.p99) } ?? "—", m.ttfbMs.map { Fmt.ms($0.p50) } ?? "—",
        m.ttfbMs.map { Fmt.ms($0.p90) } ?? "—", m.ttfbMs.map { Fmt.ms($0.p99) } ?? "—", Fmt.int(m.attempts),
        Fmt.int(m.retries), Fmt.int(m.http429), Fmt.int(m.lostAttempts),
      ]
      h += "<tr\(m.model == "all" ? " class=\"total\"" : "")><td>\(e(m.model))</td>" + cells.map { "<td>\(e($0))</td>" }.joined() + "</tr>\n"
    }
    h += "</table></div>\n"
    h += "<div class=\"grid2\"><div><h2>Failure reasons</h2>"
    if d.failureReasons.isEmpty {
      h += "<p class=\"muted\">No failed jobs.</p>"
    } else {
      h += "<table><tr><th>reason</th><th>class</th><th>jobs</th></tr>"
      for r in d.failureReasons {
        h += "<tr><td class=\"wrap\">\(e(r.reason))</td><td>\(e(r.failureClass))</td><td>\(Fmt.int(r.count))</td></tr>"
      }
      h += "</table>"
    }
    h += "</div><div><h2>Most expensive jobs</h2>"
    if d.topJobs.isEmpty {
      h += "<p class=\"muted\">No priced results.</p>"
    } else {
      h += "<table><tr><th>job</th><th>model</th><th>cost</th><th>prompt</th><th>output + thoughts</th></tr>"
      for j in d.topJobs {
        h += "<tr><td>\(e(j.id))</td><td>\(e(j.model))</td><td>\(Fmt.usd(j.costUSD))</td><td>\(Fmt.int(j.promptTokens))</td><td>\(Fmt.int(j.outputTokens))</td></tr>"
      }
      h += "</table>"
    }
    h += "</div></div>\n"
    h += "<p class=\"muted small\">Cost = (prompt − cached) × input + cached × cache rate + tool-use × input + (output + thoughts) × output, "
    h += "long-context rates above 200,000 prompt tokens; grounding per grounded prompt (2.5 and older) or per search query (3), "
    h += "free allowances not subtracted. Latency percentiles are nearest-rank over stored results.</p>\n"
    h += "</body></html>\n"
    return h
  }
}
