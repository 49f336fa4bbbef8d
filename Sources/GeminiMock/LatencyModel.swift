import Foundation

/// How long to wait: nothing, a fixed time, uniform in a range, or log-normal around a median.
public enum LatencyModel: Sendable, Hashable, CustomStringConvertible {
  case none
  case fixed(Duration)
  case uniform(Duration, Duration)
  /// `median` is e^mu; `sigma` is the standard deviation of the log.
  case logNormal(median: Duration, sigma: Double)

  /// One delay, drawn with `rng`.
  public func sample(_ rng: inout SplitMix64) -> Duration {
    switch self {
    case .none: return .zero
    case .fixed(let d): return d
    case .uniform(let a, let b):
      let lo = a.seconds, hi = b.seconds
      return .seconds(lo + (hi - lo) * rng.nextUnit())
    case .logNormal(let median, let sigma):
      // Box-Muller for one standard normal draw.
      let u1 = max(rng.nextUnit(), 1e-12), u2 = rng.nextUnit()
      let z = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
      return .seconds(median.seconds * exp(sigma * z))
    }
  }

  /// Parses `0`, `50ms`, `1.5s`, `uniform:10ms-200ms`, `lognormal:median=200ms,sigma=0.5`.
  public static func parse(_ text: String) -> LatencyModel? {
    let t = text.trimmingCharacters(in: .whitespaces).lowercased()
    if t.isEmpty || t == "0" || t == "none" { return LatencyModel.none }
    if t.hasPrefix("uniform:") {
      let parts = t.dropFirst("uniform:".count).split(separator: "-", maxSplits: 1)
      guard parts.count == 2, let a = parseDuration(String(parts[0])), let b = parseDuration(String(parts[1])), a <= b
      else { return nil }
      return .uniform(a, b)
    }
    if t.hasPrefix("lognormal:") {
      var median: Duration?, sigma: Double?
      for kv in t.dropFirst("lognormal:".count).split(separator: ",") {
        let p = kv.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard p.count == 2 else { return nil }
        switch p[0] {
        case "median": median = parseDuration(p[1])
        case "sigma": sigma = Double(p[1])
        default: return nil
        }
      }
      guard let median, let sigma, sigma >= 0, sigma.isFinite else { return nil }
      return .logNormal(median: median, sigma: sigma)
    }
    if t.hasPrefix("fixed:") { return parseDuration(String(t.dropFirst(6))).map(LatencyModel.fixed) }
    return parseDuration(t).map(LatencyModel.fixed)
  }

  /// Parses `250ms`, `2s`, `1.5s`, `1m`, `100us`; a bare number is milliseconds.
  public static func parseDuration(_ text: String) -> Duration? {
    let t = text.trimmingCharacters(in: .whitespaces).lowercased()
    let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("ns", 1e-9), ("s", 1), ("m", 60)]
    for (suffix, scale) in units where t.hasSuffix(suffix) {
      guard let v = Double(t.dropLast(suffix.count)), v >= 0, v.isFinite else { return nil }
      return .nanoseconds(Int64((v * scale * 1e9).rounded()))
    }
    guard let v = Double(t), v >= 0, v.isFinite else { return nil }
    return .nanoseconds(Int64((v * 1e6).rounded()))
  }

  public var description: String {
    switch self {
    case .none: "none"
    case .fixed(let d): "\(Self.show(d))"
    case .uniform(let a, let b): "uniform:\(Self.show(a))-\(Self.show(b))"
    case .logNormal(let m, let s): "lognormal:median=\(Self.show(m)),sigma=\(s)"
    }
  }

  static func show(_ d: Duration) -> String {
    let ms = d.seconds * 1000
    return ms.rounded() == ms ? "\(Int(ms))ms" : "\(ms)ms"
  }
}

extension Duration {
  /// The duration in seconds as a Double.
  var seconds: Double {
    let c = components
    return Double(c.seconds) + Double(c.attoseconds) / 1e18
  }
}

/// A small, fast, seedable generator (SplitMix64). Every "random" choice in the mock comes from
/// one of these seeded by the request, so answers are reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  public var state: UInt64
  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [0, 1).
  public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

  /// Uniform in `0..<n` (n > 0).
  public mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

  /// Uniform in a closed range.
  public mutating func inRange(_ r: ClosedRange<Int>) -> Int { r.lowerBound + below(r.count) }
}
