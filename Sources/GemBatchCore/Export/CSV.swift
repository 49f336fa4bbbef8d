/// RFC 4180 fields: quoted when they hold a comma, a quote, CR or LF (or start/end with a space);
/// quotes doubled. Records end with CRLF.
public enum CSV {
  public static func field(_ s: String) -> String {
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

  public static func record(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\r\n" }
}
