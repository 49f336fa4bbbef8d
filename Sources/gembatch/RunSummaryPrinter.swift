import Foundation
import GemBatchCore

/// The closing lines of a run, and its exit code.
enum RunSummaryPrinter {
  /// Printed as soon as the run starts, so it is seen even if this run is killed too.
  static func printLost(_ lost: [LostAttempt], db: String) {
    var out = "\(lost.count) request(s) were in flight when an earlier run stopped; they may have been billed without a stored answer, and are sent again:\n"
    for a in lost.prefix(20) { out += "  job \(TerminalText.clean(a.jobId)) (attempt \(a.attemptId), run \(a.runId))\n" }
    if lost.count > 20 { out += "  … and \(lost.count - 20) more (gembatch status --db \(db))\n" }
    FileHandle.standardError.write(Data(out.utf8))
  }

  static func print(_ r: RunReport, db: String) -> Int32 {
    var out = ""
    if r.ending == .badInput {
      for e in r.inputErrors.prefix(50) { out += TerminalText.clean("\(e)") + "\n" }
      if r.inputErrors.count > 50 { out += "… and \(r.inputErrors.count - 50) more (gembatch validate lists all)\n" }
      out += "\(r.inputErrors.count) invalid job line(s); nothing was sent.\n"
      FileHandle.standardError.write(Data(out.utf8))
      return ExitStatus.badInput
    }
    let p = r.progress
    out += "run \(r.runId.map(String.init) ?? "?"): \(p.succeeded) succeeded, \(p.failed) failed"
    if r.alreadySucceeded > 0 { out += ", \(r.alreadySucceeded) already done earlier" }
    out += String(format: " in %.1f s (%d attempts, %d rate-limited, %d retries)", p.elapsed, p.attempts, p.rateLimited, p.retries)
    if p.costUSD > 0 { out += String(format: ", $%.6f", p.costUSD) }
    out += "\n"
    if let reason = r.stopReason {
      out += "stopped: \(TerminalText.clean(reason, limit: 600))\nresume with the same command.\n"
    }
    FileHandle.standardError.write(Data(out.utf8))
    switch r.ending {
    case .finished: return r.failedTotal > 0 || p.failed > 0 ? ExitStatus.someFailed : ExitStatus.ok
    case .badInput: return ExitStatus.badInput
    case .interrupted, .quotaStopped, .budgetStopped: return ExitStatus.stoppedResumable
    }
  }
}
