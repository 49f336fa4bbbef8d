/// Text from servers and job files made safe to print on one line of a terminal.
///
/// An error message can carry ESC sequences (colours, cursor moves, OSC 8 links, OSC 52 writes
/// to the clipboard), BEL, backspaces or a CR that rewrites the line before it: printed raw,
/// the server decides what the terminal shows. Every C0 control, DEL and C1 control (and the
/// Unicode line separators) is shown as an escape instead (`\e`, `\r`, `\n`, `\t`, `\x07`,
/// `\u{85}`), and long text is cut with a note of how much was left out (the store keeps it all).
public enum TerminalText {
  /// Longest server or job-file text on one status or report line.
  public static let defaultLimit = 300

  /// `text` with every control character escaped, cut to `limit` characters (nil: no cut).
  public static func clean(_ text: String, limit: Int? = defaultLimit) -> String {
    var out = ""
    var shown = 0
    var cut = false
    var total = 0
    for scalar in text.unicodeScalars {
      total += 1
      if cut { continue }
      if let limit, shown >= limit {
        cut = true
        continue
      }
      shown += 1
      let v = scalar.value
      switch v {
      case 0x1B: out += "\\e"
      case 0x0D: out += "\\r"
      case 0x0A: out += "\\n"
      case 0x09: out += "\\t"
      case 0x00..<0x20, 0x7F: out += "\\x" + hex(v, 2)
      case 0x80..<0xA0, 0x2028, 0x2029: out += "\\u{" + hex(v, 0) + "}"
      // Bidirectional overrides and isolates reorder what follows them (trojan-source style).
      case 0x202A...0x202E, 0x2066...0x2069: out += "\\u{" + hex(v, 0) + "}"
      default: out.unicodeScalars.append(scalar)
      }
    }
    if cut { out += "… (\(total - shown) more characters; the store has the full text)" }
    return out
  }

  /// `clean` on each line of a multi-line text, keeping its line breaks (for blocks of lines we
  /// built ourselves around untrusted values, e.g. a list of errors).
  public static func cleanLines(_ text: String, limit: Int? = nil) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { clean(String($0), limit: limit) }.joined(
      separator: "\n")
  }

  static func hex(_ v: UInt32, _ width: Int) -> String {
    let s = String(v, radix: 16)
    return width > s.count ? String(repeating: "0", count: width - s.count) + s : s
  }
}
