/// RFC 4180 fields: quoted when they hold a comma, a quote, CR or LF (or start/end with a space);
/// quotes doubled. Records end with CRLF.
///
/// Cells are text a server or a job file wrote, and a spreadsheet runs a cell that starts with
/// `=`, `+`, `-`, `@`, a tab or a CR as a formula (`=HYPERLINK(…)`, DDE). By default such a
/// cell gets a leading `'` (OWASP's advice for CSV injection), unless it is a plain number;
/// `neutralize: false` (`--csv-raw`) writes cells exactly as stored.
public enum CSV {
  public static func field(_ s: String, neutralize: Bool = true) -> String {
    let s = neutralize ? neutralized(s) : s
    var needs = s.first == " " || s.last == " "
    if !needs {
      for u in s.utf8 where u == 0x2C || u == 0x22 || u == 0x0A || u == 0x0D {
        needs = true
        break
      }
    }
    guard needs else { return s }
    return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }

  public static func record(_ fields: [String], neutralize: Bool = true) -> String {
    fields.map { field($0, neutralize: neutralize) }.joined(separator: ",") + "\r\n"
  }

  /// `'` + the cell when a spreadsheet would read it as a formula.
  public static func neutralized(_ s: String) -> String {
    guard let first = s.utf8.first else { return s }
    switch first {
    case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D:
      if (first == UInt8(ascii: "-") || first == UInt8(ascii: "+")) && isPlainNumber(s) { return s }
      return "'" + s
    default:
      return s
    }
  }

  /// `-12`, `+3.5`, `-1e-9`: a number a spreadsheet reads as one, nothing more.
  static func isPlainNumber(_ s: String) -> Bool {
    var bytes = Array(s.utf8)[...]
    if let f = bytes.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
    var digits = 0
    var dot = false
    var exp = false
    var i = bytes.startIndex
    while i < bytes.endIndex {
      let b = bytes[i]
      switch b {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
      case UInt8(ascii: ".") where !dot && !exp: dot = true
      case UInt8(ascii: "e"), UInt8(ascii: "E"):
        guard !exp, digits > 0 else { return false }
        exp = true
        if i + 1 < bytes.endIndex, bytes[i + 1] == UInt8(ascii: "-") || bytes[i + 1] == UInt8(ascii: "+") { i += 1 }
        guard i + 1 < bytes.endIndex else { return false }
      default: return false
      }
      i += 1
    }
    return digits > 0
  }
}
