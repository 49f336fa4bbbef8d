import GeminiAPI

/// The zero-token repair of a JSON-mode answer: it removes wrapper noise only, and never edits
/// what is inside the JSON value.
///
/// The noise it removes is a byte-order mark, Markdown code fences (```` ```json … ``` ````), and
/// prose before or after exactly one JSON object or array. An answer that holds anything else
/// gives nil. That covers two values, an unterminated value, a bracket in the prose that does not
/// open valid JSON, a bare scalar in prose, and JSON that is broken inside. Nil also means there
/// was nothing to remove: the caller already tried the answer as it is.
public enum LocalJSONRepair {
  /// The JSON text inside `answer`, or nil when it is not one JSON value wrapped in noise.
  public static func repair(_ answer: String) -> String? {
    var text = Substring(answer)
    var removed = false
    while text.first == "\u{FEFF}" {
      text = text.dropFirst()
      removed = true
    }
    text = trimmed(text)
    if let (fenced, outside) = fencedBlock(text) {
      // One fenced block: its inside is the answer, prose around the fence is noise. The inside
      // must be one JSON value exactly (nothing in it is touched), and the prose must hold no
      // other JSON.
      let inner = trimmed(fenced)
      guard !inner.isEmpty, !outside.contains(where: Self.isBracket) else { return nil }
      guard (try? JSONValue.parse(String(inner))) != nil else { return nil }
      return String(inner)
    }
    if text.contains("```") { return nil }  // several fences, or one that is never closed around JSON
    guard let span = soleContainer(text) else { return nil }
    if span.startIndex != text.startIndex || span.endIndex != text.endIndex { removed = true }
    return removed ? String(span) : nil
  }

  static func trimmed(_ s: Substring) -> Substring {
    let ws: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == "\u{FEFF}" }
    guard let a = s.firstIndex(where: { !ws($0) }), let b = s.lastIndex(where: { !ws($0) }) else {
      return s[s.endIndex...]
    }
    return s[a...b]
  }

  /// The inside of the only fenced block of `text` and the text outside it. A block is an
  /// opening line of three backticks (with an optional language tag) and a closing line of
  /// three backticks; one line holding both (```` ```json {…}``` ````) counts too, and an
  /// opening fence that is never closed runs to the end. Nil when there is no fence or more than
  /// one block.
  static func fencedBlock(_ text: Substring) -> (inner: Substring, outside: String)? {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let fences = lines.indices.filter { trimmed(lines[$0]).hasPrefix("```") }
    guard let open = fences.first, fences.count <= 2 else { return nil }
    let openLine = trimmed(lines[open])
    func isTag(_ s: Substring) -> Bool { s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } }
    if fences.count == 1, openLine.count > 6, openLine.hasSuffix("```") {
      var inner = openLine.dropFirst(3).dropLast(3)
      if let cut = inner.firstIndex(where: { $0 == " " || $0 == "{" || $0 == "[" }), isTag(inner[..<cut]) {
        inner = inner[cut...]
      }
      let outside = (lines[..<open] + lines[(open + 1)...]).joined(separator: "\n")
      return (inner, outside)
    }
    guard isTag(openLine.dropFirst(3)) else { return nil }
    let close = fences.count == 2 ? fences[1] : lines.count
    if close < lines.count, trimmed(lines[close]) != "```" { return nil }
    let inner = Substring(lines[(open + 1)..<close].joined(separator: "\n"))
    let outside = (lines[..<open] + (close < lines.count ? lines[(close + 1)...] : [])).joined(separator: "\n")
    return (inner, outside)
  }

  /// The one JSON object or array in `text`, when everything before and after it is prose: no
  /// other bracket, and the value parses. Strings inside the value may hold any brackets.
  static func soleContainer(_ text: Substring) -> Substring? {
    guard let start = text.firstIndex(where: { $0 == "{" || $0 == "[" }) else { return nil }
    guard let end = matchingEnd(text, from: start) else { return nil }
    let span = text[start...end]
    if text[text.index(after: end)...].contains(where: isBracket) || text[..<start].contains(where: isBracket) {
      return nil
    }
    guard (try? JSONValue.parse(String(span))) != nil else { return nil }
    return span
  }

  static func isBracket(_ c: Character) -> Bool { c == "{" || c == "[" || c == "}" || c == "]" }

  /// The index of the bracket closing the one at `start`, reading JSON strings (with escapes)
  /// as opaque; nil when it never closes or the brackets do not pair.
  static func matchingEnd(_ text: Substring, from start: Substring.Index) -> Substring.Index? {
    var stack: [Character] = []
    var inString = false
    var escaped = false
    var i = start
    while i < text.endIndex {
      let c = text[i]
      if inString {
        if escaped {
          escaped = false
        } else if c == "\\" {
          escaped = true
        } else if c == "\"" {
          inString = false
        }
      } else {
        switch c {
        case "\"": inString = true
        case "{": stack.append("}")
        case "[": stack.append("]")
        case "}", "]":
          guard stack.popLast() == c else { return nil }
          if stack.isEmpty { return i }
        default: break
        }
      }
      i = text.index(after: i)
    }
    return nil
  }
}
