import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The small JSON calls of the Files and Batch APIs (get, list, create, cancel, delete, upload
/// chunks): one request, the whole (bounded) body back, errors as `GeminiError` with the API's
/// message. The key goes only into the auth header, and only to the endpoint's own host.
struct APIRequester: Sendable {
  let httpClient: HTTPClient
  let endpoint: Endpoint
  let timeout: Duration
  let logger: Logger

  struct Reply: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: Data
  }

  /// Largest JSON body read back (a batch list page, an operation).
  static let maxBodyBytes = 16 << 20

  func authHeaders() -> HTTPHeaders {
    var h = HTTPHeaders()
    if let key = endpoint.apiKey {
      switch endpoint.auth {
      case .googApiKey: h.add(name: "x-goog-api-key", value: key)
      case .bearer: h.add(name: "authorization", value: "Bearer \(key)")
      }
    }
    return h
  }

  /// `{base}/{version}/{path}`.
  func url(_ path: String, query: String? = nil) -> String {
    var u = "\(endpoint.baseURL)/\(endpoint.apiVersion)/\(path)"
    if let query, !query.isEmpty { u += "?" + query }
    return u
  }

  /// Sends one request; a non-2xx answer throws the API's error. `onSent` runs once the request
  /// is fully written (before any reply is read).
  func send(
    _ method: HTTPMethod, _ url: String, headers extra: HTTPHeaders = [:], body: Data? = nil,
    contentType: String? = "application/json", onSent: (@Sendable () -> Void)? = nil
  ) async throws -> Reply {
    let reply = try await exchange(method, url, headers: extra, body: body, contentType: contentType, onSent: onSent)
    guard (200..<300).contains(reply.status) else {
      throw GeminiError.fromHTTP(
        status: reply.status, body: reply.body,
        retryAfter: reply.headers.first(name: "retry-after").flatMap {
          GeminiClient.parseRetryAfter($0, responseDate: reply.headers.first(name: "date"))
        })
    }
    return reply
  }

  /// Sends one request and returns whatever status came back; transport failures throw.
  func exchange(
    _ method: HTTPMethod, _ url: String, headers extra: HTTPHeaders = [:], body: Data? = nil,
    contentType: String? = "application/json", onSent: (@Sendable () -> Void)? = nil
  ) async throws -> Reply {
    var headers = authHeaders()
    if let contentType, body != nil { headers.add(name: "content-type", value: contentType) }
    headers.add(contentsOf: extra)
    let request: HTTPClient.Request
    do {
      request = try HTTPClient.Request(url: url, method: method, headers: headers, body: body.map { .data($0) })
    } catch {
      throw GeminiError(code: .invalidRequest, detail: "the endpoint URL is not valid")
    }
    let delegate = ReplyCollector(onSent: onSent, limit: Self.maxBodyBytes)
    let task = httpClient.execute(
      request: request, delegate: delegate, deadline: .now() + GeminiClient.timeAmount(timeout), logger: logger)
    do {
      return try await withTaskCancellationHandler {
        try await task.futureResult.get()
      } onCancel: {
        task.cancel()
      }
    } catch {
      if Task.isCancelled { throw GeminiError(code: .cancelled, detail: "the request was cancelled") }
      if delegate.tooLarge {
        throw GeminiError(code: .malformedBody, httpStatus: delegate.status, detail: "body larger than 16 MiB")
      }
      throw GeminiClient.transportError(error, status: delegate.status, headReceived: delegate.status != nil)
    }
  }

  /// Parses a 2xx body as JSON.
  func json(_ reply: Reply, what: String) throws -> JSONValue {
    if reply.body.isEmpty { return .object(JSONObject()) }
    guard let v = try? JSONValue.parse(reply.body) else {
      throw GeminiError(
        code: .malformedBody, httpStatus: reply.status,
        detail: "\(what): HTTP \(reply.status) with a body that is not JSON: \(GeminiError.excerpt(reply.body, limit: 80))")
    }
    return v
  }

  /// The same URL with the endpoint's scheme, host and port: the API key never goes to a host
  /// other than the endpoint's, and a proxy or the mock gets the upload too (as the SDK does).
  func onEndpointHost(_ url: String) -> String? {
    guard var target = URLComponents(string: url), let base = URLComponents(string: endpoint.baseURL) else { return nil }
    target.scheme = base.scheme
    target.host = base.host
    target.port = base.port
    if !base.path.isEmpty, base.path != "/", !target.path.hasPrefix(base.path) {
      target.path = base.path + target.path
    }
    return target.string
  }
}

/// Collects one small reply on the request's event loop (AHC calls a delegate one call at a
/// time there; the awaiting task reads the result only after the task's future completed, hence
/// `@unchecked Sendable`).
final class ReplyCollector: HTTPClientResponseDelegate, @unchecked Sendable {
  typealias Response = APIRequester.Reply
  struct TooLarge: Error {}

  let onSent: (@Sendable () -> Void)?
  let limit: Int
  private(set) var status: Int?
  private var headers = HTTPHeaders()
  private var body = Data()
  private(set) var tooLarge = false

  init(onSent: (@Sendable () -> Void)?, limit: Int) {
    self.onSent = onSent
    self.limit = limit
  }

  func didSendRequest(task: HTTPClient.Task<Response>) { onSent?() }

  func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
    status = Int(head.status.code)
    headers = head.headers
    return task.eventLoop.makeSucceededVoidFuture()
  }

  func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
    buffer.withUnsafeReadableBytes { body.append($0.bindMemory(to: UInt8.self)) }
    if body.count > limit {
      tooLarge = true
      return task.eventLoop.makeFailedFuture(TooLarge())
    }
    return task.eventLoop.makeSucceededVoidFuture()
  }

  func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
    guard let status else { throw GeminiError(code: .connectionLost, detail: "the request ended without a response") }
    return APIRequester.Reply(status: status, headers: headers, body: body)
  }
}
