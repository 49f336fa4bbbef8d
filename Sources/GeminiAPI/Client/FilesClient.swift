import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The Files API: resumable uploads in 8 MiB chunks, get, list, delete, and a streamed download
/// of generated files (a batch's output). Failures throw `GeminiError`; the key goes only into
/// the auth header.
public struct FilesClient: Sendable {
  let api: APIRequester
  /// Bytes per upload chunk (8 MiB, as the SDK sends).
  public var chunkSize: Int

  public static let defaultChunkSize = 8 << 20

  public init(
    httpClient: HTTPClient, endpoint: Endpoint, timeout: Duration = .seconds(600), chunkSize: Int = FilesClient.defaultChunkSize,
    logger: Logger = Logger(label: "gembatch.files")
  ) {
    api = APIRequester(httpClient: httpClient, endpoint: endpoint, timeout: timeout, logger: logger)
    // The API wants multiples of 256 KiB but the last; smaller chunks are for tests against the mock.
    self.chunkSize = max(1024, chunkSize)
  }

  public init(client: GeminiClient, chunkSize: Int = FilesClient.defaultChunkSize) {
    self.init(
      httpClient: client.httpClient, endpoint: client.endpoint, timeout: client.timeouts.total, chunkSize: chunkSize,
      logger: client.logger)
  }

  /// A failed upload: the protocol went wrong (no session URL, an offset or status that does not
  /// match). Carried as a `GeminiError` with code `malformedBody` (retryable).
  static func protocolError(_ detail: String, status: Int? = nil) -> GeminiError {
    GeminiError(code: .malformedBody, httpStatus: status, detail: "upload: \(detail)")
  }

  /// Uploads a local file with the resumable protocol: start (the session URL comes back in
  /// `x-goog-upload-url`), then chunks at checked offsets, the last one with `upload, finalize`,
  /// whose `x-goog-upload-status` must be `final` and whose body is the file. Memory holds one
  /// chunk at a time. `onProgress` gets the bytes sent so far.
  public func upload(
    path: String, displayName: String, mimeType: String, onChunk: (@Sendable (Int64) -> Void)? = nil
  ) async throws -> FileResource {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw GeminiError(code: .invalidRequest, detail: "cannot read the file to upload")
    }
    defer { try? handle.close() }
    let size = Int64((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.int64Value ?? 0)

    var start = HTTPHeaders()
    start.add(name: "x-goog-upload-protocol", value: "resumable")
    start.add(name: "x-goog-upload-command", value: "start")
    start.add(name: "x-goog-upload-header-content-length", value: String(size))
    start.add(name: "x-goog-upload-header-content-type", value: mimeType)
    let meta = JSONValue.object(JSONObject([("file", .object(JSONObject([("displayName", .string(displayName))])))]))
    let startURL = "\(api.endpoint.baseURL)/upload/\(api.endpoint.apiVersion)/files"
    let reply = try await api.send(.POST, startURL, headers: start, body: meta.serializedData())
    guard let session = reply.headers.first(name: "x-goog-upload-url"), let sessionURL = api.onEndpointHost(session) else {
      throw Self.protocolError("the start reply has no x-goog-upload-url", status: reply.status)
    }

    var offset: Int64 = 0
    while true {
      let chunk = try handle.read(upToCount: chunkSize) ?? Data()
      let last = offset + Int64(chunk.count) >= size
      var h = HTTPHeaders()
      h.add(name: "x-goog-upload-command", value: last ? "upload, finalize" : "upload")
      h.add(name: "x-goog-upload-offset", value: String(offset))
      h.add(name: "content-length", value: String(chunk.count))
      let r = try await api.send(.POST, sessionURL, headers: h, body: chunk, contentType: nil)
      let status = r.headers.first(name: "x-goog-upload-status")?.lowercased()
      offset += Int64(chunk.count)
      onChunk?(offset)
      if last {
        guard status == "final" else {
          throw Self.protocolError("the last chunk's x-goog-upload-status is \(status ?? "missing"), not final", status: r.status)
        }
        guard let file = try FileResource.parse(api.json(r, what: "upload")) else {
          throw Self.protocolError("the final reply holds no file", status: r.status)
        }
        return file
      }
      guard status == "active" else {
        throw Self.protocolError("a chunk's x-goog-upload-status is \(status ?? "missing"), not active", status: r.status)
      }
      // The server says how much it holds; a different count means a chunk was lost or doubled.
      if let received = r.headers.first(name: "x-goog-upload-size-received").flatMap({ Int64($0) }), received != offset {
        throw Self.protocolError("the server holds \(received) bytes after \(offset) were sent", status: r.status)
      }
    }
  }

