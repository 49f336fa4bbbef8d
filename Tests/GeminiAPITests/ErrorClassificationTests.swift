import Foundation
import Testing

@testable import GeminiAPI

struct ErrorClassificationTests {
  func envelope(_ code: Int, _ status: String, details: String = "") -> Data {
    let d = details.isEmpty ? "" : ",\"details\":[\(details)]"
    return Data("{\"error\":{\"code\":\(code),\"message\":\"m\",\"status\":\"\(status)\"\(d)}}".utf8)
  }

  @Test func rateLimitedWithRetryInfo() {
    let e = GeminiError.fromHTTP(
      status: 429,
      body: envelope(429, "RESOURCE_EXHAUSTED", details: #"{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}"#))
    #expect(e.errorClass == .rateLimited(suggestedDelay: .milliseconds(1500), daily: false, quotaId: nil))
    #expect(e.errorClass.isRetryable && e.errorClass.name == "rate_limited")
  }

  @Test func perDayQuotaIsDaily() {
    let q = #"{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"m","quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]}"#
    let e = GeminiError.fromHTTP(status: 429, body: envelope(429, "RESOURCE_EXHAUSTED", details: q))
    guard case .rateLimited(_, let daily, let id) = e.errorClass else {
      Issue.record("not rate limited: \(e.errorClass)")
      return
    }
    #expect(daily && id == "GenerateRequestsPerDayPerProjectPerModel-FreeTier")
    #expect(!e.errorClass.isRetryable && e.errorClass.name == "rate_limited_daily")
    #expect(e.body?.quotaViolations.first?.quotaClass == .requestsPerDay)
  }

  @Test(arguments: [
    ("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", QuotaClass.requestsPerMinute),
    ("GenerateContentInputTokensPerModelPerMinute-FreeTier", .tokensPerMinute),
    ("GenerateContentPaidTierInputTokensPerModelPerMinute", .tokensPerMinute),
    ("GenerateRequestsPerDayPerProjectPerModel-FreeTier", .requestsPerDay),
    ("SomethingElse", .unknown),
  ])
  func quotaClasses(id: String, expected: QuotaClass) {
    #expect(QuotaClass(quotaId: id) == expected)
  }

  @Test func resourceExhaustedAs503IsRateLimited() {
    let e = GeminiError.fromHTTP(status: 503, body: envelope(503, "RESOURCE_EXHAUSTED"))
    #expect(e.errorClass == .rateLimited(suggestedDelay: nil, daily: false, quotaId: nil))
  }

  @Test(arguments: [503, 500, 502, 504, 408])
  func transientStatuses(status: Int) {
    let e = GeminiError.fromHTTP(status: status, body: envelope(status, status == 503 ? "UNAVAILABLE" : "INTERNAL"))
    #expect(e.errorClass == .transient(suggestedDelay: nil))
    // Without any body too.
    #expect(GeminiError.fromHTTP(status: status, body: Data()).errorClass.isRetryable)
  }

  @Test(arguments: [400, 401, 403, 404, 409])
  func permanentStatuses(status: Int) {
    let e = GeminiError.fromHTTP(status: status, body: envelope(status, "INVALID_ARGUMENT"))
    #expect(e.errorClass == .permanent && !e.errorClass.isRetryable)
  }

  @Test func htmlFromAProxyKeepsAShortTagFreeExcerpt() {
    let html = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>body{}</style></head><body><h1>Bad Gateway</h1><p>" + String(repeating: "x", count: 5000) + "</p></body></html>"
    let e = GeminiError.fromHTTP(status: 502, body: Data(html.utf8))
    #expect(e.code == .httpStatus && e.httpStatus == 502 && e.body == nil)
    #expect(e.detail == "HTTP 502 with a non-JSON body: 502 Bad Gateway")
    #expect(!e.description.contains("<") && e.description.count < 240)
    #expect(e.errorClass == .transient(suggestedDelay: nil))
    let noTitle = GeminiError.fromHTTP(status: 502, body: Data(("<html><body><p>" + String(repeating: "word ", count: 100) + "</p></body></html>").utf8))
    #expect(!noTitle.detail.contains("<") && noTitle.detail.count <= 200 && noTitle.detail.hasSuffix("…"))
  }

  @Test func retryAfterVersusRetryInfoTheLongerWins() {
    let body = envelope(429, "RESOURCE_EXHAUSTED", details: #"{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"26s"}"#)
    #expect(GeminiError.fromHTTP(status: 429, body: body, retryAfter: .seconds(30)).suggestedDelay == .seconds(30))
    #expect(GeminiError.fromHTTP(status: 429, body: body, retryAfter: .seconds(5)).suggestedDelay == .seconds(26))
    #expect(GeminiError.fromHTTP(status: 503, body: Data(), retryAfter: .seconds(7)).suggestedDelay == .seconds(7))
    #expect(GeminiError.fromHTTP(status: 503, body: Data()).suggestedDelay == nil)
  }

  @Test func durationAndRetryAfterParsing() {
    #expect(RetryInfo.parseDuration("53s") == .seconds(53))
    #expect(RetryInfo.parseDuration("53.016342224s") == .milliseconds(53016))
    #expect(RetryInfo.parseDuration("53") == nil && RetryInfo.parseDuration("-1s") == nil && RetryInfo.parseDuration("xs") == nil)
    #expect(GeminiClient.parseRetryAfter("120") == .seconds(120))
    #expect(GeminiClient.parseRetryAfter(" 2.5 ") == .milliseconds(2500))
    #expect(GeminiClient.parseRetryAfter("-3") == nil)
    #expect(GeminiClient.parseRetryAfter("soon") == nil)
    #expect(GeminiClient.parseRetryAfter("1e300") == .seconds(1_000_000_000))
    #expect(GeminiClient.parseRetryAfter(String(Int64.max)) == .seconds(1_000_000_000))
  }

  @Test func retryAfterAsAnHTTPDate() {
    // Measured from the response's Date header when there is one: the local clock does not matter.
    let farAway = Date(timeIntervalSince1970: 0)
    #expect(
      GeminiClient.parseRetryAfter(
        "Wed, 21 Oct 2015 07:28:00 GMT", responseDate: "Wed, 21 Oct 2015 07:27:30 GMT", now: farAway) == .seconds(30))
    // Without one, from now.
    let now = Date(timeIntervalSince1970: 1_445_412_450)  // 2015-10-21 07:27:30 UTC
    #expect(GeminiClient.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == .seconds(30))
    // An invalid Date header is ignored.
    #expect(GeminiClient.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", responseDate: "yesterday", now: now) == .seconds(30))
    // The obsolete forms.
    #expect(GeminiClient.parseRetryAfter("Wednesday, 21-Oct-15 07:28:00 GMT", now: now) == .seconds(30))
    #expect(GeminiClient.parseRetryAfter("Wed Oct 21 07:28:00 2015", now: now) == .seconds(30))
    // Already past: no wait.
    #expect(GeminiClient.parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now: now) == .zero)
  }

  @Test func httpDatesAreReadExactlyAndBadOnesRefused() {
    #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == Date(timeIntervalSince1970: 784_111_777))
    #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT", now: Date(timeIntervalSince1970: 1_800_000_000)) == Date(timeIntervalSince1970: 784_111_777))
    #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == Date(timeIntervalSince1970: 784_111_777))
    #expect(HTTPDate.parse("Thu, 29 Feb 2024 23:59:59 GMT") == Date(timeIntervalSince1970: 1_709_251_199))
    #expect(HTTPDate.parse("Thu, 01 Jan 1970 00:00:00 GMT") == Date(timeIntervalSince1970: 0))
    for bad in [
      "", "GMT", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 31 Nov 1994 08:49:37 GMT",
      "Mon, 29 Feb 2100 00:00:00 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
      "Sun, 06 Nov 1994 8:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT",
    ] {
      #expect(HTTPDate.parse(bad) == nil, "\(bad)")
    }
  }

  @Test func transportErrorsAreClassified() {
    #expect(GeminiError(code: .timeout, detail: "t").errorClass == .transient(suggestedDelay: nil))
    #expect(GeminiError(code: .truncated, detail: "t").errorClass.isRetryable)
    #expect(GeminiError(code: .malformedBody, detail: "t").errorClass.isRetryable)
    #expect(GeminiError(code: .invalidRequest, detail: "t").errorClass == .permanent)
  }

  @Test func malformed200Bodies() {
    let d = JSONDecoder()
    #expect(GeminiClient.decodeResponse(Data("<html>hi</html>".utf8), status: 200, decoder: d).failure?.code == .malformedBody)
    #expect(GeminiClient.decodeResponse(Data("[1,2]".utf8), status: 200, decoder: d).failure?.code == .malformedBody)
    #expect(GeminiClient.decodeResponse(Data(), status: 200, decoder: d).failure?.code == .malformedBody)
    #expect(GeminiClient.decodeResponse(Data("{\"candidates\":5}".utf8), status: 200, decoder: d).failure?.code == .malformedBody)
    #expect(GeminiClient.decodeResponse(Data("{\"candidates\":[]}".utf8), status: 200, decoder: d).success != nil)
  }
}

struct SHA256Tests {
  @Test func knownVectors() {
    #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test func incrementalEqualsOneShot() {
    let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    var h = SHA256()
    h.update(bytes[..<63])
    h.update(bytes[63..<64])
    h.update(bytes[64...])
    #expect(h.finalize().map { String(format: "%02x", $0) }.joined() == SHA256.hex(bytes))
  }
}

/// A flex request the server sheds is its own class: retried with its own backoff, not a failure.
struct ShedClassificationTests {
  func error(_ status: Int, _ body: String) -> GeminiError { .fromHTTP(status: status, body: Data(body.utf8)) }

  @Test func flexSheddingIsItsOwnClass() {
    let unavailable = error(503, #"{"error":{"code":503,"message":"no capacity","status":"UNAVAILABLE"}}"#)
    #expect(unavailable.errorClass(requestTier: "flex") == .shed(suggestedDelay: nil))
    #expect(unavailable.errorClass(requestTier: "FLEX").name == "shed")
    #expect(unavailable.errorClass(requestTier: "standard") == .transient(suggestedDelay: nil))
    #expect(unavailable.errorClass(requestTier: nil) == .transient(suggestedDelay: nil))
    // A 429 with no quota named is capacity; one that names a quota stays a rate limit.
    let bare429 = error(429, #"{"error":{"code":429,"message":"busy","status":"RESOURCE_EXHAUSTED"}}"#)
    #expect(bare429.errorClass(requestTier: "flex").name == "shed")
    let quota429 = error(
      429,
      #"{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":"GenerateRequestsPerMinutePerProjectPerModel"}]}]}}"#)
    #expect(quota429.errorClass(requestTier: "flex").name == "rate_limited")
    #expect(error(400, #"{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}"#).errorClass(requestTier: "flex") == .permanent)
    #expect(ErrorClass.shed(suggestedDelay: nil).isRetryable)
  }
}
