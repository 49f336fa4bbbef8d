import Foundation
import GRDB
import Synchronization

/// Group commit over a `Store`: callers enqueue ledger writes and suspend; a drain on one serial
/// queue takes up to `maxBatch` of them, runs ONE transaction with cached statements, and resumes
/// every caller after COMMIT. A caller of `attemptStarted` therefore holds a durable attempt row
/// when it returns, and only then may its request leave.
///
/// Batching is natural: the drain starts the moment work arrives on an idle writer (a lone caller
/// waits for nothing), and whatever arrives while a transaction runs goes into the next one (a
/// busy run shares each COMMIT). There is no actor, no gathering delay and no polling: enqueueing
/// is a lock and an append, and the drain writes synchronously on its own queue.
///
/// Two lanes: attempt starts (tiny, and a request waits on each) go first in every transaction,
/// ahead of queued outcomes, so a burst of outcomes (500 answers arriving together) does not
/// hold back the next requests; a few queued outcomes share the starts' COMMIT, and an
/// outcome-only transaction ends as soon as a start waits. Order per job is kept: a start for a
/// job whose outcome is still queued waits in the outcome lane behind it.
/// If a batch transaction fails, it is rolled back whole and each item is retried in its own
/// transaction, so one bad item fails alone and nothing is ever half-written.
public final class LedgerWriter: Sendable {
  enum Op: Sendable {
    case start(AttemptStart)
    case finish(AttemptFinish)
    case barrier
  }

  struct Item: Sendable {
    let op: Op
    /// nil for a write nobody waits for (`submitFinished`): its failure is kept in `failure`.
    let continuation: CheckedContinuation<Int64, any Error>?
  }

  private struct State: Sendable {
    /// Attempt starts, committed first.
    var starts: [Item] = []
    /// Outcomes and barriers (and a start whose job still has an outcome queued), FIFO from
    /// `head` (a popped slot is left behind and trimmed now and then, so popping is O(1)).
    var queue: [Item] = []
    var head = 0
    /// Queued outcomes per job, so a start never overtakes its own job's outcome.
    var queuedFinishes: [String: Int] = [:]
    var draining = false
    var closed = false
    var transactions = 0
    var itemsWritten = 0
    var failure: StoreError?

    var queueIsEmpty: Bool { head == queue.count }

    mutating func append(_ item: Item) {
      switch item.op {
      case .start(let a) where queuedFinishes[a.jobId] == nil:
        starts.append(item)
      case .finish(let f):
        queuedFinishes[f.jobId, default: 0] += 1
        queue.append(item)
      default:
        queue.append(item)
      }
    }

    mutating func popQueued() -> Item? {
      guard head < queue.count else { return nil }
      let item = queue[head]
      head += 1
      if head == queue.count {
        queue.removeAll(keepingCapacity: true)
        head = 0
      } else if head >= 1024 && head * 2 >= queue.count {
        queue.removeFirst(head)
        head = 0
      }
      if case .finish(let f) = item.op {
        if let c = queuedFinishes[f.jobId], c > 1 {
          queuedFinishes[f.jobId] = c - 1
        } else {
          queuedFinishes[f.jobId] = nil
        }
      }
      return item
    }
  }

  public let store: Store
  public let maxBatch: Int
  public let maxOutcomeBatch: Int
  private let state = Mutex(State())
  private let writerQueue = DispatchQueue(label: "gembatch.ledger-writer", qos: .userInitiated)

  /// Transactions committed and items written (for benchmarks and tests).
  public var transactions: Int { state.withLock { $0.transactions } }
  public var itemsWritten: Int { state.withLock { $0.itemsWritten } }

  /// - Parameters:
  ///   - maxBatch: most attempt starts per transaction.
  ///   - maxOutcomeBatch: most outcomes per transaction when no start is in it (default:
  ///     `maxBatch`). Such a transaction ends early, after the item being written, as soon as a
  ///     start waits; a transaction with starts also takes up to `outcomesWithStarts` queued
  ///     outcomes, so the two share one COMMIT. Big transactions while only outcomes queue (fewer
  ///     commits rewriting the same pages), and a start never waits behind a long one.
  ///     (A fixed small cap, 32, measured worse: starts waited 20–28 ms instead of 11 ms.)
  public init(store: Store, maxBatch: Int = 256, maxOutcomeBatch: Int? = nil) {
    self.store = store
    self.maxBatch = max(1, maxBatch)
    self.maxOutcomeBatch = max(1, maxOutcomeBatch ?? maxBatch)
  }