  public func get(name: String) async throws -> FileResource {
    let r = try await api.send(.GET, api.url(Self.path(name)))
    guard let f = try FileResource.parse(api.json(r, what: "files.get")) else {
      throw GeminiError(code: .malformedBody, httpStatus: r.status, detail: "files.get: the reply holds no file")
    }
    return f
  }

  /// One page of `files.list`.
  public func list(pageSize: Int = 100, pageToken: String? = nil) async throws -> (files: [FileResource], nextPageToken: String?) {
    var q = "pageSize=\(pageSize)"
    if let pageToken { q += "&pageToken=" + Self.escape(pageToken) }
    let v = try api.json(try await api.send(.GET, api.url("files", query: q)), what: "files.list")
    let files = (v["files"]?.arrayValue ?? []).compactMap(FileResource.parse)
    let next = v["nextPageToken"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    return (files, next)
  }

  public func delete(name: String) async throws {
    _ = try await api.send(.DELETE, api.url(Self.path(name)))
  }

  /// Streams a generated file (`files/batch-…`) into `path` through AHC's file delegate (memory
  /// stays flat however large the file is). Returns the bytes written. An error answer leaves no
  /// file behind and throws the API's error.
  @discardableResult
  public func download(name: String, to path: String) async throws -> Int64 {
    let id = name.hasPrefix("files/") ? String(name.dropFirst(6)) : name
    let url = "\(api.endpoint.baseURL)/download/\(api.endpoint.apiVersion)/files/\(id):download?alt=media"
    let request: HTTPClient.Request
    do {
      request = try HTTPClient.Request(url: url, method: .GET, headers: api.authHeaders())
    } catch {
      throw GeminiError(code: .invalidRequest, detail: "the endpoint URL is not valid")
    }
    try? FileManager.default.removeItem(atPath: path)
    let delegate = try FileDownloadDelegate(path: path)
    let task = api.httpClient.execute(
      request: request, delegate: delegate, deadline: .now() + GeminiClient.timeAmount(api.timeout), logger: api.logger)
    let progress: FileDownloadDelegate.Progress
    do {
      progress = try await withTaskCancellationHandler {
        try await task.futureResult.get()
      } onCancel: {
        task.cancel()
      }
    } catch {
      try? FileManager.default.removeItem(atPath: path)
      if Task.isCancelled { throw GeminiError(code: .cancelled, detail: "the download was cancelled") }
      throw GeminiClient.transportError(error, status: nil, headReceived: false)
    }
    let status = Int(progress.head.status.code)
    guard (200..<300).contains(status) else {
      let body = (try? Data(contentsOf: URL(fileURLWithPath: path)).prefix(1 << 20)) ?? Data()
      try? FileManager.default.removeItem(atPath: path)
      throw GeminiError.fromHTTP(status: status, body: Data(body))
    }
    if let total = progress.totalBytes, total != progress.receivedBytes {
      try? FileManager.default.removeItem(atPath: path)
      throw GeminiError(
        code: .truncated, httpStatus: status, detail: "the download ended after \(progress.receivedBytes) of \(total) bytes")
    }
    return Int64(progress.receivedBytes)
  }

  static func path(_ name: String) -> String { name.hasPrefix("files/") ? name : "files/" + name }

  static func escape(_ s: String) -> String {
    s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s
  }
}
