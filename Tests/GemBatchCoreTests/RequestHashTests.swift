import Foundation
import GemBatchCore
import GeminiAPI
import Testing

/// The request hash is what decides "never pay twice". (SHA-256 itself is checked against the
/// standard vectors in GeminiAPITests' SHA256Tests.)
@Suite struct RequestHashTests {
  @Test func splitUpdatesMatchOneShot() {
    let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    for split in [1, 3, 63, 64, 65, 200] {
      var h = SHA256()
      var i = 0
      while i < bytes.count {
        h.update(bytes[i..<min(bytes.count, i + split)])
        i += split
      }
      var g = SHA256()
      g.update(AnySequence(bytes))  // the non-contiguous path
      #expect(h.finalize() == g.finalize(), "split \(split)")
    }
    #expect(Job.hash(model: "m", body: Data("b".utf8)) == SHA256.hex(Array("m\nb".utf8)))
  }
}
