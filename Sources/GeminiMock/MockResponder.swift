import Foundation
import GeminiAPI
import HTTPTypes
import Hummingbird
import NIOCore

/// Routes and answers every request. One value per server; all state lives in `MockState`.
struct MockResponder: HTTPResponder {
  typealias Context = MockRequestContext
  let state: MockState

  static let keyHeader = HTTPField.Name("x-goog-api-key")!
  static let faultHeader = HTTPField.Name("x-mock-fault")!
  static let replayHeader = HTTPField.Name("x-mock-replay")!
  static let latencyHeader = HTTPField.Name("x-mock-latency")!
  static let chunksHeader = HTTPField.Name("x-mock-chunks")!
  static let chunkDelayHeader = HTTPField.Name("x-mock-chunk-delay")!
  static let tierHeader = HTTPField.Name("x-gemini-service-tier")!
  static let jsonType = "application/json; charset=UTF-8"
  /// Built once: the headers of every JSON answer.
  static let jsonHeaders: HTTPFields = [.contentType: jsonType]
  static let standardHeaders: HTTPFields = [.contentType: jsonType, tierHeader: "standard"]
  /// Built once per tier: the headers of a generated answer, with the tier that ran.
  static let answerHeaders: [String: HTTPFields] = Dictionary(
    uniqueKeysWithValues: ["standard", "flex", "priority"].map { ($0, [.contentType: jsonType, tierHeader: $0]) })

  func respond(to request: Request, context: Context) async throws -> Response {
    let path = request.uri.path
    if path.hasPrefix("/mock/") {
      // Stats hold request hashes and counts, and reset changes quotas: the key guards them too.
      if let e = authError(request) { return errorResponse(e, array: false) }
      return try await mockRoute(path, request)
    }

    // /v1beta/models[/{model}[:{method}]] (also /v1/…). The prefixes are ASCII: dropped by bytes.
    let rest: Substring
    if path.hasPrefix("/v1beta/models") {
      rest = Substring(path.utf8.dropFirst(14))
    } else if path.hasPrefix("/v1/models") {
      rest = Substring(path.utf8.dropFirst(10))
    } else {
      if let r = try await batchRoute(path, request, context) { return r }
      return errorResponse(MockError.notFound(path), array: false)
    }
    if let e = authError(request) { return errorResponse(e, array: false) }

    if rest.isEmpty || rest == "/" {
      guard request.method == .get else { return errorResponse(MockError.notFound(path), array: false) }
      let size = request.uri.queryParameters.get("pageSize").flatMap { Int($0) } ?? 50
      guard let page = state.models.page(size: size <= 0 ? 50 : size, token: request.uri.queryParameters.get("pageToken")) else {
        return errorResponse(.invalidArgument("Invalid page token."), array: false)
      }
      return json(200, page)
    }
    let target = rest.dropFirst()  // drop "/"
    // An ASCII path (all real ones) is searched by bytes; others by characters, as before.
    let ascii = target.utf8.allSatisfy { $0 < 0x80 }
    guard let colon = ascii ? target.utf8.lastIndex(of: UInt8(ascii: ":")) : target.lastIndex(of: ":") else {
      let model = String(target)
      guard request.method == .get, let spec = state.models.lookup(model) else {
        return errorResponse(MockError.modelNotFound(model, method: "generateContent"), array: false)
      }
      return json(200, spec.info())
    }
    let model = String(target[..<colon])
    let method = String(target[target.index(after: colon)...])
    guard request.method == .post else { return errorResponse(MockError.notFound(path), array: false) }
    switch method {
    case "generateContent":
      return try await generate(request, context, model: model, stream: nil)
    case "streamGenerateContent":
      let sse = request.uri.queryParameters.get("alt") == "sse"
      return try await generate(request, context, model: model, stream: sse ? .sse : .jsonArray)
    case "countTokens":
      return try await countTokens(request, model: model)
    case "batchGenerateContent":
      return try await createBatch(request, model: model)
    default:
      return errorResponse(MockError.notFound(path), array: false)
    }
  }

  enum StreamForm { case sse, jsonArray }

