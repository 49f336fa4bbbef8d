import Synchronization

extension GeminiClient {
  /// How much of a response body the client reads and keeps.
  ///
  /// A server decides how long its bodies are; these bounds decide what that costs here: a
  /// failed answer keeps a prefix (its full length is still reported), a successful one is read
  /// whole up to `maxBodyBytes`, and all bodies being read at once share `bufferBudget`, so a
  /// run at concurrency 64 against a server that sends nothing but huge answers holds that
  /// budget, not 64 × the limit.
  public struct BodyLimits: Sendable, Hashable {
    /// Gemini's largest answers (65,536 output tokens, thoughts, grounding) are a few MiB at most.
    public static let defaultMaxBodyBytes = 16 << 20
    public static let defaultFailedBodyPrefix = 1 << 20
    public static let minimumBufferBudget = 128 << 20

    /// Longest body read, success or failure; a successful body past it fails the attempt
    /// (`malformedBody`), and one announced longer by its content-length is not read at all.
    public var maxBodyBytes: Int
    /// Bytes kept of a failed (non-2xx) or oversized body; reading stops there.
    public var failedBodyPrefix: Int
    /// Bytes all bodies being read by this client may hold together; past it, the body that
    /// would cross it fails its attempt (transient: it is tried again later).
    public var bufferBudget: Int

    public init(
      maxBodyBytes: Int = defaultMaxBodyBytes, failedBodyPrefix: Int = defaultFailedBodyPrefix, bufferBudget: Int? = nil
    ) {
      self.maxBodyBytes = max(1024, maxBodyBytes)
      self.failedBodyPrefix = max(256, min(failedBodyPrefix, self.maxBodyBytes))
      self.bufferBudget = max(bufferBudget ?? max(Self.minimumBufferBudget, 2 * self.maxBodyBytes), self.maxBodyBytes)
    }

    static func mib(_ n: Int) -> String { n % (1 << 20) == 0 ? "\(n >> 20) MiB" : "\(n) bytes" }
  }

  /// The bytes held by bodies being read, against `BodyLimits.bufferBudget`.
  final class BodyBudget: Sendable {
    let limit: Int
    private let held = Mutex(0)

    init(limit: Int) { self.limit = limit }

    /// Takes `n` bytes of the budget; false (nothing taken) when that would cross the limit.
    func take(_ n: Int) -> Bool {
      held.withLock { h in
        guard h + n <= limit else { return false }
        h += n
        return true
      }
    }

    func give(_ n: Int) {
      guard n > 0 else { return }
      held.withLock { $0 = max(0, $0 - n) }
    }

    var inUse: Int { held.withLock { $0 } }
  }
}
