/// Where requests go and how they authenticate. The key is held here and only placed in a header;
/// `description` never shows it.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
  public enum Auth: String, Sendable, Hashable {
    /// `x-goog-api-key: KEY` (Google, CometAPI).
    case googApiKey = "x-goog-api-key"
    /// `Authorization: Bearer KEY` (CometAPI).
    case bearer
  }

  /// A short name: `google`, `cometapi`, `mock` or `custom`.
  public var name: String
  /// Base URL without a trailing slash, e.g. `https://generativelanguage.googleapis.com`.
  public var baseURL: String
  public var apiVersion: String
  public var auth: Auth
  public var apiKey: String?

  public init(name: String, baseURL: String, apiVersion: String = "v1beta", auth: Auth = .googApiKey, apiKey: String?) {
    self.name = name
    var b = baseURL
    while b.hasSuffix("/") { b.removeLast() }
    self.baseURL = b
    self.apiVersion = apiVersion
    self.auth = auth
    self.apiKey = apiKey
  }

  public static let googleBaseURL = "https://generativelanguage.googleapis.com"
  public static let cometAPIBaseURL = "https://api.cometapi.com"

  public static func google(apiKey: String?) -> Endpoint { Endpoint(name: "google", baseURL: googleBaseURL, apiKey: apiKey) }
  public static func cometAPI(apiKey: String?, auth: Auth = .googApiKey) -> Endpoint {
    Endpoint(name: "cometapi", baseURL: cometAPIBaseURL, auth: auth, apiKey: apiKey)
  }

  /// `{base}/{version}/models/{model}:{method}`; a model given as `models/x` is not doubled.
  public func url(model: String, method: String, query: String? = nil) -> String {
    let m = model.hasPrefix("models/") ? String(model.dropFirst("models/".count)) : model
    var u = "\(baseURL)/\(apiVersion)/models/\(m):\(method)"
    if let query { u += "?" + query }
    return u
  }

  /// Safe to print: never the key.
  public var description: String { "\(name) (\(baseURL), auth \(auth.rawValue), key \(apiKey == nil ? "absent" : "set"))" }
}
