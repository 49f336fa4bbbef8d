import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Sends requests to the Gemini native API (Google, CometAPI, the mock) and returns every outcome
/// as an `Exchange`: these methods never throw. The API key goes only into a header.
public struct GeminiClient: Sendable {
  /// How long to wait. `read` is the idle time allowed between bytes; `total` bounds one request
  /// from sending to the end of its body (stream included).
  public struct Timeouts: Sendable, Hashable {
    public var connect: Duration
    public var read: Duration
    public var total: Duration

    public init(connect: Duration = .seconds(10), read: Duration = .seconds(120), total: Duration = .seconds(600)) {
      self.connect = connect
      self.read = read
      self.total = total
    }
  }

  public let httpClient: HTTPClient
  public let endpoint: Endpoint
  public let timeouts: Timeouts
  public let logger: Logger
  /// Built once per URL: content type and auth headers, the parsed URL.
  private let templates: RequestTemplates
  /// Takes the key out of everything a server sends back (bodies, error texts) before an
  /// `Exchange` leaves the client.
  public let redactor: Redactor
  /// Set when the key cannot go in a header: every request then fails at once, unsent.
  private let keyProblem: String?
  /// How much of each body is read and kept (see `BodyLimits`).
  public let bodyLimits: BodyLimits
  /// Shared by every request of this client (and its copies).
  let bodyBudget: BodyBudget

  /// Uses a client you own. Its configuration decides the connect and read timeouts (build it with
  /// `httpClientConfiguration(timeouts:maxConnections:)` to match `timeouts`); `timeouts.total`
  /// is enforced here for every request.
  public init(
    httpClient: HTTPClient, endpoint: Endpoint, timeouts: Timeouts = .init(), bodyLimits: BodyLimits = .init(),
    logger: Logger = Logger(label: "gembatch.gemini-client")
  ) {
    self.httpClient = httpClient
    self.endpoint = endpoint
    self.timeouts = timeouts
    self.logger = logger
    self.bodyLimits = bodyLimits
    self.bodyBudget = BodyBudget(limit: bodyLimits.bufferBudget)
    var h = HTTPHeaders()
    h.add(name: "content-type", value: "application/json")
    h.add(name: "accept", value: "application/json, text/event-stream")
    self.redactor = Redactor(secret: endpoint.apiKey)
    self.keyProblem = endpoint.apiKey.flatMap(Endpoint.keyProblem)
    if let key = endpoint.apiKey, keyProblem == nil {
      switch endpoint.auth {
      case .googApiKey: h.add(name: "x-goog-api-key", value: key)
      case .bearer: h.add(name: "authorization", value: "Bearer \(key)")
      }
    }
    self.templates = RequestTemplates(headers: h)
  }

