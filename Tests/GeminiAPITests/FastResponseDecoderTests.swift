import Foundation
import GeminiMock
import Testing

@testable import GeminiAPI

/// The fast decoder either gives exactly what `JSONDecoder` gives or declines (nil).
struct FastResponseDecoderTests {
  static let handWritten: [String] = [
    #"{"candidates":[{"content":{"role":"model","parts":[{"text":"Hello"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":1,"totalTokenCount":4},"modelVersion":"gemini-2.5-flash"}"#,
    #"{"candidates":[{"content":{"parts":[{"text":"line\none \"q\" \/ \u00e9 \ud83d\ude00 tab\t back\\ \b\f\r"}],"role":"model"},"finishReason":"MAX_TOKENS"}],"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":5,"totalTokenCount":40,"thoughtsTokenCount":25,"promptTokensDetails":[{"modality":"TEXT","tokenCount":10}],"candidatesTokensDetails":[],"serviceTier":"standard","trafficType":"ON_DEMAND"},"responseId":"abc","createTime":"2026-01-01T00:00:00Z"}"#,
    #"{"candidates":[{"content":{"role":"model","parts":[{"text":"thinking…","thought":true},{"text":"{\"a\":1}","thoughtSignature":"c2ln"}]},"finishReason":"STOP","index":0,"finishMessage":null,"tokenCount":7}],"usageMetadata":null}"#,
    #"  {"candidates":[{"content":{},"finishReason":"SAFETY"}],"modelVersion":null}  "#,
    #"{"candidates":[{"content":{"role":"model"},"finishReason":"MAX_TOKENS","index":-0}],"usageMetadata":{"promptTokenCount":0,"cacheTokensDetails":[{"modality":"AUDIO"},{"tokenCount":2}]}}"#,
    #"{"candidates":[]}"#,
    #"{}"#,
    #"{"candidates":[{"finishReason":"SOMETHING_NEW_FROM_GOOGLE"}]}"#,
    #"{"candidates":[{"content":{"parts":[{"te\u0078t":"escaped key"}]}}]}"#,
  ]

  /// Bodies it must decline (and `JSONDecoder` decides): other shapes, odd numbers, duplicates.
  static let declined: [String] = [
    #"{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{}}}]}}]}"#,
    #"{"candidates":[{"safetyRatings":[]}]}"#,
    #"{"promptFeedback":{"blockReason":"SAFETY"}}"#,
    #"{"usageMetadata":{"promptTokenCount":5.0}}"#,
    #"{"usageMetadata":{"promptTokenCount":1e2}}"#,
    #"{"usageMetadata":{"promptTokenCount":"5"}}"#,
    #"{"usageMetadata":{"promptTokenCount":01}}"#,
    #"{"usageMetadata":{"promptTokenCount":99999999999999999999}}"#,
    #"{"modelVersion":"a","modelVersion":"b"}"#,
    #"{"error":{"code":500,"message":"x","status":"INTERNAL"}}"#,
    #"{"candidates":[{"content":{"parts":[{"text":"\ud83d"}]}}]}"#,
    #"{"candidates":[{"content":{"parts":[{"text":"\x"}]}}]}"#,
    #"{"candidates":[] } x"#,
    #"[{"candidates":[]}]"#,
    "",
  ]

  static func viaJSONDecoder(_ data: Data) -> GenerateContentResponse? {
    try? JSONDecoder().decode(GenerateContentResponse.self, from: data)
  }

  @Test(arguments: handWritten)
  func acceptsTheCommonShapeAndAgrees(body: String) throws {
    let data = Data(body.utf8)
    let fast = try #require(FastResponseDecoder.decode(data), "declined: \(body)")
    #expect(fast == Self.viaJSONDecoder(data))
  }

  @Test(arguments: declined)
  func declinesEverythingElse(body: String) {
    #expect(FastResponseDecoder.decode(Data(body.utf8)) == nil)
  }

  @Test func invalidUTF8IsDeclined() {
    var data = Data(#"{"modelVersion":"ab"}"#.utf8)
    data[data.count - 3] = 0xFF
    #expect(FastResponseDecoder.decode(data) == nil)
    #expect(Self.viaJSONDecoder(data) == nil)
  }

  @Test(.enabled(if: Fixtures.available, Fixtures.missingMessage))
  func agreesOnEveryFixtureBodyAndStreamEvent() throws {
    var bodies: [Data] = []
    for name in Fixtures.names(withSuffix: ".json") where !name.hasPrefix("stream_json_array") {
      bodies.append(try Fixtures.data(name))
    }
    for name in Fixtures.names(withSuffix: ".sse") {
      var p = SSEParser()
      for e in p.feed(try Fixtures.data(name)) + p.finish() where e.kind == .data { bodies.append(e.data) }
    }
    var accepted = 0
    for data in bodies {
      if let fast = FastResponseDecoder.decode(data) {
        accepted += 1
        #expect(fast == Self.viaJSONDecoder(data), "\(String(decoding: data.prefix(120), as: UTF8.self))")
      }
    }
    // Plain text answers and most stream events take the fast path.
    #expect(accepted > bodies.count / 2, "\(accepted) of \(bodies.count)")
    #expect(FastResponseDecoder.decode(try Fixtures.data("text_basic_gemini-2.5-flash.json")) != nil)
  }

  /// Thousands of mutated bodies: whenever the fast decoder accepts one, JSONDecoder accepts it
  /// too and gives the same value.
  @Test func mutatedBodiesNeverDisagree() {
    var rng = SplitMix64(seed: 0x5EED)  // the mock's seeded generator
    let alphabet = Array(#"{}[]",:0123456789.-eE\ntfulr "#.utf8) + [0x00, 0x1F, 0xC3, 0xA9, 0xFF]
    var accepted = 0
    for round in 0..<6000 {
      var bytes = Array(Self.handWritten[round % Self.handWritten.count].utf8)
      for _ in 0..<(1 + Int(rng.next() % 3)) {
        guard !bytes.isEmpty else { break }
        let at = Int(rng.next() % UInt64(bytes.count))
        switch rng.next() % 3 {
        case 0: bytes[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
        case 1: bytes.remove(at: at)
        default: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
        }
      }
      let data = Data(bytes)
      if let fast = FastResponseDecoder.decode(data) {
        accepted += 1
        #expect(fast == Self.viaJSONDecoder(data), "\(String(decoding: bytes, as: UTF8.self))")
      }
    }
    #expect(accepted > 100)  // the property was exercised, not vacuous
  }
}
