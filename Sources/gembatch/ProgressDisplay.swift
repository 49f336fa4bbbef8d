import Foundation
import GemBatchCore

/// Shows a run's progress: a live line on a terminal, a log line every few seconds otherwise,
/// or NDJSON events on stderr for machines. While a store connection waits on a lock another
/// process holds (`StoreLockWait`) for a second or more, the line says so; a watchdog shows it
/// even when the run, stuck behind the lock, reports nothing.
final class ProgressDisplay: @unchecked Sendable {
  private let mode: ProgressMode
  private let lock = NSLock()
  private var lastLog = -Double.infinity
  private var lastWaitLog = -Double.infinity
  private var drewLine = false
  private var last: RunProgress?
  private var watchdog: DispatchSourceTimer?

  init(mode: ProgressMode) { self.mode = mode }

  /// Seconds a lock wait lasts before the display mentions it.
  static let lockWaitShownAfter: Double = 1

  func show(_ p: RunProgress) {
    lock.lock()
    defer { lock.unlock() }
    last = p
    let wait = Self.lockWait()
    switch mode {
    case .tty:
      write("\r\u{1B}[K" + Self.line(p, lockWaitSince: wait))
      drewLine = true
    case .log:
      if p.elapsed - lastLog >= 5 || (p.inFlight == 0 && p.done == p.total) {
        lastLog = p.elapsed
        write(Self.timestamp() + " " + Self.line(p, lockWaitSince: wait) + "\n")
      }
    case .json:
      write(Self.json(p, lockWaitSince: wait) + "\n")
    case .none, .auto:
      break
    }
  }

  /// Checks for a store lock wait every second until `finish()`.
  func startWatchingStoreLock() {
    guard mode != .none else { return }
    let t = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
    t.schedule(deadline: .now() + 1, repeating: 1, leeway: .milliseconds(200))
    t.setEventHandler { [weak self] in self?.showLockWait() }
    lock.lock()
    watchdog = t
    lock.unlock()
    t.resume()
  }

  private func showLockWait() {
    lock.lock()
    defer { lock.unlock() }
    guard let since = Self.lockWait() else { return }
    let text = Self.lockWaitText(since: since)
    switch mode {
    case .tty:
      write("\r\u{1B}[K" + (last.map { Self.line($0, lockWaitSince: since) } ?? text))
      drewLine = true
    case .log:
      let t = Date().timeIntervalSince1970
      if t - lastWaitLog >= 5 {
        lastWaitLog = t
        write(Self.timestamp() + " " + (last.map { Self.line($0, lockWaitSince: since) } ?? text) + "\n")
      }
    case .json:
      write(String(format: #"{"event":"store_lock_wait","since":%.3f}"#, since) + "\n")
    case .none, .auto:
      break
    }
  }

  /// When a wait that has lasted `lockWaitShownAfter` began, if one is going on.
  static func lockWait(now: Double = Date().timeIntervalSince1970) -> Double? {
    guard let since = StoreLockWait.waitingSince(now: now), now - since >= lockWaitShownAfter else { return nil }
    return since
  }

  static func lockWaitText(since: Double, now: Double = Date().timeIntervalSince1970) -> String {
    "waiting on the store lock (held by another process) since \(Date(timeIntervalSince1970: since).ISO8601Format()), \(Int(now - since)) s"
  }

  func finish() {
    lock.lock()
    defer { lock.unlock() }
    watchdog?.cancel()
    watchdog = nil
    if drewLine { write("\n") }
    drewLine = false
  }

  private func write(_ s: String) { Stderr.write(s) }

  static func line(_ p: RunProgress, lockWaitSince: Double? = nil) -> String {
    var s = "done \(p.succeeded)/\(p.total)  failed \(p.failed)  in flight \(p.inFlight)"
    if p.waiting > 0 { s += "  waiting \(p.waiting)" }
    s += String(format: "  %.0f jobs/s  %.0f tok/min  429s %d", p.jobsPerSecond, p.tokensPerMinute, p.rateLimited)
    if p.costUSD > 0 { s += String(format: "  $%.4f", p.costUSD) }
    if let eta = p.eta, p.done < p.total { s += "  ETA " + duration(eta) }
    if p.stopping { s += "  (stopping)" }
    if let since = lockWaitSince { s += "  " + lockWaitText(since: since) }
    return s
  }

  static func json(_ p: RunProgress, lockWaitSince: Double? = nil) -> String {
    String(
      format: #"{"event":"progress","elapsed":%.3f,"total":%d,"succeeded":%d,"failed":%d,"inFlight":%d,"waiting":%d,"attempts":%d,"rateLimited":%d,"retries":%d,"tokens":%d,"costUSD":%.6f,"jobsPerSecond":%.1f,"concurrencyLimit":%d,"stopping":%@%@}"#,
      p.elapsed, p.total, p.succeeded, p.failed, p.inFlight, p.waiting, p.attempts, p.rateLimited, p.retries, p.tokens,
      p.costUSD, p.jobsPerSecond, p.concurrencyLimit, p.stopping ? "true" : "false",
      (p.eta.map { String(format: #","etaSeconds":%.1f"#, $0) } ?? "")
        + (lockWaitSince.map { String(format: #","storeLockWaitSince":%.3f"#, $0) } ?? ""))
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