  /// The `HTTPClient` configuration gembatch uses: the given timeouts, a pool of `maxConnections`
  /// HTTP/1 connections per host, no redirects, no decompression, TLS verification on (the default).
  public static func httpClientConfiguration(timeouts: Timeouts, maxConnections: Int) -> HTTPClient.Configuration {
    var config = HTTPClient.Configuration(
      redirectConfiguration: .disallow,
      timeout: .init(connect: timeAmount(timeouts.connect), read: timeAmount(timeouts.read)),
      connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, maxConnections))
    )
    config.decompression = .disabled
    // No request spans: by default AHC takes the global tracer, a no-op one unless the process
    // bootstraps tracing, and still parses the URL again and fills a span's attributes for every
    // request (about 3% of a run's CPU against the mock). gembatch has no tracing backend.
    config.tracing.tracer = nil
    return config
  }

  /// Runs `body` with a client backed by a fresh `HTTPClient`, and shuts that client down on every
  /// path: normal return, thrown error and cancellation.
  public static func withGeminiClient<T>(
    endpoint: Endpoint, timeouts: Timeouts = .init(), maxConnections: Int = 64, bodyLimits: BodyLimits = .init(),
    logger: Logger = Logger(label: "gembatch.gemini-client"),
    isolation: isolated (any Actor)? = #isolation,
    _ body: (GeminiClient) async throws -> T
  ) async throws -> T {
    let http = HTTPClient(
      eventLoopGroup: HTTPClient.defaultEventLoopGroup,
      configuration: httpClientConfiguration(timeouts: timeouts, maxConnections: maxConnections),
      backgroundActivityLogger: logger)
    let client = GeminiClient(httpClient: http, endpoint: endpoint, timeouts: timeouts, bodyLimits: bodyLimits, logger: logger)
    let result: T
    do {
      result = try await body(client)
    } catch {
      try? await http.shutdown()
      throw error
    }
    try await http.shutdown()
    return result
  }

  // MARK: - generateContent

  /// Posts a pre-encoded request body to `models/{model}:generateContent`.
  public func generateContent(model: String, body: Data) async -> Exchange {
    await perform(url: endpoint.url(model: model, method: "generateContent"), body: body, stream: nil)
  }

  /// Encodes `request`, then calls `generateContent(model:body:)`.
  public func generateContent(model: String, request: GenerateContentRequest) async -> Exchange {
    switch Self.encode(request) {
    case .success(let body): await generateContent(model: model, body: body)
    case .failure(let e): Exchange(httpStatus: nil, rawBody: Data(), result: .failure(e), latency: .zero)
    }
  }

  // MARK: - streamGenerateContent

  /// Posts to `models/{model}:streamGenerateContent?alt=sse`, reads the SSE stream as it arrives and
  /// assembles its events into one response. `rawBody` holds the transcript exactly as received
  /// (also when cut); `onEvent` sees every decoded event in order, called on the connection's
  /// event loop as each event completes (keep it short; never block there).
  public func streamGenerateContent(
    model: String, body: Data, onEvent: (@Sendable (GenerateContentResponse) -> Void)? = nil
  ) async -> Exchange {
    await perform(
      url: endpoint.url(model: model, method: "streamGenerateContent", query: "alt=sse"), body: body,
      stream: StreamOptions(onEvent: onEvent))
  }

  /// The events of a streamed answer as an async sequence; it throws the `GeminiError` of a failed
  /// or cut stream after the events that did arrive. Cancelling the consumer cancels the request.
  public func streamEvents(model: String, request: GenerateContentRequest) -> AsyncThrowingStream<
    GenerateContentResponse, Error
  > {
    AsyncThrowingStream { continuation in
      let task = Task {
        let body: Data
        switch Self.encode(request) {
        case .success(let b): body = b
        case .failure(let e):
          continuation.finish(throwing: e)
          return
        }
        let exchange = await self.streamGenerateContent(model: model, body: body) { continuation.yield($0) }
        if let error = exchange.error { continuation.finish(throwing: error) } else { continuation.finish() }
      }
      continuation.onTermination = { _ in task.cancel() }
    }
  }

  // MARK: - internals

  struct StreamOptions: Sendable {
    var onEvent: (@Sendable (GenerateContentResponse) -> Void)?
  }

  static func encode(_ request: GenerateContentRequest) -> Result<Data, GeminiError> {
    do { return .success(try WireJSON.encode(request)) } catch {
      return .failure(GeminiError(code: .invalidRequest, detail: "the request could not be encoded"))
    }
  }

  /// One exchange through AHC's delegate API (`ResponseCollector`). AHC's deadline covers the
  /// whole exchange there, body and stream included, so `timeouts.total` needs no timer of ours;
  /// cancelling the calling task cancels the request.
  private func perform(url: String, body: Data, stream: StreamOptions?) async -> Exchange {
    let collector = ResponseCollector(stream: stream, decoder: Self.decoder, limits: bodyLimits, budget: bodyBudget)
    defer { collector.release() }
    // Every exchange leaves through here: the key is taken out of the body and the error.
    // `clean`: the body already redacted (a 2xx body is searched once, not twice).
    func exchange(_ result: Result<GenerateContentResponse, GeminiError>, clean: Data? = nil) -> Exchange {
      // A body whose reading stopped keeps its first bytes only (`bodyBytes` says how long it was).
      var raw = clean ?? (collector.cut != nil ? collector.reader.prefix(bodyLimits.failedBodyPrefix) : collector.reader.raw)
      var result = result
      switch result {
      case .failure(let e):
        raw = redactor.redactFailureBody(raw)
        result = .failure(e.redacted(redactor))
      case .success:
        if clean == nil { raw = redactor.redact(raw) }
      }
      return Exchange(
        httpStatus: collector.status, rawBody: raw, result: result, retryAfter: collector.retryAfter,
        latency: collector.latency, timeToFirstByte: collector.ttfb, streamed: stream != nil,
        eventCount: collector.reader.assembler.eventCount, bodyBytes: collector.fullLength,
        serviceTier: collector.serviceTier)
    }
    if let keyProblem {
      return exchange(.failure(GeminiError(code: .invalidRequest, detail: keyProblem)))
    }
    var request: HTTPClient.Request
    do {
      request = try templates.request(url: url)
    } catch {
      return exchange(.failure(Self.transportError(error, status: nil, headReceived: false)))
    }
    request.body = .bytes(body)
    let task = httpClient.execute(
      request: request, delegate: collector, eventLoop: .indifferent,
      deadline: .now() + Self.timeAmount(timeouts.total), logger: logger)
    do {
      try await withTaskCancellationHandler {
        try await task.futureResult.get()
      } onCancel: {
        task.cancel()
      }
    } catch {
      if let cut = collector.cut, let status = collector.status {
        return exchange(.failure(cutError(cut, status: status, collector: collector)))
      }
      if Task.isCancelled {
        return exchange(
          .failure(GeminiError(code: .cancelled, httpStatus: collector.status, detail: "the request was cancelled")))
      }
      if let e = error as? HTTPClientError, e == .deadlineExceeded {
        return exchange(
          .failure(
            GeminiError(
              code: .timeout, httpStatus: collector.status,
              detail: "no complete answer within the total timeout of \(timeouts.total)")))
      }
      let e = Self.transportError(error, status: collector.status, headReceived: collector.status != nil)
      logger.debug("gemini request failed", metadata: ["error": "\(e.code.rawValue)"])
      return exchange(.failure(e))
    }
    // A cancelled exchange can end like a complete one: never trust it.
    if Task.isCancelled {
      return exchange(
        .failure(
          GeminiError(code: .cancelled, httpStatus: collector.status, detail: "cancelled while reading the body")))
    }
    guard let status = collector.status else {
      return exchange(.failure(GeminiError(code: .connectionLost, detail: "the request ended without a response")))
    }
    let raw = collector.reader.raw
    if !collector.isSuccess {
      // Built from the redacted bytes: an excerpt cut in the middle of the key would escape a
      // later redaction of the text.
      return exchange(
        .failure(
          GeminiError.fromHTTP(status: status, body: redactor.redactFailureBody(raw), retryAfter: collector.retryAfter)))
    }
    if let contentLength = collector.contentLength, contentLength != raw.count {
      return exchange(
        .failure(
          GeminiError(
            code: .truncated, httpStatus: status, detail: "body ended after \(raw.count) of \(contentLength) bytes")))
    }
    // An answer that quotes the key is decoded from the redacted bytes, so neither the stored
    // body nor the answer text (nor an excerpt in an error) holds it.
    let echoed = redactor.contains(raw)
    let clean = echoed ? redactor.redact(raw) : raw
    if stream != nil {
      if echoed { return exchange(BodyReader.reassemble(clean, status: status, decoder: collector.reader.decoder), clean: clean) }
      return exchange(collector.reader.streamResult(status: status), clean: clean)
    }
    return exchange(Self.decodeResponse(clean, status: status, decoder: collector.reader.decoder), clean: clean)
  }

  /// The outcome of a body whose reading stopped early; only a prefix of it is kept.
  private func cutError(_ cut: ResponseCollector.Cut, status: Int, collector: ResponseCollector) -> GeminiError {
    let limits = collector.limits
    let length = collector.contentLength.map { "\($0) bytes announced" } ?? "\(collector.received)+ bytes sent"
    switch cut {
    case .failedPrefix:
      // The error as its first bytes tell it (status, envelope when it fits, else an excerpt).
      return GeminiError.fromHTTP(
        status: status, body: redactor.redactFailureBody(collector.reader.prefix(limits.failedBodyPrefix)),
        retryAfter: collector.retryAfter)
    case .tooLarge:
      return GeminiError(
        code: .malformedBody, httpStatus: status,
        detail: "body larger than the \(BodyLimits.mib(limits.maxBodyBytes)) limit (\(length)); see --max-body-mb")
    case .budget:
      return GeminiError(
        code: .malformedBody, httpStatus: status,
        detail:
          "the bodies being read together reached the \(BodyLimits.mib(limits.bufferBudget)) memory budget (this one: \(length)); reading stopped")
    }
  }

  /// Decodes a non-stream 2xx body. A body that is not a response object, or an error envelope
  /// sent with a 2xx status, is a failure.
  static func decodeResponse(_ data: Data, status: Int, decoder: JSONDecoder) -> Result<
    GenerateContentResponse, GeminiError
  > {
    let first = data.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
    if first == UInt8(ascii: "{"),
      let r = FastResponseDecoder.decode(data) ?? (try? decoder.decode(GenerateContentResponse.self, from: data))
    {
      if r.candidates == nil, r.promptFeedback == nil, r.usageMetadata == nil, let env = APIErrorBody.decode(data) {
        return .failure(GeminiError.fromEnvelope(env))
      }
      return .success(r)
    }
    if first == UInt8(ascii: "["), let env = APIErrorBody.decode(data) {
      return .failure(GeminiError.fromEnvelope(env))
    }
    let what = data.isEmpty ? "an empty body" : (first == UInt8(ascii: "{") ? "a JSON object that is not a response" : "not a JSON object")
    return .failure(
      GeminiError(
        code: .malformedBody, httpStatus: status,
        detail: "HTTP \(status) with \(what): \(GeminiError.excerpt(data, limit: 80))"))
  }

  /// Maps AHC / NIO errors to codes. Descriptions are fixed texts: nothing from the request.
  static func transportError(_ error: Error, status: Int?, headReceived: Bool) -> GeminiError {
    func make(_ code: GeminiError.Code, _ detail: String) -> GeminiError {
      GeminiError(code: code, httpStatus: status, detail: detail)
    }
    let lost: (String) -> GeminiError = { what in
      headReceived ? make(.truncated, "the body ended early: \(what)") : make(.connectionLost, what)
    }
    if error is CancellationError { return make(.cancelled, "the request was cancelled") }
    if let e = error as? HTTPClientError {
      switch e {
      // Never sent: `.connect`, so a dead endpoint is told apart from a slow answer.
      case .connectTimeout: return make(.connect, "connect timeout")
      case .tlsHandshakeTimeout: return make(.connect, "TLS handshake timeout")
      case .getConnectionFromPoolTimeout: return make(.timeout, "no connection became free in time")
      case .readTimeout: return make(.timeout, "read timeout: the server sent nothing for too long")
      case .writeTimeout: return make(.timeout, "write timeout")
      case .deadlineExceeded: return make(.timeout, "no answer within the total timeout")
      case .remoteConnectionClosed: return lost("the server closed the connection")
      case .bodyLengthMismatch: return make(.truncated, "the body length does not match content-length")
      case .cancelled: return make(.cancelled, "the request was cancelled")
      case .invalidURL, .emptyHost, .emptyScheme, .missingSocketPath:
        return make(.invalidRequest, "the endpoint URL is not valid")
      case .alreadyShutdown: return make(.invalidRequest, "the HTTP client is already shut down")
      default: return lost("HTTP client error \(e.shortName)")
      }
    }
    if let e = error as? HTTPParserError {
      if case .invalidEOFState = e { return make(.truncated, "the body ended before it was complete") }
      return lost("invalid HTTP from the server")
    }
    if let e = error as? NIOConnectionError {
      if e.dnsAError != nil || e.dnsAAAAError != nil { return make(.connect, "DNS lookup of \(e.host) failed") }
      let refused = e.connectionErrors.contains { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
      return make(.connect, refused ? "connection refused" : "could not connect")
    }
    if let e = error as? ChannelError {
      switch e {
      case .connectTimeout: return make(.connect, "connect timeout")
      case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed:
        return lost("the connection closed")
      default: return lost("channel error")
      }
    }
    if let e = error as? IOError { return ioError(e.errnoCode, make: make, lost: lost) }
    let typeName = String(describing: type(of: error))
    if typeName.contains("NIOConnectionError") || typeName.contains("NIOSSL") || typeName.contains("SSL")
      || typeName.contains("TLS")
    {
      // NIOPosix's connection error wraps per-address IOErrors; TLS errors mean no usable connection.
      let text = String(describing: error)
      if text.contains("errno: 111") || text.lowercased().contains("refused") {
        return make(.connect, "connection refused")
      }
      return make(.connect, typeName.contains("SSL") || typeName.contains("TLS") ? "TLS failed" : "could not connect")
    }
    return lost("transport error \(typeName)")
  }

  static func ioError(
    _ errno: CInt, make: (GeminiError.Code, String) -> GeminiError, lost: (String) -> GeminiError
  ) -> GeminiError {
    switch errno {
    case ECONNREFUSED: return make(.connect, "connection refused")
    case ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL: return make(.connect, "host unreachable")
    case ETIMEDOUT: return make(.timeout, "the connection timed out")
    case ECONNRESET, EPIPE, ECONNABORTED: return lost("connection reset")
    default: return lost("I/O error \(errno)")
    }
  }

  /// `Retry-After` (RFC 9110 §10.2.3): delay-seconds (a fraction is kept), or an HTTP date. A date
  /// is measured from the response's own `Date` header when that is valid, so the server's clock
  /// and this machine's need not agree; else from `now`. A date already past means no wait.
  /// Anything else, or a negative number, is nil. Longer than 10^9 s is cut to that.
  public static func parseRetryAfter(_ value: String, responseDate: String? = nil, now: Date = Date()) -> Duration? {
    let t = value.trimmingCharacters(in: .whitespaces)
    let limit = RetryInfo.maxDelaySeconds
    if let s = Int64(t), s >= 0 { return .seconds(min(s, Int64(limit))) }
    if let d = Double(t), d >= 0, d.isFinite { return .milliseconds(Int64((min(d, limit) * 1000).rounded())) }
    guard let at = HTTPDate.parse(t, now: now) else { return nil }
    let base = responseDate.flatMap { HTTPDate.parse($0, now: now) } ?? now
    let seconds = min(max(0, at.timeIntervalSince(base)), limit)
    return .milliseconds(Int64((seconds * 1000).rounded()))
  }

  /// One decoder for every response (its options never change after this).
  static let decoder = JSONDecoder()

  static func timeAmount(_ d: Duration) -> TimeAmount {
    let (s, atto) = d.components
    return .nanoseconds(s * 1_000_000_000 + atto / 1_000_000_000)
  }
}

extension HTTPClientError {
  /// The code name without the description's extra text.
  var shortName: String { String(String(describing: self).prefix(60)) }
}
