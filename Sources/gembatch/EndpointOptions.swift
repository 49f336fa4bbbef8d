import ArgumentParser
import Foundation
import GeminiAPI

/// Where requests go: `--endpoint cometapi|google|mock|URL`, the key from the environment or a file.
struct EndpointOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "cometapi, google, mock or a base URL. Default: cometapi when COMETAPI_KEY is set, else google when GEMINI_API_KEY is set.",
      valueName: "endpoint"))
  var endpoint: String?

  @Option(name: .long, help: ArgumentHelp("Read the API key from this file (first line).", valueName: "path"))
  var apiKeyFile: String?

  @Option(name: .long, help: "How to send the key: x-goog-api-key or bearer.")
  var auth: String?

  /// What the endpoint resolves to; `mock` means: start the built-in mock on a free loopback port.
  enum Resolved {
    case remote(Endpoint)
    case mock

    var isMock: Bool {
      if case .mock = self { return true }
      return false
    }
  }

  /// `resolveEndpoint`, then refuses a key that cannot go in an HTTP header (exit 2 before
  /// anything is sent; the message never shows the key).
  func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Resolved {
    let resolved = try resolveEndpoint(environment: environment)
    if case .remote(let e) = resolved, let key = e.apiKey, let problem = Endpoint.keyProblem(key) {
      throw ValidationError(problem)
    }
    return resolved
  }

  func resolveEndpoint(environment: [String: String]) throws -> Resolved {
    let authStyle: Endpoint.Auth
    switch auth?.lowercased() {
    case nil, "x-goog-api-key", "goog", "header": authStyle = .googApiKey
    case "bearer": authStyle = .bearer
    case let other?: throw ValidationError("--auth must be x-goog-api-key or bearer, not \(other)")
    }
    var fileKey: String?
    if let apiKeyFile {
      guard let text = try? String(contentsOfFile: apiKeyFile, encoding: .utf8) else {
        throw ValidationError("cannot read the API key file \(apiKeyFile)")
      }
      fileKey = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) }
      if fileKey?.isEmpty ?? true { throw ValidationError("the API key file \(apiKeyFile) is empty") }
    }
    let comet = environment["COMETAPI_KEY"].flatMap { $0.isEmpty ? nil : $0 }
    let gemini = environment["GEMINI_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
    switch endpoint?.lowercased() {
    case "mock":
      return .mock
    case "cometapi":
      guard let key = fileKey ?? comet else { throw Self.noKey("cometapi", variable: "COMETAPI_KEY") }
      return .remote(.cometAPI(apiKey: key, auth: authStyle))
    case "google":
      guard let key = fileKey ?? gemini else { throw Self.noKey("google", variable: "GEMINI_API_KEY") }
      return .remote(Endpoint(name: "google", baseURL: Endpoint.googleBaseURL, auth: authStyle, apiKey: key))
    case let url?:
      guard url.hasPrefix("http://") || url.hasPrefix("https://"), URL(string: url) != nil else {
        throw ValidationError("--endpoint must be cometapi, google, mock or an http(s) URL")
      }
      return .remote(Endpoint(name: "custom", baseURL: endpoint!, auth: authStyle, apiKey: fileKey ?? comet ?? gemini))
    case nil:
      // A key from a file says nothing about where it belongs: sending it (and the jobs) to a
      // default destination is how a Google key once went to api.cometapi.com.
      if let apiKeyFile {
        throw ValidationError(
          "a key from --api-key-file needs --endpoint to say where it goes: --endpoint google, --endpoint cometapi, or --endpoint URL (the file was \(apiKeyFile)); --endpoint mock dry-runs without a key"
        )
      }
      if let comet { return .remote(.cometAPI(apiKey: comet, auth: authStyle)) }
      if let gemini { return .remote(Endpoint(name: "google", baseURL: Endpoint.googleBaseURL, auth: authStyle, apiKey: gemini)) }
      throw ValidationError(
        "no API key: set COMETAPI_KEY or GEMINI_API_KEY, or pass --api-key-file; for a dry run against the built-in mock add --endpoint mock"
      )
    }
  }

  static func noKey(_ name: String, variable: String) -> ValidationError {
    ValidationError("--endpoint \(name) needs a key: set \(variable) or pass --api-key-file (or dry-run with --endpoint mock)")
  }
}
