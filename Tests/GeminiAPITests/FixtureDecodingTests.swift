import Foundation
import Testing

@testable import GeminiAPI

@Suite(.enabled(if: Fixtures.available, Fixtures.missingMessage))
struct FixtureDecodingTests {
  /// Every recorded JSON body is either a response or an error envelope, decided the way the
  /// client decides a 200 body.
  @Test(arguments: Fixtures.names(withSuffix: ".json"))
  func everyJSONFixtureDecodes(name: String) throws {
    let data = try Fixtures.data(name)
    if name.hasPrefix("error_") {
      let env = try #require(APIErrorBody.decode(data), "\(name) is an error envelope")
      #expect(env.code != nil && env.status != nil && env.message != nil)
      // Sent with a 200 the client reports it as an error too, never as an empty answer.
      let r = GeminiClient.decodeResponse(data, status: 200, decoder: JSONDecoder())
      #expect(r.failure?.code == .httpStatus)
      #expect(r.failure?.httpStatus == env.code)
    } else if name.hasPrefix("stream_json_array") {
      let a = try StreamAssembler.assemble(jsonArrayStream: data)
      #expect(a.events == 55)
    } else {
      let r = GeminiClient.decodeResponse(data, status: 200, decoder: JSONDecoder())
      let response = try #require(r.success, "\(name) decodes as a response")
      #expect(response.candidates != nil || response.promptFeedback != nil)
    }
  }

  /// The usage JSON the store keeps decodes back to the same usage, with the fields in
  /// declaration order (JSONEncoder on Linux writes them in per-process hash order).
  @Test(arguments: Fixtures.names(withSuffix: ".json").filter { !$0.hasPrefix("error_") && !$0.hasPrefix("stream_") })
  func usageCompactJSONRoundTrips(name: String) throws {
    let response = try #require(GeminiClient.decodeResponse(try Fixtures.data(name), status: 200, decoder: JSONDecoder()).success)
    guard var u = response.usageMetadata else { return }
    func roundTrip(_ u: UsageMetadata) throws -> UsageMetadata {
      try JSONDecoder().decode(UsageMetadata.self, from: Data(u.compactJSON.utf8))
    }
    #expect(try roundTrip(u) == u)
    // And with every field set, including strings that need escaping.
    u.trafficType = "ON_DEMAND \"quoted\"\n\u{01}"
    u.serviceTier = "standard"
    u.candidatesTokensDetails = [ModalityTokenCount(modality: "TEXT", tokenCount: 3), ModalityTokenCount(tokenCount: 1)]
    u.toolUsePromptTokensDetails = [ModalityTokenCount(modality: "IMAGE")]
    u.cacheTokensDetails = []
    #expect(try roundTrip(u) == u)
  }

  @Test func usageCompactJSONIsInDeclarationOrder() {
    var u = UsageMetadata(promptTokenCount: 9, candidatesTokenCount: 9, thoughtsTokenCount: 34, totalTokenCount: 52)
    u.promptTokensDetails = [ModalityTokenCount(modality: "TEXT", tokenCount: 9)]
    u.serviceTier = "standard"
    #expect(
      u.compactJSON
        == #"{"promptTokenCount":9,"candidatesTokenCount":9,"thoughtsTokenCount":34,"totalTokenCount":52,"promptTokensDetails":[{"modality":"TEXT","tokenCount":9}],"serviceTier":"standard"}"#)
    #expect(UsageMetadata().compactJSON == "{}")
  }

  @Test func textBasic() throws {
    let r = try Fixtures.response("text_basic_gemini-2.5-flash.json")
    #expect(r.answerText == "Hello! How can I help you today?")
    #expect(r.finishReason == .stop)
    #expect(r.modelVersion == "gemini-2.5-flash")
    #expect(r.responseId == "bzlXaa_EE_aHqtsPi_zw8Ao")
    let u = try #require(r.usageMetadata)
    #expect(u.promptTokenCount == 9 && u.candidatesTokenCount == 9 && u.thoughtsTokenCount == 34)
    #expect(u.totalTokenCount == 52 && u.isConsistent)
    #expect(r.thoughtText == nil)
  }

