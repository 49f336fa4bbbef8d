import AsyncHTTPClient
import Foundation
import GeminiAPI
import GeminiMock
import NIOCore
import NIOHTTP1
import Testing

/// A reply as the test saw it.
struct Reply: Sendable {
  var status: Int
  var contentType: String?
  var body: [UInt8]
  /// `x-gemini-service-tier`.
  var serviceTier: String? = nil
  var text: String { String(decoding: body, as: UTF8.self) }
  var json: JSONValue { (try? JSONValue.parse(Data(body))) ?? .null }
  var error: APIErrorBody? { APIErrorBody.decode(Data(body)) }
}

enum MockTest {
  static let key = "test-key"

  static func config(_ edit: (inout MockConfiguration) -> Void = { _ in }) -> MockConfiguration {
    var c = MockConfiguration()
    edit(&c)
    return c
  }

  /// Runs `body` against a fresh mock on a free loopback port.
  static func withMock<T: Sendable>(
    _ config: MockConfiguration = MockConfiguration(), _ body: @Sendable (MockClient) async throws -> T
  ) async throws -> T {
    try await GeminiMockServer.withServer(config) { port in
      try await body(MockClient(port: port))
    }
  }

  static var packageRoot: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  }

  static var fixtures: URL { packageRoot.appendingPathComponent("../shared/fixtures/gemini").standardizedFileURL }
  static var fixturesPresent: Bool { FileManager.default.fileExists(atPath: fixtures.path) }

  static func prompt(_ text: String, config: JSONValue? = nil, extra: [(String, JSONValue)] = []) -> JSONValue {
    var o = JSONObject([("contents", [["role": "user", "parts": [["text": .string(text)]]]])])
    if let config { o["generationConfig"] = config }
    for (k, v) in extra { o[k] = v }
    return .object(o)
  }
}

struct MockClient: Sendable {
  let port: Int
  var base: String { "http://127.0.0.1:\(port)" }

  func send(
    _ method: HTTPMethod = .POST, _ path: String, body: String? = nil, headers: [(String, String)] = [],
    key: String? = MockTest.key, timeout: TimeAmount = .seconds(20)
  ) async throws -> Reply {
    var req = HTTPClientRequest(url: base + path)
    req.method = method
    if let key { req.headers.add(name: "x-goog-api-key", value: key) }
    for (k, v) in headers { req.headers.add(name: k, value: v) }
    if let body {
      req.headers.add(name: "content-type", value: "application/json")
      req.body = .bytes(ByteBuffer(string: body))
    }
    let resp = try await HTTPClient.shared.execute(req, timeout: timeout)
    let buf = try await resp.body.collect(upTo: 64 << 20)
    return Reply(
      status: Int(resp.status.code), contentType: resp.headers.first(name: "content-type"), body: Array(buf.readableBytesView),
      serviceTier: resp.headers.first(name: "x-gemini-service-tier"))
  }

  func generate(_ model: String = "gemini-2.5-flash", _ body: JSONValue, headers: [(String, String)] = []) async throws -> Reply {
    try await send(.POST, "/v1beta/models/\(model):generateContent", body: body.serialized(), headers: headers)
  }

  func stream(_ model: String = "gemini-2.5-flash", _ body: JSONValue, sse: Bool = true, headers: [(String, String)] = [])
    async throws -> Reply
  {
    try await send(.POST, "/v1beta/models/\(model):streamGenerateContent\(sse ? "?alt=sse" : "")", body: body.serialized(), headers: headers)
  }

  func stats(bodies: Bool = false) async throws -> JSONValue {
    try await send(.GET, "/mock/stats\(bodies ? "?bodies=1" : "")").json
  }
}

/// Splits an SSE body into its event payloads, checking the framing.
func sseEvents(_ text: String) -> [JSONValue] {
  text.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }.compactMap { e in
    guard e.hasPrefix("data: ") else { return nil }
    return try? JSONValue.parse(String(e.dropFirst(6)))
  }
}

extension JSONValue {
  /// Text of the first candidate's non-thought parts.
  var answerText: String {
    (self["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue ?? [])
      .filter { $0["thought"]?.boolValue != true }
      .compactMap { $0["text"]?.stringValue }.joined()
  }
  var usage: JSONValue { self["usageMetadata"] ?? .null }
  func int(_ key: String) -> Int { self[key]?.intValue ?? 0 }
}