  /// Commits (in the next group transaction) a new attempt row (`ended_at` NULL) and sets the job
  /// `in_flight`, `attempt_count += 1`. Returns after COMMIT with the attempt id.
  public func attemptStarted(_ a: AttemptStart) async throws -> Int64 {
    try await enqueue(.start(a))
  }

  /// Records the outcome, the job's new state and its result (if any) in the next group
  /// transaction; returns after COMMIT.
  public func attemptFinished(_ f: AttemptFinish) async throws {
    try Self.check(f)
    _ = try await enqueue(.finish(f))
  }

  /// Queues an outcome without waiting for its commit. The queue is FIFO, so anything enqueued
  /// later (the job's next attempt) commits after it. A failure to write it is kept in `failure`
  /// and thrown by `close()`. The runner uses this so that a finished request's slot is free for
  /// the next job at once instead of after a commit; a crash before the commit leaves the
  /// attempt open (in flight at the crash), exactly as a crash a moment before the answer would.
  public func submitFinished(_ f: AttemptFinish) throws {
    try Self.check(f)
    let startDrain: Bool = try state.withLock { s in
      if s.closed { throw StoreError(.closed, "the ledger writer is closed") }
      s.append(Item(op: .finish(f), continuation: nil))
      if s.draining { return false }
      s.draining = true
      return true
    }
    if startDrain { writerQueue.async { self.drain() } }
  }

  /// The first failure of a write nobody waited for (`submitFinished`), if any.
  public var failure: StoreError? { state.withLock { $0.failure } }

  static func check(_ f: AttemptFinish) throws {
    if f.jobState == .succeeded, f.result == nil || f.rawResponse == nil {
      throw StoreError(.invariant, "job \(f.jobId): succeeded needs its result row and raw response")
    }
    if f.jobState == .inFlight {
      throw StoreError(.invariant, "job \(f.jobId): an outcome cannot leave the job in_flight")
    }
  }

  /// Returns when everything queued before it is committed.
  public func flush() async throws {
    _ = try await enqueue(.barrier)
  }

  /// Flushes, then refuses later writes (they fail with `.closed`). Throws the first failure
  /// of a write nobody waited for.
  public func close() async throws {
    if state.withLock({ $0.closed }) { return }
    try await flush()
    let failure = state.withLock { s -> StoreError? in
      s.closed = true
      return s.failure
    }
    if let failure { throw failure }
  }