  @Test func cachedContentUsage() throws {
    let u = try #require(try Fixtures.response("cached_content_usage_gemini-2.5-flash.json").usageMetadata)
    #expect(u.promptTokenCount == 3520 && u.cachedContentTokenCount == 3512)
    #expect(u.cacheTokensDetails == [ModalityTokenCount(modality: "TEXT", tokenCount: 3512)])
    #expect(u.serviceTier == "standard")
    #expect(u.totalTokenCount == 3564 && u.isConsistent)
  }

  @Test func candidateBlockedForSafety() throws {
    let r = try Fixtures.response("candidate_blocked_SAFETY_gemini-1.5-flash.json")
    let c = try #require(r.firstCandidate)
    #expect(c.finishReason == .safety && c.finishReason?.isContentBlock == true)
    #expect(c.index == nil)
    #expect(c.content == Content())  // `{}`
    #expect(r.answerText == nil)
    let blocked = (c.safetyRatings ?? []).filter { $0.blocked == true }
    #expect(blocked.map(\.category) == ["HARM_CATEGORY_HATE_SPEECH"])
    #expect(c.safetyRatings?.count == 4)
  }

  @Test func maxTokensWithoutParts() throws {
    let r = try Fixtures.response("max_tokens_no_parts_gemini-2.5-pro.json")
    #expect(r.finishReason == .maxTokens)
    #expect(r.firstCandidate?.content?.role == "model" && r.firstCandidate?.content?.parts == nil)
    #expect(r.answerText == nil)
    #expect(r.usageMetadata?.candidatesTokenCount == nil)
    #expect(r.usageMetadata?.thoughtsTokenCount == 2 && r.usageMetadata?.totalTokenCount == 17)
  }

  @Test func promptBlocked() throws {
    let safety = try Fixtures.response("prompt_blocked_SAFETY_promptFeedback.json")
    #expect(safety.candidates == nil && safety.usageMetadata == nil)
    #expect(safety.blockReason == .safety)
    #expect(safety.promptFeedback?.safetyRatings?.first { $0.probability == "MEDIUM" }?.category == "HARM_CATEGORY_HARASSMENT")

    let armor = try Fixtures.response("prompt_blocked_MODEL_ARMOR_vertex.json")
    #expect(armor.blockReason == .modelArmor)
    #expect(armor.promptFeedback?.blockReasonMessage == "The prompt violated Prompt Injection and Jailbreak filters.")
    #expect(armor.usageMetadata?.trafficType == "ON_DEMAND")
    #expect(armor.createTime != nil)
  }

  @Test func thoughtParts() throws {
    let r = try Fixtures.response("thinking_thought_parts_gemini-3-pro-preview.json")
    let parts = try #require(r.firstCandidate?.content?.parts)
    #expect(parts.count == 2)
    #expect(parts[0].isThought && parts[0].thoughtSignature == nil)
    #expect(!parts[1].isThought && parts[1].thoughtSignature?.count == 5180)
    #expect(r.thoughtText?.hasPrefix("**A Safe Street-Crossing Guide: My Thought Process**") == true)
    #expect(r.answerText?.unicodeScalars.count == 3017)
    #expect(r.usageMetadata?.thoughtsTokenCount == 1001 && r.usageMetadata?.totalTokenCount == 1766)
  }

