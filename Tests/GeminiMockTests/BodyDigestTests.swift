import GeminiAPI
import Testing

@testable import GeminiMock

/// The mock's body digest is SHA-256: the standard vectors, and the same as the streaming digest
/// on every length across the block and padding boundaries.
@Suite struct BodyDigestTests {
  static func hex(_ bytes: [UInt8]) -> String {
    bytes.withUnsafeBytes { BodyDigest(of: $0) }.hex
  }

  @Test func standardVectors() {
    #expect(Self.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(Self.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      Self.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    #expect(
      Self.hex([UInt8](repeating: 0x61, count: 1_000_000))
        == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test func sameAsTheStreamingImplementation() {
    var rng = SplitMix64(seed: 3)
    for length in Array(0...300) + [511, 512, 513, 4096, 65_537] {
      let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      #expect(Self.hex(bytes) == SHA256.hex(bytes), "length \(length)")
    }
  }
}
