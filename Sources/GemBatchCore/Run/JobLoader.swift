import Foundation
import GeminiAPI

/// Reads job files into the store before a run sends anything.
///
/// When every file's size and modification time and the run defaults match what the store
/// recorded at its last full read, no file is read again: the store's jobs are adopted by the new
/// run as they are, so resuming a run over a million-job file starts sending at once. When any
/// file changed, all are read again (duplicate ids must be caught across every file of a run);
/// each unchanged job then costs a hash comparison and is never re-sent.
///
/// With `rerun` (`--rerun CLASS,…`) the files are always read, and only the jobs whose last
/// outcome is of those classes join the run (`Store.syncRerun`); every other job keeps its state
/// and result. The files' records are not updated, so a later plain run still adopts them.
/// With `defaults.strict` the files are always read too, so their warnings are checked.
struct JobLoader {
  let store: Store
  let defaults: RunDefaults
  let retryFailed: Bool
  let rerun: Set<RerunClass>?
  var batchSize = 1000

  init(store: Store, defaults: RunDefaults, retryFailed: Bool, rerun: Set<RerunClass>? = nil) {
    self.store = store
    self.defaults = defaults
    self.retryFailed = retryFailed
    self.rerun = rerun.flatMap { $0.isEmpty ? nil : $0 }
  }

  struct Result {
    var errors: [JobError] = []
    /// The first warnings of each kind and how many of each there were (`JobReader.warnings`).
    var warnings: JobWarnings = JobWarnings()
    var toRun = 0
    var alreadySucceeded = 0
    /// True when the files were not read again.
    var adopted = false
    /// With `rerun`: the jobs of the store whose last outcome matched (some may be in no file).
    var rerunSelected = 0
  }

  func load(files: [String], runId: Int64) throws -> Result {
    if let rerun { return try loadRerun(files: files, runId: runId, classes: rerun) }
    var result = Result()
    let defaultsHash = defaults.fingerprint
    var fingerprints: [String: SourceFingerprint] = [:]
    var allUnchanged = true
    for file in files {
      guard let fp = SourceFingerprint(path: file) else {
        allUnchanged = false
        continue
      }
      fingerprints[file] = fp
      if let rec = try store.sourceFile(path: file),
        rec.size == fp.size, rec.mtime == fp.mtime, rec.defaultsHash == defaultsHash
      {
        continue
      }
      allUnchanged = false
    }

    if allUnchanged && !defaults.strict {
      result.adopted = true
      for file in files {
        let s = try store.adoptJobs(sourceFile: file, runId: runId, retryFailed: retryFailed)
        result.toRun += s.toRun
        result.alreadySucceeded += s.alreadySucceeded
      }
      return result
    }

    // Reading (parse, check, hash) and writing run on two threads: the store gets each batch
    // while the reader parses the next.
    var reader = JobReader(files: files, defaults: defaults)
    let store = store
    let retryFailed = retryFailed
    let sync = BackgroundSync { batch in try store.syncJobs(batch, runId: runId, retryFailed: retryFailed) }
    var batch: [Job] = []
    batch.reserveCapacity(batchSize)
    var perFile: [String: Int] = [:]
    do {
      while let item = try reader.next() {
        switch item {
        case .job(let job):
          perFile[job.sourceFile, default: 0] += 1
          batch.append(job)
          if batch.count >= batchSize {
            try sync.submit(batch)
            batch = []
            batch.reserveCapacity(batchSize)
          }
        case .error(let e):
          result.errors.append(e)
        }
      }
      if !batch.isEmpty { try sync.submit(batch) }
    } catch {
      _ = try? sync.finish()  // nothing may still write once this returns
      throw error
    }
    let stats = try sync.finish()
    result.warnings = reader.warnings
    result.toRun += stats.toRun
    result.alreadySucceeded += stats.alreadySucceeded
    if result.errors.isEmpty {
      for file in files {
        guard let fp = fingerprints[file] else { continue }
        try store.recordSourceFile(
          SourceFileRecord(
            path: file, size: fp.size, mtime: fp.mtime, fingerprint: "size=\(fp.size) mtime=\(fp.mtime)",
            defaultsHash: defaultsHash, jobCount: perFile[file] ?? 0, lastRunId: runId))
      }
    }
    return result
  }
}

extension JobLoader {
  /// `--rerun`: the selection is taken from the store before anything changes, then the files
  /// are read and only the selected jobs are synced into the run.
  func loadRerun(files: [String], runId: Int64, classes: Set<RerunClass>) throws -> Result {
    var result = Result()
    let selected = try store.rerunSelection(classes)
    result.rerunSelected = selected.count
    var reader = JobReader(files: files, defaults: defaults)
    let store = store
    var batch: [Job] = []
    var stats = SyncStats()
    while let item = try reader.next() {
      switch item {
      case .job(let job):
        guard selected.contains(job.id) else { continue }
        batch.append(job)
        if batch.count >= batchSize {
          stats += try store.syncRerun(batch, selected: selected, runId: runId)
          batch = []
        }
      case .error(let e):
        result.errors.append(e)
      }
    }
    if !batch.isEmpty { stats += try store.syncRerun(batch, selected: selected, runId: runId) }
    result.warnings = reader.warnings
    result.toRun = stats.toRun
    return result
  }
}

/// Size and modification time of a job file.
struct SourceFingerprint {
  var size: Int64
  var mtime: Double

  init?(path: String) {
    guard let attrs = try? FileManager.default.attributesOfItem(atPath: path),
      let size = (attrs[.size] as? NSNumber)?.int64Value,
      let date = attrs[.modificationDate] as? Date
    else { return nil }
    self.size = size
    self.mtime = date.timeIntervalSince1970
  }
}
