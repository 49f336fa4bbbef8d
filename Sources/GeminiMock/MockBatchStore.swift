import Foundation
import GeminiAPI
import Synchronization

/// The mock's Files API and Batch Mode state: uploaded and generated files (their bytes on disk,
/// so a million-line batch costs no memory), upload sessions, and batches with their state
/// machine (PENDING for the first half of the turnaround, RUNNING for the second, then ended).
final class MockBatchStore: Sendable {
  struct File: Sendable {
    var name: String
    var displayName: String?
    var mimeType: String
    var size: Int64
    var path: String
    var createTime: Double
    var generated: Bool
    var sha256: String?
  }

  struct Upload: Sendable {
    var id: String
    var displayName: String?
    var mimeType: String
    var declaredSize: Int64?
    var received: Int64
    var path: String
    var hash: SHA256
  }

  struct Batch: Sendable {
    var id: String
    var displayName: String?
    var model: String
    var createTime: Double
    var updateTime: Double
    var endTime: Double?
    var phase: BatchState.Phase
    var inputFile: String?
    var inline: [JSONValue]?
    var requestCount: Int
    var succeeded = 0
    var failed = 0
    var outputFile: String?
    var inlineResponses: [JSONValue]?
    var fault: MockFault?
    /// Alternates the reply shape (output under `response` or only under `metadata.output`).
    var serial: Int
    var errorMessage: String?
  }

  struct State: Sendable {
    var files: [String: File] = [:]
    var fileOrder: [String] = []
    var uploads: [String: Upload] = [:]
    var batches: [String: Batch] = [:]
    var batchOrder: [String] = []
    var creates = 0
    var nextId: UInt64 = 1
  }

  let directory: String
  let state = Mutex(State())

  init(directory: String?) throws {
    if let directory {
      self.directory = directory
    } else {
      self.directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("gembatch-mock-files-\(UUID().uuidString)")
    }
    try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
  }

  /// A fresh id of `[a-z0-9]`, 12 characters (the API's are up to 40).
  func newId() -> String {
    let n = state.withLock { s -> UInt64 in
      defer { s.nextId += 1 }
      return s.nextId
    }
    var x = n &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(UInt32.random(in: 0...UInt32.max))
    let digits = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    var out = ""
    for _ in 0..<12 {
      out.append(digits[Int(x % 36)])
      x /= 36
      if x == 0 { x = n &+ 0x1234_5678 }
    }
    return out
  }

  func path(for id: String) -> String { (directory as NSString).appendingPathComponent(id) }

  // MARK: - JSON shapes

  static func fileJSON(_ f: File, base: String) -> JSONValue {
    var o = JSONObject()
    o["name"] = .string(f.name)
    if let d = f.displayName { o["displayName"] = .string(d) }
    o["mimeType"] = .string(f.mimeType)
    o["sizeBytes"] = .string(String(f.size))
    o["createTime"] = .string(RFC3339.format(f.createTime))
    o["updateTime"] = .string(RFC3339.format(f.createTime))
    o["expirationTime"] = .string(RFC3339.format(f.createTime + 48 * 3600))
    if let h = f.sha256 { o["sha256Hash"] = .string(Data(h.utf8).base64EncodedString()) }
    o["uri"] = .string("\(base)/v1beta/\(f.name)")
    if f.generated { o["downloadUri"] = .string("\(base)/download/v1beta/\(f.name):download?alt=media") }
    o["state"] = "ACTIVE"
    o["source"] = .string(f.generated ? "GENERATED" : "UPLOADED")
    return .object(o)
  }

  /// An Operation in the wire's shape: `BATCH_STATE_*`, counts as strings with zeros left out,
  /// the output file under `response` (every other batch: only under `metadata.output`).
  static func operationJSON(_ b: Batch) -> JSONValue {
    let name = "batches/\(b.id)"
    var meta = JSONObject()
    meta["@type"] = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch"
    meta["model"] = .string(b.model.hasPrefix("models/") ? b.model : "models/" + b.model)
    if let d = b.displayName { meta["displayName"] = .string(d) }
    if let f = b.inputFile { meta["inputConfig"] = .object(JSONObject([("fileName", .string(f))])) }
    var output = JSONObject()
    if let f = b.outputFile { output["responsesFile"] = .string(f) }
    if let r = b.inlineResponses {
      output["inlinedResponses"] = .object(JSONObject([("inlinedResponses", .array(r))]))
    }
    if !output.isEmpty { meta["output"] = .object(output) }
    meta["createTime"] = .string(RFC3339.format(b.createTime))
    meta["updateTime"] = .string(RFC3339.format(b.updateTime))
    if let e = b.endTime { meta["endTime"] = .string(RFC3339.format(e)) }
    let pending = b.phase == .succeeded ? 0 : max(0, b.requestCount - b.succeeded - b.failed)
    meta["batchStats"] = BatchStats(requestCount: b.requestCount, successful: b.succeeded, failed: b.failed, pending: pending).json
    meta["state"] = .string(BatchState(b.phase).raw)
    meta["name"] = .string(name)
    var o = JSONObject()
    o["name"] = .string(name)
    o["metadata"] = .object(meta)
    let done = BatchState(b.phase).isTerminal
    if done { o["done"] = true }
    if b.phase == .succeeded, b.serial % 2 == 1 {
      var r = JSONObject()
      r["@type"] = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput"
      if let f = b.outputFile { r["responsesFile"] = .string(f) }
      if let i = b.inlineResponses { r["inlinedResponses"] = .object(JSONObject([("inlinedResponses", .array(i))])) }
      o["response"] = .object(r)
    }
    if b.phase == .failed {
      o["error"] = .object(JSONObject([("code", 13), ("message", .string(b.errorMessage ?? "Internal error encountered."))]))
    }
    return .object(o)
  }
}
