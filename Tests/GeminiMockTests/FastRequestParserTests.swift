import Foundation
import GeminiAPI
import Testing

@testable import GeminiMock

/// The fast request reader against the full path (parse, normalise, check): where it answers, the
/// same request; where the full path refuses, no answer (so the 400 comes from the full path).
@Suite struct FastRequestParserTests {
  /// The full path as `MockResponder.generate` runs it: the request, or nil for any refusal.
  static func full(_ body: String, model: String) -> MockRequest? {
    guard let parsed = try? JSONValue.parse(body) else { return nil }
    do {
      let normalized = try RequestNormalizer.normalize(parsed, as: .GenerateContentRequest)
      return try MockRequest(model: model, spec: MockModels.standard.spec(model), body: normalized)
    } catch {
      return nil
    }
  }

  static func fast(_ body: String, model: String) -> MockRequest? {
    var bytes = Array(body.utf8)
    return bytes.withUnsafeMutableBytes {
      FastRequestParser.request(from: UnsafeRawBufferPointer($0), model: model, spec: MockModels.standard.spec(model))
    }
  }

  /// Every field the answer is built from.
  static func same(_ a: MockRequest, _ b: MockRequest) -> Bool {
    a.model == b.model && a.spec.id == b.spec.id && a.serviceTier == b.serviceTier
      && a.responseModalities == b.responseModalities && a.promptText == b.promptText && a.promptTextBytes == b.promptTextBytes
      && a.mediaParts == b.mediaParts && a.functions.isEmpty && b.functions.isEmpty && a.functionMode == b.functionMode
      && a.allowedFunctionNames == b.allowedFunctionNames && a.googleSearch == b.googleSearch
      && a.cachedContent == b.cachedContent && a.maxOutputTokens == b.maxOutputTokens
      && a.responseMimeType == b.responseMimeType && a.schema == nil && b.schema == nil
      && a.thinkingBudget == b.thinkingBudget && a.thinkingLevel == b.thinkingLevel
      && a.includeThoughts == b.includeThoughts && a.candidateCount == b.candidateCount && a.markers == b.markers
  }

  /// Fast and full agree: both refuse, or the fast path passes it on (nil), or both give the same request.
  static func agree(_ body: String, model: String) -> Bool {
    guard let f = fast(body, model: model) else { return true }
    guard let r = full(body, model: model) else { return false }
    return same(f, r)
  }