  private func enqueue(_ op: Op) async throws -> Int64 {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<Int64, any Error>) in
      enum Next { case refuse, wait, startDrain }
      let next: Next = state.withLock { s in
        if s.closed { return .refuse }
        s.append(Item(op: op, continuation: c))
        if s.draining { return .wait }
        s.draining = true
        return .startDrain
      }
      switch next {
      case .refuse: c.resume(throwing: StoreError(.closed, "the ledger writer is closed"))
      case .wait: break
      case .startDrain: writerQueue.async { self.drain() }
      }
    }
  }

  /// Runs on `writerQueue` until both lanes are empty.
  private func drain() {
    while true {
      let starts: [Item]? = state.withLock { s in
        if s.starts.isEmpty && s.queueIsEmpty {
          s.draining = false
          return nil
        }
        let n = min(s.starts.count, maxBatch)
        let b = Array(s.starts.prefix(n))
        s.starts.removeFirst(n)
        return b
      }
      guard let starts else { return }
      let (batch, results) = commitRound(starts: starts)
      state.withLock { s in
        s.transactions += 1
        s.itemsWritten += batch.count
      }
      for (item, result) in zip(batch, results) {
        if let c = item.continuation {
          c.resume(with: result)
        } else if case .failure(let e) = result {
          state.withLock { s in
            if s.failure == nil { s.failure = store.noted(StoreError.wrap(e, path: store.path)) }
          }
        }
      }
    }
  }

  /// Most queued outcomes that share a transaction with attempt starts: they share its COMMIT
  /// (one commit per round instead of two) while adding at most a couple of milliseconds to the
  /// starts' wait.
  static let outcomesWithStarts = 32

  /// One transaction: the waiting starts first, then items of the FIFO lane taken one at a
  /// time, up to `outcomesWithStarts` when starts are in the transaction (they wait for its
  /// COMMIT), else up to `maxOutcomeBatch`, ending early once a start waits. On failure it is
  /// rolled back and every item is retried in a transaction of its own (`commit`).
  private func commitRound(starts: [Item]) -> ([Item], [Result<Int64, any Error>]) {
    var taken = starts
    let limit = starts.isEmpty ? maxOutcomeBatch : Self.outcomesWithStarts
    do {
      let ids = try store.pool.write { db -> [Int64] in
        let statements = try Statements(db)
        var ids = try starts.map { try Self.apply($0.op, db, statements) }
        var outcomes = 0
        while outcomes < limit {
          let yieldToStarts = starts.isEmpty && outcomes > 0
          guard
            let item = state.withLock({ s -> Item? in
              if yieldToStarts && !s.starts.isEmpty { return nil }
              return s.popQueued()
            })
          else { break }
          taken.append(item)
          outcomes += 1
          ids.append(try Self.apply(item.op, db, statements))
        }
        return ids
      }
      return (taken, ids.map { .success($0) })
    } catch {
      return (taken, Self.commit(taken.map(\.op), store: store, knownToFailTogether: taken.count > 1))
    }
  }

  private static func commit(_ ops: [Op], store: Store, knownToFailTogether: Bool = false) -> [Result<Int64, any Error>] {
    if !knownToFailTogether {
      do {
        let ids = try store.pool.write { db in
          let statements = try Statements(db)
          return try ops.map { try apply($0, db, statements) }
        }
        return ids.map { .success($0) }
      } catch {
        if ops.count == 1 { return [.failure(store.noted(StoreError.wrap(error, path: store.path)))] }
      }
    }
    var out: [Result<Int64, any Error>] = []
    out.reserveCapacity(ops.count)
    for op in ops {
      do {
        out.append(.success(try store.pool.write { db in try apply(op, db, Statements(db)) }))
      } catch {
        out.append(.failure(store.noted(StoreError.wrap(error, path: store.path))))
      }
    }
    return out
  }

  static let insertAttemptSQL = """
    INSERT INTO attempts (job_id, run_id, attempt_no, request_hash, streamed, started_at, purpose)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    """
  static let startJobSQL = """
    UPDATE jobs SET state = 'in_flight', attempt_count = attempt_count + 1, last_run_id = ?,
                    not_before = NULL, updated_at = ?
    WHERE id = ?
    """
  static let finishAttemptSQL = """
    UPDATE attempts SET ended_at = ?, outcome = ?, http_status = ?, error_class = ?, error_code = ?,
                        api_status = ?, error_message = ?, quota_id = ?, suggested_delay_ms = ?,
                        latency_ms = ?, ttfb_ms = ?, raw_response = ?, cost_usd = ?, total_tokens = ?, raw_response_bytes = ?
    WHERE id = ? AND job_id = ?
    """
  static let finishJobSQL = """
    UPDATE jobs SET state = ?, not_before = ?, failure_class = ?, failure_reason = ?, updated_at = ?
    WHERE id = ?
    """
  static let insertResultSQL = """
    INSERT OR REPLACE INTO results
      (job_id, attempt_id, run_id, request_hash, model_version, response_id, answer_text, thought_text,
       json_output, json_status, json_error, function_calls, grounding_sources, web_search_queries,
       finish_reason, finish_message, block_reason, truncated, prompt_tokens, cached_tokens,
       candidates_tokens, thoughts_tokens, tool_use_prompt_tokens, total_tokens, usage_json, cost_usd,
       price_version, latency_ms, ttfb_ms, created_at, obtained, obtained_reason, original_answer_text,
       served_model, service_tier, media, maps_sources, safety_ratings, block_category, citations,
       grounding_supports, candidates)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    """

  /// The five statements, looked up in GRDB's cache once per transaction rather than once per row.
  struct Statements {
    let insertAttempt: Statement
    let startJob: Statement
    let finishAttempt: Statement
    let finishJob: Statement
    let insertResult: Statement

    init(_ db: Database) throws {
      insertAttempt = try db.cachedStatement(sql: LedgerWriter.insertAttemptSQL)
      startJob = try db.cachedStatement(sql: LedgerWriter.startJobSQL)
      finishAttempt = try db.cachedStatement(sql: LedgerWriter.finishAttemptSQL)
      finishJob = try db.cachedStatement(sql: LedgerWriter.finishJobSQL)
      insertResult = try db.cachedStatement(sql: LedgerWriter.insertResultSQL)
    }
  }

  /// `attempts.error_class` of a per-day quota refusal (`GeminiError`'s class label).
  static let dailyQuotaClass = "rate_limited_daily"

  static func apply(_ op: Op, _ db: Database, _ statements: Statements) throws -> Int64 {
    switch op {
    case .barrier:
      return 0
    case .start(let a):
      var insert = RawStatement(db, statements.insertAttempt)
      insert.bind(a.jobId)
      insert.bind(a.runId)
      insert.bind(a.attemptNo)
      insert.bind(a.requestHash)
      insert.bind(a.streamed)
      insert.bind(a.startedAt)
      insert.bind((a.purpose ?? .plain(attemptNo: a.attemptNo)).rawValue)
      try insert.run()
      let id = db.lastInsertedRowID
      var job = RawStatement(db, statements.startJob)
      job.bind(a.runId)
      job.bind(a.startedAt)
      job.bind(a.jobId)
      try job.run()
      if db.changesCount != 1 { throw StoreError(.unknownRow, "no job \(a.jobId)") }
      return id
    case .finish(let f):
      var attempt = RawStatement(db, statements.finishAttempt)
      attempt.bind(f.endedAt)
      attempt.bind(f.outcome.rawValue)
      attempt.bind(f.httpStatus)
      attempt.bind(f.errorClass)
      attempt.bind(f.errorCode)
      attempt.bind(f.apiStatus)
      attempt.bind(f.errorMessage)
      attempt.bind(f.quotaId)
      attempt.bind(f.suggestedDelayMs)
      attempt.bind(f.latencyMs)
      attempt.bind(f.ttfbMs)
      attempt.bind(f.rawResponse)
      attempt.bind(f.costUSD ?? f.result?.costUSD)
      attempt.bind(f.totalTokens ?? f.result?.totalTokens)
      attempt.bind(f.rawResponseBytes)
      attempt.bind(f.attemptId)
      attempt.bind(f.jobId)
      try attempt.run()
      if db.changesCount != 1 { throw StoreError(.unknownRow, "no attempt \(f.attemptId) for job \(f.jobId)") }
      var job = RawStatement(db, statements.finishJob)
      job.bind(f.jobState.rawValue)
      job.bind(f.jobState == .waiting ? f.notBefore : nil)
      job.bind(f.jobState == .failed ? f.failureClass : nil)
      job.bind(f.jobState == .failed ? f.failureReason : nil)
      job.bind(f.endedAt)
      job.bind(f.jobId)
      try job.run()
      if db.changesCount != 1 { throw StoreError(.unknownRow, "no job \(f.jobId)") }
      if f.errorClass == Self.dailyQuotaClass {
        // A per-day quota is out until its reset: remembered with the outcome that said so, so a
        // resume before then sends one probe (`Store.quotaStops`), whoever stopped the run.
        try db.execute(
          sql: """
            INSERT OR REPLACE INTO quota_stops (model, quota_id, resets_at, recorded_at)
            SELECT model, ?, ?, ? FROM jobs WHERE id = ?
            """, arguments: [f.quotaId ?? "", QuotaReset.next(after: f.endedAt), f.endedAt, f.jobId])
      }
      if let r = f.result {
        var result = RawStatement(db, statements.insertResult)
        result.bind(r.jobId)
        result.bind(r.attemptId)
        result.bind(r.runId)
        result.bind(r.requestHash)
        result.bind(r.modelVersion)
        result.bind(r.responseId)
        result.bind(r.answerText)
        result.bind(r.thoughtText)
        result.bind(r.jsonOutput)
        result.bind(r.jsonStatus)
        result.bind(r.jsonError)
        result.bind(r.functionCallsJSON)
        result.bind(r.groundingSourcesJSON)
        result.bind(r.webSearchQueriesJSON)
        result.bind(r.finishReason)
        result.bind(r.finishMessage)
        result.bind(r.blockReason)
        result.bind(r.truncated)
        result.bind(r.promptTokens)
        result.bind(r.cachedTokens)
        result.bind(r.candidatesTokens)
        result.bind(r.thoughtsTokens)
        result.bind(r.toolUsePromptTokens)
        result.bind(r.totalTokens)
        result.bind(r.usageJSON)
        result.bind(r.costUSD)
        result.bind(r.priceVersion)
        result.bind(r.latencyMs)
        result.bind(r.ttfbMs)
        result.bind(r.createdAt)
        let (obtained, reason) = r.obtainedColumns(finish: f)
        result.bind(obtained)
        result.bind(reason)
        result.bind(r.originalAnswerText)
        result.bind(r.servedModel)
        result.bind(r.serviceTier)
        result.bind(r.mediaJSON)
        result.bind(r.mapsSourcesJSON)
        result.bind(r.safetyRatingsJSON)
        result.bind(r.blockCategory)
        result.bind(r.citationsJSON)
        result.bind(r.groundingSupportsJSON)
        result.bind(r.candidatesJSON)
        try result.run()
        if let why = r.usageInvalid {
          // Rare (a server sent counts nobody can bill), so its own statement keeps the hot insert as is.
          try db.execute(sql: "UPDATE results SET usage_invalid = ? WHERE job_id = ?", arguments: [why, r.jobId])
        }
      }
      return f.attemptId
    }
  }
}
