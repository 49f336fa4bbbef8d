import Foundation

/// What a Batch Mode run did, for the summary and the exit code.
public struct BatchRunReport: Sendable {
  public enum Ending: Sendable, Hashable {
    /// No batch is left live; every job of the run is final or left for an interactive run.
    case finished
    /// Submitted (or polled once) with `--detach`: batches are still live.
    case detached
    /// Interrupted while waiting: batches are still live, the same command resumes.
    case interrupted
    /// Invalid job lines: nothing was sent.
    case badInput
  }

  public var runId: Int64
  public var ending: Ending
  public var inputErrors: [JobError] = []
  public var lostAttempts: [LostAttempt] = []
  public var alreadySucceeded = 0
  public var batchesCreated = 0
  public var batchesAdopted = 0
  public var batchesCollected = 0
  public var linesStored = 0
  /// Jobs of the run now succeeded / failed (whole store view for the run).
  public var succeeded = 0
  public var failed = 0
  /// Batches still live at the end (detached or interrupted).
  public var liveBatches = 0
  /// `--fallback online`: the jobs to send interactively (pending or waiting, batched before).
  public var needsInteractive: [String] = []
}

/// One batch's line of progress.
public struct BatchProgress: Sendable {
  public var rowId: Int64
  public var name: String?
  public var model: String
  public var state: String
  public var jobs: Int
  public var succeeded: Int
  public var failed: Int
  public var pending: Int
  /// Seconds since it was submitted.
  public var age: Double
}

/// A Batch Mode run could not go on (the endpoint has no Batch Mode, the store failed).
public struct BatchError: Error, Sendable, CustomStringConvertible {
  public enum Code: String, Sendable {
    case unsupportedEndpoint = "unsupported_endpoint"
    case store
    case api
  }

  public let code: Code
  public let message: String

  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { message }

  /// CometAPI documents only generateContent: no batch or Files endpoints.
  public static func unsupported(_ endpointName: String) -> BatchError {
    BatchError(
      .unsupportedEndpoint,
      "the \(endpointName) endpoint has no Batch Mode (no batch or Files API); nothing was sent. Run interactively, or use --tier flex for the cheaper tier on the same requests")
  }
}