  /// Bodies the fast path takes (each must give a request equal to the full path's).
  static let taken: [(String, String)] = [
    // A \u escape: decoded by the same parser as the full path's.
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"\u00e9 \ud83c\udf0d"}]}]}"#),
    (
      "gemini-2.0-flash",
      #"{"contents":[{"role":"user","parts":[{"text":"Classify this short review 1-2: great value, fast delivery."}]}],"generationConfig":{"maxOutputTokens":64}}"#
    ),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"hi"}]}]}"#),
    (
      "gemini-2.5-flash",
      #"{"contents":[{"role":"user","parts":[{"text":"q"}]}],"systemInstruction":{"parts":[{"text":"be brief"}]},"generationConfig":{"temperature":0.7,"topP":0.95,"topK":40,"candidateCount":2,"maxOutputTokens":100,"stopSequences":["a","b"],"responseMimeType":"Application/JSON","seed":-3,"thinkingConfig":{"thinkingBudget":1024,"includeThoughts":true}},"safetySettings":[{"category":"HARM_CATEGORY_HATE_SPEECH","threshold":"BLOCK_NONE"}],"model":"models/x","serviceTier":"standard","store":false}"#
    ),
    (
      "gemini-3-flash-preview",
      " {\n \"contents\" : [ { \"role\" : \"model\" , \"parts\" : [ {\"text\":\"\"}, {\"text\":\"a\\nb\\t\\\"q\\\" \\\\ \\/ \\b\\f\\r\"} , {\"thought\":true,\"thoughtSignature\":\"sig\"} ] }, {\"role\":\"\",\"parts\":[{}]} ] , \"generationConfig\" : { \"thinkingConfig\" : { \"thinkingLevel\" : \"low\" } , \"temperature\": 2 } }\n"
    ),
    ("gemini-2.5-pro", #"{"systemInstruction":{"parts":[{"text":""}]},"contents":[{"parts":[{"text":""},{"text":"x"}]}]}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"ünïcödé 日本 🎉 [[mock:internal]] [[mock:replay=a.json]]"}]}]}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}],"role":"function"},{"parts":[{"text":"b"}]}],"generationConfig":{}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"maxOutputTokens":1,"temperature":0,"candidateCount":8,"thinkingConfig":{}}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"thinkingConfig":{"thinkingBudget":-1},"responseMimeType":"text/x.enum","stopSequences":[]}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"thinkingConfig":{"thinkingBudget":0},"presencePenalty":-0.5,"frequencyPenalty":1.25,"responseLogprobs":true,"logprobs":3,"responseModalities":["TEXT"],"mediaResolution":"MEDIA_RESOLUTION_LOW","enableEnhancedCivicAnswers":false}}"#),
    ("gemini-2.5-flash", "{\"contents\":[{\"parts\":[{\"text\":\"latin \u{FF}\"}]}]}"),
  ]

  /// Bodies the fast path must pass on: other shapes, and everything the full path refuses.
  static let passed: [(String, String)] = [
    // The real API's refusals: cachedContent with a system instruction, an unknown safety category
    // or threshold, an unknown tier, images from a text model.
    ("gemini-2.5-flash-lite", #"{"contents":[{"parts":[{"text":"a"}]}],"systemInstruction":{"parts":[{"text":"s"}]},"cachedContent":"cachedContents/abc"}"#),
    ("gemini-2.5-flash-lite", #"{"contents":[{"parts":[{"text":"a"}]}],"safetySettings":[{"category":"HARM_CATEGORY_NICE","threshold":"BLOCK_NONE"}]}"#),
    ("gemini-2.5-flash-lite", #"{"contents":[{"parts":[{"text":"a"}]}],"safetySettings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_SOME"}]}"#),
    ("gemini-2.5-flash-lite", #"{"contents":[{"parts":[{"text":"a"}]}],"serviceTier":"turbo"}"#),
    ("gemini-2.5-flash-lite", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"responseModalities":["IMAGE"]}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generation_config":{"max_output_tokens":5}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"bogus":1}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a","bogus":1}]}]}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":null}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":null}]}]}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"contents":[{"parts":[{"text":"b"}]}]}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a","text":"b"}]}]}"#),
    ("gemini-2.5-flash", #"{"contents":[{"role":"system","parts":[{"text":"a"}]}]}"#),
    ("gemini-2.5-flash", #"{"contents":[{"role":"user","parts":[]}]}"#),
    ("gemini-2.5-flash", #"{"contents":[{"role":"user"}]}"#),
    ("gemini-2.5-flash", #"{"contents":[]}"#),
    ("gemini-2.5-flash", #"{}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"maxOutputTokens":0}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"maxOutputTokens":-1}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"maxOutputTokens":1.0}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"maxOutputTokens":1.5}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"maxOutputTokens":"5"}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"maxOutputTokens":1e3}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"maxOutputTokens":01}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"maxOutputTokens":1234567890123456}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"temperature":2.5}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"temperature":"0.5"}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"candidateCount":9}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"stopSequences":["1","2","3","4","5","6"]}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"responseMimeType":"text/html"}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"thinkingConfig":{"thinkingBudget":99999999}}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"thinkingConfig":{"thinkingLevel":"low"}}}"#),
    ("gemini-2.0-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"thinkingConfig":{"thinkingBudget":100}}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"generationConfig":{"responseSchema":{"type":"STRING"}}}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"inlineData":{"mimeType":"image/png","data":"AA=="}}]}]}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"tools":[{"googleSearch":{}}]}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}]} x"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}]"#),
    ("gemini-2.5-flash", #"[{"contents":[]}]"#),
    ("gemini-2.5-flash", "{\"contents\":[{\"parts\":[{\"text\":\"tab\there\"}]}]}"),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}]}],"store":"yes"}"#),
    ("gemini-2.5-flash", #"{"contents":[{"parts":[{"text":"a"}],"role":5}]}"#),
  ]

  @Test func takenBodiesGiveTheFullPathsRequest() throws {
    for (model, body) in Self.taken {
      let f = try #require(Self.fast(body, model: model), "\(body)")
      let r = try #require(Self.full(body, model: model), "\(body)")
      #expect(Self.same(f, r), "\(body)")
    }
  }

  @Test func otherShapesAndRefusalsArePassedOn() {
    for (model, body) in Self.passed {
      #expect(Self.fast(body, model: model) == nil, "\(body)")
    }
  }

  /// Every one-byte change (deleted, replaced, inserted) of the taken bodies: where the fast path
  /// still answers, the full path gives the same request.
  @Test func mutationsNeverDisagree() {
    let alphabet = Array(#"{}[]",:\ 0123456789.-eEtrufalsnx"#.utf8) + [0x0A, 0x01, 0xC3]
    var rng = SplitMix64(seed: 7)
    var disagreements: [String] = []
    var fastAnswers = 0
    for (model, body) in Self.taken {
      let bytes = Array(body.utf8)
      for i in 0..<bytes.count {
        var variants = [Array(bytes[..<i] + bytes[(i + 1)...])]
        for _ in 0..<3 {
          let b = alphabet[rng.below(alphabet.count)]
          var replaced = bytes
          replaced[i] = b
          var inserted = bytes
          inserted.insert(b, at: i)
          variants += [replaced, inserted]
        }
        for v in variants {
          let text = String(decoding: v, as: UTF8.self)
          guard Array(text.utf8) == v else { continue }  // keep to valid UTF-8 text
          if Self.fast(text, model: model) != nil { fastAnswers += 1 }
          if !Self.agree(text, model: model) { disagreements.append(text) }
        }
      }
    }
    #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
    #expect(fastAnswers > 1000)
  }

  /// The same answers byte for byte through the server, whichever path read the request.
  @Test func answersThroughTheServerMatchTheFullPath() async throws {
    let bodies = Self.taken.filter { !$0.1.contains("[[mock:") }  // markers force faults and replays
    let replies = try await MockTest.withMock { client in
      var out: [Reply] = []
      for (model, body) in bodies { out.append(try await client.send(.POST, "/v1beta/models/\(model):generateContent", body: body)) }
      return out
    }
    for ((model, body), reply) in zip(bodies, replies) {
      let req = try #require(Self.full(body, model: model))
      var sha = SHA256()
      sha.update(Array(body.utf8))
      var rng = SplitMix64(seed: MockConfiguration().seed ^ BodyDigest(sha.finalize()).words.0)
      let answer = AnswerBuilder.build(req, kind: .normal, rng: &rng)
      #expect(reply.status == 200)
      #expect(reply.text == String(buffer: answer.bodyBuffer()), "\(body)")
    }
  }
}
