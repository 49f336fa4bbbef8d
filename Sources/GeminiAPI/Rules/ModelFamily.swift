/// What gembatch knows of a model from its name.
public enum ModelFamily: Sendable, Hashable {
  case gemini25Pro
  case gemini25Flash
  case gemini25FlashLite
  case gemini3Pro
  case gemini3Flash
  /// 2.0, 1.5 and older: no thinking configuration.
  case legacy
  case unknown

  /// Classifies `gemini-2.5-flash`, `models/gemini-2.5-flash-preview-05-20`, `gemini-3-pro-preview`, …
  public init(model: String) {
    var m = model.lowercased()
    if m.hasPrefix("models/") { m.removeFirst("models/".count) }
    if let slash = m.lastIndex(of: "/") { m = String(m[m.index(after: slash)...]) }
    if m.hasPrefix("gemini-2.5-flash-lite") { self = .gemini25FlashLite }
    else if m.hasPrefix("gemini-2.5-flash") { self = .gemini25Flash }
    else if m.hasPrefix("gemini-2.5-pro") { self = .gemini25Pro }
    else if m.hasPrefix("gemini-3") {
      // gemini-3-pro-preview, gemini-3.1-pro, gemini-3-flash-preview, gemini-3.5-flash …
      if m.contains("flash") { self = .gemini3Flash }
      else if m.contains("pro") { self = .gemini3Pro }
      else { self = .unknown }
    } else if m.hasPrefix("gemini-2.0") || m.hasPrefix("gemini-1.5") || m.hasPrefix("gemini-1.0")
      || m.hasPrefix("gemini-pro") {
      self = .legacy
    } else { self = .unknown }
  }

  public var usesThinkingLevel: Bool { self == .gemini3Pro || self == .gemini3Flash }
  public var usesThinkingBudget: Bool { self == .gemini25Pro || self == .gemini25Flash || self == .gemini25FlashLite }
}
