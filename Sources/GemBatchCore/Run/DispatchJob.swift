import Foundation
import GeminiAPI

/// A job as the dispatcher holds it: what to send and how to judge the answer.
public struct DispatchJob: Sendable, Hashable {
  public var id: String
  public var seq: Int
  public var model: String
  public var body: Data
  public var requestHash: String
  public var estimatedInputTokens: Int
  public var isJSONMode: Bool
  public var outputSchema: OutputSchema?
  /// Attempts made so far, across runs.
  public var attempts: Int
  /// A Google Search tool is attached (grounding is priced per prompt or query).
  public var usesSearch: Bool
  /// `generationConfig.maxOutputTokens`, when set.
  public var maxOutputTokens: Int?
  /// The most this job's next attempt can cost (for `--budget`); nil when unpriced or not asked.
  public var maxCostUSD: Double?
  /// Why the next attempt is sent: nil for the stored request (first or a plain retry), `.reask`
  /// or `.grow` when `body` is a repair of it.
  public var purpose: AttemptPurpose?
  /// Re-asks and maxOutputTokens growths made so far this run.
  public var reasks = 0
  public var growths = 0
  /// The first unusable answer, kept on the result when a repair succeeds.
  public var originalAnswer: String?

  /// The request's `serviceTier` (`flex`, `standard`, `priority`), nil when it names none.
  public var serviceTier: String?

  /// A job an earlier run left waiting (a backoff or a server's delay not yet over): the unix
  /// time it may be sent, and the seconds from loading until then. The scheduler holds it.
  public var notBefore: Double?
  public var waitSeconds: Double?

  public init(
    id: String, seq: Int, model: String, body: Data, requestHash: String, estimatedInputTokens: Int,
    isJSONMode: Bool, outputSchema: OutputSchema?, attempts: Int, usesSearch: Bool = false,
    maxOutputTokens: Int? = nil, maxCostUSD: Double? = nil, serviceTier: String? = nil
  ) {
    self.serviceTier = serviceTier
    self.usesSearch = usesSearch
    self.maxOutputTokens = maxOutputTokens
    self.maxCostUSD = maxCostUSD
    self.id = id
    self.seq = seq
    self.model = model
    self.body = body
    self.requestHash = requestHash
    self.estimatedInputTokens = estimatedInputTokens
    self.isJSONMode = isJSONMode
    self.outputSchema = outputSchema
    self.attempts = attempts
  }

  /// Reads the output schema back out of a stored request body (JSON-mode jobs only).
  public static func outputSchema(fromBody body: Data) -> OutputSchema? {
    guard let v = try? JSONValue.parse(body), let gc = v["generationConfig"] else { return nil }
    if let s = gc["responseJsonSchema"] { return .jsonSchema(s) }
    if let s = gc["responseSchema"] { return .openAPI(s) }
    return nil
  }

  /// `generationConfig.maxOutputTokens` of a stored body (a byte scan first: most bodies set none).
  public static func maxOutputTokens(fromBody body: Data) -> Int? {
    guard body.range(of: Data("maxOutputTokens".utf8)) != nil, let v = try? JSONValue.parse(body) else { return nil }
    return v["generationConfig"]?["maxOutputTokens"]?.intValue
  }

  /// Whether the body attaches Google Search (a byte scan: no parse on the hot path).
  public static func usesSearch(body: Data) -> Bool {
    body.range(of: Data("\"googleSearch".utf8)) != nil
  }

  static let tierKey = Data("\"serviceTier\":\"".utf8)

  /// The body's top-level `serviceTier` (a byte scan of the canonical, compact body, where it is
  /// the last field), nil when absent.
  public static func serviceTier(body: Data) -> String? {
    guard let r = body.range(of: tierKey, options: .backwards) else { return nil }
    guard let end = body[r.upperBound...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
    return String(decoding: body[r.upperBound..<end], as: UTF8.self)
  }
}
