import Foundation
import GeminiAPI

/// One validated job, ready to send: the canonical request body and its hash.
public struct Job: Sendable, Hashable {
  public var id: String
  public var model: String
  /// Input order across all files of a run (0-based).
  public var seq: Int
  public var sourceFile: String
  public var sourceLine: Int
  /// The request body exactly as it is sent (compact JSON, camelCase).
  public var body: Data
  /// sha256 hex of `model + "\n" + body`: a job whose hash changed runs again.
  public var requestHash: String
  public var metadata: JSONValue?
  /// Input tokens estimated before sending (for TPM limiting and plans).
  public var estimatedInputTokens: Int
  /// `responseMimeType` is `application/json`.
  public var isJSONMode: Bool
  /// The schema the answer must satisfy, when one was given.
  public var outputSchema: OutputSchema?
  /// Whether a Google Search tool is attached (priced per grounded prompt).
  public var usesSearch: Bool
  /// `generationConfig.maxOutputTokens`, when set.
  public var maxOutputTokens: Int?
  /// Local files sent inline with the request, and their size in bytes (before base64).
  public var localFiles = 0
  public var localFileBytes = 0

  public init(
    id: String, model: String, seq: Int, sourceFile: String, sourceLine: Int, body: Data, metadata: JSONValue? = nil,
    estimatedInputTokens: Int, isJSONMode: Bool = false, outputSchema: OutputSchema? = nil, usesSearch: Bool = false,
    maxOutputTokens: Int? = nil
  ) {
    self.maxOutputTokens = maxOutputTokens
    self.id = id
    self.model = model
    self.seq = seq
    self.sourceFile = sourceFile
    self.sourceLine = sourceLine
    self.body = body
    self.requestHash = Job.hash(model: model, body: body)
    self.metadata = metadata
    self.estimatedInputTokens = estimatedInputTokens
    self.isJSONMode = isJSONMode
    self.outputSchema = outputSchema
    self.usesSearch = usesSearch
  }

  public static func hash(model: String, body: Data) -> String {
    var h = SHA256()
    h.update(model.utf8)
    h.update([0x0A])
    h.update(body)
    return SHA256.hexString(h.finalize())
  }
}
