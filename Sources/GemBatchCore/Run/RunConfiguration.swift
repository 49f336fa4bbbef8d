import Foundation
import GeminiAPI

/// Everything a run needs to know, as plain values (the CLI turns flags into this).
public struct RunConfiguration: Sendable {
  public var files: [String]
  public var defaults: RunDefaults
  /// Upper bound of requests in flight; the adaptive limit moves below it on 429s.
  public var concurrency: Int
  public var limits: ModelLimits
  public var retry: RetryPolicy
  public var stream: Bool
  public var retryFailed: Bool
  /// After an interrupt, how long requests in flight may take to finish.
  public var grace: Duration
  /// Stop taking new jobs before spend (done + in flight) would cross this.
  public var budgetUSD: Double?
  /// The base URL (never the key), for the runs table.
  public var endpoint: String
  /// Settings recorded with the run (never the key).
  public var optionsJSON: String
  /// Seed for the retry jitter; nil draws from the system.
  public var seed: UInt64?
  /// Jobs fetched from the store per page.
  public var pageSize: Int
  /// What the store already spent on these jobs in earlier runs (`--budget` covers the store).
  public var spentBeforeUSD: Double = 0
  /// Fail fast: hold a model once its first this-many final outcomes are one permanent error; nil: off.
  public var failFastAfter: Int? = 20
  /// Models whose per-day quota stopped an earlier run and has not reset: one probe request first.
  public var probeModels: Set<String> = []
  /// `--repair N` and `--grow-max-tokens`: what to do with JSON answers that fail their checks.
  public var repair: RepairPolicy
  /// `--rerun CLASS,…`: only the jobs whose last outcome is of these classes run
  /// (`JobLoader(…, rerun:)`); nil runs every job that is to run.
  public var rerun: Set<RerunClass>?
  /// `--tier`: the tier requests that name none are sent at (nil: the API's default, standard).
  /// Added on the way out by `TieredTransport`; it is not part of a request's hash.
  public var serviceTier: String?

  public init(
    files: [String], defaults: RunDefaults, concurrency: Int = 64, limits: ModelLimits = ModelLimits(),
    retry: RetryPolicy = RetryPolicy(), stream: Bool = false, retryFailed: Bool = false, grace: Duration = .seconds(30),
    budgetUSD: Double? = nil, endpoint: String, optionsJSON: String = "{}", seed: UInt64? = nil, pageSize: Int = 2048,
    repair: RepairPolicy = RepairPolicy(), rerun: Set<RerunClass>? = nil
  ) {
    self.files = files
    self.defaults = defaults
    self.concurrency = max(1, concurrency)
    self.limits = limits
    self.retry = retry
    self.stream = stream
    self.retryFailed = retryFailed
    self.grace = grace
    self.budgetUSD = budgetUSD
    self.endpoint = endpoint
    self.optionsJSON = optionsJSON
    self.seed = seed
    self.pageSize = max(16, pageSize)
    self.repair = repair
    self.rerun = rerun.flatMap { $0.isEmpty ? nil : $0 }
  }
}

/// Requests and input tokens per minute: a default for every model and overrides per model.
public struct ModelLimits: Sendable, Hashable {
  public struct Limit: Sendable, Hashable {
    public var rpm: Double?
    public var tpm: Double?
    public init(rpm: Double? = nil, tpm: Double? = nil) {
      self.rpm = rpm
      self.tpm = tpm
    }
  }

  public var defaultLimit: Limit
  public var perModel: [String: Limit]

  public init(defaultLimit: Limit = Limit(), perModel: [String: Limit] = [:]) {
    self.defaultLimit = defaultLimit
    self.perModel = perModel
  }

  public func limit(for model: String) -> Limit {
    guard let m = perModel[model] else { return defaultLimit }
    return Limit(rpm: m.rpm ?? defaultLimit.rpm, tpm: m.tpm ?? defaultLimit.tpm)
  }
}
