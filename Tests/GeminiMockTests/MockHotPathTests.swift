import Foundation
import GeminiAPI
import NIOCore
import Testing

@testable import GeminiMock

/// The mock's hot path (byte writer, prose, cut, lazy normaliser, digests) against the plain
/// forms it replaced: same bytes, same values, same errors.
@Suite struct MockHotPathTests {
  static let tricky = [
    "", "plain", "quote \" backslash \\ slash /", "new\nline\rcr\ttab", "\u{01}\u{1f}\u{7f}", "ünïcödé 日本 🎉",
    "\u{2028} line separator", "e\u{301} combining",
  ]

  @Test func writerStringsAndIntsMatchSerialized() {
    for s in Self.tricky {
      let b = JSONByteWriter.buffer(bound: JSONByteWriter.stringBound(s)) { $0.string(s) }
      #expect(String(buffer: b) == JSONValue.string(s).serialized(), "\(s.debugDescription)")
    }
    // The worst case fits its bound exactly.
    let controls = String(repeating: "\u{01}", count: 10)
    let worst = JSONByteWriter.buffer(bound: JSONByteWriter.stringBound(controls)) { $0.string(controls) }
    #expect(worst.readableBytes == JSONByteWriter.stringBound(controls))
    for n in [0, 7, 9, 10, 99, 100, 12_345, 999_999, 1_000_000, -1, -40, Int.max, Int.min] {
      let b = JSONByteWriter.buffer(bound: JSONByteWriter.intBound) { $0.int(n) }
      #expect(String(buffer: b) == String(n))
    }
  }

  /// Every answer shape the writer handles, and the tree-only kinds, through `bodyBuffer()`.
  @Test func bodyBufferEqualsTreeForAllShapes() throws {
    let tools: JSONValue = [
      [
        "functionDeclarations": [
          ["name": "f", "parameters": ["type": "OBJECT", "properties": ["a": ["type": "STRING"]]]], ["name": "g"],
        ]
      ]
    ]
    let schema: JSONValue = ["type": "OBJECT", "properties": ["name": ["type": "STRING"], "n": ["type": "INTEGER"]]]
    let cases: [(String, JSONValue)] = [
      ("gemini-2.0-flash", MockTest.prompt("text \u{01} ünï \"q\"")),
      (
        "gemini-2.5-flash",
        MockTest.prompt("json", config: ["responseMimeType": "application/json", "responseSchema": schema])
      ),
      (
        "gemini-2.5-flash",
        MockTest.prompt(
          "enum",
          config: ["responseMimeType": "text/x.enum", "responseSchema": ["type": "STRING", "enum": ["a\"b", "c"]]])
      ),
      ("gemini-2.5-pro", MockTest.prompt("call f and g [[mock:call=f,g]]", extra: [("tools", tools)])),
      (
        "gemini-2.5-flash",
        MockTest.prompt("call f", config: ["thinkingConfig": ["includeThoughts": true]], extra: [("tools", tools)])
      ),
      ("gemini-2.5-flash", MockTest.prompt("search \"this\"\nnext", extra: [("tools", [["googleSearch": [:]]])])),
      (
        "gemini-3-flash-preview",
        MockTest.prompt("thoughts", config: ["thinkingConfig": ["includeThoughts": true, "thinkingLevel": "low"]])
      ),
      (
        "gemini-2.5-flash-lite",
        MockTest.prompt("all on thinking", config: ["maxOutputTokens": 1, "thinkingConfig": ["thinkingBudget": 512]])
      ),
    ]
    for kind in [Answer.Kind.normal, .promptBlocked, .safety, .recitation] {
      for (model, body) in cases {
        let req = try MockRequest(
          model: model, body: try RequestNormalizer.normalize(body, as: .GenerateContentRequest))
        for seed in 0..<4 as Range<UInt64> {
          var rng = SplitMix64(seed: seed)
          let a = AnswerBuilder.build(req, kind: kind, rng: &rng)
          #expect(String(buffer: a.bodyBuffer()) == a.bodyTree(), "\(model) \(kind) \(body.serialized())")
        }
      }
    }
  }

