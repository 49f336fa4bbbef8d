import Foundation
import GeminiAPI

/// Writes one model's eligible jobs, in seq order, into a JSONL file in the REST shape
/// `{"key": <job id>, "request": <stored request>}`; the stored request is already the REST
/// `GenerateContentRequest` (generation parameters under `generationConfig`). Reads the store a
/// page at a time and hashes as it writes, so memory stays flat for any number of jobs.
struct ShardWriter {
  let store: Store
  let runId: Int64
  let neverBatched: Bool
  let directory: String
  /// Turns a stored request into the one sent (large local files uploaded, see `FileUploader`).
  var resolve: (@Sendable (Data) async throws -> Data)?
  var pageSize = 1000

  /// A written shard: everything `Store.beginBatch` needs but the uploaded file's name.
  struct Shard {
    var path: String
    var sha256: String
    var model: String
    var firstSeq: Int
    var lastSeq: Int
    var jobCount: Int
    var estTokens: Int
    var bytes: Int64
  }

  /// The first eligible job of `model` after `afterSeq`, to size the next shard's budget.
  func peek(model: String, afterSeq: Int) throws -> ShardCandidate? {
    try store.batchEligibleJobs(runId: runId, model: model, afterSeq: afterSeq, limit: 1, neverBatched: neverBatched).first
  }

  /// The next shard of `model` after `afterSeq`, at most `maxTokens` estimated input tokens
  /// (a first job over it goes alone) and `maxBytes`; nil when no job is left.
  func next(model: String, afterSeq: Int, maxTokens: Int, maxBytes: Int64, index: Int) async throws -> Shard? {
    let safeModel = String(model.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
    let path = (directory as NSString).appendingPathComponent("gembatch-shard-\(runId)-\(safeModel)-\(index).jsonl")
    FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
    guard let out = FileHandle(forWritingAtPath: path) else {
      throw StoreError(.cannotCreate, "cannot write the shard file \(path)")
    }
    defer { try? out.close() }
    var hash = SHA256()
    var shard = Shard(path: path, sha256: "", model: model, firstSeq: -1, lastSeq: -1, jobCount: 0, estTokens: 0, bytes: 0)
    var after = afterSeq
    var pending = Data()
    pending.reserveCapacity(1 << 20)
    func drain() throws {
      guard !pending.isEmpty else { return }
      try out.write(contentsOf: pending)
      pending.removeAll(keepingCapacity: true)
    }
    paging: while true {
      let page = try store.batchEligibleJobs(
        runId: runId, model: model, afterSeq: after, limit: pageSize, neverBatched: neverBatched)
      if page.isEmpty { break }
      for job in page {
        var line = Data("{\"key\":".utf8)
        line.append(contentsOf: JSONValue.string(job.id).serializedBytes())
        line.append(contentsOf: ",\"request\":".utf8)
        if let resolve, FileUploader.needsUpload(job.body) {
          line.append(try await resolve(job.body))
        } else {
          line.append(job.body)
        }
        line.append(contentsOf: "}\n".utf8)
        let full =
          shard.jobCount > 0
          && (shard.estTokens + job.estInputTokens > maxTokens || shard.bytes + Int64(line.count) > maxBytes)
        if full { break paging }
        hash.update(line)
        pending.append(line)
        if pending.count >= 1 << 20 { try drain() }
        if shard.firstSeq < 0 { shard.firstSeq = job.seq }
        shard.lastSeq = job.seq
        shard.jobCount += 1
        shard.estTokens += job.estInputTokens
        shard.bytes += Int64(line.count)
        after = job.seq
      }
      if page.count < pageSize { break }
    }
    try drain()
    guard shard.jobCount > 0 else {
      try? FileManager.default.removeItem(atPath: path)
      return nil
    }
    shard.sha256 = SHA256.hexString(hash.finalize())
    return shard
  }
}
