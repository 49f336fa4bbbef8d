import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A misbehaving HTTP/1.1 server on 127.0.0.1, port 0: each request is answered by a script of
/// raw writes (a body can be sent as many repeats of one chunk, so a huge body costs no memory
/// here), pauses and closes. The CLI tests point the real binary at it.
final class HostileServer: Sendable {
  struct Request: Sendable {
    var requestLine: String
    var headers: [(name: String, value: String)]
    var bodyBytes: Int
    func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
  }

  enum Step: Sendable {
    case write(Data)
    /// `chunk` written `times` times, each flushed.
    case repeated(Data, times: Int)
    case pause(Duration)
    case close
  }

  typealias Script = @Sendable (Request, Int) -> [Step]

  let port: Int
  private let channel: Channel
  private let box: Box

  private init(port: Int, channel: Channel, box: Box) {
    self.port = port
    self.channel = channel
    self.box = box
  }

  var requests: [Request] { box.state.withLock { $0.requests } }
  var url: String { "http://127.0.0.1:\(port)" }

  /// Starts a server whose script gets each request and its 0-based number, runs `body`, and
  /// closes everything on every path.
  static func with<T>(_ script: @escaping Script, _ body: (HostileServer) async throws -> T) async throws -> T {
    let box = Box()
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { child in
        box.state.withLock { $0.children.append(child) }
        return child.eventLoop.makeCompletedFuture {
          try child.pipeline.syncOperations.addHandler(Handler(script: script, box: box))
        }
      }
      .bind(host: "127.0.0.1", port: 0).get()
    let server = HostileServer(port: channel.localAddress!.port!, channel: channel, box: box)
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

  final class Box: Sendable {
    let state = Mutex<(requests: [Request], children: [Channel])>(([], []))
  }

  final class Handler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let script: Script
    let box: Box
    var buffer: [UInt8] = []
    var busy = false

    init(script: @escaping Script, box: Box) {
      self.script = script
      self.box = box
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      var b = unwrapInboundIn(data)
      buffer += b.readBytes(length: b.readableBytes) ?? []
      process(channel: context.channel, eventLoop: context.eventLoop)
    }

    func process(channel: Channel, eventLoop: EventLoop) {
      guard !busy, let request = takeRequest() else { return }
      busy = true
      let n = box.state.withLock { s -> Int in
        s.requests.append(request)
        return s.requests.count - 1
      }
      let steps = script(request, n)
      let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
      Task {
        var closed = false
        func write(_ d: Data) async {
          var out = channel.allocator.buffer(capacity: d.count)
          out.writeBytes(d)
          try? await channel.writeAndFlush(out)
        }
        for step in steps where !closed && channel.isActive {
          switch step {
          case .write(let d): await write(d)
          case .repeated(let d, let times):
            for _ in 0..<times where channel.isActive { await write(d) }
          case .pause(let d): try? await Task.sleep(for: d)
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
      guard buffer.count >= 4 else { return nil }
      var end: Int?
      for i in 0...(buffer.count - 4)
      where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
        end = i
        break
      }
      guard let end else { return nil }
      let head = String(decoding: buffer[..<end], as: UTF8.self)
      var lines = head.components(separatedBy: "\r\n")
      let requestLine = lines.removeFirst()
      let headers = lines.compactMap { l -> (name: String, value: String)? in
        guard let c = l.firstIndex(of: ":") else { return nil }
        return (String(l[..<c]), l[l.index(after: c)...].trimmingCharacters(in: .whitespaces))
      }
      let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
      guard buffer.count >= end + 4 + length else { return nil }
      buffer.removeFirst(end + 4 + length)
      return Request(requestLine: requestLine, headers: headers, bodyBytes: length)
    }
  }
}

/// Raw HTTP answers.
enum Reply {
  static func head(
    status: Int, reason: String = "X", contentType: String = "application/json", contentLength: Int?,
    headers: [String] = []
  ) -> Data {
    var h = "HTTP/1.1 \(status) \(reason)\r\ncontent-type: \(contentType)\r\n"
    if let contentLength { h += "content-length: \(contentLength)\r\n" } else { h += "transfer-encoding: chunked\r\n" }
    for x in headers { h += x + "\r\n" }
    return Data((h + "\r\n").utf8)
  }

  static func full(
    status: Int = 200, reason: String = "OK", contentType: String = "application/json", headers: [String] = [],
    _ body: String
  ) -> [HostileServer.Step] {
    let b = Data(body.utf8)
    return [
      .write(
        head(status: status, reason: reason, contentType: contentType, contentLength: b.count, headers: headers) + b)
    ]
  }

  static func chunk(_ d: Data) -> Data { Data((String(d.count, radix: 16) + "\r\n").utf8) + d + Data("\r\n".utf8) }
  static let lastChunk = Data("0\r\n\r\n".utf8)

  /// A well-formed answer with the given usage object.
  static func answer(text: String = "ok", usage: String) -> String {
    #"{"candidates":[{"content":{"role":"model","parts":[{"text":"\#(text)"}]},"finishReason":"STOP"}],"usageMetadata":\#(usage),"modelVersion":"gemini-2.5-flash"}"#
  }
}