  /// The string-building prose it replaced, kept here as the reference.
  static func referenceProse(words: Int, _ rng: inout SplitMix64) -> String {
    var s = "Mock answer."
    var inSentence = 0
    for _ in 0..<words {
      var w = SchemaValueGenerator.words[rng.below(SchemaValueGenerator.words.count)]
      if inSentence == 0 { w = w.prefix(1).uppercased() + w.dropFirst() }
      s += " " + w
      inSentence += 1
      if inSentence >= 6 + rng.below(6) {
        s += "."
        inSentence = 0
      }
    }
    if inSentence > 0 { s += "." }
    return s
  }

  @Test func proseMatchesReference() {
    for seed in 0..<200 as Range<UInt64> {
      for words in [0, 1, 5, 12, 47, 300] {
        var a = SplitMix64(seed: seed)
        var b = SplitMix64(seed: seed)
        #expect(AnswerBuilder.prose(words: words, &a) == Self.referenceProse(words: words, &b))
        #expect(a.state == b.state)
      }
    }
  }

  @Test func cutNeverSplitsACharacter() {
    func reference(_ text: String, _ bytes: Int) -> String {
      var out = ""
      var n = 0
      for ch in text {
        let l = ch.utf8.count
        if n + l > bytes { break }
        out.append(ch)
        n += l
      }
      return out
    }
    let texts = [
      "Mock answer. Alpha beta.", "a\r\nb\r\nc", "abc e\u{301}x", "日本語テキスト", "ok 🎉 done", "x\u{301}\u{302}yz",
    ]
    for t in texts {
      for bytes in 0...(t.utf8.count + 1) {
        #expect(AnswerBuilder.cut(t, toBytes: bytes) == reference(t, bytes), "\(t.debugDescription) \(bytes)")
      }
    }
  }

  @Test func normaliserLeavesNormalBodiesAsTheyAre() throws {
    let body = MockTest.prompt(
      "hi", config: ["maxOutputTokens": 10, "thinkingConfig": ["thinkingBudget": 0]],
      extra: [
        (
          "tools",
          [
            [
              "functionDeclarations": [
                ["name": "f", "parameters": ["type": "OBJECT", "properties": ["a_b": ["type": "STRING"]]]]
              ]
            ]
          ]
        )
      ])
    let n = try RequestNormalizer.normalize(body, as: .GenerateContentRequest)
    #expect(n == body)
    #expect(n.serialized() == body.serialized())
  }

