import GeminiAPI
import NIOCore

/// Compact JSON written straight into a `ByteBuffer`, byte for byte what `JSONValue.serialized()`
/// gives for the same value: the mock's answer bodies are written with it instead of building a
/// `JSONValue` tree and a `String` first (the hot path of the mock).
struct JSONByteWriter {
  var buffer: ByteBuffer

  init(capacity: Int) {
    buffer = ByteBufferAllocator().buffer(capacity: capacity)
  }

  /// Literal JSON text (punctuation and keys), written as is.
  mutating func raw(_ s: StaticString) {
    buffer.writeStaticString(s)
  }

  /// A JSON string: quoted, with the escapes `JSONValue.serialized()` uses (`\"`, `\\`, `\n`,
  /// `\r`, `\t`, `\u00xx` for other control characters; everything else as UTF-8).
  mutating func string(_ s: String) {
    buffer.writeInteger(UInt8(ascii: "\""))
    var s = s
    s.withUTF8 { u in
      var start = 0
      var i = 0
      while i < u.count {
        let b = u[i]
        if b < 0x20 || b == 0x22 || b == 0x5C {
          if start < i { buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: u[start..<i]))) }
          writeEscape(b)
          start = i + 1
        }
        i += 1
      }
      if start < u.count { buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: u[start..<u.count]))) }
    }
    buffer.writeInteger(UInt8(ascii: "\""))
  }

  private mutating func writeEscape(_ b: UInt8) {
    switch b {
    case 0x22: buffer.writeStaticString("\\\"")
    case 0x5C: buffer.writeStaticString("\\\\")
    case 0x0A: buffer.writeStaticString("\\n")
    case 0x0D: buffer.writeStaticString("\\r")
    case 0x09: buffer.writeStaticString("\\t")
    default:
      let hex: StaticString = "0123456789abcdef"
      buffer.writeStaticString("\\u00")
      buffer.writeInteger(hex.utf8Start[Int(b >> 4)])
      buffer.writeInteger(hex.utf8Start[Int(b & 0xF)])
    }
  }

  /// An integer in decimal, as `JSONValue.number` writes a whole number.
  mutating func int(_ n: Int) {
    if n < 0 { buffer.writeInteger(UInt8(ascii: "-")) }
    var m = n.magnitude
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
      UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
      )
    withUnsafeMutableBytes(of: &digits) { d in
      var i = d.count
      repeat {
        i -= 1
        d[i] = UInt8(ascii: "0") + UInt8(m % 10)
        m /= 10
      } while m > 0
      buffer.writeBytes(UnsafeRawBufferPointer(rebasing: d[i...]))
    }
  }

  /// Any value, through its serialised form (for the rare parts: function calls, grounding).
  mutating func value(_ v: JSONValue) {
    buffer.writeString(v.serialized())
  }
}
