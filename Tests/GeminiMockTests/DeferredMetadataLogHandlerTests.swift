import Logging
import Synchronization
import Testing

@testable import GeminiMock

/// The wrapped logger writes what the plain one writes: same lines, same metadata.
@Suite struct DeferredMetadataLogHandlerTests {
  /// Records every line with the metadata its handler held then.
  final class Lines: Sendable {
    let lines = Mutex<[String]>([])
  }

  struct Recorder: LogHandler {
    let out: Lines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    var metadataProvider: Logger.MetadataProvider?
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
      get { metadata[key] }
      set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
      let m = metadata.merging(event.metadata ?? [:]) { $1 }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
      out.lines.withLock { $0.append("\(event.level) \(event.message) \(m)") }
    }
  }

  static func script(_ logger: Logger) {
    var l = logger
    l.info("plain")
    l[metadataKey: "a"] = "1"
    l[metadataKey: "b"] = "2"
    l[metadataKey: "a"] = "3"
    l.debug("set", metadata: ["c": "4"])
    l[metadataKey: "b"] = nil
    #expect(l[metadataKey: "a"] == "3" && l[metadataKey: "b"] == nil)
    var copy = l
    copy[metadataKey: "request"] = "7"
    copy.warning("copy")
    l.error("original")
    l.handler.metadata = ["z": "9"]
    l[metadataKey: "y"] = "8"
    #expect(l.handler.metadata == ["z": "9", "y": "8"])
    l.trace("replaced")
    l.logLevel = .warning
    l.info("dropped")
    l.warning("kept")
  }

  @Test func sameLinesAsThePlainHandler() {
    let plain = Lines(), wrapped = Lines()
    var base = Logger(label: "t") { _ in Recorder(out: plain) }
    base[metadataKey: "start"] = "0"
    var inner = Logger(label: "t") { _ in Recorder(out: wrapped) }
    inner[metadataKey: "start"] = "0"
    Self.script(base)
    Self.script(DeferredMetadataLogHandler.wrap(inner))
    #expect(wrapped.lines.withLock { $0 } == plain.lines.withLock { $0 })
    #expect(wrapped.lines.withLock { $0.count } == 6)
  }
}
