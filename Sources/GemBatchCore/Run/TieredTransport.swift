import Foundation
import GeminiAPI

/// `--tier` for a run: sends every request that names no `serviceTier` of its own at `tier`.
///
/// The tier is added on the way out, not written into the stored request: a request's hash (and
/// so whether a succeeded job runs again) does not change with the tier a run is sent at.
public struct TieredTransport: Transport {
  public let base: any Transport
  public let tier: String

  public init(base: any Transport, tier: String) {
    self.base = base
    self.tier = tier
  }

  public func send(model: String, body: Data, stream: Bool) async -> Exchange {
    await base.send(model: model, body: Self.withTier(body, tier), stream: stream)
  }

  /// The body with `"serviceTier":"<tier>"` as its last field, unless it has one.
  static func withTier(_ body: Data, _ tier: String) -> Data {
    guard DispatchJob.serviceTier(body: body) == nil, let close = body.lastIndex(of: UInt8(ascii: "}")) else {
      return body
    }
    let inner = body[body.startIndex..<close]
    let empty = !inner.contains { $0 != UInt8(ascii: "{") && $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
    var out = Data(inner)
    out.append(contentsOf: Array(((empty ? "" : ",") + "\"serviceTier\":\"\(tier)\"}").utf8))
    return out
  }
}
