import Foundation
import GeminiAPI
import Logging

/// Stores a finished batch's output: streams the output file to disk, reads it a line at a time,
/// matches each line to its job by key only, and records it as an attempt outcome (and result)
/// through `LedgerWriter` and `OutcomeInterpreter`, exactly as an interactive answer. Lines of
/// attempts already closed (a run killed mid-download, a duplicate line) are skipped, so
/// collecting again after a crash is safe. Attempts the output has no line for are closed by
/// `closeRemaining` with the reason, and the retry policy decides what follows.
struct BatchCollector {
  let store: Store
  /// The run collecting (its id goes on the result rows, as an interactive run's would).
  let runId: Int64
  let files: FilesClient
  let interpreter: OutcomeInterpreter
  let fallback: BatchConfiguration.Fallback
  let directory: String
  let kill: BatchKillSwitch
  let logger: Logger

  struct Tally {
    var stored = 0
    var unmatched = 0
    var needsInteractive: [String] = []
  }

  /// Downloads and stores `outputFile`. Returns what was stored.
  func collect(batch: BatchRecord, outputFile: String, rng: inout SplitMix64, now: Double) async throws -> Tally {
    let path = (directory as NSString).appendingPathComponent("gembatch-output-\(batch.id).jsonl")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try await files.download(name: outputFile, to: path)
    let reader = try LineReader(path: path, maxLineBytes: 256 << 20)
    let ledger = LedgerWriter(store: store)
    var tally = Tally()
    let total = max(1, batch.jobCount)
    let latency = Duration.milliseconds(Int64(max(0, now - (batch.submittedAt ?? now)) * 1000))
    var closed = false
    // Lines are looked up a block at a time (one read for the block), then stored in order.
    var block: [BatchOutputLine] = []
    func storeBlock() async throws {
      // The earlier blocks' outcomes are committed first, so a key seen before reads as closed.
      try await ledger.flush()
      let members = try store.openBatchMembers(batchId: batch.id, jobIds: block.compactMap(\.key))
      var seen = Set<String>()
      for line in block {
        // By key only: a line without one, for a job not in this batch, or for an attempt
        // already closed (stored before a crash, or a duplicate line) changes nothing.
        guard let key = line.key, let member = members[key], !seen.contains(key) else {
          tally.unmatched += 1
          continue
        }
        seen.insert(key)
        let exchange = Exchange(
          httpStatus: line.result.isSuccess ? 200 : (line.result.error?.httpStatus), rawBody: line.raw,
          result: line.result, latency: latency)
        try record(member, exchange: exchange, ledger: ledger, rng: &rng, now: now, tally: &tally)
        if tally.stored == total / 2 + 1 && total > 1 && kill.point == .downloading {
          try await ledger.flush()
          kill.reached(.downloading)
        }
      }
      block.removeAll(keepingCapacity: true)
    }
    do {
      while let event = try reader.next() {
        guard case .line(_, let bytes) = event, bytes.count > 0 else { continue }
        let raw = Data(bytes)
        if raw.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
        block.append(BatchOutputLine.parse(raw))
        if block.count >= 512 { try await storeBlock() }
      }
      try await storeBlock()
      try await ledger.close()
      closed = true
    } catch {
      if !closed { try? await ledger.close() }
      throw error
    }
    return tally
  }

  /// Closes every attempt of the batch still open as failed with `error` (no line for its key,
  /// or the batch expired, failed, was cancelled or timed out); the retry policy decides.
  func closeRemaining(batch: BatchRecord, error: GeminiError, rng: inout SplitMix64, now: Double) async throws -> Tally {
    let ledger = LedgerWriter(store: store)
    var tally = Tally()
    var after = -1
    do {
      while true {
        let page = try store.openBatchMembers(batchId: batch.id, afterSeq: after, limit: 1000)
        if page.isEmpty { break }
        for m in page {
          let exchange = Exchange(httpStatus: error.httpStatus, rawBody: Data(), result: .failure(error), latency: .zero)
          try record(m, exchange: exchange, ledger: ledger, rng: &rng, now: now, tally: &tally)
          after = m.seq
        }
        // The page's outcomes must be committed before the next page is read (it reads open attempts).
        try await ledger.flush()
      }
      try await ledger.close()
    } catch {
      try? await ledger.close()
      throw error
    }
    return tally
  }

  private func record(
    _ m: BatchMember, exchange: Exchange, ledger: LedgerWriter, rng: inout SplitMix64, now: Double, tally: inout Tally
  ) throws {
    let job = DispatchJob(
      id: m.jobId, seq: m.seq, model: m.model, body: m.body ?? Data(), requestHash: m.requestHash,
      estimatedInputTokens: m.estInputTokens, isJSONMode: m.jsonMode,
      outputSchema: m.body.flatMap { DispatchJob.outputSchema(fromBody: $0) }, attempts: m.attemptNo)
    var (finish, summary) = interpreter.interpret(
      job: job, attemptId: m.attemptId, attemptNo: m.attemptNo, runId: runId, exchange: exchange,
      random: rng.nextUnit(), now: now)
    switch summary.kind {
    case .retry, .stopRun:
      // A batch's retry is the next batch (or, with --fallback online, an interactive run):
      // the job is pending at once, the backoff is moot next to a batch's turnaround.
      finish.jobState = .pending
      finish.notBefore = nil
      if fallback == .online { tally.needsInteractive.append(m.jobId) }
    default: break
    }
    try ledger.submitFinished(finish)
    tally.stored += 1
  }
}

extension Result {
  var isSuccess: Bool { if case .success = self { return true } else { return false } }
  var error: Failure? { if case .failure(let e) = self { return e } else { return nil } }
}
