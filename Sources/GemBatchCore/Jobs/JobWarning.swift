import GeminiAPI

/// A warning about one job line, named by FILE:LINE and the id like a `JobError`: the line is
/// sent anyway, unless the run or validate is `--strict`.
public struct JobWarning: Sendable, Hashable, Codable, CustomStringConvertible {
  public var file: String
  public var line: Int
  public var jobId: String?
  public var kind: RequestWarning.Kind
  /// JSON path in the request (`generationConfig.maxOutputTokens`), or `model`.
  public var path: String
  public var message: String

  public init(file: String, line: Int, jobId: String?, warning: RequestWarning) {
    self.file = file
    self.line = line
    self.jobId = jobId
    self.kind = warning.kind
    self.path = warning.path
    self.message = warning.message
  }

  /// `FILE:LINE: [id X] warning: PATH: message`
  public var description: String {
    var s = line > 0 ? "\(file):\(line): " : "\(file): "
    if let jobId { s += "[id \(jobId)] " }
    return s + "warning: " + (path.isEmpty ? message : "\(path): \(message)")
  }
}

/// The warnings of a read: the first few of each kind, in reading order, and how many there were
/// of each, so memory stays flat however many lines share one warning.
public struct JobWarnings: Sendable, Hashable, Codable {
  public static let keptPerKind = 20

  /// The first `keptPerKind` warnings of each kind, in reading order.
  public private(set) var kept: [JobWarning] = []
  /// Warnings per kind (raw value).
  public private(set) var counts: [String: Int] = [:]

  public init() {}

  public var total: Int { counts.values.reduce(0, +) }
  public var isEmpty: Bool { counts.isEmpty }

  public mutating func add(_ w: JobWarning) {
    let n = counts[w.kind.rawValue, default: 0]
    counts[w.kind.rawValue] = n + 1
    if n < Self.keptPerKind { kept.append(w) }
  }

  /// One line per kind, for `run`: its first warning, and how many lines had one of that kind.
  public var oncePerKind: [String] {
    RequestWarning.Kind.allCases.compactMap { kind in
      guard let n = counts[kind.rawValue], let first = kept.first(where: { $0.kind == kind }) else { return nil }
      return n > 1 ? "\(first) (\(kind.rawValue) on \(n - 1) more line\(n == 2 ? "" : "s"))" : "\(first)"
    }
  }

  /// `thinking-tokens 3, unknown-model 1`
  public var countsText: String {
    RequestWarning.Kind.allCases.compactMap { k in counts[k.rawValue].map { "\(k.rawValue) \($0)" } }.joined(
      separator: ", ")
  }
}
