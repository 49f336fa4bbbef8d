import Foundation
import GemBatchCore

/// Shows a run's progress: a live line on a terminal, a log line every few seconds otherwise,
/// or NDJSON events on stderr for machines.
final class ProgressDisplay: @unchecked Sendable {
  private let mode: ProgressMode
  private let lock = NSLock()
  private var lastLog = -Double.infinity
  private var drewLine = false

  init(mode: ProgressMode) { self.mode = mode }

  func show(_ p: RunProgress) {
    lock.lock()
    defer { lock.unlock() }
    switch mode {
    case .tty:
      write("\r\u{1B}[K" + Self.line(p))
      drewLine = true
    case .log:
      if p.elapsed - lastLog >= 5 || (p.inFlight == 0 && p.done == p.total) {
        lastLog = p.elapsed
        write(Self.timestamp() + " " + Self.line(p) + "\n")
      }
    case .json:
      write(Self.json(p) + "\n")
    case .none, .auto:
      break
    }
  }

  func finish() {
    lock.lock()
    defer { lock.unlock() }
    if drewLine { write("\n") }
  }

  private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

  static func line(_ p: RunProgress) -> String {
    var s = "done \(p.succeeded)/\(p.total)  failed \(p.failed)  in flight \(p.inFlight)"
    if p.waiting > 0 { s += "  waiting \(p.waiting)" }
    s += String(format: "  %.0f jobs/s  %.0f tok/min  429s %d", p.jobsPerSecond, p.tokensPerMinute, p.rateLimited)
    if p.costUSD > 0 { s += String(format: "  $%.4f", p.costUSD) }
    if let eta = p.eta, p.done < p.total { s += "  ETA " + duration(eta) }
    if p.stopping { s += "  (stopping)" }
    return s
  }

  static func json(_ p: RunProgress) -> String {
    String(
      format: #"{"event":"progress","elapsed":%.3f,"total":%d,"succeeded":%d,"failed":%d,"inFlight":%d,"waiting":%d,"attempts":%d,"rateLimited":%d,"retries":%d,"tokens":%d,"costUSD":%.6f,"jobsPerSecond":%.1f,"concurrencyLimit":%d,"stopping":%@%@}"#,
      p.elapsed, p.total, p.succeeded, p.failed, p.inFlight, p.waiting, p.attempts, p.rateLimited, p.retries, p.tokens,
      p.costUSD, p.jobsPerSecond, p.concurrencyLimit, p.stopping ? "true" : "false",
      p.eta.map { String(format: #","etaSeconds":%.1f"#, $0) } ?? "")
  }

  static func duration(_ s: Double) -> String {
    // An ETA from a stalled run can be huge or infinite: no conversion may trap.
    guard s.isFinite, s < 1e9 else { return "∞" }
    let t = Int(max(0, s).rounded())
    if t >= 3600 { return "\(t / 3600)h\(String(format: "%02d", (t % 3600) / 60))m" }
    if t >= 60 { return "\(t / 60)m\(String(format: "%02d", t % 60))s" }
    return "\(t)s"
  }

  static func timestamp() -> String {
    let f = ISO8601DateFormatter()
    return f.string(from: Date())
  }
}
