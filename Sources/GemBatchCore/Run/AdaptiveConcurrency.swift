/// The number of requests allowed in flight, adapted to the server: halved on a 429 (at most once
/// per `cooldown`, so one burst of 429s counts once), then grown back by one for every `limit`
/// successes (additive increase), never above the configured maximum. Pure, with an injected clock.
public struct AdaptiveConcurrency: Sendable, Hashable {
  public let maximum: Int
  public let minimum: Int
  public private(set) var limit: Int
  public var cooldown: Double
  private var lastDecrease: Double = -.infinity
  private var successesSinceIncrease = 0

  public init(maximum: Int, minimum: Int = 1, cooldown: Double = 2.0) {
    self.maximum = max(1, maximum)
    self.minimum = max(1, min(minimum, maximum))
    self.limit = self.maximum
    self.cooldown = cooldown
  }

  public mutating func onRateLimited(now: Double) {
    guard now - lastDecrease >= cooldown else { return }
    lastDecrease = now
    limit = max(minimum, limit / 2)
    successesSinceIncrease = 0
  }

  public mutating func onSuccess(now: Double) {
    guard limit < maximum, now - lastDecrease >= cooldown else { return }
    successesSinceIncrease += 1
    if successesSinceIncrease >= limit {
      successesSinceIncrease = 0
      limit += 1
    }
  }
}
