import GeminiAPI

/// How a model is told to think: by a token budget (2.5), by a level (3 and later), or not at all.
public struct ThinkingRule: Sendable, Hashable {
  public enum Control: String, Sendable, Hashable {
    case none
    case budget
    case level
  }

  /// The levels a request may name, in the API's order.
  public static let allLevels = ["MINIMAL", "LOW", "MEDIUM", "HIGH"]

  public var control: Control
  /// `level`: the accepted levels, upper case, in `allLevels` order.
  public var levels: [String]
  /// `level`: the default level; `budget`: `dynamic`, `off` or a number.
  public var defaultValue: String?
  /// `budget`: the accepted non-zero budgets.
  public var budget: ClosedRange<Int>?
  /// Whether thinking can be turned off (budget 0).
  public var canDisable: Bool
  /// `budget`: whether -1 (dynamic) is accepted.
  public var dynamic: Bool
  public var provenance: Provenance

  public init(
    control: Control, levels: [String] = [], defaultValue: String? = nil, budget: ClosedRange<Int>? = nil,
    canDisable: Bool = false, dynamic: Bool = true, provenance: Provenance = Provenance()
  ) {
    self.control = control
    self.levels = levels
    self.defaultValue = defaultValue
    self.budget = budget
    self.canDisable = canDisable
    self.dynamic = dynamic
    self.provenance = provenance
  }

  /// The accepted budgets as a user reads them: `128..32768, or -1 for dynamic`.
  public var budgetText: String {
    var parts: [String] = []
    if let b = budget {
      if canDisable && b.lowerBound > 1 { parts.append("0") }
      parts.append(canDisable && b.lowerBound <= 1 ? "0..\(b.upperBound)" : "\(b.lowerBound)..\(b.upperBound)")
    } else if canDisable {
      parts.append("0")
    }
    if dynamic { parts.append("-1 for dynamic") }
    switch parts.count {
    case 0: return "none"
    case 1: return parts[0]
    default: return parts.dropLast().joined(separator: ", ") + ", or " + parts.last!
    }
  }

  /// A short form for tables: `level LOW|MEDIUM|HIGH (default HIGH)`, `budget 128..32768, -1`, `none`.
  public var summary: String {
    switch control {
    case .none: return "none"
    case .level:
      return "level " + levels.joined(separator: "|") + (defaultValue.map { " (default \($0))" } ?? "")
    case .budget:
      return "budget " + budgetText + (defaultValue.map { " (default \($0))" } ?? "")
    }
  }
}

/// A problem found before sending: errors stop the job, warnings are reported once per model.
public struct CatalogFinding: Sendable, Hashable, CustomStringConvertible {
  public enum Severity: String, Sendable, Hashable {
    case error
    case warning
  }
  public enum Kind: String, Sendable, Hashable {
    case thinking
    case thinkingNotChecked = "thinking_not_checked"
    case unknownModel = "unknown_model"
    case shutDown = "shut_down"
    case deprecated
    case routed
    case imageOutput = "image_output"
    case inputTooLong = "input_too_long"
    case featureMissing = "feature_missing"
  }

  public let severity: Severity
  public let kind: Kind
  public let message: String

  public init(severity: Severity, kind: Kind, message: String) {
    self.severity = severity
    self.kind = kind
    self.message = message
  }

  public var description: String { message }
}

extension ThinkingRule {
  /// Every problem of `config` for this rule; `model` is the name as the user wrote it.
  public func check(model: String, config: ThinkingConfig) -> [CatalogFinding] {
    var out: [CatalogFinding] = []
    func error(_ m: String) { out.append(CatalogFinding(severity: .error, kind: .thinking, message: m)) }
    let levelList = levels.joined(separator: ", ")

    if config.thinkingBudget != nil && config.thinkingLevel != nil {
      let right = control == .budget ? "thinkingBudget" : "thinkingLevel"
      error("thinkingBudget and thinkingLevel are both set; set only one (\(right) for \(model))")
      return out
    }
    switch control {
    case .none:
      error(
        "\(model) does not support thinking; remove thinkingConfig's \(config.thinkingLevel != nil ? "thinkingLevel" : "thinkingBudget")"
      )
    case .budget:
      if let level = config.thinkingLevel {
        error("thinkingLevel \(level) is not supported for \(model); use thinkingBudget (\(budgetText))")
      }
      if let b = config.thinkingBudget {
        if b == -1 {
          if !dynamic { error("thinkingBudget -1 (dynamic) is not supported for \(model); use \(budgetText)") }
        } else if b == 0 {
          if !canDisable {
            error("thinkingBudget 0 is not allowed for \(model): thinking cannot be disabled; use \(budgetText)")
          }
        } else if b < -1 || !(budget?.contains(b) ?? true) {
          error("thinkingBudget \(b) is out of range for \(model); use \(budgetText)")
        }
      }
    case .level:
      if let b = config.thinkingBudget {
        error("thinkingBudget \(b) is not supported for \(model); use thinkingLevel (\(levelList))")
      }
      if let level = config.thinkingLevel {
        let up = level.uppercased()
        if !Self.allLevels.contains(up) {
          error("thinkingLevel \(level) is not a known level; use one of \(levelList) for \(model)")
        } else if !levels.contains(up) {
          error("thinkingLevel \(up) is not supported for \(model); use one of \(levelList)")
        }
      }
    }
    return out
  }
}
