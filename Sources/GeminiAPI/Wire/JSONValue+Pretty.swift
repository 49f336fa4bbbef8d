import Foundation

extension JSONValue {
  /// Two-space pretty JSON with the keys in their own order, the way Google's front end formats
  /// error bodies (the mock) and the way people read override files (`gembatch models`).
  public func prettyPrinted() -> String {
    var out = ""
    Self.writePretty(self, indent: 0, to: &out)
    return out
  }

  private static func writePretty(_ v: JSONValue, indent: Int, to out: inout String) {
    let pad = String(repeating: "  ", count: indent + 1)
    let close = String(repeating: "  ", count: indent)
    switch v {
    case .array(let a) where !a.isEmpty:
      out += "[\n"
      for (i, e) in a.enumerated() {
        out += pad
        writePretty(e, indent: indent + 1, to: &out)
        out += i == a.count - 1 ? "\n" : ",\n"
      }
      out += close + "]"
    case .object(let o) where !o.isEmpty:
      out += "{\n"
      var i = 0
      for (k, e) in o {
        out += pad + JSONValue.string(k).serialized() + ": "
        writePretty(e, indent: indent + 1, to: &out)
        i += 1
        out += i == o.count ? "\n" : ",\n"
      }
      out += close + "}"
    default:
      out += v.serialized()
    }
  }
}
