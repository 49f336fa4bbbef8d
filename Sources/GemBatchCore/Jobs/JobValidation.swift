import Foundation
import GeminiAPI

/// `gembatch validate`: reads every line of every file with no network and collects every problem.
public struct ValidationReport: Sendable, Codable, Hashable {
  public struct ModelCount: Sendable, Codable, Hashable {
    public var model: String
    public var jobs: Int
    public var estimatedInputTokens: Int
  }

  public var files: [String]
  public var jobs: Int
  public var models: [ModelCount]
  public var estimatedInputTokens: Int
  /// Every problem, in file and line order.
  public var errors: [JobError]
  /// Errors per code (for the summary line).
  public var errorCounts: [String: Int]
  /// The first warnings of each kind, in file and line order (lines that would still be sent).
  public var warnings: [JobWarning] = []
  /// Warnings per kind.
  public var warningCounts: [String: Int] = [:]
  /// The model catalog's warnings (a model shut down, routed, unknown; images, limits, features), one per model.
  public var modelWarnings: [String] = []

  public var isValid: Bool { errors.isEmpty }

  /// Reads all files with `defaults`. Keeps at most `maxErrors` errors (counting goes on).
  public static func validate(
    files: [String], defaults: RunDefaults, maxErrors: Int = 10_000, knownModels: [String]? = nil
  ) -> ValidationReport {
    var reader = JobReader(files: files, defaults: defaults, knownModels: knownModels)
    var perModel: [String: (jobs: Int, tokens: Int)] = [:]
    var jobs = 0
    var tokens = 0
    var errors: [JobError] = []
    var counts: [String: Int] = [:]
    while let r = reader.nextResult() {
      switch r {
      case .job(let j):
        jobs += 1
        tokens += j.estimatedInputTokens
        perModel[j.model, default: (0, 0)].jobs += 1
        perModel[j.model, default: (0, 0)].tokens += j.estimatedInputTokens
      case .error(let e):
        counts[e.code.rawValue, default: 0] += 1
        if errors.count < maxErrors { errors.append(e) }
      }
    }
    var report = ValidationReport(
      files: files, jobs: jobs,
      models: perModel.keys.sorted().map { ModelCount(model: $0, jobs: perModel[$0]!.jobs, estimatedInputTokens: perModel[$0]!.tokens) },
      estimatedInputTokens: tokens, errors: errors, errorCounts: counts, warnings: reader.warnings.kept,
      warningCounts: reader.warnings.counts)
    report.modelWarnings = defaults.catalog.notices.all.map(\.message)
    return report
  }

  /// The human summary printed after the errors.
  public var summary: String {
    var lines: [String] = []
    let problemCount = errorCounts.values.reduce(0, +)
    lines.append("\(jobs) job\(jobs == 1 ? "" : "s") in \(files.count) file\(files.count == 1 ? "" : "s"), ~\(estimatedInputTokens) input tokens (estimated)")
    for m in models {
      lines.append("  \(m.model): \(m.jobs) job\(m.jobs == 1 ? "" : "s"), ~\(m.estimatedInputTokens) tokens")
    }
    for w in modelWarnings { lines.append("warning: \(w)") }
    if problemCount == 0 {
      lines.append("no problems found")
    } else {
      let byCode = errorCounts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
        .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
      lines.append("\(problemCount) problem\(problemCount == 1 ? "" : "s") (\(byCode))")
      if errors.count < problemCount { lines.append("  (first \(errors.count) listed)") }
    }
    let warningCount = warningCounts.values.reduce(0, +)
    if warningCount > 0 {
      let byKind = RequestWarning.Kind.allCases.compactMap { k in warningCounts[k.rawValue].map { "\(k.rawValue) \($0)" } }
        .joined(separator: ", ")
      lines.append("\(warningCount) warning\(warningCount == 1 ? "" : "s") (\(byKind)); sent anyway, refused with --strict")
      if warnings.count < warningCount { lines.append("  (first \(JobWarnings.keptPerKind) of each kind listed)") }
    }
    return lines.joined(separator: "\n")
  }
}
