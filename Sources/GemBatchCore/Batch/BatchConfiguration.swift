import Foundation

/// Everything a Batch Mode run needs, as plain values (the CLI turns flags into this).
public struct BatchConfiguration: Sendable {
  /// What becomes of jobs whose batch line failed (retryably) or never came back.
  public enum Fallback: String, Sendable, CaseIterable {
    /// Into a new batch, up to the retry policy's attempts.
    case batch
    /// Left pending for an interactive run (`BatchRunReport.needsInteractive`).
    case online
  }

  /// A point where a test build of the run kills itself (SIGKILL), to prove resume from there.
  public enum KillPoint: String, Sendable, CaseIterable {
    /// After the first chunk of an upload that has more.
    case uploading
    /// Once the create request is sent, before its reply is read.
    case createSent = "create-sent"
    /// With the create reply in hand, before its name is committed.
    case createReplied = "create-replied"
    /// After the first poll's answer is committed.
    case polling
    /// Half-way through storing an output file's lines.
    case downloading
  }

  public var files: [String]
  public var defaults: RunDefaults
  public var retry: RetryPolicy
  public var retryFailed: Bool
  public var fallback: Fallback
  /// First delay between polls; it grows while nothing changes (`BatchDecisions.pollDelay`).
  public var poll: Duration
  /// A batch still PENDING this long after its creation is cancelled and its jobs retried.
  public var pendingTimeout: Duration
  /// Enqueued-token budget per model (nil: `BatchDecisions.defaultMaxTokens(model:)`): a shard
  /// holds at most this many estimated input tokens, and a model's live batches together too.
  public var maxTokens: Int?
  /// Largest shard file (the Files API takes 2 GB).
  public var maxShardBytes: Int64
  /// First wait after a create refused with 429 (creates are throttled on their own).
  public var createBackoff: Duration
  /// Submit, then return without waiting (`--detach`).
  public var detach: Bool
  /// Where shard files and downloads go while in use.
  public var workDirectory: String
  public var uploadChunkSize: Int
  /// The base URL (never the key), for the runs table.
  public var endpoint: String
  public var optionsJSON: String
  public var seed: UInt64?
  public var killAt: KillPoint?

  public init(
    files: [String], defaults: RunDefaults, retry: RetryPolicy = RetryPolicy(), retryFailed: Bool = false,
    fallback: Fallback = .batch, poll: Duration = .seconds(30), pendingTimeout: Duration = .seconds(24 * 3600),
    maxTokens: Int? = nil, maxShardBytes: Int64 = 2_000_000_000, createBackoff: Duration = .seconds(10),
    detach: Bool = false, workDirectory: String = NSTemporaryDirectory(), uploadChunkSize: Int = 8 << 20,
    endpoint: String, optionsJSON: String = "{}", seed: UInt64? = nil, killAt: KillPoint? = nil
  ) {
    self.files = files
    self.defaults = defaults
    self.retry = retry
    self.retryFailed = retryFailed
    self.fallback = fallback
    self.poll = poll
    self.pendingTimeout = pendingTimeout
    self.maxTokens = maxTokens
    self.maxShardBytes = maxShardBytes
    self.createBackoff = createBackoff
    self.detach = detach
    self.workDirectory = workDirectory
    self.uploadChunkSize = uploadChunkSize
    self.endpoint = endpoint
    self.optionsJSON = optionsJSON
    self.seed = seed
    self.killAt = killAt
  }
}
