import Foundation
import GemBatchCore
import GeminiAPI
import Testing

/// The request hash is what decides "never pay twice": check the digest against known vectors.
@Suite struct RequestHashTests {
  @Test func knownVectors() {
    #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

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
