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

  /// Thrown from the head or a body part to stop reading (see `cut`): AHC fails the request with it.
  struct BodyCut: Error {}

  /// Why reading stopped before the end of the body.
  enum Cut: Sendable, Equatable {
    /// A failed answer's prefix is kept; the rest is not read.
    case failedPrefix
    /// A successful body longer than the limit (announced or sent).
    case tooLarge
    /// The bodies being read together reached the client's memory budget.
    case budget
  }

  private let clock = ContinuousClock()
  let start: ContinuousClock.Instant
  private(set) var reader: BodyReader
  private let streamed: Bool
  let limits: GeminiClient.BodyLimits
  private let budget: GeminiClient.BodyBudget
  /// Bytes of `budget` this body holds (given back by `releaseBudget`).
  private var held = 0
  private(set) var status: Int?
  private(set) var retryAfter: Duration?
  private(set) var contentLength: Int?
  /// Body bytes that arrived, kept or not.
  private(set) var received = 0
  /// `x-gemini-service-tier`, when sent.
  private(set) var serviceTier: String?
  private(set) var ttfb: Duration?
  /// When the last byte arrived (set when the request completes).
  private(set) var end: ContinuousClock.Instant?
  private(set) var cut: Cut?

  init(stream: GeminiClient.StreamOptions?, decoder: JSONDecoder, limits: GeminiClient.BodyLimits, budget: GeminiClient.BodyBudget) {
    start = clock.now
    reader = BodyReader(stream: stream, decoder: decoder)
    streamed = stream != nil
    self.limits = limits
    self.budget = budget
  }

  var isSuccess: Bool { status.map { (200..<300).contains($0) } ?? false }

  /// The body's full length when only part of it was kept: the content-length when the server
  /// gave one, else what arrived before reading stopped.
  var fullLength: Int? {
    guard cut != nil else { return nil }
    return max(contentLength ?? 0, received)
  }

  func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
    let code = Int(head.status.code)
    status = code
    retryAfter = head.headers.first(name: "retry-after").flatMap {
      GeminiClient.parseRetryAfter($0, responseDate: head.headers.first(name: "date"))
    }
    contentLength = head.headers.first(name: "content-length").flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }
    // A server's header: kept short, it only names a tier.
    serviceTier = head.headers.first(name: "x-gemini-service-tier").map { String($0.prefix(32)) }
    // Without a stream, the first byte of interest is the head.
    if !streamed || !isSuccess { ttfb = clock.now - start }
    if isSuccess, let contentLength, contentLength > limits.maxBodyBytes {
      // Announced too long: not one byte of it is read.
      cut = .tooLarge
      return task.eventLoop.makeFailedFuture(BodyCut())
    }
    let keep = isSuccess ? limits.maxBodyBytes : limits.failedBodyPrefix
    reader.begin(streamingSSE: streamed && isSuccess, contentLength: contentLength.map { min($0, keep) })
    return task.eventLoop.makeSucceededVoidFuture()
  }

  func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
    let n = buffer.readableBytes
    received += n
    if !isSuccess {
      // A failed answer: its first bytes say what went wrong; the rest is not worth holding.
      let room = limits.failedBodyPrefix - reader.byteCount
      if room > 0 {
        let part = min(room, n)
        guard take(part) else { return stop(.budget, task) }
        _ = reader.consume(buffer.getSlice(at: buffer.readerIndex, length: part) ?? buffer)
      }
      if received > limits.failedBodyPrefix { return stop(.failedPrefix, task) }
      return task.eventLoop.makeSucceededVoidFuture()
    }
    if received > limits.maxBodyBytes { return stop(.tooLarge, task) }
    guard take(n) else { return stop(.budget, task) }
    if reader.consume(buffer), ttfb == nil { ttfb = clock.now - start }
    return task.eventLoop.makeSucceededVoidFuture()
  }

  private func take(_ n: Int) -> Bool {
    guard budget.take(n) else { return false }
    held += n
    return true
  }

  private func stop(_ why: Cut, _ task: HTTPClient.Task<Void>) -> EventLoopFuture<Void> {
    cut = why
    return task.eventLoop.makeFailedFuture(BodyCut())
  }

  /// Once the exchange is built: drops the body (AHC may keep this delegate alive for a while
  /// after the request, and a body it held would then outlive its share of the budget) and gives
  /// that share back.
  func release() {
    reader.discardBody()
    budget.give(held)
    held = 0
  }

  func didFinishRequest(task: HTTPClient.Task<Void>) throws {
    if reader.finish(), ttfb == nil { ttfb = clock.now - start }
    end = clock.now
  }

  /// From the start to the last byte (or to now, for a request that failed).
  var latency: Duration { (end ?? clock.now) - start }
}
