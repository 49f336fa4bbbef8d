import Foundation
import GeminiMock
import Testing

@testable import GeminiAPI

/// `JSONValue.serialized` writes bytes now; request hashes and stored bodies depend on its exact
/// output, so it must match the String-based writer it replaced, byte for byte. `reference` is
/// that writer, kept here as the oracle.
@Suite struct JSONSerializerTests {
  static func reference(_ v: JSONValue, sortedKeys: Bool) -> String {
    var out = ""
    func str(_ s: String) {
      out += "\""
      for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20:
          out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16)
        default: out.unicodeScalars.append(u)
        }
      }
      out += "\""
    }
    func write(_ v: JSONValue) {
      switch v {
      case .null: out += "null"
      case .bool(let b): out += b ? "true" : "false"
      case .number(let n):
        if n.rounded() == n, abs(n) < 9.0e15 { out += String(Int64(n)) } else if n.isFinite { out += "\(n)" } else { out += "null" }
      case .string(let s): str(s)
      case .array(let a):
        out += "["
        for (i, x) in a.enumerated() {
          if i > 0 { out += "," }
          write(x)
        }
        out += "]"
      case .object(let o):
        out += "{"
        let keys = sortedKeys ? o.keys.sorted() : o.keys
        for (i, k) in keys.enumerated() {
          if i > 0 { out += "," }
          str(k)
          out += ":"
          write(o[k]!)
        }
        out += "}"
      }
    }
    write(v)
    return out
  }

  static let strings = [
    "", "plain", "quote \" and \\ backslash", "new\nline\r\ttab", "\u{0}\u{1}\u{1f}\u{7f}", "Grüße 世界 🌍",
    "\u{2028}\u{2029}", "ends with \\", "\"",
  ]

  static func random(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
    let pick = Int(rng.next() % (depth > 3 ? 5 : 7))
    switch pick {
    case 0: return .null
    case 1: return .bool(rng.next() % 2 == 0)
    case 2:
      let choices: [Double] = [0, -0.0, 1, -17, 3.25, 1e-7, 123456789012345, 9.5e15, -2.5e20, Double(rng.next() % 1000) / 7]
      return .number(choices[Int(rng.next() % UInt64(choices.count))])
    case 3, 4: return .string(strings[Int(rng.next() % UInt64(strings.count))] + String(rng.next() % 100))
    case 5: return .array((0..<Int(rng.next() % 4)).map { _ in random(&rng, depth: depth + 1) })
    default:
      var o = JSONObject()
      for i in 0..<Int(rng.next() % 5) {
        o[strings[Int(rng.next() % UInt64(strings.count))] + "k\(i)"] = random(&rng, depth: depth + 1)
      }
      return .object(o)
    }
  }

  @Test func bytesMatchTheStringWriterItReplaced() throws {
    var rng = SplitMix64(seed: 42)
    for _ in 0..<3000 {
      let v = Self.random(&rng, depth: 0)
      for sorted in [false, true] {
        let expected = Self.reference(v, sortedKeys: sorted)
        #expect(v.serialized(sortedKeys: sorted) == expected)
        #expect(v.serializedData(sortedKeys: sorted) == Data(expected.utf8))
        #expect(v.serializedBytes(sortedKeys: sorted) == Array(expected.utf8))
      }
      #expect(try JSONValue.parse(v.serialized()) == v)
    }
  }

  @Test func controlCharactersAreEscapedLowercaseHex() {
    #expect(JSONValue.string("\u{0}\u{1b}\u{1f}").serialized() == #""\u0000\u001b\u001f""#)
    var s = ""
    JSONValue.writeString("a\"b", to: &s)
    JSONValue.writeString("plain", to: &s)
    #expect(s == #""a\"b""plain""#)
  }
}
