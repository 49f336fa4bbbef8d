import ArgumentParser
import Foundation
import GemBatchCore

/// `gembatch run --mode batch` and its flags.
struct BatchOptions: ParsableArguments {
  enum Mode: String, ExpressibleByArgument, CaseIterable, Sendable {
    case interactive, batch
  }

  @Option(help: "interactive (each job its own request) or batch (Gemini Batch Mode: half price, results within 24 h).")
  var mode: Mode = .interactive

  @Option(help: ArgumentHelp("Batch mode: first wait between polls (it grows while nothing changes), e.g. 30s, 2m.", valueName: "duration"))
  var poll: String = "30s"

  @Option(help: ArgumentHelp("Batch mode: cancel a batch still pending after this long and retry its jobs, e.g. 24h.", valueName: "duration"))
  var batchTimeout: String = "24h"

  @Option(help: "Batch mode: most enqueued input tokens per model at a time (default: a safe value per model).")
  var batchMaxTokens: Int?

  @Flag(help: "Batch mode: submit and exit 3; run the same command later to poll and collect.")
  var detach = false

  @Option(help: "Batch mode: where failed and missing jobs go: batch (a new batch) or online (an interactive run).")
  var fallback: BatchConfiguration.Fallback = .batch

  @Option(help: .hidden) var uploadChunkSize: Int = 8 << 20
  @Option(help: .hidden) var batchCreateBackoff: String = "10s"

  func check() throws {
    for (flag, v) in [("--poll", poll), ("--batch-timeout", batchTimeout), ("--batch-create-backoff", batchCreateBackoff)] {
      guard let d = Self.duration(v), d > .zero else { throw ValidationError("\(flag): cannot read \(v) (e.g. 30s, 5m, 24h)") }
    }
    if let t = batchMaxTokens, t < 1 { throw ValidationError("--batch-max-tokens must be at least 1") }
    if uploadChunkSize < 1024 { throw ValidationError("--upload-chunk-size must be at least 1024") }
    if mode == .interactive && detach { throw ValidationError("--detach needs --mode batch") }
  }

  /// `250ms`, `30s`, `5m`, `24h`, or plain seconds.
  static func duration(_ s: String) -> Duration? {
    let t = s.trimmingCharacters(in: .whitespaces).lowercased()
    let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
    for (suffix, scale) in units where t.hasSuffix(suffix) {
      guard let v = Double(t.dropLast(suffix.count)), v >= 0, v.isFinite else { return nil }
      return .milliseconds(Int64((v * scale * 1000).rounded()))
    }
    guard let v = Double(t), v >= 0, v.isFinite else { return nil }
    return .milliseconds(Int64((v * 1000).rounded()))
  }
}

extension BatchConfiguration.Fallback: ExpressibleByArgument {}
