import GeminiAPI

/// Parses the answer of a JSON-mode request: non-thought text parts joined, trimmed, and a
/// Markdown fence removed if the model added one. A failure keeps the reason; the raw text is
/// stored next to it by the caller, never dropped.
public enum JSONOutput {
  public enum Status: String, Sendable {
    case valid
    case invalidJSON = "invalid_json"
    case schemaMismatch = "schema_mismatch"
    case truncated
  }

  public struct Parsed: Sendable {
    public var status: Status
    public var value: JSONValue?
    /// The parse error or the schema violations, joined.
    public var error: String?
  }

  public static func parse(_ text: String?, schema: OutputSchema?, truncated: Bool) -> Parsed {
    var t = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    if t.hasPrefix("```") {
      if let nl = t.firstIndex(of: "\n") { t = String(t[t.index(after: nl)...]) }
      if t.hasSuffix("```") { t = String(t.dropLast(3)) }
      t = t.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    guard !t.isEmpty else {
      return Parsed(status: truncated ? .truncated : .invalidJSON, value: nil, error: "empty answer")
    }
    let value: JSONValue
    do {
      value = try JSONValue.parse(t)
    } catch {
      return Parsed(
        status: truncated ? .truncated : .invalidJSON, value: nil,
        error: truncated ? "answer cut at maxOutputTokens: \(error)" : "\(error)")
    }
    if let schema {
      let violations = SchemaValidator.validate(value, against: schema)
      if !violations.isEmpty {
        let shown = violations.prefix(10).map { "\($0)" }.joined(separator: "; ")
        let more = violations.count > 10 ? " (and \(violations.count - 10) more)" : ""
        return Parsed(status: .schemaMismatch, value: value, error: shown + more)
      }
    }
    return Parsed(status: .valid, value: value, error: nil)
  }
}

import Foundation
