/// `usageMetadata`. Every count can be missing; in a stream these are running totals.
///
/// The counts are the server's claims, not trusted numbers: decoding never fails on a count that
/// is not a representable integer (it is left out and named in `unreadableCounts`), and
/// `problem(limit:)` says whether the usage may be priced at all.
public struct UsageMetadata: Codable, Sendable, Hashable {
  /// Includes cached tokens.
  public var promptTokenCount: Int?
  public var cachedContentTokenCount: Int?
  /// Excludes thoughts.
  public var candidatesTokenCount: Int?
  public var thoughtsTokenCount: Int?
  public var toolUsePromptTokenCount: Int?
  public var totalTokenCount: Int?
  public var promptTokensDetails: [ModalityTokenCount]?
  public var candidatesTokensDetails: [ModalityTokenCount]?
  public var cacheTokensDetails: [ModalityTokenCount]?
  public var toolUsePromptTokensDetails: [ModalityTokenCount]?
  public var trafficType: String?
  public var serviceTier: String?
  /// Counts the body had but that are not integers in Int64's range (`1e30`, `1.5`, `"12"`):
  /// decoding keeps the rest of the answer, and the usage is invalid. Not encoded.
  public var unreadableCounts: [String]?

  enum CodingKeys: String, CodingKey {
    case promptTokenCount, cachedContentTokenCount, candidatesTokenCount, thoughtsTokenCount
    case toolUsePromptTokenCount, totalTokenCount, promptTokensDetails, candidatesTokensDetails
    case cacheTokensDetails, toolUsePromptTokensDetails, trafficType, serviceTier
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    var unreadable: [String] = []
    func count(_ k: CodingKeys) -> Int? {
      guard let v = Self.decodeCount(c, k) else { return nil }
      switch v {
      case .value(let n): return n
      case .unreadable:
        unreadable.append(k.stringValue)
        return nil
      }
    }
    promptTokenCount = count(.promptTokenCount)
    cachedContentTokenCount = count(.cachedContentTokenCount)
    candidatesTokenCount = count(.candidatesTokenCount)
    thoughtsTokenCount = count(.thoughtsTokenCount)
    toolUsePromptTokenCount = count(.toolUsePromptTokenCount)
    totalTokenCount = count(.totalTokenCount)
    promptTokensDetails = try c.decodeIfPresent([ModalityTokenCount].self, forKey: .promptTokensDetails)
    candidatesTokensDetails = try c.decodeIfPresent([ModalityTokenCount].self, forKey: .candidatesTokensDetails)
    cacheTokensDetails = try c.decodeIfPresent([ModalityTokenCount].self, forKey: .cacheTokensDetails)
    toolUsePromptTokensDetails = try c.decodeIfPresent([ModalityTokenCount].self, forKey: .toolUsePromptTokensDetails)
    trafficType = try c.decodeIfPresent(String.self, forKey: .trafficType)
    serviceTier = try c.decodeIfPresent(String.self, forKey: .serviceTier)
    for (name, list) in [
      ("promptTokensDetails", promptTokensDetails), ("candidatesTokensDetails", candidatesTokensDetails),
      ("cacheTokensDetails", cacheTokensDetails), ("toolUsePromptTokensDetails", toolUsePromptTokensDetails),
    ] where list?.contains(where: \.tokenCountUnreadable) ?? false {
      unreadable.append("\(name).tokenCount")
    }
    unreadableCounts = unreadable.isEmpty ? nil : unreadable
  }

  enum DecodedCount {
    case value(Int)
    case unreadable
  }

