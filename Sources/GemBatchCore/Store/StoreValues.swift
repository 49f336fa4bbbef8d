import Foundation

/// A job's state in the ledger (`jobs.state`).
public enum JobState: String, Sendable, Codable, CaseIterable {
  case pending
  case inFlight = "in_flight"
  case waiting
  case succeeded
  case failed
}

/// A run's status (`runs.status`).
public enum RunStatus: String, Sendable, Codable, CaseIterable {
  case running
  case finished
  case interrupted
  case quotaStopped = "quota_stopped"
  case budgetStopped = "budget_stopped"
  case authFailed = "auth_failed"
  case unreachable
  case failFast = "fail_fast"
  case parked
  case storeFailed = "store_failed"
  case crashed
  /// Refused before anything was sent: bad job lines, an id another file holds.
  case refused
}

/// What a run records about itself when it starts. Never the API key.
public struct RunStart: Sendable {
  /// The base URL only (credentials, query and fragment are dropped when recorded).
  public var endpoint: String
  /// google, cometapi, mock or custom. nil: the store's claim says (`StoreClaim.endpoint`), else
  /// it is read off the URL.
  public var endpointKind: EndpointIdentity.Kind?
  /// Job file paths, in order.
  public var files: [String]
  /// The run's settings as compact JSON (concurrency, limits, …). Must not contain the key.
  public var optionsJSON: String
  public var version: String
  public var startedAt: Double?

  public init(
    endpoint: String, endpointKind: EndpointIdentity.Kind? = nil, files: [String], optionsJSON: String = "{}",
    version: String, startedAt: Double? = nil
  ) {
    self.endpoint = endpoint
    self.endpointKind = endpointKind
    self.files = files
    self.optionsJSON = optionsJSON
    self.version = version
    self.startedAt = startedAt
  }
}

/// An attempt that was sent and never got an outcome (the process died): possibly billed.
public struct LostAttempt: Sendable, Hashable, Codable {
  public var attemptId: Int64
  public var jobId: String
  public var runId: Int64
  public var startedAt: Double
}

/// What `syncJobs` did. Add them up across batches with `+=`.
public struct SyncStats: Sendable, Hashable, Codable {
  /// New jobs.
  public var inserted = 0
  /// Known jobs with the same request hash (any state).
  public var unchanged = 0
  /// Known jobs whose request hash changed: they run again.
  public var changed = 0
  /// Unchanged and already succeeded: not sent again.
  public var alreadySucceeded = 0
  /// Unchanged and failed, kept failed (no `retryFailed`).
  public var failedKept = 0
  /// Pending after the sync.
  public var toRun = 0
  /// Succeeded earlier, but only with an answer from another endpoint (the mock, another URL):
  /// pending again, the old result kept until replaced. Counted in `toRun` too.
  public var otherEndpoint = 0
  /// Ids that another file of the store already holds (not synced; refused unless the store
  /// takes jobs over).
  public var conflicts: [IdConflict] = []

  public init() {}

  public static func += (a: inout SyncStats, b: SyncStats) {
    a.inserted += b.inserted
    a.unchanged += b.unchanged
    a.changed += b.changed
    a.alreadySucceeded += b.alreadySucceeded
    a.failedKept += b.failedKept
    a.toRun += b.toRun
    a.otherEndpoint += b.otherEndpoint
    a.conflicts += b.conflicts
  }
}

/// A job id read from one file that the store holds from another: a job id belongs to its file.
public struct IdConflict: Sendable, Hashable, Codable {
  public var id: String
  /// Where the store has it.
  public var heldBy: String
  public var heldLine: Int
  /// Where it was read now.
  public var file: String
  public var line: Int

  public init(id: String, heldBy: String, heldLine: Int, file: String, line: Int) {
    self.id = id
    self.heldBy = heldBy
    self.heldLine = heldLine
    self.file = file
    self.line = line
  }
}

/// A per-day quota that stopped a run, and when it resets (`Store.recordQuotaStop`).
public struct QuotaStop: Sendable, Hashable, Codable {
  public var model: String
  /// The quota's id as the API named it ("" when it named none).
  public var quotaId: String
  /// Unix seconds.
  public var resetsAt: Double
  public var recordedAt: Double

  public init(model: String, quotaId: String, resetsAt: Double, recordedAt: Double) {
    self.model = model
    self.quotaId = quotaId
    self.resetsAt = resetsAt
    self.recordedAt = recordedAt
  }
}

