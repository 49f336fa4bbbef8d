import Foundation
import GeminiAPI
import GeminiCatalog
import Testing

@testable import GemBatchCore

/// What ran is what is priced and stored: the served model, the tier the response names, the day
/// of the attempt; and all of the answer is kept.
@Suite struct CatalogOutcomeTests {
  static let dec1 = 1_796_083_200.0  // 2026-12-01 00:00 UTC
  let interpreter: OutcomeInterpreter

  init() throws {
    interpreter = OutcomeInterpreter(
      policy: RetryPolicy(maxAttempts: 3), price: Pricing(catalog: try ModelCatalog.bundled()).priceFunction)
  }

  func job(_ model: String, tier: String? = nil) -> DispatchJob {
    DispatchJob(
      id: "j", seq: 0, model: model, body: Data("{}".utf8), requestHash: "h", estimatedInputTokens: 10,
      isJSONMode: false,
      outputSchema: nil, attempts: 1, serviceTier: tier)
  }

  func exchange(_ json: String, tier: String? = nil) throws -> Exchange {
    let data = Data(json.utf8)
    let r = try JSONDecoder().decode(GenerateContentResponse.self, from: data)
    return Exchange(httpStatus: 200, rawBody: data, result: .success(r), latency: .milliseconds(10), serviceTier: tier)
  }

  func result(_ model: String, _ json: String, header: String? = nil, at now: Double = dec1, tier: String? = nil) throws
    -> ResultRecord
  {
    let (f, _) = interpreter.interpret(
      job: job(model, tier: tier), attemptId: 1, attemptNo: 1, runId: 1, exchange: try exchange(json, tier: header),
      random: 0.5,
      now: now)
    return try #require(f.result)
  }

  static func answer(
    model: String, usage: String = #"{"promptTokenCount":1000,"candidatesTokenCount":1000,"totalTokenCount":2000}"#
  ) -> String {
    #"{"candidates":[{"content":{"role":"model","parts":[{"text":"ok"}]},"finishReason":"STOP"}],"usageMetadata":\#(usage),"modelVersion":"\#(model)"}"#
  }

  @Test func aRoutedAnswerIsPricedAndStoredAsTheModelThatRan() throws {
    // Asked for 2.5 Pro, answered by 3.8 Flash: 1,000×0.75 + 1,000×3.75 = 4,500 /1M.
    let r = try result("gemini-2.5-pro", Self.answer(model: "gemini-3.8-flash"))
    #expect(r.modelVersion == "gemini-3.8-flash" && r.servedModel == "gemini-3.8-flash")
    #expect(r.costUSD == 0.0045 && r.priceVersion == "2026-12-01.1")
    #expect(r.serviceTier == "standard")
  }

  @Test func theTierThatRanSetsThePrice() throws {
    // Flex confirmed by the header: 4,500 /1M × 0.5 = 2,250 /1M.
    let flex = try result("gemini-3.8-flash", Self.answer(model: "gemini-3.8-flash"), header: "flex", tier: "flex")
    #expect(flex.serviceTier == "flex" && flex.costUSD == 0.00225)
    // Priority asked, downgraded to standard by the server: standard price, 4,500 /1M.
    let down = try result(
      "gemini-3.8-flash", Self.answer(model: "gemini-3.8-flash"), header: "standard", tier: "priority")
    #expect(down.serviceTier == "standard" && down.costUSD == 0.0045)
    // Priority confirmed: ×1.8 = 8,100 /1M.
    let priority = try result(
      "gemini-3.8-flash", Self.answer(model: "gemini-3.8-flash"), header: "priority", tier: "priority")
    #expect(priority.costUSD == 0.0081)
    // The usage's serviceTier when the header is missing (a proxy that drops it).
    let viaUsage = try result(
      "gemini-3.8-flash",
      Self.answer(
        model: "gemini-3.8-flash", usage: #"{"promptTokenCount":1000,"candidatesTokenCount":1000,"serviceTier":"flex"}"#
      ))
    #expect(viaUsage.serviceTier == "flex" && viaUsage.costUSD == 0.00225)
  }

