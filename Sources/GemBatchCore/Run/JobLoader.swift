import Foundation
import GeminiAPI

/// Reads job files into the store before a run sends anything.
///
/// When every file's content hash (and size) and the run defaults match what the store recorded
/// at its last full read, and so do the schema and inline files its jobs named, no file is read
/// again: the store's jobs are adopted by the new run as they are, so resuming a run over a
/// million-job file starts sending at once (a file whose stat changed since it was hashed is
/// hashed again: ~0.1 s per 100 MB; `FileDigest`). When
/// any file changed, all are read again (duplicate ids must be caught across every file of a
/// run); each unchanged job then costs a hash comparison and is never re-sent.
///
/// A job id belongs to its file: an id the store holds from another file is an input error
/// (`duplicateId`, naming both files and lines) unless the store takes jobs over
/// (`Store.open(path:claim:takeOverJobs:)`, `run --take-over`).
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
    /// Jobs that succeeded (or failed) only with another endpoint's answer and run again.
    var otherEndpoint = 0
    /// True when the files were not read again.
    var adopted = false
    /// With `rerun`: the jobs of the store whose last outcome matched (some may be in no file).
    var rerunSelected = 0
  }

  func load(files: [String], runId: Int64) throws -> Result {
    if let rerun { return try loadRerun(files: files, runId: runId, classes: rerun) }
    var result = Result()
    let defaultsHash = defaults.fingerprint
    var digests: [String: FileDigest] = [:]
    var records: [String: SourceFileRecord] = [:]
    var allUnchanged = true
    for file in files {
      let record = try store.sourceFile(path: file)
      records[file] = record
      // Hashed before any reading (an edit made while the file is read shows next time), unless
      // the file's stat is still the one recorded when it was hashed.
      guard let digest = FileDigest.current(path: file, known: record?.digest) else {
        allUnchanged = false
        continue
      }
      digests[file] = digest
      if allUnchanged, let rec = record, rec.size == digest.size, rec.defaultsHash == defaultsHash,
        rec.fingerprint == digest.fingerprint, Self.referencesUnchanged(rec.references)
      {
        continue
      }
      allUnchanged = false
    }

    if allUnchanged && !defaults.strict {
      result.adopted = true
      for file in files {
        // Hashed again and the same (touched, copied with -p): remember the new stat, so the
        // next resume need not hash it.
        if let d = digests[file], let stamp = d.stamp, let rec = records[file], rec.stamp != stamp {
          try store.updateSourceStamp(path: file, stamp: stamp, mtime: Self.modificationTime(file) ?? rec.mtime)
        }
        let s = try store.adoptJobs(sourceFile: file, runId: runId, retryFailed: retryFailed)
        result.toRun += s.toRun
        result.alreadySucceeded += s.alreadySucceeded
        result.otherEndpoint += s.otherEndpoint
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
    result.otherEndpoint += stats.otherEndpoint
    result.errors += stats.conflicts.map(Self.conflictError)
    if result.errors.isEmpty {
      let refs = reader.referencedFiles
      for file in files {
        guard let digest = digests[file], let mtime = Self.modificationTime(file) else { continue }
        let references = (refs[file] ?? []).sorted().compactMap { FileDigest(path: $0) }
        try store.recordSourceFile(
          SourceFileRecord(
            path: file, size: digest.size, mtime: mtime, fingerprint: digest.fingerprint, defaultsHash: defaultsHash,
            jobCount: perFile[file] ?? 0, lastRunId: runId, references: references, stamp: digest.stamp))
      }
    }
    return result
  }

  /// Every schema or inline file the jobs named still has the same size and content.
  static func referencesUnchanged(_ refs: [FileDigest]) -> Bool {
    for ref in refs {
      guard let now = FileDigest.current(path: ref.path, known: ref), now.size == ref.size, now.sha256 == ref.sha256
      else { return false }
    }
    return true
  }

  static func conflictError(_ c: IdConflict) -> JobError {
    JobError(
      file: c.file, line: c.line, jobId: c.id, code: .duplicateId,
      message:
        "this id belongs to \(c.heldBy):\(c.heldLine) in the store; a job id belongs to its file (rename it, or pass --take-over to move the job and its results to this file)"
    )
  }

  static func modificationTime(_ path: String) -> Double? {
    guard let attrs = try? FileManager.default.attributesOfItem(atPath: path),
      let date = attrs[.modificationDate] as? Date
    else { return nil }
    return date.timeIntervalSince1970
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
