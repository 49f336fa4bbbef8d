import ArgumentParser
import Foundation
import GemBatchCore
import GeminiAPI

/// `gembatch status`: what a store holds, readable while a run writes to it.
struct StatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show a store: jobs per state and model, failure reasons, runs, requests lost in a crash.")

  @Option(name: .long, help: ArgumentHelp("The store (SQLite file).", valueName: "path"))
  var db = "gembatch.sqlite"

  @Flag(name: .long, help: "Print the status as JSON.")
  var json = false

  func run() throws {
    let report: StatusReport
    let batches: [BatchRecord]
    do {
      let store = try Store.openReadOnly(path: db)
      report = try store.statusReport()
      batches = try store.batches()
    } catch let e as StoreError {
      FileHandle.standardError.write(Data("gembatch: \(TerminalText.clean("\(e)", limit: nil))\n".utf8))
      throw ExitCode(ExitStatus.badInput)
    }
    if json {
      let enc = JSONEncoder()
      enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      var out = try enc.encode(report)
      if !batches.isEmpty, case .object(var o) = try JSONValue.parse(out) {
        // The batches join the report's keys (sorted like them).
        o["batches"] = try JSONValue.parse(enc.encode(batches))
        out = Data(JSONValue.object(o).serialized(sortedKeys: true).utf8)
      }
      out.append(0x0A)
      FileHandle.standardOutput.write(out)
    } else {
      var text = StatusText.render(report)
      if !batches.isEmpty {
        text += "\nbatches (Batch Mode):\n" + BatchTable.render(batches, now: Date().timeIntervalSince1970)
      }
      FileHandle.standardOutput.write(Data(text.utf8))
    }
  }
}

/// The text form of a `StatusReport`. Every value that came from a server or a job file (ids,
/// models, reasons) goes through `TerminalText.clean`: escaped control characters, one line,
/// cut to a readable length (`status --json` and the store keep the full text).
enum StatusText {
  static func render(_ r: StatusReport) -> String {
    let t = { (x: String) in TerminalText.clean(x) }
    var s = "store \(t(r.path))\n"
    if let w = r.writer {
      let started = Date(timeIntervalSince1970: w.startedAt).ISO8601Format()
      let run = w.runId.map { "run #\($0)" } ?? "a run (starting)"
      if w.live {
        s += "in use by \(run): pid \(w.pid) on \(t(w.host)), started \(started), heartbeat \(Int(w.heartbeatAgeSeconds.rounded())) s ago\n"
      } else {
        s += "left claimed by \(run) (pid \(w.pid) on \(t(w.host)), started \(started), last heartbeat \(Int(w.heartbeatAgeSeconds.rounded())) s ago), which is gone: the next run takes over and checks the store\n"
      }
    }
    let c = r.counts
    s += "jobs \(c.total): \(c.succeeded) succeeded, \(c.failed) failed, \(c.pending) pending, \(c.waiting) waiting, \(c.inFlight) in flight\n"
    if !r.models.isEmpty {
      s += "\nper model:\n"
      for m in r.models {
        let k = m.counts
        s += "  \(t(m.model)): \(k.total) (\(k.succeeded) ok, \(k.failed) failed, \(k.pending + k.waiting + k.inFlight) to go)\n"
      }
    }
    if !r.endpoints.isEmpty {
      s += "\nresults by endpoint:\n"
      for e in r.endpoints {
        s += "  \(e.results) from \(t(e.kind)) \(t(e.url))\(e.kind == "mock" ? " (dry run: mock answers)" : "")\n"
      }
    }
    if !r.failures.isEmpty {
      s += "\nfailures:\n"
      for f in r.failures {
        s += "  \(f.count) × \(t(f.failureClass ?? "failed")): \(t(f.reason ?? "(no reason)"))\n"
      }
    }
    if !r.runs.isEmpty {
      s += "\nruns (newest first):\n"
      for run in r.runs {
        let started = Date(timeIntervalSince1970: run.startedAt).ISO8601Format()
        s += "  #\(run.id) \(t(run.status)) started \(started), \(t(run.endpointKind)) \(t(run.endpoint)), \(run.attempts) attempts"
        if let reason = run.stopReason { s += ": \(t(reason))" }
        s += "\n"
      }
    }
    if r.openAttempts > 0 {
      s += "\n\(r.openAttempts) attempt(s) in flight now (or left by a dead run until the next run recovers them)\n"
    }
    if !r.lostAttempts.isEmpty {
      s += "\n\(r.lostAttempts.count) request(s) were in flight at a crash (sent, no stored answer, possibly billed):\n"
      for a in r.lostAttempts.prefix(20) {
        s += "  job \(t(a.jobId)), run #\(a.runId), attempt \(a.attemptId), sent \(Date(timeIntervalSince1970: a.startedAt).ISO8601Format())\n"
      }
      if r.lostAttempts.count > 20 { s += "  … and \(r.lostAttempts.count - 20) more (see view in_flight_at_crash)\n" }
    }
    if r.totalTokens > 0 || r.totalCostUSD > 0 {
      s += String(format: "\ntokens %d, cost $%.4f\n", r.totalTokens, r.totalCostUSD)
    }
    return s
  }
}
