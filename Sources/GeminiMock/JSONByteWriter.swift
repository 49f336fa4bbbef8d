import GeminiAPI
import NIOCore

/// Compact JSON written straight into a `ByteBuffer`, byte for byte what `JSONValue.serialized()`
/// gives for the same value: the mock's answer bodies are written with it instead of building a
/// `JSONValue` tree and a `String` first (the hot path of the mock).
///
/// The caller states an upper bound of the size first (`stringBound`, `intBound`, literal
/// lengths); the bytes then go through one raw pointer, each write checked against the bound.
struct JSONByteWriter {
  private let base: UnsafeMutableRawPointer
  private let capacity: Int
  private(set) var count = 0

  private init(_ raw: UnsafeMutableRawBufferPointer) {
    base = raw.baseAddress!
    capacity = raw.count
  }

  /// A buffer holding what `body` writes, at most `bound` bytes.
  static func buffer(bound: Int, _ body: (inout JSONByteWriter) -> Void) -> ByteBuffer {
    var buffer = ByteBufferAllocator().buffer(capacity: bound)
    buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { raw in
      var w = JSONByteWriter(raw)
      body(&w)
      return w.count
    }
    return buffer
  }

  /// The most bytes `string(s)` writes: every byte escaped as `\u00xx`, and the quotes.
  static func stringBound(_ s: String) -> Int { s.utf8.count * 6 + 2 }
  /// The most bytes `int(_:)` writes.
  static let intBound = 20

  private mutating func reserve(_ n: Int) {
    precondition(count + n <= capacity, "JSONByteWriter: the stated bound is too small")
  }

  private mutating func byte(_ b: UInt8) {
    reserve(1)
    base.storeBytes(of: b, toByteOffset: count, as: UInt8.self)
    count += 1
  }

  private mutating func bytes(_ p: UnsafeRawBufferPointer) {
    guard let src = p.baseAddress, p.count > 0 else { return }
    reserve(p.count)
    (base + count).copyMemory(from: src, byteCount: p.count)
    count += p.count
  }

  /// Literal JSON text (punctuation and keys), written as is.
  mutating func raw(_ s: StaticString) {
    bytes(UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
  }

  /// Text that is already JSON (a serialised value), written as is.
  mutating func json(_ s: String) {
    var s = s
    s.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
  }

  /// A JSON string: quoted, with the escapes `JSONValue.serialized()` uses (`\"`, `\\`, `\n`,
  /// `\r`, `\t`, `\u00xx` for other control characters; everything else as UTF-8).
  mutating func string(_ s: String) {
    byte(UInt8(ascii: "\""))
    var s = s
    s.withUTF8 { u in
      var start = 0
      for i in 0..<u.count {
        let b = u[i]
        guard b < 0x20 || b == 0x22 || b == 0x5C else { continue }
        bytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: u[start..<i])))
        escape(b)
        start = i + 1
      }
      bytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: u[start..<u.count])))
    }
    byte(UInt8(ascii: "\""))
  }

  private mutating func escape(_ b: UInt8) {
    switch b {
    case 0x22: raw("\\\"")
    case 0x5C: raw("\\\\")
    case 0x0A: raw("\\n")
    case 0x0D: raw("\\r")
    case 0x09: raw("\\t")
    default:
      let hex: StaticString = "0123456789abcdef"
      raw("\\u00")
      byte(hex.utf8Start[Int(b >> 4)])
      byte(hex.utf8Start[Int(b & 0xF)])
    }
  }

  /// An integer in decimal, as `JSONValue.number` writes a whole number.
  mutating func int(_ n: Int) {
    reserve(Self.intBound)
    if n < 0 { byte(UInt8(ascii: "-")) }
    var m = n.magnitude
    var digits = 1
    var p: UInt = 10
    while digits < 20, m >= p {
      digits += 1
      if p > UInt.max / 10 { break }
      p *= 10
    }
    var i = count + digits
    count = i
    repeat {
      i -= 1
      base.storeBytes(of: UInt8(ascii: "0") + UInt8(m % 10), toByteOffset: i, as: UInt8.self)
      m /= 10
    } while m > 0
  }
}