/// What the runner remembers of a job file, to skip re-reading it on resume when nothing changed.
public struct SourceFileRecord: Sendable, Hashable, Codable {
  public var path: String
  public var size: Int64
  public var mtime: Double
  /// `sha256:<hex>` of the file's bytes (`FileDigest.fingerprint`); older stores hold
  /// `size=… mtime=…`, which never matches, so their first resume reads the file once.
  public var fingerprint: String
  /// Hash of the run defaults the file was read with (model, generationConfig, …).
  public var defaultsHash: String
  public var jobCount: Int
  public var lastRunId: Int64?
  /// The schema and inline files the file's jobs named at that read, with their digests
  /// (`source_file_refs`): a change to one of them re-reads the job file.
  public var references: [FileDigest]
  /// The file's `stat` when it was hashed (`FileDigest.stamp`): while it is the same, the hash
  /// need not be taken again.
  public var stamp: String?

  public init(
    path: String, size: Int64, mtime: Double, fingerprint: String, defaultsHash: String, jobCount: Int,
    lastRunId: Int64? = nil, references: [FileDigest] = [], stamp: String? = nil
  ) {
    self.path = path
    self.size = size
    self.mtime = mtime
    self.fingerprint = fingerprint
    self.defaultsHash = defaultsHash
    self.jobCount = jobCount
    self.lastRunId = lastRunId
    self.references = references
    self.stamp = stamp
  }

  /// The recorded digest of the file itself, for `FileDigest.current(path:known:)`.
  public var digest: FileDigest? {
    guard fingerprint.hasPrefix("sha256:") else { return nil }
    return FileDigest(path: path, size: size, sha256: String(fingerprint.dropFirst(7)), stamp: stamp)
  }
}

/// A pending job as the scheduler needs it.
public struct RunnableJob: Sendable, Hashable {
  public var id: String
  /// Store order (first-seen input order), unique: page with `fetchRunnable(afterSeq:)`.
  public var seq: Int
  public var model: String
  /// The exact request body to send.
  public var body: Data
  public var requestHash: String
  public var estInputTokens: Int
  public var jsonMode: Bool
  /// Attempts made so far (across runs, since the request last changed).
  public var attemptCount: Int
  /// The job's own facts (nil `facts` on a job synced before they were stored: parse the body).
  public var facts: JobFacts?
}

/// What a job knows of itself, stored with it (`jobs.output_schema` … `max_output_tokens`).
public struct JobFacts: Sendable, Hashable {
  /// The output schema as compact JSON, and its dialect (`json`: responseJsonSchema, `openapi`: responseSchema).
  public var outputSchemaJSON: String?
  public var schemaDialect: String?
  public var usesSearch: Bool
  public var maxOutputTokens: Int?

  public init(outputSchemaJSON: String? = nil, schemaDialect: String? = nil, usesSearch: Bool = false, maxOutputTokens: Int? = nil) {
    self.outputSchemaJSON = outputSchemaJSON
    self.schemaDialect = schemaDialect
    self.usesSearch = usesSearch
    self.maxOutputTokens = maxOutputTokens
  }

  init(_ job: Job) {
    switch job.outputSchema {
    case .jsonSchema(let s)?:
      outputSchemaJSON = s.serialized()
      schemaDialect = "json"
    case .openAPI(let s)?:
      outputSchemaJSON = s.serialized()
      schemaDialect = "openapi"
    case nil:
      outputSchemaJSON = nil
      schemaDialect = nil
    }
    usesSearch = job.usesSearch
    maxOutputTokens = job.maxOutputTokens
  }
}

/// Jobs per state. `total` always equals the sum of the five states.
public struct StateCounts: Sendable, Hashable, Codable {
  public var pending = 0
  public var inFlight = 0
  public var waiting = 0
  public var succeeded = 0
  public var failed = 0

  public init() {}

  public var total: Int { pending + inFlight + waiting + succeeded + failed }

  public subscript(state: JobState) -> Int {
    get {
      switch state {
      case .pending: pending
      case .inFlight: inFlight
      case .waiting: waiting
      case .succeeded: succeeded
      case .failed: failed
      }
    }
    set {
      switch state {
      case .pending: pending = newValue
      case .inFlight: inFlight = newValue
      case .waiting: waiting = newValue
      case .succeeded: succeeded = newValue
      case .failed: failed = newValue
      }
    }
  }

  enum CodingKeys: String, CodingKey { case pending, inFlight = "in_flight", waiting, succeeded, failed, total }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    pending = try c.decode(Int.self, forKey: .pending)
    inFlight = try c.decode(Int.self, forKey: .inFlight)
    waiting = try c.decode(Int.self, forKey: .waiting)
    succeeded = try c.decode(Int.self, forKey: .succeeded)
    failed = try c.decode(Int.self, forKey: .failed)
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(pending, forKey: .pending)
    try c.encode(inFlight, forKey: .inFlight)
    try c.encode(waiting, forKey: .waiting)
    try c.encode(succeeded, forKey: .succeeded)
    try c.encode(failed, forKey: .failed)
    try c.encode(total, forKey: .total)
  }
}