  /// nil when absent or null.
  static func decodeCount<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ k: K) -> DecodedCount? {
    guard c.contains(k) else { return nil }
    if (try? c.decodeNil(forKey: k)) == true { return nil }
    if let v = try? c.decode(Int.self, forKey: k) { return .value(v) }
    return .unreadable
  }

  public init(
    promptTokenCount: Int? = nil, cachedContentTokenCount: Int? = nil, candidatesTokenCount: Int? = nil,
    thoughtsTokenCount: Int? = nil, toolUsePromptTokenCount: Int? = nil, totalTokenCount: Int? = nil
  ) {
    self.promptTokenCount = promptTokenCount
    self.cachedContentTokenCount = cachedContentTokenCount
    self.candidatesTokenCount = candidatesTokenCount
    self.thoughtsTokenCount = thoughtsTokenCount
    self.toolUsePromptTokenCount = toolUsePromptTokenCount
    self.totalTokenCount = totalTokenCount
  }

  /// prompt + candidates + thoughts + toolUse, with missing counts as 0 (saturating: the counts
  /// are the server's and may be anything).
  public var computedTotal: Int {
    [promptTokenCount, candidatesTokenCount, thoughtsTokenCount, toolUsePromptTokenCount].reduce(0) {
      Self.saturatingAdd($0, $1 ?? 0)
    }
  }

  /// `a + b`, clamped to Int's range instead of trapping.
  public static func saturatingAdd(_ a: Int, _ b: Int) -> Int {
    let (s, o) = a.addingReportingOverflow(b)
    if !o { return s }
    return b > 0 ? Int.max : Int.min
  }

  /// Far above any real count (the largest context windows hold a few million tokens, and no
  /// answer is billed for billions), and far below where sums of many results could overflow.
  public static let countLimit = 10_000_000_000

  /// Why these counts cannot be priced or summed, or nil when they can: a count that is negative,
  /// above `limit` (the fixed `countLimit`, or a lower one a model catalog knows), or that did not
  /// decode as an integer. Modality details are checked too.
  public func problem(limit: Int = UsageMetadata.countLimit) -> String? {
    if let u = unreadableCounts, let first = u.first {
      return "\(first) is not an integer in range" + (u.count > 1 ? " (and \(u.count - 1) more)" : "")
    }
    let limit = max(0, min(limit, Self.countLimit))
    // The usual answer: every count in range, found without building the lists below.
    func fine(_ v: Int?) -> Bool { v.map { $0 >= 0 && $0 <= limit } ?? true }
    func fine(_ l: [ModalityTokenCount]?) -> Bool { l?.allSatisfy { fine($0.tokenCount) } ?? true }
    if fine(promptTokenCount), fine(cachedContentTokenCount), fine(candidatesTokenCount), fine(thoughtsTokenCount),
      fine(toolUsePromptTokenCount), fine(totalTokenCount), fine(promptTokensDetails), fine(candidatesTokensDetails),
      fine(cacheTokensDetails), fine(toolUsePromptTokensDetails)
    {
      return nil
    }
    func check(_ name: String, _ v: Int?) -> String? {
      guard let v else { return nil }
      if v < 0 { return "\(name) is negative (\(v))" }
      if v > limit { return "\(name) \(v) is above the limit \(limit)" }
      return nil
    }
    for (name, v) in [
      ("promptTokenCount", promptTokenCount), ("cachedContentTokenCount", cachedContentTokenCount),
      ("candidatesTokenCount", candidatesTokenCount), ("thoughtsTokenCount", thoughtsTokenCount),
      ("toolUsePromptTokenCount", toolUsePromptTokenCount), ("totalTokenCount", totalTokenCount),
    ] {
      if let p = check(name, v) { return p }
    }
    for (name, list) in [
      ("promptTokensDetails", promptTokensDetails), ("candidatesTokensDetails", candidatesTokensDetails),
      ("cacheTokensDetails", cacheTokensDetails), ("toolUsePromptTokensDetails", toolUsePromptTokensDetails),
    ] {
      for d in list ?? [] {
        if let p = check("\(name).tokenCount", d.tokenCount) { return p }
      }
    }
    return nil
  }

  /// Whether `totalTokenCount` equals the sum of its parts (true when the total is absent).
  public var isConsistent: Bool { totalTokenCount.map { $0 == computedTotal } ?? true }
}

public struct ModalityTokenCount: Codable, Sendable, Hashable {
  /// `TEXT`, `IMAGE`, `VIDEO`, `AUDIO` or `DOCUMENT`.
  public var modality: String?
  public var tokenCount: Int?
  /// The body's count was not an integer in range (left out; the usage is invalid). Not encoded.
  var tokenCountUnreadable = false

  enum CodingKeys: String, CodingKey {
    case modality, tokenCount
  }

  public init(modality: String? = nil, tokenCount: Int? = nil) {
    self.modality = modality
    self.tokenCount = tokenCount
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    modality = try c.decodeIfPresent(String.self, forKey: .modality)
    switch UsageMetadata.decodeCount(c, .tokenCount) {
    case .value(let n)?: tokenCount = n
    case .unreadable?: tokenCountUnreadable = true
    case nil: break
    }
  }
}

extension UsageMetadata {
  /// Compact JSON with the fields in declaration order and absent ones left out: the same text
  /// `JSONEncoder` writes, without its per-call cost (this runs once per stored result).
  public var compactJSON: String {
    var out = "{"
    var first = true
    func key(_ k: String) {
      if !first { out += "," }
      first = false
      out += "\""
      out += k
      out += "\":"
    }
    func int(_ k: String, _ v: Int?) {
      guard let v else { return }
      key(k)
      out += String(v)
    }
    func string(_ k: String, _ v: String?) {
      guard let v else { return }
      key(k)
      JSONValue.writeString(v, to: &out)
    }
    func details(_ k: String, _ list: [ModalityTokenCount]?) {
      guard let list else { return }
      key(k)
      out += "["
      for (i, d) in list.enumerated() {
        if i > 0 { out += "," }
        out += "{"
        if let m = d.modality {
          out += "\"modality\":"
          JSONValue.writeString(m, to: &out)
        }
        if let t = d.tokenCount {
          if d.modality != nil { out += "," }
          out += "\"tokenCount\":"
          out += String(t)
        }
        out += "}"
      }
      out += "]"
    }
    int("promptTokenCount", promptTokenCount)
    int("cachedContentTokenCount", cachedContentTokenCount)
    int("candidatesTokenCount", candidatesTokenCount)
    int("thoughtsTokenCount", thoughtsTokenCount)
    int("toolUsePromptTokenCount", toolUsePromptTokenCount)
    int("totalTokenCount", totalTokenCount)
    details("promptTokensDetails", promptTokensDetails)
    details("candidatesTokensDetails", candidatesTokensDetails)
    details("cacheTokensDetails", cacheTokensDetails)
    details("toolUsePromptTokensDetails", toolUsePromptTokensDetails)
    string("trafficType", trafficType)
    string("serviceTier", serviceTier)
    out += "}"
    return out
  }
}
