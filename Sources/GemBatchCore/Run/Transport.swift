import Foundation
import GeminiAPI

/// Sends one request. `GeminiClient` is the real one; the seam exists so the scheduler can be
/// driven by the mock over loopback or, in unit tests, by a scripted transport.
public protocol Transport: Sendable {
  func send(model: String, body: Data, stream: Bool) async -> Exchange
}

extension GeminiClient: Transport {
  public func send(model: String, body: Data, stream: Bool) async -> Exchange {
    stream ? await streamGenerateContent(model: model, body: body) : await generateContent(model: model, body: body)
  }
}

/// A job as the dispatcher holds it: what to send and how to judge the answer.
public struct DispatchJob: Sendable {
  public var id: String
  public var seq: Int
  public var model: String
  public var body: Data
  public var requestHash: String
  public var estimatedInputTokens: Int
  public var isJSONMode: Bool
  public var outputSchema: OutputSchema?
  /// Attempts made so far, across runs.
  public var attempts: Int

  public init(
    id: String, seq: Int, model: String, body: Data, requestHash: String, estimatedInputTokens: Int,
    isJSONMode: Bool, outputSchema: OutputSchema?, attempts: Int
  ) {
    self.id = id
    self.seq = seq
    self.model = model
    self.body = body
    self.requestHash = requestHash
    self.estimatedInputTokens = estimatedInputTokens
    self.isJSONMode = isJSONMode
    self.outputSchema = outputSchema
    self.attempts = attempts
  }

  /// Reads the output schema back out of a stored request body (JSON-mode jobs only).
  public static func outputSchema(fromBody body: Data) -> OutputSchema? {
    guard let v = try? JSONValue.parse(body), let gc = v["generationConfig"] else { return nil }
    if let s = gc["responseJsonSchema"] { return .jsonSchema(s) }
    if let s = gc["responseSchema"] { return .openAPI(s) }
    return nil
  }
}
