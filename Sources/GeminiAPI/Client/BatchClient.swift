import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Batch Mode: create (from an uploaded file, or inline), get, list (every page), cancel,
/// delete. Every reply is read with `BatchJob.parse`, which takes both the Operation and the bare
/// batch shape and both state spellings. Failures throw `GeminiError`.
public struct BatchClient: Sendable {
  let api: APIRequester

  public init(
    httpClient: HTTPClient, endpoint: Endpoint, timeout: Duration = .seconds(120),
    logger: Logger = Logger(label: "gembatch.batches")
  ) {
    api = APIRequester(httpClient: httpClient, endpoint: endpoint, timeout: timeout, logger: logger)
  }

  public init(client: GeminiClient, timeout: Duration = .seconds(120)) {
    self.init(httpClient: client.httpClient, endpoint: client.endpoint, timeout: timeout, logger: client.logger)
  }

  /// `POST models/{model}:batchGenerateContent` with `inputConfig.fileName`. Not idempotent: two
  /// calls make two paid batches, so the caller records its intent before and the name after.
  /// `onSent` runs once the request is fully written, before the reply is read.
  public func create(
    model: String, displayName: String, fileName: String, priority: Int? = nil, onSent: (@Sendable () -> Void)? = nil
  ) async throws -> BatchJob {
    var batch = JSONObject()
    batch["displayName"] = .string(displayName)
    batch["inputConfig"] = .object(JSONObject([("fileName", .string(fileName))]))
    if let priority { batch["priority"] = .string(String(priority)) }
    return try await create(model: model, batch: batch, onSent: onSent)
  }

  /// Inline requests: `(key, GenerateContentRequest JSON)` pairs, at most 20 MB in all.
  public func createInline(model: String, displayName: String, requests: [(key: String, request: JSONValue)]) async throws -> BatchJob {
    var batch = JSONObject()
    batch["displayName"] = .string(displayName)
    let items: [JSONValue] = requests.map {
      .object(JSONObject([("request", $0.request), ("metadata", .object(JSONObject([("key", .string($0.key))])))]))
    }
    batch["inputConfig"] = .object(JSONObject([("requests", .object(JSONObject([("requests", .array(items))])))]))
    return try await create(model: model, batch: batch)
  }

  func create(model: String, batch: JSONObject, onSent: (@Sendable () -> Void)? = nil) async throws -> BatchJob {
    let body = JSONValue.object(JSONObject([("batch", .object(batch))])).serializedData()
    let r = try await api.send(.POST, api.endpoint.url(model: model, method: "batchGenerateContent"), body: body, onSent: onSent)
    return try parse(r, what: "batchGenerateContent")
  }

  public func get(name: String) async throws -> BatchJob {
    try parse(try await api.send(.GET, api.url(Self.path(name))), what: "batches.get")
  }

  /// One page of `batches.list` (`{operations, nextPageToken}`).
  public func list(pageSize: Int = 100, pageToken: String? = nil) async throws -> (batches: [BatchJob], nextPageToken: String?) {
    var q = "pageSize=\(pageSize)"
    if let pageToken { q += "&pageToken=" + FilesClient.escape(pageToken) }
    let v = try api.json(try await api.send(.GET, api.url("batches", query: q)), what: "batches.list")
    // `operations` on the wire; `batches` in some proxies' and SDKs' shapes.
    let items = v["operations"]?.arrayValue ?? v["batches"]?.arrayValue ?? []
    let next = v["nextPageToken"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    return (items.compactMap(BatchJob.parse), next)
  }

  /// Every page of `batches.list`; stops at `maxPages` (a server that never ends its pages).
  public func listAll(pageSize: Int = 100, maxPages: Int = 10_000) async throws -> [BatchJob] {
    var all: [BatchJob] = []
    var token: String?
    var seen = Set<String>()
    for _ in 0..<maxPages {
      let page = try await list(pageSize: pageSize, pageToken: token)
      all += page.batches
      guard let next = page.nextPageToken, seen.insert(next).inserted else { break }
      token = next
    }
    return all
  }

  public func cancel(name: String) async throws {
    _ = try await api.send(.POST, api.url(Self.path(name) + ":cancel"), body: Data("{}".utf8))
  }

  public func delete(name: String) async throws {
    _ = try await api.send(.DELETE, api.url(Self.path(name)))
  }

  func parse(_ r: APIRequester.Reply, what: String) throws -> BatchJob {
    guard let job = BatchJob.parse(try api.json(r, what: what)) else {
      throw GeminiError(code: .malformedBody, httpStatus: r.status, detail: "\(what): the reply is not a batch")
    }
    return job
  }

  static func path(_ name: String) -> String { name.hasPrefix("batches/") ? name : "batches/" + name }
}
