import Crypto
import Foundation

/// SHA-256 for request hashes in the store, file digests and the mock's duplicate counter: the
/// project's one entry point, over swift-crypto (BoringSSL, with the CPU's SHA instructions where
/// it has them). The pure-Swift digest it replaced was measured slower on the hot path itself
/// (a ~300-byte request body), see docs/benchmarks.md.
public struct SHA256: Sendable {
  private var inner = Crypto.SHA256()

  public init() {}

  public mutating func update<D: Sequence>(_ data: D) where D.Element == UInt8 {
    let done: Void? = data.withContiguousStorageIfAvailable { inner.update(bufferPointer: UnsafeRawBufferPointer($0)) }
    if done == nil { inner.update(data: Array(data)) }
  }

  public mutating func update(_ p: UnsafeRawBufferPointer) { inner.update(bufferPointer: p) }

  public mutating func update(_ s: String) {
    var s = s
    s.withUTF8 { inner.update(bufferPointer: UnsafeRawBufferPointer($0)) }
  }

  /// The 32-byte digest.
  public func finalize() -> [UInt8] { Array(inner.finalize()) }

  /// The digest of one buffer, in one call.
  public static func digest(_ p: UnsafeRawBufferPointer) -> [UInt8] { Array(Crypto.SHA256.hash(data: p)) }

  /// Hex digest of some bytes.
  public static func hex<D: Sequence>(_ data: D) -> String where D.Element == UInt8 {
    var s = SHA256()
    s.update(data)
    return hexString(s.finalize())
  }

  /// Lower-case hex of a digest.
  public static func hexString(_ bytes: [UInt8]) -> String {
    let digits: StaticString = "0123456789abcdef"
    return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
      var n = 0
      for b in bytes {
        out[n] = digits.utf8Start[Int(b >> 4)]
        out[n + 1] = digits.utf8Start[Int(b & 0x0F)]
        n += 2
      }
      return n
    }
  }
}
