/// What the two one-pass byte parsers share: `FastResponseDecoder.Scanner` (answers) and the
/// mock's `FastRequestParser` (requests) read different members, but the blanks and the `{…}` /
/// `[…]` loops around them are one grammar, written once here. A conformer reads each member or
/// element itself, from the cursor `i` into `bytes`.
///
/// Public (not `package`) and `@inlinable` because the mock is another module: with `package`
/// access the compiler did not specialize these methods there, and the mock's request parser
/// called them through witness tables (~1.5% of its CPU). Support for gembatch's own parsers, not a
/// stable API.
public protocol JSONByteScanning {
  var bytes: UnsafeBufferPointer<UInt8> { get }
  var i: Int { get set }
}

extension JSONByteScanning {
  @inlinable @inline(__always) public mutating func skipWS() {
    while i < bytes.count {
      let b = bytes[i]
      guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
      i += 1
    }
  }

  /// `open`, then zero or more `element`s separated by commas, then `close`, with blanks anywhere
  /// (also before `open`). `element` reads one member or value with the cursor on its first byte
  /// and says whether it could. False on anything else, a trailing comma included.
  @inlinable @inline(__always) public mutating func container(open: UInt8, close: UInt8, _ element: (inout Self) -> Bool) -> Bool {
    skipWS()
    guard i < bytes.count, bytes[i] == open else { return false }
    i += 1
    skipWS()
    if i < bytes.count, bytes[i] == close {
      i += 1
      return true
    }
    while true {
      skipWS()
      guard element(&self) else { return false }
      skipWS()
      guard i < bytes.count else { return false }
      if bytes[i] == UInt8(ascii: ",") {
        i += 1
        continue
      }
      guard bytes[i] == close else { return false }
      i += 1
      return true
    }
  }
}
