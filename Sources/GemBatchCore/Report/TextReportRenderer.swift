import Foundation

/// A plain-text report for terminals and CI logs. Values from servers and job files (models,
/// reasons, ids) are cleaned for the terminal and cut to a line (`TerminalText`); the JSON and
/// HTML forms keep them whole (escaped for their format).
enum TextReportRenderer {
  static func render(_ d: ReportData) -> String {
    var o = ""
    func line(_ s: String = "") { o += s + "\n" }
    let clean = { (x: String) in TerminalText.clean(x) }
    line("gembatch report — \(clean(d.database))" + (d.runID.map { ", run \($0)" } ?? ", all runs"))
    line("generated \(Fmt.date(d.generatedAt)); prices \(d.priceVersions.isEmpty ? "(none)" : clean(d.priceVersions.joined(separator: ", ")))")
    if !d.endpoints.isEmpty { line("results from: " + clean(ReportData.endpointSummary(d.endpoints))) }
    line()
    let t = d.total
    line("Jobs: \(Fmt.int(t.jobs))  " + Fmt.states(t.states).map { "\($0.0) \(Fmt.int($0.1))" }.joined(separator: "  "))
    var cost = "Cost: \(Fmt.usd(t.costUSD))"
    if let per = t.costPer1000Jobs { cost += "  (\(Fmt.usd(per)) per 1,000 jobs)" }
    if t.groundingUSD > 0 {
      cost += "  of which grounding \(Fmt.usd(t.groundingUSD)) (\(Fmt.int(t.groundedPrompts)) prompts, \(Fmt.int(t.searchQueries)) queries)"
    }
    line(cost)
    if t.unpricedJobs > 0 {
      line("unpriced: \(Fmt.int(t.unpricedJobs)) jobs (no price for their model, or usage the server got wrong; not counted as free)")
    }
    line(
      "Tokens: prompt \(Fmt.int(t.tokens.prompt)) (cached \(Fmt.int(t.tokens.cached)))  output \(Fmt.int(t.tokens.candidates))"
        + "  thoughts \(Fmt.int(t.tokens.thoughts))  tool-use \(Fmt.int(t.tokens.toolUse))  total \(Fmt.int(t.tokens.total))")
    line(
      "Attempts: \(Fmt.int(t.attempts))  retries \(Fmt.int(t.retries))  429s \(Fmt.int(t.http429))"
        + (t.lostAttempts > 0 ? "  lost (sent, outcome unknown, may be billed) \(t.lostAttempts)" : ""))
    if let obtained = d.obtained, !obtained.isEmpty {
      let order = AnswerObtained.allCases.map(\.rawValue)
      let parts = order.compactMap { k in obtained[k].map { "\(k) \(Fmt.int($0))" } }
        + obtained.keys.filter { !order.contains($0) }.sorted().map { "\($0) \(Fmt.int(obtained[$0]!))" }
      line("Answers: " + parts.joined(separator: "  "))
    }
    if let n = d.repairAttempts, n > 0 {
      line("Repairs: \(Fmt.int(n)) extra attempt\(n == 1 ? "" : "s") (re-asks, larger maxOutputTokens); the answers they replaced cost \(Fmt.usd(d.repairCostUSD ?? 0)), included above")
    }
    if let l = t.latencyMs { line("Latency: p50 \(Fmt.ms(l.p50))  p90 \(Fmt.ms(l.p90))  p99 \(Fmt.ms(l.p99))  (n=\(l.count))") }
    if let l = t.ttfbMs { line("Time to first token: p50 \(Fmt.ms(l.p50))  p90 \(Fmt.ms(l.p90))  p99 \(Fmt.ms(l.p99))  (n=\(l.count))") }
    line()
    if let served = d.served, !served.isEmpty {
      line("Served as (the model and tier that answered, and priced)")
      o += table(
        [["requested", "served", "tier", "results", "cost"]]
          + served.map { [$0.requested, $0.served ?? "(unpriced)", $0.tier ?? "—", Fmt.int($0.results), Fmt.usd($0.costUSD)] },
        left: [0, 1, 2])
      line()
    }
    line("Per model")
    var rows: [[String]] = [
      ["model", "jobs", "ok", "failed", "other", "prompt", "cached", "output", "thoughts", "tool", "cost", "per 1k", "unpriced",
       "p50", "p90", "p99", "ttft p50", "retries", "429s"]
    ]
    for m in d.models {
      let ok = m.states["succeeded"] ?? 0
      let failed = m.states["failed"] ?? 0
      rows.append([
        clean(m.model), Fmt.int(m.jobs), Fmt.int(ok), Fmt.int(failed), Fmt.int(m.jobs - ok - failed), Fmt.int(m.tokens.prompt),
        Fmt.int(m.tokens.cached), Fmt.int(m.tokens.candidates), Fmt.int(m.tokens.thoughts), Fmt.int(m.tokens.toolUse),
        m.pricedJobs > 0 ? Fmt.usd(m.costUSD) : "—", m.costPer1000Jobs.map(Fmt.usd) ?? "—", Fmt.int(m.unpricedJobs),
        m.latencyMs.map { Fmt.ms($0.p50) } ?? "—", m.latencyMs.map { Fmt.ms($0.p90) } ?? "—",
        m.latencyMs.map { Fmt.ms($0.p99) } ?? "—", m.ttfbMs.map { Fmt.ms($0.p50) } ?? "—", Fmt.int(m.retries),
        Fmt.int(m.http429),
      ])
    }
    o += table(rows)
    if !d.failureReasons.isEmpty {
      line()
      line("Failure reasons")
      o += table([["count", "class", "reason"]] + d.failureReasons.map { [Fmt.int($0.count), clean($0.failureClass), clean($0.reason)] }, left: [1, 2])
    }
    if !d.topJobs.isEmpty {
      line()
      line("Most expensive jobs")
      o += table(
        [["job", "model", "cost", "prompt", "output+thoughts"]]
          + d.topJobs.map { [clean($0.id), clean($0.model), Fmt.usd($0.costUSD), Fmt.int($0.promptTokens), Fmt.int($0.outputTokens)] }, left: [0, 1])
    }
    if t.groundingUSD > 0 {
      line()
      line("Grounding is charged per grounded prompt (2.5 and older) or per search query (3); free allowances are not subtracted.")
    }
    return o
  }

  /// Columns in `left` left-aligned (the last one unpadded), the others right-aligned; two spaces between.
  static func table(_ rows: [[String]], left: Set<Int> = [0]) -> String {
    guard let width = rows.map(\.count).max() else { return "" }
    var w = [Int](repeating: 0, count: width)
    for r in rows { for (i, c) in r.enumerated() { w[i] = max(w[i], c.count) } }
    var o = ""
    for r in rows {
      var cells: [String] = []
      for (i, c) in r.enumerated() {
        let pad = String(repeating: " ", count: w[i] - c.count)
        cells.append(left.contains(i) ? c + (i == r.count - 1 ? "" : pad) : pad + c)
      }
      o += "  " + cells.joined(separator: "  ") + "\n"
    }
    return o
  }
}
