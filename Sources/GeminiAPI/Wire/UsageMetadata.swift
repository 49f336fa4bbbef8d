/// `usageMetadata`. Every count can be missing; in a stream these are running totals.
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

  /// prompt + candidates + thoughts + toolUse, with missing counts as 0.
  public var computedTotal: Int {
    (promptTokenCount ?? 0) + (candidatesTokenCount ?? 0) + (thoughtsTokenCount ?? 0) + (toolUsePromptTokenCount ?? 0)
  }

  /// Whether `totalTokenCount` equals the sum of its parts (true when the total is absent).
  public var isConsistent: Bool { totalTokenCount.map { $0 == computedTotal } ?? true }
}

public struct ModalityTokenCount: Codable, Sendable, Hashable {
  /// `TEXT`, `IMAGE`, `VIDEO`, `AUDIO` or `DOCUMENT`.
  public var modality: String?
  public var tokenCount: Int?
  public init(modality: String? = nil, tokenCount: Int? = nil) {
    self.modality = modality
    self.tokenCount = tokenCount
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
