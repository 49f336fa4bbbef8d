import Foundation
import GeminiAPI
import HTTPTypes
import Hummingbird
import NIOCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The Files API and Batch Mode routes, reached only from `respond`'s not-found branch (and the
/// models switch's default), so the generateContent path is unchanged.
extension MockResponder {
  static let uploadCommand = HTTPField.Name("x-goog-upload-command")!
  static let uploadOffset = HTTPField.Name("x-goog-upload-offset")!
  static let uploadProtocol = HTTPField.Name("x-goog-upload-protocol")!
  static let uploadLength = HTTPField.Name("x-goog-upload-header-content-length")!
  static let uploadType = HTTPField.Name("x-goog-upload-header-content-type")!
  static let uploadURL = HTTPField.Name("x-goog-upload-url")!
  static let uploadStatus = HTTPField.Name("x-goog-upload-status")!
  static let uploadReceived = HTTPField.Name("x-goog-upload-size-received")!
  static let uploadGranularity = HTTPField.Name("x-goog-upload-chunk-granularity")!

  /// nil when the path is none of these routes.
  func batchRoute(_ rawPath: String, _ request: Request, _ context: Context) async throws -> Response? {
    let files = state.batchStore
    // The SDK uploads to /upload/v1/files with a custom base URL: every version reads the same.
    var path = rawPath
    for prefix in ["/upload/", "/download/", "/"] where path.hasPrefix(prefix) {
      let rest = path.dropFirst(prefix.count)
      for v in ["v1alpha/", "v1/"] where rest.hasPrefix(v) {
        path = prefix + "v1beta/" + rest.dropFirst(v.count)
      }
      break
    }
    if path.hasPrefix("/upload/v1beta/files") {
      // The session URL is the credential for its chunks (the SDK sends them without the key),
      // as with Google's uploads; starting a session needs the key.
      if request.uri.queryParameters.get("upload_id") == nil, let e = authError(request) {
        return errorResponse(e, array: false)
      }
      return try await upload(request, files)
    }
    if path.hasPrefix("/download/v1beta/files/") {
      if let e = authError(request) { return errorResponse(e, array: false) }
      var id = String(path.dropFirst("/download/v1beta/files/".count))
      if id.hasSuffix(":download") { id.removeLast(":download".count) }
      return download(id: id, files)
    }
    if path == "/v1beta/files" || path.hasPrefix("/v1beta/files/") {
      if let e = authError(request) { return errorResponse(e, array: false) }
      var id = path == "/v1beta/files" ? "" : String(path.dropFirst("/v1beta/files/".count))
      // The SDK downloads from /v1beta/files/{id}:download?alt=media (the docs' REST sample
      // from /download/v1beta/…): both are served.
      if id.hasSuffix(":download") {
        id.removeLast(":download".count)
        return download(id: id, files)
      }
      return fileRoute(id: id, request, files)
    }
    if path == "/v1beta/batches" || path.hasPrefix("/v1beta/batches/") {
      if let e = authError(request) { return errorResponse(e, array: false) }
      let rest = path == "/v1beta/batches" ? "" : String(path.dropFirst("/v1beta/batches/".count))
      return batchesRoute(rest, request, files)
    }
    return nil
  }

  func base(_ request: Request) -> String {
    "http://\(request.head.authority ?? "\(state.config.host):\(state.config.port)")"
  }

  // MARK: - Files API

