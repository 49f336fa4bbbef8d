import Foundation
import GeminiAPI

/// Reads job files into the store before a run sends anything. A file whose size, modification
/// time and run defaults match what the store recorded at its last full read is not read again,
/// so resuming a run over a million-job file starts sending at once.
struct JobLoader {
  let store: Store
  let defaults: RunDefaults
  let retryFailed: Bool
  var batchSize = 2000

  init(store: Store, defaults: RunDefaults, retryFailed: Bool) throws {
    self.store = store
    self.defaults = defaults
    self.retryFailed = retryFailed
  }

  struct Result {
    var errors: [JobError] = []
    var toRun = 0
    var alreadySucceeded = 0
  }

  func load(files: [String], runId: Int64) throws -> Result {
    var result = Result()
    let defaultsHash = defaults.fingerprint
    var unchanged: [String] = []
    var changed: [String] = []
    for file in files {
      if !retryFailed, let fp = SourceFingerprint(path: file), let rec = try store.sourceFile(path: fp.path),
        rec.size == fp.size, rec.mtime == fp.mtime, rec.defaultsHash == defaultsHash
      {
        unchanged.append(file)
      } else {
        changed.append(file)
      }
    }
    // Duplicate ids must be caught across every file of the run, so when any file changed, all
    // are read again (each unchanged job costs a hash comparison, nothing is re-sent).
    if !changed.isEmpty {
      var reader = JobReader(files: files, defaults: defaults)
      var batch: [Job] = []
      batch.reserveCapacity(batchSize)
      func flush() throws {
        guard !batch.isEmpty else { return }
        let s = try store.syncJobs(batch, runId: runId, retryFailed: retryFailed)
        result.alreadySucceeded += s.alreadySucceeded
        batch.removeAll(keepingCapacity: true)
      }
      while let item = try reader.next() {
        switch item {
        case .job(let job):
          batch.append(job)
          if batch.count >= batchSize { try flush() }
        case .error(let e):
          result.errors.append(e)
        }
      }
      try flush()
      if result.errors.isEmpty {
        for file in files {
          if let fp = SourceFingerprint(path: file) {
            try store.recordSourceFile(
              SourceFileRecord(path: fp.path, size: fp.size, mtime: fp.mtime, defaultsHash: defaultsHash, lastRunId: runId))
          }
        }
      }
    }
    result.toRun = try store.counts().runnable
    return result
  }
}

/// Size and modification time of a job file, by absolute path.
struct SourceFingerprint {
  var path: String
  var size: Int64
  var mtime: Double

  init?(path: String) {
    let abs = URL(fileURLWithPath: path).standardizedFileURL.path
    guard let attrs = try? FileManager.default.attributesOfItem(atPath: abs),
      let size = (attrs[.size] as? NSNumber)?.int64Value,
      let date = attrs[.modificationDate] as? Date
    else { return nil }
    self.path = abs
    self.size = size
    self.mtime = date.timeIntervalSince1970
  }
}