  @Test func theDayOfTheAttemptChoosesThePriceRow() throws {
    let jan2 = Self.dec1 + 32 * 86_400  // 2027-01-02: after 3.8 Flash's promotion
    // 1,000×1.50 + 1,000×7.50 = 9,000 /1M.
    #expect(try result("gemini-3.8-flash", Self.answer(model: "gemini-3.8-flash"), at: jan2).costUSD == 0.009)
    #expect(try result("gemini-3.8-flash", Self.answer(model: "gemini-3.8-flash")).costUSD == 0.0045)
  }

  @Test func unknownModelsAreUnpricedNotFree() throws {
    let r = try result("gemini-9-ultra", Self.answer(model: "gemini-9-ultra"))
    #expect(r.costUSD == nil && r.priceVersion == nil && r.servedModel == nil)
  }

  @Test func aShedFlexRequestIsRetriedAsItsOwnClass() throws {
    let body = Data(#"{"error":{"code":503,"message":"The flex tier has no capacity","status":"UNAVAILABLE"}}"#.utf8)
    let ex = Exchange(
      httpStatus: 503, rawBody: body, result: .failure(.fromHTTP(status: 503, body: body)), latency: .milliseconds(5))
    let policy = RetryPolicy(maxAttempts: 2)
    let i = OutcomeInterpreter(policy: policy)
    // The attempt that would have exhausted a standard request's budget: a flex one goes on.
    let (f, s) = i.interpret(
      job: job("gemini-3.8-flash", tier: "flex"), attemptId: 1, attemptNo: 2, runId: 1, exchange: ex, random: 1, now: 0)
    #expect(f.errorClass == "shed" && f.jobState == .waiting)
    guard case .retry(let after) = s.kind else {
      Issue.record("a shed request is retried")
      return
    }
    #expect(after == .seconds(10))  // 5 s × 2^(2−1), the shed backoff, full draw
    #expect(!s.rateLimited)
    // The same 503 for a standard request is transient, and its attempts are used up.
    let (g, _) = i.interpret(
      job: job("gemini-3.8-flash"), attemptId: 1, attemptNo: 2, runId: 1, exchange: ex, random: 1, now: 0)
    #expect(g.errorClass == "transient" && g.failureClass == "attempts_exhausted")
    // A run's --tier flex counts as the request's tier.
    var runFlex = i
    runFlex.defaultTier = "flex"
    #expect(
      runFlex.interpret(
        job: job("gemini-3.8-flash"), attemptId: 1, attemptNo: 2, runId: 1, exchange: ex, random: 1, now: 0
      ).0.errorClass == "shed")
    // After maxShedAttempts, it fails as flex_shed.
    #expect(
      policy.decide(.shed(suggestedDelay: nil), attempt: policy.maxShedAttempts, random: 0.5)
        == .fail(failureClass: "flex_shed"))
  }

  @Test func everyPartOfTheAnswerIsKept() throws {
    let png = Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3, 4, 5, 6]).base64EncodedString()
    let json = """
      {"candidates":[
        {"index":0,"content":{"role":"model","parts":[{"text":"Here."},{"inlineData":{"mimeType":"image/png","data":"\(png)"}},
          {"functionCall":{"name":"f","args":{"a":1}},"thoughtSignature":"c2ln"}]},"finishReason":"STOP",
         "safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"LOW"}],
         "citationMetadata":{"citationSources":[{"startIndex":0,"endIndex":5,"uri":"https://example.com/x","license":""}]},
         "groundingMetadata":{"groundingChunks":[{"web":{"uri":"https://w","title":"w"}},{"maps":{"uri":"https://maps.google.com/?cid=1","title":"Café","placeId":"places/ChIJx"}}],
           "groundingSupports":[{"segment":{"startIndex":0,"endIndex":5,"text":"Here."},"groundingChunkIndices":[1],"confidenceScores":[0.9]}]}},
        {"index":1,"content":{"role":"model","parts":[{"text":"Second."}]},"finishReason":"MAX_TOKENS"}],
       "usageMetadata":{"promptTokenCount":20,"candidatesTokenCount":1300,"candidatesTokensDetails":[{"modality":"IMAGE","tokenCount":1290},{"modality":"TEXT","tokenCount":10}]},
       "modelVersion":"gemini-2.5-flash-image"}
      """
    let r = try result("gemini-2.5-flash-image", json)
    let media = try #require(r.mediaJSON.flatMap { try? JSONValue.parse($0).arrayValue })
    #expect(
      media.count == 1 && media[0]["part"]?.intValue == 1 && media[0]["mimeType"] == "image/png"
        && media[0]["bytes"]?.intValue == 10)
    #expect(r.mapsSourcesJSON?.contains("places/ChIJx") == true)
    #expect(r.groundingSourcesJSON?.contains("https://w") == true)
    #expect(r.groundingSupportsJSON?.contains("\"chunks\":[1]") == true)
    #expect(r.citationsJSON?.contains("https://example.com/x") == true)
    #expect(r.safetyRatingsJSON?.contains("HARM_CATEGORY_HARASSMENT") == true && r.blockCategory == nil)
    let candidates = try #require(r.candidatesJSON.flatMap { try? JSONValue.parse($0).arrayValue })
    #expect(candidates.map { $0["text"]?.stringValue } == ["Here.", "Second."])
    #expect(r.functionCallsJSON?.contains("\"thoughtSignature\":\"c2ln\"") == true)
    // Priced at the image rate: 20×0.30 + 10×2.50 + 1,290×30 = 38,731 /1M, and one Maps-grounded prompt (n/v) — but
    // 2.5 Flash Image has no Maps price: the result is unpriced rather than under-priced.
    #expect(r.costUSD == nil)
    let plain = try result(
      "gemini-2.5-flash-image",
      json.replacingOccurrences(
        of: #",{"maps":{"uri":"https://maps.google.com/?cid=1","title":"Café","placeId":"places/ChIJx"}}"#, with: ""))
    #expect(plain.costUSD == 0.038731)
  }

  @Test func theBlockingCategoryIsNamed() throws {
    let blocked = try result(
      "gemini-3.8-flash",
      #"{"candidates":[{"content":{},"finishReason":"SAFETY","safetyRatings":[{"category":"HARM_CATEGORY_HATE_SPEECH","probability":"NEGLIGIBLE"},{"category":"HARM_CATEGORY_HARASSMENT","probability":"MEDIUM","blocked":true}]}],"usageMetadata":{"promptTokenCount":5},"modelVersion":"gemini-3.8-flash"}"#
    )
    #expect(blocked.blockCategory == "HARM_CATEGORY_HARASSMENT")
    let prompt = try result(
      "gemini-3.8-flash",
      #"{"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[{"category":"HARM_CATEGORY_SEXUALLY_EXPLICIT","probability":"NEGLIGIBLE"},{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","probability":"HIGH"}]},"usageMetadata":{"promptTokenCount":5},"modelVersion":"gemini-3.8-flash"}"#
    )
    #expect(prompt.blockCategory == "HARM_CATEGORY_DANGEROUS_CONTENT")
    #expect(prompt.safetyRatingsJSON?.contains("\"prompt\"") == true)
  }

  @Test func tieredTransportAddsTheTierOnlyWhereNoneIsNamed() {
    let plain = Data(#"{"contents":[]}"#.utf8)
    #expect(
      String(decoding: TieredTransport.withTier(plain, "flex"), as: UTF8.self)
        == #"{"contents":[],"serviceTier":"flex"}"#)
    let named = Data(#"{"contents":[],"serviceTier":"standard"}"#.utf8)
    #expect(TieredTransport.withTier(named, "flex") == named)
    #expect(
      String(decoding: TieredTransport.withTier(Data("{}".utf8), "flex"), as: UTF8.self) == #"{"serviceTier":"flex"}"#)
    #expect(DispatchJob.serviceTier(body: named) == "standard" && DispatchJob.serviceTier(body: plain) == nil)
  }
}