  func upload(_ request: Request, _ files: MockBatchStore) async throws -> Response {
    let command = (request.headers[Self.uploadCommand] ?? "").lowercased()
    if command.contains("start") {
      let body = try await request.body.collect(upTo: 1 << 20)
      let meta = (try? JSONValue.parse(Data(body.readableBytesView))) ?? .null
      let id = files.newId()
      let upload = MockBatchStore.Upload(
        id: id, displayName: meta["file"]?["displayName"]?.stringValue ?? meta["file"]?["display_name"]?.stringValue,
        mimeType: request.headers[Self.uploadType] ?? "application/octet-stream",
        declaredSize: request.headers[Self.uploadLength].flatMap { Int64($0) }, received: 0,
        path: files.path(for: "upload-" + id), hash: SHA256())
      FileManager.default.createFile(atPath: upload.path, contents: nil)
      files.state.withLock { $0.uploads[id] = upload }
      var h = Self.jsonHeaders
      h[Self.uploadURL] = "\(base(request))/upload/v1beta/files?upload_id=\(id)&upload_protocol=resumable"
      h[Self.uploadStatus] = "active"
      h[Self.uploadGranularity] = "262144"
      return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer()))
    }
    guard let id = request.uri.queryParameters.get("upload_id"), var upload = files.state.withLock({ $0.uploads[id] }) else {
      return errorResponse(.invalidArgument("mock: unknown upload session"), array: false)
    }
    if command.contains("query") {
      var h = HTTPFields()
      h[Self.uploadStatus] = "active"
      h[Self.uploadReceived] = String(upload.received)
      return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer()))
    }
    guard command.contains("upload") else {
      return errorResponse(.invalidArgument("mock: x-goog-upload-command must be start, upload or query"), array: false)
    }
    let offset = request.headers[Self.uploadOffset].flatMap { Int64($0) } ?? -1
    guard offset == upload.received else {
      return errorResponse(
        .invalidArgument("mock: upload offset \(offset) does not match the \(upload.received) bytes received"), array: false)
    }
    guard let out = FileHandle(forWritingAtPath: upload.path) else {
      return errorResponse(.internalError, array: false)
    }
    out.seekToEndOfFile()
    for try await buffer in request.body {
      buffer.withUnsafeReadableBytes { raw in
        upload.hash.update(raw.bindMemory(to: UInt8.self))
        out.write(Data(raw))
      }
      upload.received += Int64(buffer.readableBytes)
    }
    try? out.close()
    if !command.contains("finalize") {
      files.state.withLock { $0.uploads[id] = upload }
      var h = HTTPFields()
      h[Self.uploadStatus] = "active"
      h[Self.uploadReceived] = String(upload.received)
      return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer()))
    }
    if let declared = upload.declaredSize, declared != upload.received {
      return errorResponse(
        .invalidArgument("mock: \(upload.received) bytes uploaded, \(declared) declared"), array: false)
    }
    let fid = upload.id
    let path = files.path(for: fid)
    try? FileManager.default.moveItem(atPath: upload.path, toPath: path)
    let digest = SHA256.hexString(upload.hash.finalize())
    let file = MockBatchStore.File(
      name: "files/\(fid)", displayName: upload.displayName, mimeType: upload.mimeType, size: upload.received, path: path,
      createTime: Date().timeIntervalSince1970, generated: false, sha256: digest)
    files.state.withLock {
      $0.uploads[id] = nil
      $0.files[fid] = file
      $0.fileOrder.append(fid)
    }
    state.counters.withLock { $0.stats.filesUploaded += 1 }
    var h = Self.jsonHeaders
    h[Self.uploadStatus] = "final"
    let body = JSONValue.object(JSONObject([("file", MockBatchStore.fileJSON(file, base: base(request)))]))
    return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(string: body.serialized())))
  }

  func fileRoute(id: String, _ request: Request, _ files: MockBatchStore) -> Response {
    if id.isEmpty {
      guard request.method == .get else { return errorResponse(.notFound(request.uri.path), array: false) }
      let all = files.state.withLock { s in s.fileOrder.compactMap { s.files[$0] } }
      let (page, next) = self.page(all, request)
      var o = JSONObject()
      o["files"] = .array(page.map { MockBatchStore.fileJSON($0, base: base(request)) })
      if let next { o["nextPageToken"] = .string(next) }
      return json(200, .object(o))
    }
    guard let file = files.state.withLock({ $0.files[id] }) else {
      return errorResponse(MockError(code: 403, status: "PERMISSION_DENIED", message: "You do not have permission to access the File \(id) or it may not exist."), array: false)
    }
    switch request.method {
    case .get: return json(200, MockBatchStore.fileJSON(file, base: base(request)))
    case .delete:
      files.state.withLock {
        $0.files[id] = nil
        $0.fileOrder.removeAll { $0 == id }
      }
      try? FileManager.default.removeItem(atPath: file.path)
      return json(200, .object(JSONObject()))
    default: return errorResponse(.notFound(request.uri.path), array: false)
    }
  }

  func download(id: String, _ files: MockBatchStore) -> Response {
    guard let file = files.state.withLock({ $0.files[id] }) else {
      return errorResponse(MockError(code: 404, status: "NOT_FOUND", message: "File \(id) not found."), array: false)
    }
    guard file.generated else {
      return errorResponse(.invalidArgument("Only generated files can be downloaded; files/\(id) was uploaded."), array: false)
    }
    let path = file.path
    return Response(
      status: .ok, headers: [.contentType: "application/jsonl", .contentLength: String(file.size)],
      body: ResponseBody(contentLength: Int(file.size)) { writer in
        guard let h = FileHandle(forReadingAtPath: path) else { throw MockServerError(message: "file gone") }
        defer { try? h.close() }
        while let chunk = try h.read(upToCount: 1 << 20), !chunk.isEmpty {
          try await writer.write(ByteBuffer(bytes: chunk))
        }
        try await writer.finish(nil)
      })
  }

  func page<T>(_ all: [T], _ request: Request) -> ([T], String?) {
    let asked = request.uri.queryParameters.get("pageSize").flatMap { Int($0) } ?? state.config.listPageSize
    let size = max(1, min(asked, state.config.listPageSize))
    let start = request.uri.queryParameters.get("pageToken").flatMap { Int($0.dropFirst(2)) } ?? 0
    let slice = Array(all.dropFirst(start).prefix(size))
    let next = start + size < all.count ? "pt\(start + size)" : nil
    return (slice, next)
  }

  // MARK: - Batches

  func batchesRoute(_ rest: String, _ request: Request, _ files: MockBatchStore) -> Response {
    if rest.isEmpty {
      guard request.method == .get else { return errorResponse(.notFound(request.uri.path), array: false) }
      let all = files.state.withLock { s in s.batchOrder.compactMap { s.batches[$0] } }
      let (page, next) = self.page(all, request)
      var o = JSONObject()
      // List does not return inline responses.
      o["operations"] = .array(page.map { b in
        var c = b
        c.inlineResponses = nil
        return MockBatchStore.operationJSON(c)
      })
      if let next { o["nextPageToken"] = .string(next) }
      return json(200, .object(o))
    }
    var id = rest
    var action: String?
    if let colon = rest.lastIndex(of: ":") {
      id = String(rest[..<colon])
      action = String(rest[rest.index(after: colon)...])
    }
    guard let batch = files.state.withLock({ $0.batches[id] }) else {
      return errorResponse(MockError(code: 404, status: "NOT_FOUND", message: "Batch batches/\(id) not found."), array: false)
    }
    switch (request.method, action) {
    case (.get, nil):
      return json(200, MockBatchStore.operationJSON(batch))
    case (.post, "cancel"?):
      let now = Date().timeIntervalSince1970
      files.state.withLock { s in
        guard var b = s.batches[id], !BatchState(b.phase).isTerminal else { return }
        b.phase = .cancelled
        b.updateTime = now
        b.endTime = now
        s.batches[id] = b
      }
      return json(200, .object(JSONObject()))
    case (.delete, nil):
      files.state.withLock { s in
        s.batches[id] = nil
        s.batchOrder.removeAll { $0 == id }
      }
      return json(200, .object(JSONObject()))
    default:
      return errorResponse(.notFound(request.uri.path), array: false)
    }
  }

  /// `POST models/{model}:batchGenerateContent`, from an uploaded file or inline requests.
  func createBatch(_ request: Request, model: String) async throws -> Response {
    guard state.models.lookup(model) != nil else {
      return errorResponse(MockError.modelNotFound(model, method: "batchGenerateContent"), array: false)
    }
    let files = state.batchStore
    let buffer = try await request.body.collect(upTo: state.config.maxBodyBytes)
    guard let body = try? JSONValue.parse(Data(buffer.readableBytesView)), let spec = body["batch"] else {
      return errorResponse(.invalidArgument("Invalid JSON payload received. Expected a batch.", fieldViolation: true), array: false)
    }
    // The fault: from the plan, one entry per create call, else rolled.
    let n = files.state.withLock { s -> Int in
      defer { s.creates += 1 }
      return s.creates
    }
    var fault: MockFault?
    if n < state.config.batchFaultPlan.count {
      fault = state.config.batchFaultPlan[n]
    } else {
      var rng = SplitMix64(seed: state.config.seed ^ 0xBA7C_4000 ^ UInt64(n))
      let u = rng.nextUnit()
      var acc = 0.0
      for f in MockFault.allCases where MockFault.batchLevel.contains(f) {
        acc += state.config.faultRates[f] ?? 0
        if u < acc {
          fault = f
          break
        }
      }
    }
    if fault == .batchCreate429 {
      record(model, "429")
      return errorResponse(
        MockError(
          code: 429, status: "RESOURCE_EXHAUSTED",
          message: "Resource has been exhausted (e.g. check quota). Too many batch creation requests.",
          details: [["@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"]]),
        array: false)
    }
    let input = spec["inputConfig"]
    var count = 0
    var inputFile: String?
    var inline: [JSONValue]?
    if let name = input?["fileName"]?.stringValue {
      let fid = name.hasPrefix("files/") ? String(name.dropFirst(6)) : name
      guard let file = files.state.withLock({ $0.files[fid] }) else {
        return errorResponse(MockError(code: 404, status: "NOT_FOUND", message: "File \(name) not found."), array: false)
      }
      inputFile = file.name
      count = Self.countLines(file.path)
    } else if let requests = input?["requests"]?["requests"]?.arrayValue {
      inline = requests
      count = requests.count
    } else {
      return errorResponse(.invalidArgument("batch.inputConfig needs fileName or requests", fieldViolation: true), array: false)
    }
    let now = Date().timeIntervalSince1970
    let id = files.newId()
    let b = MockBatchStore.Batch(
      id: id, displayName: spec["displayName"]?.stringValue, model: model, createTime: now, updateTime: now, endTime: nil,
      phase: .pending, inputFile: inputFile, inline: inline, requestCount: count, fault: fault, serial: n)
    files.state.withLock {
      $0.batches[id] = b
      $0.batchOrder.append(id)
    }
    state.counters.withLock {
      $0.stats.batchesCreated += 1
      $0.stats.batchRequests["batches/\(id)"] = count
    }
    record(model, "200")
    if fault != .batchStuck {
      let responder = self
      Task.detached { await responder.runBatch(id: id) }
    }
    return json(200, MockBatchStore.operationJSON(b))
  }

  static func countLines(_ path: String) -> Int {
    guard let h = FileHandle(forReadingAtPath: path) else { return 0 }
    defer { try? h.close() }
    var n = 0
    var last: UInt8 = 0x0A
    while let chunk = try? h.read(upToCount: 1 << 20), !chunk.isEmpty {
      for b in chunk where b == 0x0A { n += 1 }
      last = chunk.last!
    }
    return last == 0x0A ? n : n + 1
  }

  /// The batch's life: PENDING, RUNNING, then its lines answered through the normal answer path
  /// (or EXPIRED / FAILED for those faults). A cancel in the meantime wins.
  func runBatch(id: String) async {
    let files = state.batchStore
    let half = state.config.batchTurnaround / 2
    try? await Task.sleep(for: half)
    func set(_ edit: (inout MockBatchStore.Batch) -> Void) -> MockBatchStore.Batch? {
      files.state.withLock { s in
        guard var b = s.batches[id], !BatchState(b.phase).isTerminal else { return nil }
        edit(&b)
        b.updateTime = Date().timeIntervalSince1970
        s.batches[id] = b
        return b
      }
    }
    guard let b = set({ $0.phase = .running }) else { return }
    try? await Task.sleep(for: half)
    switch b.fault {
    case .batchExpire?:
      _ = set {
        $0.phase = .expired
        $0.endTime = Date().timeIntervalSince1970
      }
      return
    case .batchFail?:
      _ = set {
        $0.phase = .failed
        $0.errorMessage = "Batch failed: internal error (injected)."
        $0.endTime = Date().timeIntervalSince1970
      }
      return
    default: break
    }
    var succeeded = 0
    var failed = 0
    var rng = SplitMix64(seed: state.config.seed ^ 0x0B47_C400 ^ UInt64(b.serial))
    if let inline = b.inline {
      var out: [JSONValue] = []
      for item in inline {
        let key = item["metadata"]?["key"]?.stringValue
        let reqBytes = (item["request"] ?? .object(JSONObject())).serializedBytes()
        guard let line = reqBytes.withUnsafeBytes({ batchLine(key: key, request: $0, model: b.model, rng: &rng) }) else {
          continue
        }
        var o = line.value
        if case .object(var obj) = o {
          obj["key"] = nil
          if let key { obj["metadata"] = .object(JSONObject([("key", .string(key))])) }
          o = .object(obj)
        }
        if line.ok { succeeded += 1 } else { failed += 1 }
        out.append(o)
      }
      _ = set {
        $0.inlineResponses = out
        $0.succeeded = succeeded
        $0.failed = failed
        $0.phase = .succeeded
        $0.endTime = Date().timeIntervalSince1970
      }
      return
    }
    guard let inputName = b.inputFile,
      let input = files.state.withLock({ $0.files[String(inputName.dropFirst(6))] })
    else {
      _ = set {
        $0.phase = .failed
        $0.errorMessage = "The input file was deleted before the batch ran."
      }
      return
    }
    let outId = "batch-" + id
    let outPath = files.path(for: outId)
    FileManager.default.createFile(atPath: outPath, contents: nil)
    guard let writer = FileHandle(forWritingAtPath: outPath) else { return }
    var size: Int64 = 0
    // Lines come back in any order: each block of up to 64 is shuffled before it is written.
    var block: [Data] = []
    func flush() {
      block.shuffle(using: &rng)
      var d = Data()
      for l in block { d.append(l) }
      writer.write(d)
      size += Int64(d.count)
      block.removeAll(keepingCapacity: true)
    }
    Self.forEachLine(input.path) { bytes in
      guard let v = try? JSONValue.parse(bytes: bytes) else {
        failed += 1
        return
      }
      let key = v["key"]?.stringValue
      let req = (v["request"] ?? .object(JSONObject())).serializedBytes()
      guard let line = req.withUnsafeBytes({ batchLine(key: key, request: $0, model: b.model, rng: &rng) }) else { return }
      if line.ok { succeeded += 1 } else { failed += 1 }
      var text = line.value.serializedBytes()
      text.append(0x0A)
      block.append(Data(text))
      if block.count >= 64 { flush() }
    }
    flush()
    try? writer.close()
    let file = MockBatchStore.File(
      name: "files/\(outId)", displayName: outId, mimeType: "application/jsonl", size: size, path: outPath,
      createTime: Date().timeIntervalSince1970, generated: true, sha256: nil)
    files.state.withLock {
      $0.files[outId] = file
      $0.fileOrder.append(outId)
    }
    let ended = set {
      $0.outputFile = file.name
      $0.succeeded = succeeded
      $0.failed = failed
      $0.phase = .succeeded
      $0.endTime = Date().timeIntervalSince1970
    }
    if ended == nil {
      // Cancelled while it ran: no output.
      files.state.withLock {
        $0.files[outId] = nil
        $0.fileOrder.removeAll { $0 == outId }
      }
      try? FileManager.default.removeItem(atPath: outPath)
    }
  }

  /// Reads a file a line at a time (1 MiB chunks).
  static func forEachLine(_ path: String, _ body: (UnsafeRawBufferPointer) -> Void) {
    guard let h = FileHandle(forReadingAtPath: path) else { return }
    defer { try? h.close() }
    var carry = Data()
    while let chunk = try? h.read(upToCount: 1 << 20), !chunk.isEmpty {
      carry.append(chunk)
      var start = carry.startIndex
      while let nl = carry[start...].firstIndex(of: 0x0A) {
        if nl > start { carry[start..<nl].withUnsafeBytes(body) }
        start = nl + 1
      }
      carry = Data(carry[start...])
    }
    if !carry.isEmpty { carry.withUnsafeBytes(body) }
  }

  /// One batch line through the normal answer path: parsed and checked like a generateContent
  /// body, faults from its markers (and `*K` receipts) or the rates, then answered. nil for a
  /// dropped line (`batch-line-drop`).
  func batchLine(key: String?, request bytes: UnsafeRawBufferPointer, model: String, rng: inout SplitMix64)
    -> (value: JSONValue, ok: Bool)?
  {
    let modelSpec = state.models.spec(model)
    let digest = BodyDigest(of: bytes)
    let occurrence = state.counters.withLock { $0.stats.receive(model: model, body: digest) }
    func line(_ field: String, _ v: JSONValue, ok: Bool) -> (value: JSONValue, ok: Bool) {
      var o = JSONObject()
      if let key { o["key"] = .string(key) }
      o[field] = v
      record(model, ok ? "200" : "batch-error")
      return (.object(o), ok)
    }
    func errorLine(_ e: MockError) -> (value: JSONValue, ok: Bool) {
      // Peers have seen both shapes; the mock sends both (chosen per line).
      if rng.nextUnit() < 0.5 {
        return line("error", .object(JSONObject([("code", .number(Double(e.code))), ("message", .string(e.message)), ("status", .string(e.status))])), ok: false)
      }
      return line("status", .object(JSONObject([("code", .number(Double(e.code))), ("message", .string(e.message))])), ok: false)
    }
    let req: MockRequest
    if let fast = FastRequestParser.request(from: bytes, model: model, spec: modelSpec) {
      req = fast
    } else {
      do {
        let parsed = try JSONValue.parse(bytes: bytes)
        let normalized = try RequestNormalizer.normalize(parsed, as: .GenerateContentRequest)
        req = try MockRequest(model: model, spec: modelSpec, body: normalized)
      } catch let e as MockError {
        return errorLine(e)
      } catch {
        return errorLine(.invalidArgument("Invalid JSON payload received."))
      }
    }
    var faultRng = SplitMix64(seed: state.config.seed ^ digest.words.0 ^ (UInt64(occurrence) &* 0x9E37_79B9_7F4A_7C15))
    var fault: MockFault?
    for spec in req.markers {
      var name = Substring(spec)
      var limit = Int.max
      if let star = spec.firstIndex(of: "*"), let k = Int(spec[spec.index(after: star)...]) {
        name = spec[..<star]
        limit = k
      }
      if let f = MockFault(rawValue: String(name)) {
        fault = occurrence <= limit ? f : nil
        break
      }
    }
    if fault == nil, !state.config.faultRates.isEmpty {
      let u = faultRng.nextUnit()
      var acc = 0.0
      for f in MockFault.allCases where !MockFault.batchLevel.contains(f) {
        acc += state.config.faultRates[f] ?? 0
        if u < acc {
          fault = f
          break
        }
      }
    }
    switch fault {
    case .batchLineDrop?: return nil
    case .batchLineError?, .internalError?, .dropBeforeResponse?, .dropMidBody?, .malformedBody?, .proxyHTML?, .cutStream?:
      return errorLine(.internalError)
    case .overloaded?: return errorLine(.overloaded)
    case .exhausted503?: return errorLine(.exhausted503)
    case .rateLimited?: return errorLine(MockError(code: 429, status: "RESOURCE_EXHAUSTED", message: "Resource has been exhausted (e.g. check quota)."))
    default: break
    }
    var answerRng = SplitMix64(seed: state.config.seed ^ digest.words.0)
    let kind: Answer.Kind =
      switch fault {
      case .promptBlocked?: .promptBlocked
      case .safety?: .safety
      case .recitation?: .recitation
      default: .normal
      }
    let answer = AnswerBuilder.build(req, kind: kind, rng: &answerRng)
    let body = answer.bodyBuffer()
    guard let v = body.withUnsafeReadableBytes({ try? JSONValue.parse(bytes: $0) }) else {
      return errorLine(.internalError)
    }
    return line("response", v, ok: true)
  }
}
