import GeminiAPI

/// Parses the answer of a JSON-mode request: non-thought text parts joined and trimmed. When it
/// does not parse, `LocalJSONRepair` removes wrapper noise (a Markdown fence the model added, a
/// BOM, prose around the one value) unless `localRepair` is off (`--repair 0`); the result says
/// so (`repairedLocally`). A failure keeps the reason; the raw text is stored next to it by the
/// caller, never dropped.
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
    /// The value was found inside wrapper noise (`LocalJSONRepair`), not as the whole answer.
    public var repairedLocally = false
  }

  public static func parse(_ text: String?, schema: OutputSchema?, truncated: Bool, localRepair: Bool = true) -> Parsed {
    let t = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    guard !t.isEmpty else {
      return Parsed(status: truncated ? .truncated : .invalidJSON, value: nil, error: "empty answer")
    }
    let value: JSONValue
    var repaired = false
    do {
      value = try JSONValue.parse(t)
    } catch {
      if !truncated, localRepair, let fixed = LocalJSONRepair.repair(t), let v = try? JSONValue.parse(fixed) {
        value = v
        repaired = true
      } else {
        return Parsed(
          status: truncated ? .truncated : .invalidJSON, value: nil,
          error: truncated ? "answer cut at maxOutputTokens: \(error)" : "\(error)")
      }
    }
    if let schema {
      let violations = SchemaValidator.validate(value, against: schema)
      if !violations.isEmpty {
        let shown = violations.prefix(10).map { "\($0)" }.joined(separator: "; ")
        let more = violations.count > 10 ? " (and \(violations.count - 10) more)" : ""
        return Parsed(status: .schemaMismatch, value: value, error: shown + more, repairedLocally: repaired)
      }
    }
    return Parsed(status: .valid, value: value, error: nil, repairedLocally: repaired)
  }
}

import Foundation
