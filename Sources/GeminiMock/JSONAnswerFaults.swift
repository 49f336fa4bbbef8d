import GeminiAPI

/// The JSON-mode answer faults: a generated (valid) answer made unusable in one of the ways real
/// models get structured output wrong, for testing repairs. Deterministic: the same answer and
/// schema give the same fault text.
enum JSONAnswerFaults {
  static let prose = "Here is the JSON you asked for:"

  /// Changes `answer`'s text for `fault` when it is a JSON-mode text answer that finished
  /// normally; any other answer (a function call, a cut or blocked one) is left as it is.
  static func apply(_ fault: MockFault, to answer: inout Answer, request: MockRequest) {
    guard request.isJSONMode, answer.functionCalls.isEmpty, answer.finishReason == "STOP", let text = answer.text else {
      return
    }
    let changed: String
    switch fault {
    case .invalidJSON: changed = invalid(text)
    case .schemaViolation:
      guard let schema = request.schema, let v = violating(text, schema: schema) else { return }
      changed = v
    case .fencedJSON: changed = fenced(text)
    default: return
    }
    answer.candidatesTokens += MockTokens.text(changed.utf8.count) - MockTokens.text(text.utf8.count)
    answer.text = changed
  }

  /// JSON that does not parse: an object or array without its closing bracket (as when a model
  /// stops early but reports STOP), a scalar in single quotes.
  static func invalid(_ text: String) -> String {
    if let last = text.last, last == "}" || last == "]" { return String(text.dropLast()) }
    return "'" + text + "'"
  }

  static func fenced(_ text: String) -> String { prose + "\n```json\n" + text + "\n```" }

  /// The answer changed so that it parses but breaks `schema`: a required property removed,
  /// else a property (or the whole value) of the wrong type. Nil when no change breaks it.
  static func violating(_ text: String, schema: OutputSchema) -> String? {
    guard let value = try? JSONValue.parse(text) else { return nil }
    let root = schema.value
    var candidates: [JSONValue] = []
    if case .object(let o) = value {
      for case .string(let name) in root["required"]?.arrayValue ?? [] where o[name] != nil {
        var less = o
        less[name] = nil
        candidates.append(.object(less))
        break
      }
      if let props = root["properties"]?.objectValue {
        for (name, sub) in props where o[name] != nil {
          var wrong = o
          wrong[name] = wrongType(for: sub)
          candidates.append(.object(wrong))
          break
        }
      }
    }
    candidates.append(wrongType(for: root))
    candidates.append(.array([]))
    for c in candidates where !SchemaValidator.validate(c, against: schema).isEmpty { return c.serialized() }
    return nil
  }

  /// A value whose type the schema node does not allow.
  static func wrongType(for node: JSONValue) -> JSONValue {
    switch SchemaValidator.types(node)?.first {
    case "string"?: return .number(12345)
    case "object"?, "array"?, "boolean"?: return .string("not what the schema asks for")
    case "number"?, "integer"?: return .string("not a number")
    default: return .number(12345)
    }
  }
}
