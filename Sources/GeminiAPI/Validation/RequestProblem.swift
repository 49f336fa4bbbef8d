/// One problem with a request body, found before it is sent: where (a JSON path such as
/// `generationConfig.temperature` or `safetySettings[1].category`) and what is wrong.
///
/// The message never holds prompt text or file data: values are shown only for configuration
/// fields (numbers, enum names), and only when short.
public struct RequestProblem: Sendable, Hashable, Codable, CustomStringConvertible {
  public let path: String
  public let message: String

  public init(path: String, message: String) {
    self.path = path
    self.message = message
  }

  public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Something a request may be sent with, but that probably does not do what its author meant.
public struct RequestWarning: Sendable, Hashable, Codable, CustomStringConvertible {
  public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
    /// `maxOutputTokens` at or below the thinking budget, or small next to a thinking level:
    /// thoughts count against it and the answer may be empty.
    case thinkingTokens = "thinking-tokens"
    /// A model name the catalog does not know.
    case unknownModel = "unknown-model"
    /// A schema keyword the chosen dialect ignores.
    case ignoredSchemaKeyword = "ignored-schema-keyword"
  }

  public let kind: Kind
  /// JSON path of the field concerned (`generationConfig.maxOutputTokens`), or `model`.
  public let path: String
  public let message: String

  public init(kind: Kind, path: String, message: String) {
    self.kind = kind
    self.path = path
    self.message = message
  }

  public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
