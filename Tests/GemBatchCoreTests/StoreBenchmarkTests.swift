import Foundation
import GemBatchCore
import GeminiAPI
import Testing

/// Throughput figures for the README. Off by default (they take seconds); run with
/// `GEMBATCH_BENCH=1 swift test -c release --filter StoreBenchmarkTests`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["GEMBATCH_BENCH"] != nil, "set GEMBATCH_BENCH=1 to run benchmarks"))
struct StoreBenchmarkTests {
  @Test func ledgerThroughput() async throws {
    let n = Int(ProcessInfo.processInfo.environment["GEMBATCH_BENCH_JOBS"] ?? "") ?? 50_000
    let path = JobsTestKit.tempDir("bench") + "/gembatch.sqlite"
    let store = try Store.open(path: path)
    let r = try store.beginRun(RunStart(endpoint: "http://127.0.0.1", files: [], version: "bench"))
    let jobs = (0..<n).map { JobsTestKit.job("job-\($0)", prompt: "prompt number \($0)", seq: $0) }
    var t0 = ContinuousClock.now
    for chunk in stride(from: 0, to: n, by: 5000) {
      _ = try store.syncJobs(Array(jobs[chunk..<min(n, chunk + 5000)]), runId: r, retryFailed: false)
    }
    let syncTime = ContinuousClock.now - t0
    let raw = Data(repeating: UInt8(ascii: "x"), count: 600)
    let w = LedgerWriter(store: store)
    let workers = 256
    t0 = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { g in
      for k in 0..<workers {
        g.addTask {
          var i = k
          while i < n {
            let j = jobs[i]
            let id = try await w.attemptStarted(
              AttemptStart(jobId: j.id, runId: r, attemptNo: 1, requestHash: j.requestHash, streamed: false, startedAt: 1))
            let res = ResultRecord(jobId: j.id, attemptId: id, runId: r, requestHash: j.requestHash, answerText: "answer", finishReason: "STOP", totalTokens: 20, costUSD: 0.0001, createdAt: 2)
            try await w.attemptFinished(
              AttemptFinish(attemptId: id, jobId: j.id, runId: r, endedAt: 2, outcome: .succeeded, jobState: .succeeded, httpStatus: 200, latencyMs: 1, rawResponse: raw, result: res))
            i += workers
          }
        }
      }
      try await g.waitForAll()
    }
    let ledgerTime = ContinuousClock.now - t0
    let tx = await w.transactions
    try await w.close()
    #expect(try store.counts().succeeded == n)
    let secs = Double(ledgerTime.components.seconds) + Double(ledgerTime.components.attoseconds) / 1e18
    let syncSecs = Double(syncTime.components.seconds) + Double(syncTime.components.attoseconds) / 1e18
    print("BENCH ledger: \(n) starts + \(n) finishes in \(String(format: "%.2f", secs)) s = \(Int(Double(2 * n) / secs)) ops/s (\(Int(Double(n) / secs)) jobs/s), \(tx) transactions, avg batch \(2 * n / max(tx, 1))")
    print("BENCH sync: \(n) jobs in \(String(format: "%.2f", syncSecs)) s = \(Int(Double(n) / syncSecs)) jobs/s")
  }

  @Test func readerThroughput() throws {
    let n = Int(ProcessInfo.processInfo.environment["GEMBATCH_BENCH_LINES"] ?? "") ?? 1_000_000
    let dir = JobsTestKit.tempDir("readbench")
    let path = dir + "/big.jsonl"
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    var buf = ""
    for i in 0..<n {
      buf += "{\"id\":\"q\(i)\",\"prompt\":\"What is the capital of country number \(i)? Answer in one word.\"}\n"
      if buf.utf8.count > 1 << 20 {
        h.write(Data(buf.utf8))
        buf = ""
      }
    }
    h.write(Data(buf.utf8))
    try h.close()
    let t0 = ContinuousClock.now
    var r = JobReader(files: [path], defaults: RunDefaults(model: "gemini-2.5-flash"))
    var jobs = 0
    var tokens = 0
    while case .job(let j)? = try r.next() {
      jobs += 1
      tokens += j.estimatedInputTokens
    }
    let d = ContinuousClock.now - t0
    let secs = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    #expect(jobs == n)
    print("BENCH reader: \(n) lines in \(String(format: "%.2f", secs)) s = \(Int(Double(n) / secs)) lines/s (\(tokens) tokens)")
    try? FileManager.default.removeItem(atPath: dir)
  }

  /// What a resume pays to adopt an unchanged job file: its SHA-256 (swift-crypto; the asm core
  /// runs at the same speed in a debug build) against the pure-Swift request-hash SHA256.
  @Test func fileDigestThroughput() throws {
    let mb = Int(ProcessInfo.processInfo.environment["GEMBATCH_BENCH_MB"] ?? "") ?? 100
    let dir = JobsTestKit.tempDir("bench-digest")
    let path = dir + "/big.jsonl"
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    for i in chunk.indices { chunk[i] = UInt8(truncatingIfNeeded: 32 + i % 90) }
    FileManager.default.createFile(atPath: path, contents: nil)
    let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    for _ in 0..<mb { try h.write(contentsOf: chunk) }
    try h.close()
    _ = FileDigest(path: path)  // page cache warm, as for a file just written or read
    var best = Double.infinity
    var bestCPU = Double.infinity
    for _ in 0..<3 {
      let t0 = ContinuousClock.now
      let c0 = Self.threadCPU()
      let d = FileDigest(path: path)
      bestCPU = min(bestCPU, Self.threadCPU() - c0)
      best = min(best, Self.secs(ContinuousClock.now - t0))
      #expect(d?.size == Int64(mb) << 20)
    }
    var swift = GeminiAPI.SHA256()
    let t1 = ContinuousClock.now
    for _ in 0..<max(1, mb / 10) { swift.update(chunk) }
    let swiftSecs = Self.secs(ContinuousClock.now - t1) * 10
    print(
      String(
        format: "BENCH file digest: %d MB in %.3f s wall, %.3f s CPU (swift-crypto); pure-Swift SHA256 ~%.2f s for the same",
        mb, best, bestCPU, swiftSecs))
    try? FileManager.default.removeItem(atPath: dir)
  }

  /// CPU seconds of the calling thread (a loaded machine stretches wall time, not this).
  static func threadCPU() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
  }

  static func secs(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}
