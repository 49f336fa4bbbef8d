import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Receives one response through AHC's delegate API, on the request's event loop: the head, then
/// each body part straight into a `BodyReader` (which also parses an SSE stream as it arrives).
///
/// Why not `HTTPClientResponse.body` (the async sequence): every part read that way is another
/// hop from the event loop to the task, and the async `execute` adds a child span, a URL parse
/// and a second timer per request. Against the mock this path costs less CPU per request.
///
/// Safety (`@unchecked Sendable`): AHC calls the delegate only on the task's event loop, one
/// call at a time; the awaiting task reads the fields only after the task's future completed,
/// and that completion happens after the last delegate call.
final class ResponseCollector: HTTPClientResponseDelegate, @unchecked Sendable {
  typealias Response = Void

  /// Thrown from a body part past `GeminiClient.maxBodyBytes`: AHC fails the request with it.
  struct BodyTooLarge: Error {}

  private let clock = ContinuousClock()
  let start: ContinuousClock.Instant
  private(set) var reader: BodyReader
  private let streamed: Bool
  private(set) var status: Int?
  private(set) var retryAfter: Duration?
  private(set) var contentLength: Int?
  /// `x-gemini-service-tier`, when sent.
  private(set) var serviceTier: String?
  private(set) var ttfb: Duration?
  /// When the last byte arrived (set when the request completes).
  private(set) var end: ContinuousClock.Instant?
  private(set) var tooLarge = false

  init(stream: GeminiClient.StreamOptions?, decoder: JSONDecoder) {
    start = clock.now
    reader = BodyReader(stream: stream, decoder: decoder)
    streamed = stream != nil
  }

  var isSuccess: Bool { status.map { (200..<300).contains($0) } ?? false }

  func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
    let code = Int(head.status.code)
    status = code
    retryAfter = head.headers.first(name: "retry-after").flatMap {
      GeminiClient.parseRetryAfter($0, responseDate: head.headers.first(name: "date"))
    }
    contentLength = head.headers.first(name: "content-length").flatMap { Int($0) }
    serviceTier = head.headers.first(name: "x-gemini-service-tier")
    reader.begin(streamingSSE: streamed && isSuccess, contentLength: contentLength)
    // Without a stream, the first byte of interest is the head.
    if !streamed || !isSuccess { ttfb = clock.now - start }
    return task.eventLoop.makeSucceededVoidFuture()
  }

  func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
    if reader.consume(buffer), ttfb == nil { ttfb = clock.now - start }
    if reader.raw.count > GeminiClient.maxBodyBytes {
      tooLarge = true
      return task.eventLoop.makeFailedFuture(BodyTooLarge())
    }
    return task.eventLoop.makeSucceededVoidFuture()
  }

  func didFinishRequest(task: HTTPClient.Task<Void>) throws {
    if reader.finish(), ttfb == nil { ttfb = clock.now - start }
    end = clock.now
  }

  /// From the start to the last byte (or to now, for a request that failed).
  var latency: Duration { (end ?? clock.now) - start }
}
