/// Per-model quota windows. Pure state: the caller passes the time (seconds on any monotonic
/// clock), so tests drive it without sleeping.
///
/// Windows are **sliding**: requests per minute and input tokens per minute count what was
/// admitted in the last 60 s, requests per day what was admitted in the last 86,400 s. A request
/// refused with 429 does not count. The retry delay is the time until enough of the window has
/// slid out for this request to fit.
public struct QuotaTracker: Sendable {
  public struct Refusal: Sendable, Hashable {
    public let kind: QuotaKind
    public let limit: Int
    /// Seconds until the request would fit.
    public let retryAfter: Double
  }

  private struct Window: Sendable {
    var times: [Double] = []
    var tokens: [Int] = []
    var head = 0
    var tokenSum = 0

    mutating func purge(before t: Double) {
      while head < times.count, times[head] <= t {
        tokenSum -= tokens[head]
        head += 1
      }
      if head > 1024, head * 2 > times.count {
        times.removeFirst(head)
        tokens.removeFirst(head)
        head = 0
      }
    }
    var count: Int { times.count - head }
    mutating func add(_ t: Double, _ n: Int) {
      times.append(t)
      tokens.append(n)
      tokenSum += n
    }
  }

  private struct ModelState: Sendable {
    var minute = Window()
    var day = Window()
  }

  private var models: [String: ModelState] = [:]

  public init() {}

  /// Admits the request (and records it) or says which limit it breaks.
  public mutating func admit(model: String, inputTokens: Int, limits: QuotaLimits, now: Double) -> Refusal? {
    guard !limits.isUnlimited else { return nil }
    var s = models[model] ?? ModelState()
    defer { models[model] = s }
    s.minute.purge(before: now - 60)
    s.day.purge(before: now - 86_400)
    if let rpd = limits.rpd, s.day.count >= rpd {
      let oldest = s.day.times[s.day.head + s.day.count - rpd]
      return Refusal(kind: .requestsPerDay, limit: rpd, retryAfter: max(0.001, oldest + 86_400 - now))
    }
    if let rpm = limits.rpm, s.minute.count >= rpm {
      let oldest = s.minute.times[s.minute.head + s.minute.count - rpm]
      return Refusal(kind: .requestsPerMinute, limit: rpm, retryAfter: max(0.001, oldest + 60 - now))
    }
    if let tpm = limits.tpm, s.minute.tokenSum + inputTokens > tpm {
      // Walk forward until enough tokens have left the window.
      var freed = 0
      var at = now + 60
      if inputTokens <= tpm {
        for i in s.minute.head..<s.minute.times.count {
          freed += s.minute.tokens[i]
          if s.minute.tokenSum - freed + inputTokens <= tpm {
            at = s.minute.times[i] + 60
            break
          }
        }
      }
      return Refusal(kind: .inputTokensPerMinute, limit: tpm, retryAfter: max(0.001, at - now))
    }
    s.minute.add(now, inputTokens)
    if limits.rpd != nil { s.day.add(now, 0) }
    return nil
  }

  public mutating func reset() { models = [:] }
}
