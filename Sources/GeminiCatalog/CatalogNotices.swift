import Synchronization

/// One thing worth telling the user about a model, said once: an unknown model, a shut-down one,
/// a price that ended.
public struct CatalogNotice: Sendable, Hashable, CustomStringConvertible {
  public enum Kind: String, Sendable, Hashable {
    case unknownModel = "unknown_model"
    case shutDown = "shut_down"
    case deprecated
    case routed
    case noPrice = "no_price"
    case priceExpired = "price_expired"
    case priceNotInEffect = "price_not_in_effect"
    case incompletePrice = "incomplete_price"
    case imageOutput = "image_output"
    case inputTooLong = "input_too_long"
    case featureMissing = "feature_missing"
    case thinkingNotChecked = "thinking_not_checked"
  }

  public let kind: Kind
  /// The model as the user named it.
  public let model: String
  public let message: String
  /// What makes two notices the same (kind, model and, for a feature, which one).
  public let key: String

  public init(kind: Kind, model: String, message: String, detail: String = "") {
    self.kind = kind
    self.model = model
    self.message = message
    self.key = kind.rawValue + "\u{1}" + model + "\u{1}" + detail
  }

  public var description: String { message }
}

/// Collects notices, each key once, in the order first seen; `onNew` (printing, usually) runs for
/// each new one. Shared by every copy of a catalog; safe from any thread.
public final class CatalogNotices: Sendable {
  private let state = Mutex<(seen: Set<String>, list: [CatalogNotice])>(([], []))
  private let onNew: (@Sendable (CatalogNotice) -> Void)?

  public init(onNew: (@Sendable (CatalogNotice) -> Void)? = nil) { self.onNew = onNew }

  /// True the first time this notice's key is seen.
  @discardableResult
  public func record(_ n: CatalogNotice) -> Bool {
    let fresh = state.withLock { s -> Bool in
      guard s.seen.insert(n.key).inserted else { return false }
      s.list.append(n)
      return true
    }
    if fresh { onNew?(n) }
    return fresh
  }

  /// Every notice so far, in order.
  public var all: [CatalogNotice] { state.withLock { $0.list } }
}

extension CatalogFinding {
  /// A warning as a notice: one per model and kind (and feature).
  public func notice(model: String) -> CatalogNotice? {
    let kind: CatalogNotice.Kind
    switch self.kind {
    case .thinking: return nil
    case .thinkingNotChecked: kind = .thinkingNotChecked
    case .unknownModel: kind = .unknownModel
    case .shutDown: kind = .shutDown
    case .deprecated: kind = .deprecated
    case .routed: kind = .routed
    case .imageOutput: kind = .imageOutput
    case .inputTooLong: kind = .inputTooLong
    case .featureMissing: kind = .featureMissing
    }
    return CatalogNotice(
      kind: kind, model: model, message: message, detail: self.kind == .featureMissing ? message : "")
  }
}
