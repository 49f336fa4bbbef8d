import Foundation

/// Everything one HTTP attempt produced: what the store records and the scheduler decides on.
/// Failures are values here, not thrown errors, because a failed attempt still has bytes,
/// timings and a status worth keeping.
public struct Exchange: Sendable {
  /// HTTP status, nil when no answer arrived (connect error, timeout before headers).
  public var httpStatus: Int?
  /// The raw body bytes, or for a stream the raw SSE transcript as received (possibly partial).
  /// A failed or oversized body is cut to a prefix: see `bodyBytes`. The key is redacted.
  public var rawBody: Data
  /// The body's full length (as far as it is known: the content-length, else the bytes that
  /// arrived before reading stopped) when `rawBody` holds only a prefix; nil when it is whole.
  public var bodyBytes: Int?
  /// The decoded (for streams: assembled) response, or why there is none.
  public var result: Result<GenerateContentResponse, GeminiError>
  /// `Retry-After` in seconds, when the server sent it.
  public var retryAfter: Duration?
  /// From just before sending to the end of the body.
  public var latency: Duration
  /// From just before sending to the response head (non-stream) or the first SSE event (stream).
  public var timeToFirstByte: Duration?
  public var streamed: Bool
  /// Number of SSE events received (0 for non-stream).
  public var eventCount: Int
  /// The `x-gemini-service-tier` response header: the tier that actually ran (flex, standard,
  /// priority; a priority request past its limit says standard).
  public var serviceTier: String?

  public init(
    httpStatus: Int?, rawBody: Data, result: Result<GenerateContentResponse, GeminiError>, retryAfter: Duration? = nil,
    latency: Duration, timeToFirstByte: Duration? = nil, streamed: Bool = false, eventCount: Int = 0,
    bodyBytes: Int? = nil,
    serviceTier: String? = nil
  ) {
    self.httpStatus = httpStatus
    self.rawBody = rawBody
    self.bodyBytes = bodyBytes
    self.result = result
    self.retryAfter = retryAfter
    self.latency = latency
    self.timeToFirstByte = timeToFirstByte
    self.streamed = streamed
    self.eventCount = eventCount
    self.serviceTier = serviceTier
  }

  public var response: GenerateContentResponse? { try? result.get() }
  public var error: GeminiError? {
    if case .failure(let e) = result { return e }
    return nil
  }
}
