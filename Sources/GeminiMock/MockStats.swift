import GeminiAPI

/// What the mock has seen: requests per model and status, and how often each body arrived, so a
/// test can prove nothing was sent twice. Served at `GET /mock/stats` (`?bodies=1` adds the
/// per-body counts).
public struct MockStats: Sendable, Hashable {
  public var requests = 0
  public var byModel: [String: Int] = [:]
  /// Key: HTTP status as text, or `drop` for a dropped connection.
  public var byStatus: [String: Int] = [:]
  public var byModelStatus: [String: [String: Int]] = [:]
  /// SHA-256 (hex) of each generateContent/streamGenerateContent body → times received.
  public var bodies: [String: Int] = [:]
  /// Receipts beyond the first of the same body.
  public var duplicates = 0

  public init() {}

  /// Records a body; returns how many times it has now been received (1 the first time).
  mutating func receive(model: String, bodyHash: String?) -> Int {
    requests += 1
    byModel[model, default: 0] += 1
    guard let bodyHash else { return 1 }
    let n = (bodies[bodyHash] ?? 0) + 1
    bodies[bodyHash] = n
    if n > 1 { duplicates += 1 }
    return n
  }

  mutating func record(model: String, status: String) {
    byStatus[status, default: 0] += 1
    byModelStatus[model, default: [:]][status, default: 0] += 1
  }

  public func json(includeBodies: Bool) -> JSONValue {
    func obj(_ d: [String: Int]) -> JSONValue {
      .object(JSONObject(d.sorted { $0.key < $1.key }.map { ($0.key, .number(Double($0.value))) }))
    }
    var o = JSONObject()
    o["requests"] = .number(Double(requests))
    o["byModel"] = obj(byModel)
    o["byStatus"] = obj(byStatus)
    o["byModelStatus"] = .object(JSONObject(byModelStatus.sorted { $0.key < $1.key }.map { ($0.key, obj($0.value)) }))
    o["uniqueBodies"] = .number(Double(bodies.count))
    o["duplicates"] = .number(Double(duplicates))
    if includeBodies { o["bodies"] = obj(bodies) }
    return .object(o)
  }
}
