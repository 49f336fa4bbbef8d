import Foundation

/// SHA-256 (FIPS 180-4). Used for request hashes in the store and the mock's duplicate counter;
/// small enough to carry here rather than pull in a crypto package for one digest.
public struct SHA256: Sendable {
  private var h: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
  )
  /// The partial block (fewer than 64 bytes), inline so that hashing allocates nothing.
  private var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
  private var blockCount = 0
  private var length: UInt64 = 0

  /// The round constants (FIPS 180-4 §4.2.2), shared with the mock's one-shot digest.
  package static let k: [UInt32] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]

  public init() {}

  public mutating func update<D: Sequence>(_ data: D) where D.Element == UInt8 {
    let done: Void? = data.withContiguousStorageIfAvailable { updateContiguous(UnsafeRawBufferPointer($0)) }
    if done != nil { return }
    var chunk: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    var n = 0
    for b in data {
      withUnsafeMutableBytes(of: &chunk) { $0[n] = b }
      n += 1
      if n == 64 {
        withUnsafeBytes(of: &chunk) { updateContiguous($0) }
        n = 0
      }
    }
    withUnsafeBytes(of: &chunk) { updateContiguous(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
  }

  /// Whole 64-byte blocks are compressed straight from the caller's memory; the rest waits in `block`.
  private mutating func updateContiguous(_ p: UnsafeRawBufferPointer) {
    guard var base = p.baseAddress else { return }
    var n = p.count
    length &+= UInt64(n)
    if blockCount > 0 {
      let take = min(64 - blockCount, n)
      let at = blockCount
      withUnsafeMutableBytes(of: &block) { b in
        b.baseAddress!.advanced(by: at).copyMemory(from: base, byteCount: take)
      }
      blockCount += take
      base += take
      n -= take
      if blockCount == 64 { compressBlock() }
    }
    while n >= 64 {
      compress(base)
      base += 64
      n -= 64
    }
    if n > 0 {
      withUnsafeMutableBytes(of: &block) { b in b.baseAddress!.copyMemory(from: base, byteCount: n) }
      blockCount = n
    }
  }

  public mutating func update(_ s: String) { update(s.utf8) }

  public mutating func finalize() -> [UInt8] {
    let bitLength = length &* 8
    // Padding: 0x80, zeros, the bit length big-endian; one or two blocks.
    var tail: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
      (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    let used = blockCount
    let blocks = used + 1 + 8 <= 64 ? 1 : 2
    withUnsafeMutableBytes(of: &tail) { t in
      withUnsafeBytes(of: &block) { b in t.baseAddress!.copyMemory(from: b.baseAddress!, byteCount: used) }
      t[used] = 0x80
      let end = blocks * 64
      for i in 0..<8 { t[end - 1 - i] = UInt8(truncatingIfNeeded: bitLength >> (UInt64(i) * 8)) }
    }
    withUnsafeBytes(of: &tail) { t in
      compress(t.baseAddress!)
      if blocks == 2 { compress(t.baseAddress! + 64) }
    }
    blockCount = 0
    let digest = (
      h.0.bigEndian, h.1.bigEndian, h.2.bigEndian, h.3.bigEndian, h.4.bigEndian, h.5.bigEndian, h.6.bigEndian,
      h.7.bigEndian
    )
    return withUnsafeBytes(of: digest) { Array($0) }
  }

  private mutating func compressBlock() {
    var b = block
    withUnsafeBytes(of: &b) { compress($0.baseAddress!) }
    blockCount = 0
  }

  private mutating func compress(_ block: UnsafeRawPointer) {
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
      for i in 0..<16 {
        w[i] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
      }
      for i in 16..<64 {
        let s0 = w[i - 15].rotr(7) ^ w[i - 15].rotr(18) ^ (w[i - 15] >> 3)
        let s1 = w[i - 2].rotr(17) ^ w[i - 2].rotr(19) ^ (w[i - 2] >> 10)
        w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
      }
      var (a, b, c, d, e, f, g, hh) = h
      SHA256.k.withUnsafeBufferPointer { k in
        for i in 0..<64 {
          let s1 = e.rotr(6) ^ e.rotr(11) ^ e.rotr(25)
          let ch = (e & f) ^ (~e & g)
          let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
          let s0 = a.rotr(2) ^ a.rotr(13) ^ a.rotr(22)
          let maj = (a & b) ^ (a & c) ^ (b & c)
          let t2 = s0 &+ maj
          hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
        }
      }
      h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e, h.5 &+ f, h.6 &+ g, h.7 &+ hh)
    }
  }

  /// Hex digest of some bytes.
  public static func hex<D: Sequence>(_ data: D) -> String where D.Element == UInt8 {
    var s = SHA256()
    s.update(data)
    let digits = Array("0123456789abcdef".utf8)
    let bytes = s.finalize()
    return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] }, as: UTF8.self)
  }
}

extension UInt32 {
  fileprivate func rotr(_ n: UInt32) -> UInt32 { (self >> n) | (self << (32 - n)) }
}
