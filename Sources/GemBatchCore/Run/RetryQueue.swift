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
