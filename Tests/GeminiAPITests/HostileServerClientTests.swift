import Foundation
import LoopbackServer
import Testing

@testable import GeminiAPI

/// The client against servers that echo the key back, in every status a proxy might use.
struct HostileServerClientTests {
  static let key = "TESTkeyHOSTILE-echo_0123456789abcdefgh"
  static let requestBody = Data(#"{"contents":[{"role":"user","parts":[{"text":"Hi"}]}]}"#.utf8)
  static let b64 = Data("GEMINI_API_KEY=\(key)\0HOME=/root".utf8).base64EncodedString()

  func withClient<T>(_ server: ScriptedServer, key: String = key, _ body: (GeminiClient) async throws -> T) async throws
    -> T
  {
    let endpoint = Endpoint(name: "test", baseURL: server.baseURL, apiKey: key)
    return try await GeminiClient.withGeminiClient(
      endpoint: endpoint, timeouts: .init(connect: .seconds(5), read: .seconds(30), total: .seconds(60)),
      maxConnections: 4, body)
  }

  static let echoes: [(String, Data)] = [
    (
      "400",
      Raw.response(
        status: 400, reason: "Bad Request",
        body:
          #"{"error":{"code":400,"message":"API key not valid: \#(key)","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","metadata":{"key":"\#(key)"}}]}}"#
      )
    ),
    (
      "429",
      Raw.response(
        status: 429, reason: "Too Many",
        body: #"{"error":{"code":429,"message":"quota for key=\#(key) (\#(b64))","status":"RESOURCE_EXHAUSTED"}}"#)
    ),
    (
      "500",
      Raw.response(
        status: 500, reason: "Oops", contentType: "text/plain",
        body: "internal error; request headers: x-goog-api-key: \(key)")
    ),
    (
      "502",
      Raw.response(
        status: 502, reason: "Bad Gateway", contentType: "text/html",
        body:
          "<html><title>502 \(key)</title><body>upstream https://u/?key=\(key.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)</body></html>"
      )
    ),
    (
      "302",
      Raw.response(
        status: 302, reason: "Found", contentType: "text/html", headers: ["location: https://evil.example/?key=\(key)"],
        body: "<a href=\"https://evil.example/?key=\(key)\">moved</a>")
    ),
    (
      "200",
      Raw.response(
        body:
          #"{"candidates":[{"content":{"role":"model","parts":[{"text":"your key is \#(key)"}]},"finishReason":"STOP"}]}"#
      )
    ),
  ]

  @Test(arguments: 0..<6)
  func anEchoedKeyNeverLeavesTheClient(_ i: Int) async throws {
    let (name, reply) = Self.echoes[i]
    try await ScriptedServer.with({ _ in [.write(reply)] }) { server in
      let e = try await withClient(server) {
        await $0.generateContent(model: "gemini-2.5-flash", body: Self.requestBody)
      }
      #expect(e.httpStatus == Int(name))
      let raw = String(decoding: e.rawBody, as: UTF8.self)
      #expect(!raw.contains(Self.key) && !raw.contains(String(Self.key.dropFirst(4).prefix(20))), "\(name): \(raw)")
      #expect(!raw.contains(Self.b64))
      if let error = e.error {
        #expect(!error.description.contains(Self.key), "\(name)")
        #expect(!String(describing: error.body).contains(Self.key), "\(name)")
      } else {
        #expect(e.response?.answerText == "your key is [redacted]")
      }
      #expect(!e.rawBody.isEmpty)
    }
  }

  @Test func aKeyThatCannotGoInAHeaderIsRefusedUnsent() async throws {
    try await ScriptedServer.with({ _ in [.write(Raw.response(body: "{}"))] }) { server in
      let bad = "AIza-bad\u{7}key-0123456789"
      let e = try await withClient(server, key: bad) {
        await $0.generateContent(model: "gemini-2.5-flash", body: Self.requestBody)
      }
      #expect(e.error?.code == .invalidRequest)
      #expect(e.error?.errorClass == .permanent, "never retried as a lost connection")
      let text = e.error?.description ?? ""
      #expect(text.range(of: "AIza-bad") == nil && text.contains("cannot be sent in an HTTP header"))
      #expect(server.requests.isEmpty)
    }
  }
}