  @Test func normaliserRenamesAndConvertsAnywhere() throws {
    // snake_case at the top, in the middle of an object, inside arrays; quoted numbers; a
    // snake and a camel name for the same field (the later value wins, at the first position).
    let body = try JSONValue.parse(
      #"""
      {"contents":[{"role":"user","parts":[{"text":"a"}]},{"parts":[{"text":"b"},{"inline_data":{"mime_type":"image/png","data":"AA=="}}],"role":"user"}],
       "generationConfig":{"temperature":"0.5","max_output_tokens":"40","topK":3,"maxOutputTokens":41,"thinking_config":{"include_thoughts":true}},
       "system_instruction":{"parts":[{"text":"s"}]},
       "tools":[{"function_declarations":[{"name":"f","parameters":{"type":"OBJECT","properties":{"x":{"type":"INTEGER","minimum":"1"}}}}]}]}
      """#)
    let n = try RequestNormalizer.normalize(body, as: .GenerateContentRequest)
    let expected = try JSONValue.parse(
      #"""
      {"contents":[{"role":"user","parts":[{"text":"a"}]},{"parts":[{"text":"b"},{"inlineData":{"mimeType":"image/png","data":"AA=="}}],"role":"user"}],
       "generationConfig":{"temperature":0.5,"maxOutputTokens":41,"topK":3,"thinkingConfig":{"includeThoughts":true}},
       "systemInstruction":{"parts":[{"text":"s"}]},
       "tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"OBJECT","properties":{"x":{"type":"INTEGER","minimum":1}}}}]}]}
      """#)
    #expect(n == expected)
    #expect(n.serialized() == expected.serialized())
  }

  @Test func normaliserStillNamesUnknownFieldsAndBadValues() throws {
    func message(_ json: String) throws -> String? {
      let body = try JSONValue.parse(json)
      do {
        _ = try RequestNormalizer.normalize(body, as: .GenerateContentRequest)
        return nil
      } catch {
        return error.message
      }
    }
    #expect(
      try message(#"{"contents":[{"parts":[{"text":"a"}]},{"parts":[{"txt":"b"}]}]}"#)
        == #"Invalid JSON payload received. Unknown name "txt" at 'contents[1].parts[0]': Cannot find field."#)
    #expect(
      try message(#"{"generation_config":{"max_output_tokens":5,"bogus_name":1}}"#)
        == #"Invalid JSON payload received. Unknown name "bogus_name" at 'generation_config': Cannot find field."#)
    #expect(
      try message(#"{"contents":[{"parts":[{"text":5}]}]}"#)?.hasPrefix(
        "Invalid value at 'contents[0].parts[0].text' (TYPE_STRING), 5") == true)
  }

  @Test func digestsAndParsingFromBytes() throws {
    // Lengths around the padding boundaries (55/56, 63/64/65, 119/120); digests from Python's hashlib.
    let expected: [Int: String] = [
      0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      1: "084fed08b978af4d7d196a7446a86b58009e636b611db16211b65a9aadff29c5",
      55: "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b",
      56: "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27",
      63: "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055",
      64: "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241",
      65: "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e",
      119: "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e",
      120: "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5",
      128: "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6",
      1000: "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371",
    ]
    for (n, hex) in expected {
      let data = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
      #expect(SHA256.hex(data) == hex, "\(n)")
      var split = SHA256()
      split.update(Array(data.prefix(n / 3)))
      split.update(AnySequence(data.dropFirst(n / 3)))
      #expect(split.finalize().map { String(format: "%02x", $0) }.joined() == hex, "\(n)")
      let digest = data.withUnsafeBytes { BodyDigest(of: $0) }
      #expect(digest.hex == hex)
      #expect(digest.words.0 == UInt64(hex.prefix(16), radix: 16))  // the body seed
    }
    let text = #"{"a":[1,2.5,"x\n"],"b":{"c":null,"d":true}}"#
    let buffer = ByteBuffer(string: text)
    let fromBytes = try buffer.withUnsafeReadableBytes { try JSONValue.parse(bytes: $0) }
    #expect(fromBytes == (try JSONValue.parse(text)))
    #expect(fromBytes.serialized() == text)
    #expect(throws: JSONParseError.self) {
      try ByteBuffer(string: "{").withUnsafeReadableBytes { try JSONValue.parse(bytes: $0) }
    }
  }

  @Test func base64MatchesFoundation() {
    var rng = SplitMix64(seed: 9)
    for n in 0..<70 {
      let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      let standard = Data(bytes).base64EncodedString()
      #expect(AnswerBuilder.base64(bytes, url: false) == standard)
      let url = standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
      #expect(AnswerBuilder.base64(bytes, url: true) == url)
    }
    for seed in 0..<50 as Range<UInt64> {
      var a = SplitMix64(seed: seed)
      var b = SplitMix64(seed: seed)
      #expect(AnswerBuilder.responseId(&a) == String(AnswerBuilder.token(&b, bytes: 17).prefix(22)))
      #expect(a.state == b.state)
    }
  }

  @Test func jsonObjectKeepsOrderAndComparesByContent() throws {
    var o = JSONObject()
    for i in 0..<40 { o["k\(i)"] = .number(Double(i)) }  // past the size where an index is kept
    o["k3"] = "three"
    o["k5"] = nil
    #expect(o.count == 39)
    #expect(o.keys.first == "k0" && o.keys[3] == "k3" && o.keys[5] == "k6")
    #expect(o["k3"] == "three" && o["k5"] == nil && o["k39"] == 39)
    var reversed = JSONObject()
    for k in o.keys.reversed() { reversed[k] = o[k] }
    #expect(reversed == o)
    #expect(reversed.hashValue == o.hashValue)
    #expect(Set([JSONValue.object(o), .object(reversed)]).count == 1)
    reversed["k0"] = 1
    #expect(reversed != o)
    let small: JSONValue = ["b": 1, "a": [2, ["c": nil]]]
    #expect(try JSONValue.parse(small.serialized()) == small)
    #expect(small.serialized() == #"{"b":1,"a":[2,{"c":null}]}"#)
    #expect(small.serialized(sortedKeys: true) == #"{"a":[2,{"c":null}],"b":1}"#)
    // Duplicate keys in JSON text: the last value, at the first position (as before).
    #expect(try JSONValue.parse(#"{"x":1,"y":2,"x":3}"#).serialized() == #"{"x":3,"y":2}"#)
  }
}
