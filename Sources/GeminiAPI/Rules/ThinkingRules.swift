/// Checks a generationConfig's thinking settings against the model before anything is sent.
/// The API answers 400 to the wrong parameter for a model; catching it here saves a request
/// per job and tells the user which parameter is right.
public enum ThinkingRules {
  public struct Finding: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }
    public let severity: Severity
    public let message: String
    public var description: String { message }
  }

  public static let levels: Set<String> = ["MINIMAL", "LOW", "MEDIUM", "HIGH"]

  /// Allowed levels per Gemini 3 model.
  public static func allowedLevels(_ family: ModelFamily) -> [String] {
    switch family {
    case .gemini3Pro: ["LOW", "HIGH"]
    case .gemini3Flash: ["MINIMAL", "LOW", "MEDIUM", "HIGH"]
    default: []
    }
  }

  /// The budget range per 2.5 model, and whether 0 (off) is allowed. -1 (dynamic) is always allowed.
  public static func budgetRange(_ family: ModelFamily) -> (range: ClosedRange<Int>, zeroAllowed: Bool)? {
    switch family {
    case .gemini25Pro: (128...32768, false)
    case .gemini25Flash: (0...24576, true)
    case .gemini25FlashLite: (512...24576, true)
    default: nil
    }
  }

  /// Every problem found; an empty array means the config may be sent.
  public static func check(model: String, config: ThinkingConfig?) -> [Finding] {
    guard let config, config.thinkingBudget != nil || config.thinkingLevel != nil else { return [] }
    let family = ModelFamily(model: model)
    var out: [Finding] = []
    func error(_ m: String) { out.append(Finding(severity: .error, message: m)) }

    if config.thinkingBudget != nil && config.thinkingLevel != nil {
      error("thinkingBudget and thinkingLevel are both set; set only one (\(family.usesThinkingLevel ? "thinkingLevel" : "thinkingBudget") for \(model))")
      return out
    }
    switch family {
    case .gemini25Pro, .gemini25Flash, .gemini25FlashLite:
      if let level = config.thinkingLevel {
        error("thinkingLevel \(level) is not supported for \(model); use thinkingBudget (\(budgetText(family)))")
      }
      if let b = config.thinkingBudget, b != -1, let (range, zero) = budgetRange(family) {
        if b == 0 && !zero {
          error("thinkingBudget 0 is not allowed for \(model): thinking cannot be disabled; use \(budgetText(family))")
        } else if b != 0 && !range.contains(b) {
          error("thinkingBudget \(b) is out of range for \(model); use \(budgetText(family))")
        } else if b < -1 {
          error("thinkingBudget \(b) is out of range for \(model); use \(budgetText(family))")
        }
      }
    case .gemini3Pro, .gemini3Flash:
      if let b = config.thinkingBudget {
        error("thinkingBudget \(b) is not supported for \(model); use thinkingLevel (\(allowedLevels(family).joined(separator: ", ")))")
      }
      if let level = config.thinkingLevel {
        let up = level.uppercased()
        if !levels.contains(up) {
          error("thinkingLevel \(level) is not a known level; use one of \(allowedLevels(family).joined(separator: ", ")) for \(model)")
        } else if !allowedLevels(family).contains(up) {
          error("thinkingLevel \(up) is not supported for \(model); use one of \(allowedLevels(family).joined(separator: ", "))")
        }
      }
    case .legacy:
      error("\(model) does not support thinking; remove thinkingConfig's \(config.thinkingLevel != nil ? "thinkingLevel" : "thinkingBudget")")
    case .unknown:
      if let level = config.thinkingLevel, !levels.contains(level.uppercased()) {
        error("thinkingLevel \(level) is not a known level (MINIMAL, LOW, MEDIUM, HIGH)")
      } else {
        out.append(Finding(severity: .warning, message: "unknown model \(model): thinking settings not checked"))
      }
    }
    return out
  }

  static func budgetText(_ f: ModelFamily) -> String {
    switch f {
    case .gemini25Pro: "128..32768, or -1 for dynamic"
    case .gemini25Flash: "0..24576, or -1 for dynamic"
    case .gemini25FlashLite: "0, or 512..24576, or -1 for dynamic"
    default: ""
    }
  }
}
