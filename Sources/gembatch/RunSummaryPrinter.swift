import Foundation
import GemBatchCore

/// The closing lines of a run, and its exit code.
enum RunSummaryPrinter {
  /// Printed as soon as the run starts, so it is seen even if this run is killed too.
  static func printLost(_ lost: [LostAttempt], db: String) {
    var out = "\(lost.count) request(s) were in flight when an earlier run stopped; they may have been billed without a stored answer, and are sent again:\n"
    for a in lost.prefix(20) { out += "  job \(TerminalText.clean(a.jobId)) (attempt \(a.attemptId), run \(a.runId))\n" }
    if lost.count > 20 { out += "  … and \(lost.count - 20) more (gembatch status --db \(db))\n" }
    Stderr.write(out)
  }

  /// A store that cannot be used or stopped working: says why and where, and returns the exit
  /// code. A full disk or an I/O error is resumable (3: what was committed is kept; free space
  /// and run again); everything else (another run holds it, it is damaged, another
  /// application's file, a newer gembatch's) is 2, nothing sent.
  static func printStoreFailure(_ error: any Error, db: String) -> Int32 {
    guard let e = error as? StoreError else {
      Stderr.write("gembatch: cannot use the store \(db): \(error)\n")
      return ExitStatus.badInput
    }
    switch e.code {
    case .diskFull:
      Stderr.write(
        "gembatch: stopped: \(e.message). What was recorded is kept; free some space (or move the store with its -wal file to a disk with room) and run the same command to resume.\n"
      )
      return ExitStatus.stoppedResumable
    case .ioError:
      Stderr.write(
        "gembatch: stopped: \(e.message). What was recorded is kept; check the disk, then run the same command to resume.\n"
      )
      return ExitStatus.stoppedResumable
    case .claimed, .corrupt, .notAStore, .newerStore:
      Stderr.write("gembatch: \(e.message)\n")
      return ExitStatus.badInput
    default:
      Stderr.write("gembatch: cannot open the store \(db): \(e)\n")
      return ExitStatus.badInput
    }
  }

  /// Warnings about the job files, once per kind, before anything is sent.
  static func printWarnings(_ w: JobWarnings) {
    var out = ""
    for line in w.oncePerKind { out += TerminalText.clean(line) + "\n" }
    FileHandle.standardError.write(Data(out.utf8))
  }

  static func print(_ r: RunReport, db: String) -> Int32 {
    var out = ""
    if r.ending == .badInput {
      for w in r.inputWarnings.oncePerKind { out += TerminalText.clean(w) + "\n" }
      for e in r.inputErrors.prefix(50) { out += TerminalText.clean("\(e)") + "\n" }
      if r.inputErrors.count > 50 { out += "… and \(r.inputErrors.count - 50) more (gembatch validate lists all)\n" }
      out += "\(r.inputErrors.count) invalid job line(s); nothing was sent.\n"
      Stderr.write(out)
      return ExitStatus.badInput
    }
    let p = r.progress
    out += "run \(r.runId.map(String.init) ?? "?"): \(p.succeeded) succeeded, \(p.failed) failed"
    if r.alreadySucceeded > 0 { out += ", \(r.alreadySucceeded) already done earlier" }
    out += String(format: " in %.1f s (%d attempts, %d rate-limited, %d retries)", p.elapsed, p.attempts, p.rateLimited, p.retries)
    if p.costUSD > 0 { out += String(format: ", $%.6f", p.costUSD) }
    out += "\n"
    if let reason = r.stopReason {
      out += "stopped: \(TerminalText.clean(reason, limit: 600))\n"
      if let hint = Self.resumeHint(r.ending) { out += hint + "\n" }
    }
    if r.failedTotal > 0 {
      out += "\(r.failedTotal) job(s) failed for good; to send them again: the same command with --retry-failed (gembatch status --db \(db) lists why)\n"
    }
    Stderr.write(out)
    switch r.ending {
    case .finished: return r.failedTotal > 0 || p.failed > 0 ? ExitStatus.someFailed : ExitStatus.ok
    case .badInput: return ExitStatus.badInput
    case .interrupted, .quotaStopped, .budgetStopped, .authFailed, .unreachable, .failFast, .parked, .storeFailed:
      return ExitStatus.stoppedResumable
    }
  }

  /// What to do next, for a stop. Never "run the same command" when that would send nothing.
  static func resumeHint(_ e: RunReport.Ending) -> String? {
    switch e {
    case .finished, .badInput: nil
    case .interrupted, .parked: "resume with the same command."
    case .quotaStopped: "resume with the same command after the quota resets (before that, a resume sends one probe)."
    case .budgetStopped: "the budget covers everything this store spent on these jobs: raise --budget to go on."
    case .authFailed: "fix the API key (--api-key-file, GEMINI_API_KEY or COMETAPI_KEY), then run the same command."
    case .unreachable: "check --endpoint and the network, then run the same command."
    case .failFast: "fix the requests (gembatch status lists the error), then run the same command."
    case .storeFailed: "free space or fix the store's disk, then run the same command."
    }
  }
}
