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
  public var bodies: [String: Int] {
    Dictionary(uniqueKeysWithValues: bodyCounts.map { ($0.key.hex, $0.value) })
  }
  /// Receipts beyond the first of the same body.
  public var duplicates = 0
  /// The per-body counts, keyed by the digest itself (hex only when shown).
  private var bodyCounts: [BodyDigest: Int] = [:]
  /// Batch Mode: creates that made a batch, uploads finalized, and each batch's request count.
  public var batchesCreated = 0
  public var filesUploaded = 0
  public var batchRequests: [String: Int] = [:]

  public init() {}

  /// Records a body; returns how many times it has now been received (1 the first time).
  mutating func receive(model: String, body: BodyDigest?) -> Int {
    requests += 1
    byModel[model, default: 0] += 1
    guard let body else { return 1 }
    let n = Self.increment(&bodyCounts[body, default: 0])  // one lookup, counted in place
    if n > 1 { duplicates += 1 }
    return n
  }

  private static func increment(_ count: inout Int) -> Int {
    count += 1
    return count
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
    o["uniqueBodies"] = .number(Double(bodyCounts.count))
    o["duplicates"] = .number(Double(duplicates))
    o["batchesCreated"] = .number(Double(batchesCreated))
    o["filesUploaded"] = .number(Double(filesUploaded))
    o["batchRequests"] = obj(batchRequests)
    if includeBodies { o["bodies"] = obj(bodies) }
    return .object(o)
  }
}

/// The SHA-256 of a request body, as four words (cheap to hash and to keep per body).
struct BodyDigest: Hashable, Sendable {
  var words: (UInt64, UInt64, UInt64, UInt64)

  /// From the 32 bytes of a digest; each word big-endian, so `words.0` is the first 8 bytes.
  init(_ digest: [UInt8]) {
    precondition(digest.count == 32)
    func word(_ i: Int) -> UInt64 {
      var w: UInt64 = 0
      for b in digest[i * 8..<i * 8 + 8] { w = w << 8 | UInt64(b) }
      return w
    }
    words = (word(0), word(1), word(2), word(3))
  }

  /// The digest of `bytes`.
  init(of bytes: UnsafeRawBufferPointer) {
    self.init(SHA256.digest(bytes))
  }

  var hex: String {
    let digits: StaticString = "0123456789abcdef"
    return String(unsafeUninitializedCapacity: 64) { out in
      var n = 0
      for w in [words.0, words.1, words.2, words.3] {
        for shift in stride(from: 60, through: 0, by: -4) {
          out[n] = digits.utf8Start[Int(w >> UInt64(shift) & 0xF)]
          n += 1
        }
      }
      return n
    }
  }

  static func == (a: BodyDigest, b: BodyDigest) -> Bool { a.words == b.words }
  /// The first 64 bits of a SHA-256 are as good a hash as any; equality still checks all 256.
  func hash(into h: inout Hasher) { h.combine(words.0) }
}