  // MARK: - Auth, models

  func authError(_ request: Request) -> MockError? {
    var key = Self.header(request.headers, Self.keyHeader)
    if key == nil, let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
      key = String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }
    if key == nil, let q = request.uri.queryParameters.get("key") { key = q }
    guard let key, !key.isEmpty else { return .missingKey }
    if let expected = state.config.apiKey, key != expected { return .apiKeyInvalid }
    return nil
  }


  // MARK: - generateContent

  func generate(_ request: Request, _ context: Context, model: String, stream: StreamForm?) async throws -> Response {
    let array = stream == .jsonArray
    guard let spec = state.models.lookup(model) else {
      return recorded(model, errorResponse(MockError.modelNotFound(model, method: "generateContent"), array: array), count: true)
    }
    let buffer: ByteBuffer
    do {
      buffer = try await request.body.collect(upTo: state.config.maxBodyBytes)
    } catch {
      return recorded(model, errorResponse(MockError.payloadTooLarge(state.config.maxBodyBytes), array: array), count: true)
    }
    let digest = buffer.withUnsafeReadableBytes { BodyDigest(of: $0) }
    let bodySeed = digest.words.0  // the first 8 bytes of the SHA-256, big-endian
    let occurrence = state.counters.withLock { $0.stats.receive(model: model, body: digest) }

    // Parse and validate: the common small shape straight into the request; anything else
    // (and every refusal) through the tree, the normaliser and the checks.
    var req: MockRequest
    if let fast = buffer.withUnsafeReadableBytes({ FastRequestParser.request(from: $0, model: model, spec: spec) }) {
      req = fast
    } else {
      let parsed: JSONValue
      do {
        parsed = try buffer.withUnsafeReadableBytes { try JSONValue.parse(bytes: $0) }
      } catch {
        let reason = (error as? JSONParseError).map { "\($0.reason) at byte \($0.offset)" } ?? "unexpected token"
        return recorded(
          model,
          errorResponse(
            .invalidArgument("Invalid JSON payload received. \(reason.prefix(1).uppercased() + reason.dropFirst()).", fieldViolation: true),
            array: array))
      }
      do {
        let normalized = try RequestNormalizer.normalize(parsed, as: .GenerateContentRequest)
        req = try MockRequest(model: model, spec: spec, body: normalized)
      } catch {
        return recorded(model, errorResponse(error, array: array))
      }
    }

    // Faults, forced or rolled.
    var faultRng = SplitMix64(seed: state.config.seed ^ bodySeed ^ (UInt64(occurrence) &* 0x9E37_79B9_7F4A_7C15))
    let fault = chooseFault(request, req, occurrence: occurrence, rng: &faultRng)

    // Quotas.
    let inputTokens = MockTokens.text(req.promptTextBytes) + req.mediaParts.values.reduce(0, +) * MockTokens.perMediaPart
    let limits =
      state.config.quotas.isEmpty
      ? state.config.defaultQuota : state.config.quota(for: model.hasPrefix("models/") ? String(model.dropFirst(7)) : model)
    if !limits.isUnlimited {
      let now = state.now
      if let refusal = state.counters.withLock({ $0.quotas.admit(model: model, inputTokens: inputTokens, limits: limits, now: now) }) {
        return recorded(
          model,
          errorResponse(.quotaExceeded(refusal.kind, model: model, limit: refusal.limit, retryAfter: refusal.retryAfter), array: array))
      }
    }

    // The tier that runs: flex may be shed or slower; priority may be downgraded to standard.
    var ranTier = "standard"
    if let asked = req.serviceTier {
      ranTier = asked
      if asked == "flex", state.config.flexShedRate > 0, faultRng.nextUnit() < state.config.flexShedRate {
        return recorded(model, errorResponse(.flexShed, array: array))
      }
      if asked == "priority", state.config.priorityDowngradeRate > 0, faultRng.nextUnit() < state.config.priorityDowngradeRate {
        ranTier = "standard"
      }
      req.serviceTier = ranTier
    }

    // First-byte latency.
    var latency = state.config.firstByteLatency
    if let h = Self.header(request.headers, Self.latencyHeader), let l = LatencyModel.parse(h) { latency = l }
    var delay = latency.sample(&faultRng)
    if fault == .slowFirstByte { delay += state.config.slowFirstByteDelay }
    if ranTier == "flex" { delay += state.config.flexLatency.sample(&faultRng) }
    if delay > .zero { try await LoopTimer.sleep(for: delay, on: context.channel.eventLoop) }
    let headers = ranTier == "standard" ? Self.standardHeaders : Self.answerHeaders[ranTier] ?? Self.jsonHeaders

    switch fault {
    case .internalError?: return recorded(model, errorResponse(.internalError, array: array))
    case .overloaded?: return recorded(model, errorResponse(.overloaded, array: array))
    case .exhausted503?: return recorded(model, errorResponse(.exhausted503, array: array))
    case .rateLimited?:
      return recorded(model, errorResponse(.quotaExceeded(.requestsPerMinute, model: model, limit: limits.rpm ?? 60, retryAfter: 1), array: array))
    case .dropBeforeResponse?:
      record(model, "drop")
      context.channel.close(promise: nil)
      throw MockServerError(message: "connection dropped (injected)")
    case .malformedBody?:
      record(model, "200")
      return Response(
        status: .ok, headers: Self.jsonHeaders,
        body: .init(byteBuffer: ByteBuffer(string: "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"unterminated")))
    case .proxyHTML?:
      record(model, "502")
      return Response(
        status: .badGateway, headers: [.contentType: "text/html; charset=UTF-8"],
        body: .init(byteBuffer: ByteBuffer(string: Self.proxyPage)))
    default: break
    }

    // Replay.
    if let replay = state.replay {
      let named = request.headers[Self.replayHeader] ?? req.marker("replay")
      var entry: ReplayStore.Entry?
      if let named {
        entry = replay.entry(named: named)
        if entry == nil {
          return recorded(model, errorResponse(.invalidArgument("mock: no replay file named \(named)"), array: array))
        }
      } else if state.config.replayAll {
        let n = state.counters.withLock { c -> Int in
          defer { c.replayNext += 1 }
          return c.replayNext
        }
        entry = replay.entry(rotating: n)
      }
      if let entry { return replayResponse(entry, model: model, fault: fault, request: request, loop: context.channel.eventLoop) }
    }

    // Generate.
    var rng = SplitMix64(seed: state.config.seed ^ bodySeed)
    let kind: Answer.Kind =
      switch fault {
      case .promptBlocked?: .promptBlocked
      case .safety?: .safety
      case .recitation?: .recitation
      default: .normal
      }
    var answer = AnswerBuilder.build(req, kind: kind, rng: &rng)
    if let fault, fault.changesJSONAnswer { JSONAnswerFaults.apply(fault, to: &answer, request: req) }

    guard let stream else {
      let body = answer.bodyBuffer()
      record(model, fault == .dropMidBody ? "drop" : "200")
      if fault == .dropMidBody || fault == .cutStream {
        let count = body.readableBytes
        let half = body.getSlice(at: body.readerIndex, length: count / 2)!
        return Response(
          status: .ok, headers: [.contentType: Self.jsonType, .contentLength: String(count)],
          body: ResponseBody(contentLength: count) { writer in
            try await writer.write(half)
            throw MockServerError(message: "connection dropped mid-body (injected)")
          })
      }
      return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    var chunks = state.config.streamChunks
    if let h = request.headers[Self.chunksHeader], let n = Int(h), n > 0 { chunks = n }
    var chunkDelay = state.config.chunkDelay
    if let h = request.headers[Self.chunkDelayHeader], let l = LatencyModel.parse(h) { chunkDelay = l }
    var events = answer.events(chunks: chunks)
    if fault == .cutStream, events.count > 1 { events.removeLast() }
    let dropAfter: Int? = fault == .dropMidBody ? max(1, events.count / 2) : nil
    if fault == .cutStream, events.count == 1 {
      // A single-event answer cut before its end: send half of the event.
      record(model, "200")
      let first = events[0]
      return streamResponse(
        stream, events: [String(first.prefix(first.count / 2))], delay: chunkDelay, rng: faultRng, dropAfter: nil, raw: true,
        tier: ranTier, loop: context.channel.eventLoop)
    }
    record(model, dropAfter != nil ? "drop" : "200")
    return streamResponse(
      stream, events: events, delay: chunkDelay, rng: faultRng, dropAfter: dropAfter, raw: false, tier: ranTier,
      loop: context.channel.eventLoop)
  }

  func streamResponse(
    _ form: StreamForm, events: [String], delay: LatencyModel, rng: SplitMix64, dropAfter: Int?, raw: Bool, tier: String,
    loop: any EventLoop
  ) -> Response {
    let contentType = form == .sse ? "text/event-stream" : Self.jsonType
    return Response(
      status: .ok, headers: [.contentType: contentType, Self.tierHeader: tier],
      body: ResponseBody { writer in
        var rng = rng
        for (i, e) in events.enumerated() {
          if i > 0 {
            let d = delay.sample(&rng)
            if d > .zero { try await LoopTimer.sleep(for: d, on: loop) }
          }
          if let dropAfter, i >= dropAfter { throw MockServerError(message: "connection dropped mid-stream (injected)") }
          let text: String
          switch form {
          case .sse: text = raw ? "data: " + e : "data: " + e + "\r\n\r\n"
          case .jsonArray: text = (i == 0 ? "[" : "\n,\r\n") + e + (i == events.count - 1 && !raw ? "\n]" : "")
          }
          try await writer.write(ByteBuffer(string: text))
        }
        try await writer.finish(nil)
      })
  }

  func replayResponse(_ entry: ReplayStore.Entry, model: String, fault: MockFault?, request: Request, loop: any EventLoop) -> Response {
    let status = HTTPResponse.Status(code: entry.status)
    record(model, String(entry.status))
    if entry.isSSE {
      let events = ReplayStore.sseEvents(entry.bytes)
      var chunkDelay = state.config.chunkDelay
      if let h = request.headers[Self.chunkDelayHeader], let l = LatencyModel.parse(h) { chunkDelay = l }
      let delay = chunkDelay
      let cut = fault == .cutStream && events.count > 1 ? events.count - 1 : events.count
      return Response(
        status: status, headers: [.contentType: "text/event-stream"],
        body: ResponseBody { writer in
          var rng = SplitMix64(seed: 1)
          for (i, e) in events.prefix(cut).enumerated() {
            if i > 0 {
              let d = delay.sample(&rng)
              if d > .zero { try await LoopTimer.sleep(for: d, on: loop) }
            }
            try await writer.write(ByteBuffer(bytes: e))
          }
          try await writer.finish(nil)
        })
    }
    return Response(status: status, headers: Self.jsonHeaders, body: .init(byteBuffer: ByteBuffer(bytes: entry.bytes)))
  }

  // MARK: - countTokens

  func countTokens(_ request: Request, model: String) async throws -> Response {
    guard let spec = state.models.lookup(model) else {
      return errorResponse(MockError.modelNotFound(model, method: "countTokens"), array: false)
    }
    let buffer = try await request.body.collect(upTo: state.config.maxBodyBytes)
    do {
      let parsed: JSONValue
      do { parsed = try JSONValue.parse(Data(buffer.readableBytesView)) } catch {
        throw MockError.invalidArgument("Invalid JSON payload received. \(error)", fieldViolation: true)
      }
      let normalized = try RequestNormalizer.normalize(parsed, as: .CountTokensRequest)
      let inner = normalized["generateContentRequest"].flatMap { $0.isNull ? nil : $0 } ?? normalized
      let req = try MockRequest(model: model, spec: spec, body: inner)
      var rng = SplitMix64(seed: 0)
      let a = AnswerBuilder.build(req, kind: .promptBlocked, rng: &rng)
      var o = JSONObject()
      o["totalTokens"] = .number(Double(a.promptTokens))
      if a.cachedTokens > 0 { o["cachedContentTokenCount"] = .number(Double(a.cachedTokens)) }
      o["promptTokensDetails"] = .array(a.promptDetails.map { ["modality": .string($0.0), "tokenCount": .number(Double($0.1))] })
      return json(200, .object(o))
    } catch let e as MockError {
      return errorResponse(e, array: false)
    }
  }

  // MARK: - /mock/*

  func mockRoute(_ path: String, _ request: Request) async throws -> Response {
    switch (request.method, path) {
    case (.get, "/mock/stats"):
      let bodies = ["1", "true", "yes"].contains(request.uri.queryParameters.get("bodies") ?? "")
      let stats = state.counters.withLock { $0.stats }
      return json(200, stats.json(includeBodies: bodies))
    case (.post, "/mock/reset"):
      state.counters.withLock {
        $0.stats = MockStats()
        $0.quotas.reset()
        $0.replayNext = 0
      }
      return json(200, ["reset": true])
    default:
      return errorResponse(MockError.notFound(path), array: false)
    }
  }

  // MARK: - helpers

  func chooseFault(_ request: Request, _ req: MockRequest, occurrence: Int, rng: inout SplitMix64) -> MockFault? {
    var specs: [String] = []
    if let h = Self.header(request.headers, Self.faultHeader) { specs += h.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    specs += req.markers
    for spec in specs {
      // `name` or `name*K`: the fault applies to the first K receipts of this body only.
      var name = Substring(spec)
      var limit = Int.max
      if let star = spec.firstIndex(of: "*"), let k = Int(spec[spec.index(after: star)...]) {
        name = spec[..<star]
        limit = k
      }
      if let f = MockFault(rawValue: String(name)) {
        guard f.changesJSONAnswer else { return occurrence <= limit ? f : nil }
        // Counted in requests of the conversation: a re-ask is a new body, so receipts would
        // restart at 1 and a forced fault would never let a repair succeed.
        if !req.isJSONMode { return nil }
        let step = 1 + ReaskPrompt.count(in: req.promptText)
        if step <= (limit == Int.max ? 1 : limit) { return f }
        break
      }
    }
    let rates = state.config.faultRates
    guard !rates.isEmpty else { return nil }
    let u = rng.nextUnit()
    var acc = 0.0
    for f in MockFault.allCases {
      acc += rates[f] ?? 0
      if u < acc { return f.changesJSONAnswer && !req.isJSONMode ? nil : f }
    }
    return nil
  }

  func record(_ model: String, _ status: String) {
    state.counters.withLock { $0.stats.record(model: model, status: status) }
  }

  /// Records the status of a response; `count` also counts the request (when it was refused before its body was read).
  func recorded(_ model: String, _ r: Response, count: Bool = false) -> Response {
    state.counters.withLock {
      if count { _ = $0.stats.receive(model: model, body: nil) }
      $0.stats.record(model: model, status: String(r.status.code))
    }
    return r
  }

  /// `fields[name]` by one scan of the fields: cheaper for the headers looked up on every request,
  /// which are usually absent or single. A repeated header goes through the subscript (which joins).
  static func header(_ fields: HTTPFields, _ name: HTTPField.Name) -> String? {
    var found: String?
    for f in fields where f.name == name {
      if found != nil { return fields[name] }
      found = f.value
    }
    return found
  }

  func errorResponse(_ e: MockError, array: Bool) -> Response {
    let text = array ? "[" + e.body.dropLast() + "\n]" : e.body
    return Response(
      status: HTTPResponse.Status(code: e.code), headers: Self.jsonHeaders,
      body: .init(byteBuffer: ByteBuffer(string: text)))
  }

  func json(_ status: Int, _ v: JSONValue) -> Response {
    Response(
      status: HTTPResponse.Status(code: status), headers: Self.jsonHeaders,
      body: .init(byteBuffer: ByteBuffer(string: v.serialized())))
  }

  static let proxyPage = """
    <!DOCTYPE html>
    <html lang=en>
    <meta charset=utf-8>
    <title>Error 502 (Bad Gateway)!!1</title>
    <p><b>502.</b> <ins>That’s an error.</ins>
    <p>The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds.  <ins>That’s all we know.</ins>

    """
}