  @Test func parallelFunctionCalls() throws {
    let r = try Fixtures.response("function_call_parallel_thoughtsig_gemini-3-flash-preview.json")
    let c = try #require(r.firstCandidate)
    #expect(c.finishReason == .stop && c.finishMessage == "Model generated function call(s).")
    #expect(r.functionCalls.map(\.name) == ["generate_topic", "generate_topic", "generate_topic"])
    #expect(r.functionCalls.allSatisfy { $0.args == .object(JSONObject()) })
    let signatures = (c.content?.parts ?? []).map { $0.thoughtSignature != nil }
    #expect(signatures == [true, false, false])
    #expect(r.usageMetadata?.isConsistent == true && r.usageMetadata?.totalTokenCount == 303)
  }

  @Test func searchGrounding() throws {
    let r = try Fixtures.response("google_search_grounding_gemini-2.5-pro.json")
    let g = try #require(r.firstCandidate?.groundingMetadata)
    #expect(g.groundingChunks?.count == 3 && g.groundingSupports?.count == 6)
    #expect(g.webSearchQueries == ["weather in San Francisco today"])
    #expect(g.searchEntryPoint?.renderedContent?.isEmpty == false)
    #expect(r.groundingSources.count == 3)
    // The first chunk is a plain Google search link; the others are grounding redirects.
    #expect(r.groundingSources.first?.uri?.hasPrefix("https://www.google.com/search?q=weather") == true)
    #expect(r.groundingSources.dropFirst().allSatisfy { $0.uri?.contains("vertexaisearch.cloud.google.com/grounding-api-redirect/") == true })
    #expect(r.usageMetadata?.toolUsePromptTokenCount == 119 && r.usageMetadata?.totalTokenCount == 550)
    #expect(r.usageMetadata?.isConsistent == true)

    let snake = try Fixtures.response("google_search_grounding_snake_case_tool_gemini-2.5-flash.json")
    let g2 = try #require(snake.firstCandidate?.groundingMetadata)
    #expect(g2.groundingChunks?.count == 2 && g2.groundingSupports?.count == 2)
    #expect(g2.webSearchQueries == ["current Google stock price"])
    #expect(g2.retrievalMetadata == .object(JSONObject()))
    #expect(snake.answerText?.contains("$187.07") == true)
    #expect(snake.usageMetadata?.candidatesTokensDetails?.first?.tokenCount == 64)
  }

  @Test func jsonMode() throws {
    let r = try Fixtures.response("json_mode_responseJsonSchema_gemini-2.0-flash.json")
    #expect(r.firstCandidate?.index == nil)
    #expect(r.firstCandidate?.avgLogprobs != nil)
    let text = try #require(r.answerText)
    let value = try JSONValue.parse(text.trimmingCharacters(in: .whitespacesAndNewlines))
    #expect(value == ["city": "Mexico City", "country": "Mexico"])
  }

  @Test func batchOutputLines() throws {
    let text = String(decoding: try Fixtures.data("batch_output_file_lines_gemini-2.5-flash.jsonl"), as: UTF8.self)
    let lines = text.split(whereSeparator: \.isNewline)
    #expect(lines.count == 2)
    struct Line: Decodable { var key: String; var response: GenerateContentResponse }
    let decoded = try lines.map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
    #expect(decoded.map(\.key) == ["request_1", "request_2"])
    #expect(decoded[0].response.usageMetadata?.thoughtsTokenCount == 829)
    #expect(decoded[1].response.answerText?.hasPrefix("Quantum computers use **qubits**") == true)
    #expect(decoded.allSatisfy { $0.response.usageMetadata?.isConsistent == true })
  }

  // MARK: errors

  @Test func error429WithRetryInfoAndQuota() throws {
    let data = try Fixtures.data("error_429_resource_exhausted_retryinfo.json")
    let e = GeminiError.fromHTTP(status: 429, body: data)
    #expect(e.code == .httpStatus && e.apiStatus == "RESOURCE_EXHAUSTED")
    #expect(e.body?.retryInfo?.retryDelayText == "26s")
    #expect(e.suggestedDelay == .seconds(26))
    let v = try #require(e.body?.quotaViolations.first)
    #expect(v.quotaId == "GenerateContentInputTokensPerModelPerMinute-FreeTier")
    #expect(v.quotaClass == .tokensPerMinute)
    #expect(v.quotaValue == "250000")
    #expect(v.quotaDimensions == ["location": "global", "model": "gemini-2.5-flash"])
    #expect(e.errorClass == .rateLimited(suggestedDelay: .seconds(26), daily: false, quotaId: v.quotaId))
    #expect(e.body?.details.contains { if case .help(let links) = $0 { return links.count == 1 } else { return false } } == true)
  }

