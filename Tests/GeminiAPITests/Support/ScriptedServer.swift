import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A tiny HTTP/1.1 server on 127.0.0.1, port 0, that answers each request with a script of raw
/// writes, pauses and closes. Raw bytes let the tests cut bodies, lie about content-length, split
/// SSE events across TCP writes and stall, which a framework server would not allow.
final class ScriptedServer: Sendable {
  struct Request: Sendable {
    var requestLine: String
    var headers: [(name: String, value: String)]
    var body: Data
    var path: String { requestLine.split(separator: " ").dropFirst().first.map(String.init) ?? "" }
    func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
  }

  enum Step: Sendable {
    case write(Data)
    case pause(Duration)
    case close
  }

  typealias Script = @Sendable (Request) -> [Step]

  let port: Int
  private let channel: Channel
  private let box: StateBox

  private init(port: Int, channel: Channel, box: StateBox) {
    self.port = port
    self.channel = channel
    self.box = box
  }

  var requests: [Request] { box.state.withLock { $0.requests } }
  var baseURL: String { "http://127.0.0.1:\(port)" }

  /// Starts a server, runs `body`, and closes the server and its connections on every path.
  static func with<T>(_ script: @escaping Script, _ body: (ScriptedServer) async throws -> T) async throws -> T {
    let box = StateBox()
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { child in
        box.state.withLock { $0.children.append(child) }
        return child.eventLoop.makeCompletedFuture {
          try child.pipeline.syncOperations.addHandler(RequestHandler(script: script, box: box))
        }
      }
      .bind(host: "127.0.0.1", port: 0).get()
    let server = ScriptedServer(port: channel.localAddress!.port!, channel: channel, box: box)
    do {
      let r = try await body(server)
      await server.shutdown()
      return r
    } catch {
      await server.shutdown()
      throw error
    }
  }

  private func shutdown() async {
    try? await channel.close()
    for c in box.state.withLock({ $0.children }) { try? await c.close() }
  }

  /// A port with nothing listening (bound, then closed).
  static func closedPort() async throws -> Int {
    let ch = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
    let port = ch.localAddress!.port!
    try await ch.close()
    return port
  }

  final class StateBox: Sendable {
    let state = Mutex<(requests: [Request], children: [Channel])>(([], []))
  }

  /// Collects one request (head + content-length body), then plays the script for it.
  final class RequestHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let script: Script
    let box: StateBox
    var buffer: [UInt8] = []
    var busy = false

    init(script: @escaping Script, box: StateBox) {
      self.script = script
      self.box = box
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      var b = unwrapInboundIn(data)
      buffer += b.readBytes(length: b.readableBytes) ?? []
      process(channel: context.channel, eventLoop: context.eventLoop)
    }

    /// Plays the script of the next complete request, unless one is playing.
    func process(channel: Channel, eventLoop: EventLoop) {
      guard !busy, let request = takeRequest() else { return }
      busy = true
      box.state.withLock { $0.requests.append(request) }
      let steps = script(request)
      let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
      Task {
        var closed = false
        for step in steps where !closed && channel.isActive {
          switch step {
          case .write(let d):
            var out = channel.allocator.buffer(capacity: d.count)
            out.writeBytes(d)
            try? await channel.writeAndFlush(out)
          case .pause(let d):
            try? await Task.sleep(for: d)
          case .close:
            try? await channel.close()
            closed = true
          }
        }
        if !closed {
          eventLoop.execute {
            loopBound.value.busy = false
            loopBound.value.process(channel: channel, eventLoop: eventLoop)
          }
        }
      }
    }

    private func takeRequest() -> Request? {
      let sep: [UInt8] = [13, 10, 13, 10]
      guard buffer.count >= 4, let end = (0...(buffer.count - 4)).first(where: { Array(buffer[$0..<$0 + 4]) == sep })
      else { return nil }
      let head = String(decoding: buffer[..<end], as: UTF8.self)
      var lines = head.components(separatedBy: "\r\n")
      let requestLine = lines.removeFirst()
      let headers = lines.compactMap { l -> (name: String, value: String)? in
        guard let c = l.firstIndex(of: ":") else { return nil }
        return (String(l[..<c]), l[l.index(after: c)...].trimmingCharacters(in: .whitespaces))
      }
      let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
      guard buffer.count >= end + 4 + length else { return nil }
      let body = Data(buffer[(end + 4)..<(end + 4 + length)])
      buffer.removeFirst(end + 4 + length)
      return Request(requestLine: requestLine, headers: headers, body: body)
    }
  }
}

/// Raw HTTP response helpers.
enum Raw {
  static func response(
    status: Int = 200, reason: String = "OK", contentType: String = "application/json", headers: [String] = [],
    body: Data, contentLength: Int? = nil
  ) -> Data {
    var head = "HTTP/1.1 \(status) \(reason)\r\ncontent-type: \(contentType)\r\n"
    head += "content-length: \(contentLength ?? body.count)\r\n"
    for h in headers { head += h + "\r\n" }
    head += "\r\n"
    return Data(head.utf8) + body
  }

  static func response(status: Int = 200, reason: String = "OK", contentType: String = "application/json", headers: [String] = [], body: String) -> Data {
    response(status: status, reason: reason, contentType: contentType, headers: headers, body: Data(body.utf8))
  }

  /// The head of a chunked SSE response; follow it with `chunk(_:)`s and `lastChunk`.
  static let sseHead = Data("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n".utf8)

  static func chunk(_ d: Data) -> Data { Data((String(d.count, radix: 16) + "\r\n").utf8) + d + Data("\r\n".utf8) }
  static func chunk(_ s: String) -> Data { chunk(Data(s.utf8)) }
  static let lastChunk = Data("0\r\n\r\n".utf8)
}
