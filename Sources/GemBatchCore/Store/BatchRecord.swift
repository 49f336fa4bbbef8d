import Foundation

/// Where a batch is in gembatch's own lifecycle (`batches.phase`), apart from the API's state:
/// `creating` is committed before the create call (so a crash there is found and reconciled, never
/// created again blindly), `live` once the batch's name is committed, `done` when every one of
/// its attempts has its outcome.
public enum BatchPhase: String, Sendable, Codable, CaseIterable {
  case creating
  case live
  case done
}

/// One row of `batches` (see docs/store-schema.md).
public struct BatchRecord: Sendable, Hashable, Codable {
  public var id: Int64
  public var shardHash: String
  public var displayName: String
  public var model: String
  public var phase: BatchPhase
  /// `batches/…`, once the create reply arrived (or the batch was adopted from a list).
  public var name: String?
  /// The API's state as it came (`BATCH_STATE_*` or `JOB_STATE_*`).
  public var stateRaw: String?
  public var jobCount: Int
  public var estTokens: Int
  public var requestCount: Int
  public var succeededCount: Int
  public var failedCount: Int
  public var pendingCount: Int
  public var inputFile: String?
  public var inputDeleted: Bool
  public var outputFile: String?
  public var runId: Int64?
  public var createdAt: Double
  public var submittedAt: Double?
  public var updatedAt: Double
  public var expiresAt: Double?
  public var endedAt: Double?
  /// How it ended for gembatch: `collected`, `expired`, `failed`, `cancelled`, `timed_out`, `create_failed`, `output_lost`.
  public var outcome: String?
  public var errorMessage: String?
}

/// A Files API upload the store remembers (`uploads`), matched by the content's sha256.
public struct UploadRecord: Sendable, Hashable {
  public var sha256: String
  public var fileName: String
  public var size: Int64
  public var mimeType: String?
  /// `batch-input` or `job-file`.
  public var purpose: String
  public var uploadedAt: Double
  public var expiresAt: Double
  public var deletedAt: Double?

  public init(
    sha256: String, fileName: String, size: Int64, mimeType: String?, purpose: String, uploadedAt: Double,
    expiresAt: Double, deletedAt: Double? = nil
  ) {
    self.sha256 = sha256
    self.fileName = fileName
    self.size = size
    self.mimeType = mimeType
    self.purpose = purpose
    self.uploadedAt = uploadedAt
    self.expiresAt = expiresAt
    self.deletedAt = deletedAt
  }
}

/// A job of a batch whose attempt is still open: what collecting its output line needs.
public struct BatchMember: Sendable {
  public var jobId: String
  public var attemptId: Int64
  public var attemptNo: Int
  public var seq: Int
  public var model: String
  public var requestHash: String
  public var estInputTokens: Int
  public var jsonMode: Bool
  /// The request (for the output schema), read only for JSON-mode jobs.
  public var body: Data?
}

/// What the shard writer read for one job.
public struct ShardCandidate: Sendable {
  public var id: String
  public var seq: Int
  public var body: Data
  public var estInputTokens: Int
}
