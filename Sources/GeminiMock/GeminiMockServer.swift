import GeminiCatalog
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The offline Gemini server (Hummingbird), for tests, dry runs and `gembatch mock`.
public enum GeminiMockServer {
  /// Starts the mock, runs `body` with the bound port, and shuts the server down on every path
  /// (return, throw, cancellation).
  public static func withServer<T: Sendable>(
    _ config: MockConfiguration,
    logger: Logger = GeminiMockServer.quietLogger,
    _ body: @Sendable (_ port: Int) async throws -> T
  ) async throws -> T {
    let state = try MockState(config: config)
    let (portStream, portCont) = AsyncStream.makeStream(of: Int.self)
    let app = makeApplication(state: state, logger: logger) { port in
      portCont.yield(port)
      portCont.finish()
    }
    let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
    return try await withThrowingTaskGroup(of: T?.self) { group in
      group.addTask {
        defer { portCont.finish() }
        try await services.run()
        return nil
      }
      var it = portStream.makeAsyncIterator()
      guard let port = await it.next() else {
        // The server ended before it was listening: surface its error.
        while let r = try await group.next() { _ = r }
        throw MockServerError(message: "the mock server stopped before it was listening")
      }
      let result: Result<T, any Error>
      do {
        result = .success(try await body(port))
      } catch {
        result = .failure(error)
      }
      // Graceful shutdown: stop accepting, let open connections finish, then return.
      await services.triggerGracefulShutdown()
      do {
        while let _ = try await group.next() {}
      } catch {
        if case .success = result { group.cancelAll() }
      }
      return try result.get()
    }
  }

  /// The default logger: warnings and worse only, so tests and dry runs stay quiet.
  public static var quietLogger: Logger {
    var l = Logger(label: "gembatch.mock")
    l.logLevel = .warning
    return l
  }

  /// Runs until the task is cancelled (or SIGINT/SIGTERM, for `gembatch mock`); `onReady` gets the port.
  public static func run(_ config: MockConfiguration, logger: Logger, onReady: @escaping @Sendable (Int) -> Void) async throws {
    let state = try MockState(config: config)
    let app = makeApplication(state: state, logger: logger, onReady: onReady)
    try await app.runService()
  }

  static func makeApplication(state: MockState, logger: Logger, onReady: @escaping @Sendable (Int) -> Void)
    -> Application<MockResponder>
  {
    Application(
      responder: MockResponder(state: state),
      configuration: ApplicationConfiguration(
        address: .hostname(state.config.host, port: state.config.port), serverName: nil),
      onServerRunning: { channel in onReady(channel.localAddress?.port ?? state.config.port) },
      logger: DeferredMetadataLogHandler.wrap(logger)
    )
  }
}

/// The mock could not start (bad replay folder, port in use).
public struct MockServerError: Error, Sendable, CustomStringConvertible {
  public let message: String
  public var description: String { "mock server: \(message)" }
}

/// Shared mutable state of one server: stats, quota windows, the replay rotation.
final class MockState: Sendable {
  struct Counters: Sendable {
    var stats = MockStats()
    var quotas = QuotaTracker()
    var replayNext = 0
  }

  let config: MockConfiguration
  let models: MockModels
  let replay: ReplayStore?
  let batchStore: MockBatchStore
  let counters: Mutex<Counters>
  let start = ContinuousClock.now

  init(config: MockConfiguration) throws {
    self.config = config
    models = MockModels(catalog: config.catalog, today: config.today ?? .today, extra: config.extraModels)
    counters = Mutex(Counters(quotas: QuotaTracker(minute: config.quotaMinuteSeconds)))
    do {
      batchStore = try MockBatchStore(directory: config.filesDirectory)
    } catch {
      throw MockServerError(message: "cannot create the files folder")
    }
    if let dir = config.replayDirectory {
      do {
        replay = try ReplayStore(directory: dir)
      } catch {
        throw MockServerError(message: "cannot read the replay folder \(dir)")
      }
    } else {
      replay = nil
    }
  }

  var now: Double { (ContinuousClock.now - start).seconds }
}

/// The request context: Hummingbird's basics plus the channel, so a fault can close it.
struct MockRequestContext: RequestContext {
  var coreContext: CoreRequestContextStorage
  let channel: any Channel

  init(source: ApplicationRequestContextSource) {
    coreContext = .init(source: source)
    channel = source.channel
  }

  var maxUploadSize: Int { 64 << 20 }
}
