import Foundation
import GeminiAPI

/// Pages through the store's runnable jobs in input order, a page at a time, so memory does not
/// grow with the number of jobs.
struct JobPager {
  let store: Store
  let pageSize: Int
  let runId: Int64
  /// The most a job can cost, for `--budget`; computed once per job as its page is read.
  let costEstimate: (@Sendable (DispatchJob) -> Double?)?
  private var afterSeq = -1
  private(set) var exhausted = false
  private var waitingRead = false
  /// Parsed schemas by their text: the jobs of a file mostly share one.
  private var schemas: [String: OutputSchema] = [:]

  init(store: Store, pageSize: Int, runId: Int64, costEstimate: (@Sendable (DispatchJob) -> Double?)? = nil) {
    self.store = store
    self.runId = runId
    self.pageSize = pageSize
    self.costEstimate = costEstimate
  }

  private mutating func schema(_ f: JobFacts) -> OutputSchema? {
    guard let text = f.outputSchemaJSON else { return nil }
    if let hit = schemas[text] { return hit }
    guard let value = try? JSONValue.parse(Data(text.utf8)) else { return nil }
    let s: OutputSchema = f.schemaDialect == "openapi" ? .openAPI(value) : .jsonSchema(value)
    if schemas.count < 256 { schemas[text] = s }
    return s
  }

  /// The next page, and whether it is the last. The first page begins with the run's jobs still
  /// waiting for a time a server set (they carry `waitSeconds`: the scheduler holds them).
  mutating func nextPage() throws -> ([DispatchJob], exhausted: Bool) {
    guard !exhausted else { return ([], true) }
    var jobs: [DispatchJob] = []
    if !waitingRead {
      waitingRead = true
      let t = Date().timeIntervalSince1970
      for (r, notBefore) in try store.fetchWaiting(runId: runId) {
        var job = dispatchJob(r)
        job.notBefore = notBefore
        job.waitSeconds = max(0, notBefore - t)
        jobs.append(job)
      }
    }
    let page = try store.fetchRunnable(afterSeq: afterSeq, limit: pageSize, runId: runId)
    jobs.reserveCapacity(jobs.count + page.count)
    for r in page { jobs.append(dispatchJob(r)) }
    if let last = page.last { afterSeq = last.seq }
    if page.count < pageSize { exhausted = true }
    return (jobs, exhausted)
  }

  private mutating func dispatchJob(_ r: RunnableJob) -> DispatchJob {
    var job: DispatchJob
    if let f = r.facts {
      job = DispatchJob(
        id: r.id, seq: r.seq, model: r.model, body: r.body, requestHash: r.requestHash,
        estimatedInputTokens: r.estInputTokens, isJSONMode: r.jsonMode,
        outputSchema: r.jsonMode ? schema(f) : nil, attempts: r.attemptCount, usesSearch: f.usesSearch,
        maxOutputTokens: f.maxOutputTokens, serviceTier: DispatchJob.serviceTier(body: r.body))
    } else {
      // Synced before the facts were stored: found in the body, as before.
      job = DispatchJob(
        id: r.id, seq: r.seq, model: r.model, body: r.body, requestHash: r.requestHash,
        estimatedInputTokens: r.estInputTokens, isJSONMode: r.jsonMode,
        outputSchema: r.jsonMode ? DispatchJob.outputSchema(fromBody: r.body) : nil, attempts: r.attemptCount,
        usesSearch: DispatchJob.usesSearch(body: r.body), maxOutputTokens: DispatchJob.maxOutputTokens(fromBody: r.body),
        serviceTier: DispatchJob.serviceTier(body: r.body))
    }
    job.maxCostUSD = costEstimate?(job)
    return job
  }
}
