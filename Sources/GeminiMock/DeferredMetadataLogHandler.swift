import Logging

/// Wraps the mock's log handler so that metadata set on a logger reaches the wrapped handler only
/// when a line is logged. Hummingbird sets a request id on a copy of the logger for every request;
/// swift-log's `StreamLogHandler` formats all its metadata on every such change, which cost about
/// 3% of the mock's CPU per small answer for lines that are almost never written (the mock logs
/// warnings only). What is logged is unchanged: the wrapped handler gets the same metadata, set
/// the same way and in the same order, just later.
struct DeferredMetadataLogHandler: LogHandler {
  private var base: any LogHandler
  /// Changes not applied to `base` yet, in the order made (nil removes the key).
  private var pending: [(key: String, value: Logger.Metadata.Value?)] = []

  init(wrapping base: any LogHandler) { self.base = base }

  /// `logger` with its handler wrapped (same label, level, metadata and metadata provider).
  static func wrap(_ logger: Logger) -> Logger {
    Logger(label: logger.label) { _ in DeferredMetadataLogHandler(wrapping: logger.handler) }
  }

  /// `base` with the pending changes applied.
  private var current: any LogHandler {
    var h = base
    for (k, v) in pending { h[metadataKey: k] = v }
    return h
  }

  func log(event: LogEvent) { current.log(event: event) }

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get {
      if let i = pending.lastIndex(where: { $0.key == key }) { return pending[i].value }
      return base[metadataKey: key]
    }
    set { pending.append((key, newValue)) }
  }

  var metadata: Logger.Metadata {
    get { current.metadata }
    set {
      base.metadata = newValue
      pending = []
    }
  }

  var logLevel: Logger.Level {
    get { base.logLevel }
    set { base.logLevel = newValue }
  }

  var metadataProvider: Logger.MetadataProvider? {
    get { base.metadataProvider }
    set { base.metadataProvider = newValue }
  }
}
