import Foundation

/// Which server gave an answer: a kind and the base URL without credentials. Recorded on every
/// run (`runs.endpoint_kind`, `runs.endpoint`); an attempt's and a result's endpoint is its run's.
///
/// Two identities give interchangeable answers when their `key`s are equal: every mock is "mock"
/// (the built-in mock listens on a new port each time), every other endpoint is its base URL.
/// A success counts as done only for the endpoint whose key gave it (docs/store.md, "Answers
/// belong to their endpoint").
public struct EndpointIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
  public enum Kind: String, Sendable, Codable, CaseIterable {
    case google
    case cometapi
    case mock
    case custom
  }

  public var kind: Kind
  /// Scheme, host, port and path only: no user, password, query or fragment.
  public var baseURL: String

  public init(kind: Kind, baseURL: String) {
    self.kind = kind
    self.baseURL = Self.sanitized(baseURL)
  }

  /// The kind a base URL implies when nothing else says (runs written before `v3-trust`).
  public static func kind(forURL url: String) -> Kind {
    switch sanitized(url) {
    case "https://generativelanguage.googleapis.com": .google
    case "https://api.cometapi.com": .cometapi
    default: .custom
    }
  }

  /// What two runs must share for one's answers to count for the other.
  public var key: String { Self.key(kind: kind.rawValue, url: baseURL) }

  static func key(kind: String?, url: String) -> String { kind == Kind.mock.rawValue ? "mock" : url }

  /// The same rule in SQL, for a runs alias `ru`.
  static func keySQL(_ ru: String) -> String {
    "CASE WHEN \(ru).endpoint_kind = 'mock' THEN 'mock' ELSE \(ru).endpoint END"
  }

  /// The host (and port) requests go to, for the line a run prints before its first request.
  public var host: String {
    URLComponents(string: baseURL).flatMap { c in c.host.map { h in c.port.map { "\(h):\($0)" } ?? h } } ?? baseURL
  }

  public var description: String { kind == .custom ? baseURL : "\(kind.rawValue) (\(baseURL))" }

  /// Lower-case scheme and host, no credentials, query, fragment or trailing slash.
  public static func sanitized(_ url: String) -> String {
    guard var c = URLComponents(string: url), c.scheme != nil, c.host != nil else {
      var s = url
      while s.hasSuffix("/") { s.removeLast() }
      return s
    }
    c.user = nil
    c.password = nil
    c.query = nil
    c.fragment = nil
    c.scheme = c.scheme?.lowercased()
    c.host = c.host?.lowercased()
    var s = c.string ?? url
    while s.hasSuffix("/") { s.removeLast() }
    return s
  }
}
