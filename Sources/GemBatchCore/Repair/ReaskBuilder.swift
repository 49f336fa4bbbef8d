import Foundation
import GeminiAPI

/// Builds the request that re-asks the model after a JSON-mode answer failed to parse or broke
/// its schema: the stored request, plus the model's answer as a `model` turn, plus a `user` turn
/// quoting the validator's exact message (`ReaskPrompt`). Everything else of the request
/// (system instruction, tools, safety settings, generationConfig with its schema, key order)
/// stays as it was; only `contents` grows by two turns.
public enum ReaskBuilder {
  public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: String
    public var description: String { "cannot build the re-ask: \(reason)" }
  }

  /// - Parameters:
  ///   - body: the request body that produced the answer (as stored and sent).
  ///   - answerText: the model's answer (its non-thought text), exactly as received.
  ///   - message: the validator's message (`JSONOutput.Parsed.error`), quoted unchanged.
  ///   - modelParts: the answer's own parts, when the caller has them, to keep their
  ///     `thoughtSignature`s (the API asks for them back unchanged); thought parts are dropped.
  public static func build(body: Data, answerText: String, message: String, modelParts: [JSONValue]? = nil)
    throws(Failure) -> Data
  {
    let value: JSONValue
    do { value = try JSONValue.parse(body) } catch { throw Failure(reason: "the stored request is not JSON") }
    return try build(body: value, answerText: answerText, message: message, modelParts: modelParts).serializedData()
  }

  public static func build(body: JSONValue, answerText: String, message: String, modelParts: [JSONValue]? = nil)
    throws(Failure) -> JSONValue
  {
    guard case .object(var o) = body else { throw Failure(reason: "the stored request is not an object") }
    guard case .array(var contents)? = o["contents"], !contents.isEmpty else {
      throw Failure(reason: "the stored request has no contents")
    }
    var parts = (modelParts ?? []).filter { $0["thought"]?.boolValue != true && $0["text"] != nil }
    if parts.isEmpty { parts = [["text": .string(answerText)]] }
    contents.append(["role": "model", "parts": .array(parts)])
    contents.append(["role": "user", "parts": [["text": .string(ReaskPrompt.text(message: message))]]])
    o["contents"] = .array(contents)
    return .object(o)
  }
}
