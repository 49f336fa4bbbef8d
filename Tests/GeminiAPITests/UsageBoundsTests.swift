import Foundation
import Testing

@testable import GeminiAPI

/// Usage counts are the server's claims: any number decodes, and `problem` says which can be trusted.
struct UsageBoundsTests {
  func response(usage: String) -> Data {
    Data(
      #"{"candidates":[{"content":{"role":"model","parts":[{"text":"hi"}]},"finishReason":"STOP"}],"usageMetadata":\#(usage)}"#
        .utf8)
  }

  func decode(_ usage: String) throws -> GenerateContentResponse {
    try GeminiClient.decodeResponse(response(usage: usage), status: 200, decoder: JSONDecoder()).get()
  }

  @Test func int64MaxDecodesAndIsInvalid() throws {
    let r = try decode(
      #"{"promptTokenCount":9223372036854775807,"candidatesTokenCount":9223372036854775807,"totalTokenCount":1}"#)
    let u = try #require(r.usageMetadata)
    #expect(u.promptTokenCount == Int.max)
    #expect(u.problem()?.contains("promptTokenCount 9223372036854775807 is above the limit") == true)
    #expect(u.computedTotal == Int.max)  // saturates, never traps
    #expect(!u.isConsistent)
  }

  @Test func negativeCountsAreInvalid() throws {
    let r = try decode(#"{"promptTokenCount":5,"candidatesTokenCount":-3}"#)
    #expect(r.usageMetadata?.problem() == "candidatesTokenCount is negative (-3)")
    let min = try decode(#"{"promptTokenCount":-9223372036854775808,"thoughtsTokenCount":-9223372036854775808}"#)
    #expect(min.usageMetadata?.computedTotal == Int.min)
  }

  @Test func numbersBeyondInt64OrFractionsStillDecodeTheAnswer() throws {
    for bad in ["1e30", "99999999999999999999999", "1.5", "\"12\"", "true"] {
      let r = try decode(#"{"promptTokenCount":3,"candidatesTokenCount":\#(bad)}"#)
      #expect(r.firstCandidate?.answerText == "hi", "\(bad)")
      let u = try #require(r.usageMetadata)
      #expect(u.candidatesTokenCount == nil && u.promptTokenCount == 3)
      #expect(u.unreadableCounts == ["candidatesTokenCount"], "\(bad)")
      #expect(u.problem() == "candidatesTokenCount is not an integer in range", "\(bad)")
    }
    let details = try decode(#"{"promptTokenCount":3,"promptTokensDetails":[{"modality":"TEXT","tokenCount":1e40}]}"#)
    #expect(details.usageMetadata?.problem() == "promptTokensDetails.tokenCount is not an integer in range")
    let absurd = try decode(#"{"promptTokenCount":3,"cacheTokensDetails":[{"modality":"AUDIO","tokenCount":-1}]}"#)
    #expect(absurd.usageMetadata?.problem() == "cacheTokensDetails.tokenCount is negative (-1)")
  }

  @Test func ordinaryUsageIsValidAndALowerLimitApplies() throws {
    let r = try decode(#"{"promptTokenCount":1200,"candidatesTokenCount":30,"totalTokenCount":1230}"#)
    let u = try #require(r.usageMetadata)
    #expect(u.problem() == nil)
    #expect(u.problem(limit: 1000) == "promptTokenCount 1200 is above the limit 1000")
    // A limit above the fixed one does not raise it.
    #expect(UsageMetadata(promptTokenCount: UsageMetadata.countLimit + 1).problem(limit: .max) != nil)
    #expect(UsageMetadata(promptTokenCount: UsageMetadata.countLimit).problem() == nil)
  }

  @Test func theFastPathAndJSONDecoderAgreeOnHostileCounts() throws {
    for usage in [
      #"{"promptTokenCount":-1}"#, #"{"promptTokenCount":9223372036854775807}"#,
      #"{"promptTokenCount":123456789012345678}"#,
    ] {
      let data = response(usage: usage)
      let slow = try JSONDecoder().decode(GenerateContentResponse.self, from: data)
      if let fast = FastResponseDecoder.decode(data) { #expect(fast == slow, "\(usage)") }
      #expect(try decode(usage) == slow)
    }
  }

  @Test func serverDelaysAreCappedBeforeAnyConversion() {
    #expect(RetryInfo.parseDuration("315360000s") == .seconds(315_360_000))
    #expect(RetryInfo.parseDuration("1e300s") == .seconds(1_000_000_000))
    #expect(RetryInfo.parseDuration("99999999999999999999999s") == .seconds(1_000_000_000))
    #expect(GeminiClient.parseRetryAfter("1e20") == .seconds(1_000_000_000))
    #expect(GeminiClient.parseRetryAfter("9223372036854775807") == .seconds(1_000_000_000))
    #expect(GeminiClient.parseRetryAfter("99999999999999999999999999") == .seconds(1_000_000_000))
    #expect(GeminiClient.parseRetryAfter("inf") == nil && GeminiClient.parseRetryAfter("nan") == nil)
  }
}