  @Test func error404() throws {
    let e = GeminiError.fromHTTP(status: 404, body: try Fixtures.data("error_404_model_not_found.json"))
    #expect(e.apiStatus == "NOT_FOUND" && e.errorClass == .permanent)
    #expect(e.detail.hasPrefix("models/gemini-3.6-flahs is not found for API version v1beta"))
    #expect(e.body?.details.isEmpty == true)
  }

  @Test func error503And500() throws {
    let e = GeminiError.fromHTTP(status: 503, body: try Fixtures.data("error_503_unavailable_overloaded.json"))
    #expect(e.apiStatus == "UNAVAILABLE" && e.detail == "The model is overloaded. Please try again later.")
    #expect(e.errorClass == .transient(suggestedDelay: nil))
    let i = GeminiError.fromHTTP(status: 500, body: try Fixtures.data("error_500_internal.json"))
    #expect(i.apiStatus == "INTERNAL" && i.detail.hasPrefix("An internal error has occurred."))
    #expect(i.errorClass.isRetryable)
  }

  @Test func error400Variants() throws {
    let level = GeminiError.fromHTTP(status: 400, body: try Fixtures.data("error_400_thinking_level_not_supported.json"))
    #expect(level.detail == "Thinking level is not supported for this model." && level.errorClass == .permanent)
    let vertex = GeminiError.fromHTTP(status: 400, body: try Fixtures.data("error_400_invalid_argument_vertex.json"))
    #expect(vertex.apiStatus == "INVALID_ARGUMENT" && vertex.detail.hasPrefix("Cannot fetch content from the provided URL."))
    let array = GeminiError.fromHTTP(
      status: 400, body: try Fixtures.data("error_400_thinking_level_medium_vertex_array.json"))
    #expect(array.body?.code == 400 && array.apiStatus == "INVALID_ARGUMENT")
    #expect(array.detail.contains("thinking_level MEDIUM is not supported by this model"))
  }

  @Test func errorInsideJSONArrayStream() throws {
    let data = try Fixtures.data("error_503_in_json_array_stream.json")
    let thrown = #expect(throws: GeminiError.self) { try StreamAssembler.assemble(jsonArrayStream: data) }
    #expect(thrown?.httpStatus == 503 && thrown?.apiStatus == "UNAVAILABLE")
    #expect(thrown?.errorClass == .transient(suggestedDelay: nil))
  }

  @Test func jsonArrayStreamAssembles() throws {
    let data = try Fixtures.data("stream_json_array_no_alt_gemini-1.0-pro-era.json")
    let (r, events, finished) = try StreamAssembler.assemble(jsonArrayStream: data)
    #expect(events == 55 && finished)
    #expect(r.finishReason == .safety)  // the last chunk stopped for safety
    #expect(r.answerText?.hasPrefix("In the quaint, cobbled streets of Willow Creek") == true)
    // The same text, concatenated straight from the parsed array.
    let direct = try JSONValue.parse(data).arrayValue!.compactMap { e -> String? in
      e["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue?.compactMap { $0["text"]?.stringValue }.joined()
    }.joined()
    #expect(r.answerText == direct)
    #expect(r.firstCandidate?.content?.parts?.count == 1)
  }
}

extension Result {
  var success: Success? { try? get() }
  var failure: Failure? {
    if case .failure(let e) = self { return e }
    return nil
  }
}
