import Foundation
import GeminiAPI
import Synchronization

/// Local files over the inline limit go through the Files API: the job reader puts a
/// `fileData` part whose `fileUri` is `gembatch-upload:<sha256>:<path>` in the stored request
/// (so the request hash names the content), and this turns it into the uploaded file's URI just
/// before the request is sent. An upload is made once per content (matched by sha256, also across
/// runs through the store's `uploads` table) and made again once it has expired (48 h).
public final class FileUploader: Sendable {
  public static let scheme = "gembatch-upload:"
  static let schemeBytes = Data(scheme.utf8)

  let store: Store
  let files: FilesClient
  let endpoint: Endpoint
  /// One upload per content at a time: concurrent requests for the same file wait for it.
  private let inFlight = Mutex<[String: Task<String, any Error>]>([:])

  public init(store: Store, client: GeminiClient) {
    self.store = store
    self.files = FilesClient(client: client)
    self.endpoint = client.endpoint
  }

  /// Whether a stored request names a local file still to upload (a byte scan, no parse).
  public static func needsUpload(_ body: Data) -> Bool { body.range(of: schemeBytes) != nil }

  /// The placeholder URI for a local file.
  public static func placeholder(sha256: String, path: String) -> String { "\(scheme)\(sha256):\(path)" }

  /// `body` with every placeholder replaced by its uploaded file's URI.
  public func resolve(_ body: Data) async throws -> Data {
    guard Self.needsUpload(body) else { return body }
    guard let v = try? JSONValue.parse(body) else { return body }
    return try await rewrite(v).serializedData()
  }

  private func rewrite(_ v: JSONValue) async throws -> JSONValue {
    switch v {
    case .object(let o):
      var out = JSONObject()
      let mime = o["mimeType"]?.stringValue
      for (k, child) in o {
        if k == "fileUri", let s = child.stringValue, s.hasPrefix(Self.scheme) {
          out[k] = .string(try await uri(placeholder: s, mimeType: mime))
        } else {
          out[k] = try await rewrite(child)
        }
      }
      return .object(out)
    case .array(let a):
      var out: [JSONValue] = []
      for e in a { out.append(try await rewrite(e)) }
      return .array(out)
    default:
      return v
    }
  }

  func uri(placeholder: String, mimeType: String?) async throws -> String {
    let rest = placeholder.dropFirst(Self.scheme.count)
    guard let colon = rest.firstIndex(of: ":") else {
      throw GeminiError(code: .invalidRequest, detail: "a file placeholder without its path")
    }
    let sha = String(rest[..<colon])
    let path = String(rest[rest.index(after: colon)...])
    if let known = try store.upload(sha256: sha) { return fileURI(known.fileName) }
    let task: Task<String, any Error> = inFlight.withLock { m in
      if let t = m[sha] { return t }
      let t = Task { () throws -> String in
        let file = try await self.files.upload(
          path: path, displayName: (path as NSString).lastPathComponent, mimeType: mimeType ?? "application/octet-stream")
        let t = Date().timeIntervalSince1970
        try self.store.recordUpload(
          UploadRecord(
            sha256: sha, fileName: file.name, size: file.sizeBytes ?? 0, mimeType: mimeType, purpose: "job-file",
            uploadedAt: t, expiresAt: file.expiresAt ?? (t + 48 * 3600)))
        return file.uri ?? self.fileURI(file.name)
      }
      m[sha] = t
      return t
    }
    defer { inFlight.withLock { _ = $0.removeValue(forKey: sha) } }
    return try await task.value
  }

  func fileURI(_ name: String) -> String { "\(endpoint.baseURL)/\(endpoint.apiVersion)/\(name)" }
}

/// A transport that uploads a request's large local files (once) before sending it.
public struct UploadingTransport: Transport {
  public let base: any Transport
  public let uploader: FileUploader

  public init(base: any Transport, uploader: FileUploader) {
    self.base = base
    self.uploader = uploader
  }

  public func send(model: String, body: Data, stream: Bool) async -> Exchange {
    guard FileUploader.needsUpload(body) else { return await base.send(model: model, body: body, stream: stream) }
    do {
      return await base.send(model: model, body: try await uploader.resolve(body), stream: stream)
    } catch let e as GeminiError {
      return Exchange(httpStatus: e.httpStatus, rawBody: Data(), result: .failure(e), latency: .zero)
    } catch {
      return Exchange(
        httpStatus: nil, rawBody: Data(),
        result: .failure(GeminiError(code: .connectionLost, detail: "the local file could not be uploaded")), latency: .zero)
    }
  }
}
