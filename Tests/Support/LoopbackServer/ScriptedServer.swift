import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A tiny HTTP/1.1 server on 127.0.0.1, port 0, that answers each request with a script of raw
/// writes, pauses and closes. Raw bytes let the tests cut bodies, lie about content-length, split
/// SSE events across TCP writes, stall, and send bodies far larger than the test holds (one
/// chunk written many times), which a framework server would not allow. The client tests talk to
/// it in process; the CLI tests point the real binary at it.
public final class ScriptedServer: Sendable {
  public struct Request: Sendable {
    public var requestLine: String
    public var headers: [(name: String, value: String)]
    public var body: Data
    public var bodyBytes: Int { body.count }
    public var path: String { requestLine.split(separator: " ").dropFirst().first.map(String.init) ?? "" }
    public func header(_ name: String) -> String? {
      headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
  }

  public enum Step: Sendable {
    case write(Data)
    /// `chunk` written `times` times, each flushed.
    case repeated(Data, times: Int)
    case pause(Duration)
    case close
  }

  /// The steps for a request and its 0-based number.
  public typealias Script = @Sendable (Request, Int) -> [Step]

  public let port: Int
  private let channel: Channel
  private let box: StateBox

  private init(port: Int, channel: Channel, box: StateBox) {
    self.port = port
    self.channel = channel
    self.box = box
  }

  public var requests: [Request] { box.state.withLock { $0.requests } }
  public var baseURL: String { "http://127.0.0.1:\(port)" }
  public var url: String { baseURL }

  /// `with(_:_:)` for a script that does not care which request this is.
  public static func with<T>(
    _ script: @escaping @Sendable (Request) -> [Step], _ body: (ScriptedServer) async throws -> T
  ) async throws -> T {
    try await with({ request, _ in script(request) }, body)
  }

  /// Starts a server, runs `body`, and closes the server and its connections on every path.
  public static func with<T>(_ script: @escaping Script, _ body: (ScriptedServer) async throws -> T) async throws -> T {
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
  public static func closedPort() async throws -> Int {
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
      let body = Data(buffer[(end + 4)..<(end + 4 + length)])
      buffer.removeFirst(end + 4 + length)
      return Request(requestLine: requestLine, headers: headers, body: body)
    }
  }
}
