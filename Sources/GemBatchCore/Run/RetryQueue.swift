/// Jobs waiting for a retry, ordered by when they are due (a binary min-heap).
struct RetryQueue {
  private var heap: [(due: Double, seq: Int, job: DispatchJob)] = []
  private var counter = 0

  var isEmpty: Bool { heap.isEmpty }
  var count: Int { heap.count }
  var nextDue: Double? { heap.first?.due }

  mutating func push(_ job: DispatchJob, due: Double) {
    counter += 1
    heap.append((due, counter, job))
    var i = heap.count - 1
    while i > 0 {
      let p = (i - 1) / 2
      if less(i, p) { heap.swapAt(i, p); i = p } else { break }
    }
  }

  mutating func popDue(now: Double) -> DispatchJob? {
    guard let first = heap.first, first.due <= now else { return nil }
    heap.swapAt(0, heap.count - 1)
    heap.removeLast()
    var i = 0
    while true {
      let l = 2 * i + 1, r = l + 1
      var m = i
      if l < heap.count, less(l, m) { m = l }
      if r < heap.count, less(r, m) { m = r }
      if m == i { break }
      heap.swapAt(i, m)
      i = m
    }
    return first.job
  }

  private func less(_ a: Int, _ b: Int) -> Bool {
    heap[a].due < heap[b].due || (heap[a].due == heap[b].due && heap[a].seq < heap[b].seq)
  }
}

/// A small, fast, seedable generator for the retry jitter.
struct SplitMix64: RandomNumberGenerator {
  private var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  /// A draw in [0, 1).
  mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// Pages through the store's runnable jobs in input order, a page at a time, so memory does not
/// grow with the number of jobs.
struct JobPager {
  let store: Store
  let pageSize: Int
  let runId: Int64
  private var buffer: [DispatchJob] = []
  private var index = 0
  private var afterSeq = -1
  private(set) var exhausted = false
  /// No more jobs: the store has none left and the page is used up.
  var isDone: Bool { exhausted && index >= buffer.count }

  init(store: Store, pageSize: Int, runId: Int64) {
    self.store = store
    self.runId = runId
    self.pageSize = pageSize
  }

  mutating func next() throws -> DispatchJob? {
    if index >= buffer.count {
      guard !exhausted else { return nil }
      let page = try store.fetchRunnable(afterSeq: afterSeq, limit: pageSize, runId: runId)
      buffer = page.map { r in
        DispatchJob(
          id: r.id, seq: r.seq, model: r.model, body: r.body, requestHash: r.requestHash,
          estimatedInputTokens: r.estInputTokens, isJSONMode: r.jsonMode,
          outputSchema: r.jsonMode ? DispatchJob.outputSchema(fromBody: r.body) : nil, attempts: r.attemptCount,
          usesSearch: DispatchJob.usesSearch(body: r.body), serviceTier: DispatchJob.serviceTier(body: r.body))
      }
      index = 0
      if let last = page.last { afterSeq = last.seq }
      if page.count < pageSize { exhausted = true }
      if buffer.isEmpty { return nil }
    }
    defer { index += 1 }
    return buffer[index]
  }
}
