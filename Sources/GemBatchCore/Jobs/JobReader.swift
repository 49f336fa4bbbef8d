import Foundation
import GeminiAPI
import GeminiCatalog

/// Reads JSONL job files one line at a time (chunked reads; memory does not grow with the file),
/// checks each line and yields a `Job` or a `JobError` naming FILE:LINE and the id.
///
/// `next()` throws only when a job file cannot be opened or read (a `JobError` with code
/// `unreadableFile`); the reader then moves on to the next file, so a caller that wants every
/// problem (like `gembatch validate`) records the error and calls `next()` again.
/// Ids must be unique across all files of the reader.
public struct JobReader {
  public let files: [String]
  public let defaults: RunDefaults
  private var fileIndex = -1
  private var lines: LineReader?
  private var parser: JobLineParser
  private var ids: IdRegistry
  /// Jobs yielded so far (the next job's `seq`).
  public private(set) var jobCount = 0
  public private(set) var errorCount = 0
  /// Warnings so far (lines that are sent anyway; with `defaults.strict` they are errors).
  public private(set) var warnings = JobWarnings()
  /// The file being read, and its last line read.
  public private(set) var currentFile: String?
  public private(set) var currentLine = 0

  /// - Parameter idSpillThreshold: how many ids are kept in memory before the duplicate check
  ///   moves them to a temporary SQLite file (`IdRegistry`), so memory stays flat.
  /// - Parameter knownModels: model names the catalog knows (an unknown one is a warning).
  public init(
    files: [String], defaults: RunDefaults, idSpillThreshold: Int = 100_000, knownModels: [String]? = nil
  ) {
    self.files = files
    self.defaults = defaults
    self.parser = JobLineParser(defaults: defaults, knownModels: knownModels)
    self.ids = IdRegistry(spillThreshold: idSpillThreshold)
  }

  /// How many schema files were read from disk (each path once).
  public var schemaFilesRead: Int { parser.schemaReads }

  /// Schema and inline files named by each job file's lines so far (resolved paths).
  public var referencedFiles: [String: Set<String>] { parser.references }

  public mutating func next() throws -> JobReadResult? {
    while true {
      if lines == nil {
        fileIndex += 1
        guard fileIndex < files.count else { return nil }
        let file = files[fileIndex]
        currentFile = file
        currentLine = 0
        do {
          lines = try LineReader(path: file, maxLineBytes: defaults.maxLineBytes)
        } catch let e as LineReader.OpenError {
          errorCount += 1
          throw JobError(file: file, line: 0, code: .unreadableFile, message: "cannot read the job file: \(e.reason)")
        }
      }
      let file = files[fileIndex]
      let event: LineReader.Event?
      do {
        event = try lines!.next()
      } catch let e as LineReader.OpenError {
        lines = nil
        errorCount += 1
        throw JobError(file: file, line: currentLine + 1, code: .unreadableFile, message: "read error: \(e.reason)")
      }
      guard let event else {
        lines = nil
        continue
      }
      switch event {
      case .tooLong(let number, let bytes):
        currentLine = number
        return fail(JobError(
          file: file, line: number, code: .lineTooLong,
          message: "line is \(bytes) bytes, over the \(defaults.maxLineBytes)-byte limit (--max-line-bytes)"))
      case .line(let number, let bytes):
        currentLine = number
        if Self.isBlank(bytes) { continue }
        return handle(bytes, file: file, line: number)
      }
    }
  }

  private mutating func fail(_ e: JobError) -> JobReadResult {
    errorCount += 1
    return .error(e)
  }

  static func isBlank(_ b: UnsafeRawBufferPointer) -> Bool {
    for c in b where c != 0x20 && c != 0x09 && c != 0x0D { return false }
    return true
  }

  static func isValidUTF8(_ b: UnsafeRawBufferPointer) -> Bool {
    // ASCII fast path, 8 bytes at a time.
    var i = 0
    let n = b.count
    while i + 8 <= n {
      if b.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
      i += 8
    }
    while i < n, b[i] < 0x80 { i += 1 }
    if i == n { return true }
    return String(validating: b[i...], as: UTF8.self) != nil
  }

  private mutating func handle(_ bytes: UnsafeRawBufferPointer, file: String, line: Int) -> JobReadResult {
    guard Self.isValidUTF8(bytes) else {
      return fail(JobError(file: file, line: line, code: .invalidUTF8, message: "line is not valid UTF-8"))
    }
    let value: JSONValue
    do {
      let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: bytes.baseAddress!), count: bytes.count, deallocator: .none)
      value = try JSONValue.parse(data)
    } catch let e as JSONParseError {
      return fail(JobError(file: file, line: line, code: .invalidJSON, message: "invalid JSON at column \(e.offset + 1): \(e.reason)"))
    } catch {
      return fail(JobError(file: file, line: line, code: .invalidJSON, message: "invalid JSON"))
    }
    guard case .object(let raw) = value else {
      return fail(JobError(file: file, line: line, code: .badField, message: "a job line must be a JSON object, not \(value.typeName)"))
    }
    var id: String?
    do throws(JobLineParser.Failure) {
      id = try JobLineParser.jobId(raw)
      if id == nil {
        guard defaults.idFromLine else {
          throw JobLineParser.Failure(.missingId, "no id: give id (or key), or run with --id-from-line")
        }
        id = "\((file as NSString).lastPathComponent):\(line)"
      }
      let fresh: Bool
      do {
        fresh = try ids.insert(id!)
      } catch {
        throw JobLineParser.Failure(.unreadableFile, "cannot check for duplicate ids: the temporary id file failed (\(error))")
      }
      if !fresh {
        throw JobLineParser.Failure(.duplicateId, "duplicate id (ids must be unique across all files of a run)")
      }
      let o = try JobLineParser.normalizeTopLevel(raw)
      let built = try parser.build(o, jobFile: file)
      let catalogWarnings = built.catalogFindings.filter { $0.severity == .warning }
      if defaults.strict, !built.warnings.isEmpty || !catalogWarnings.isEmpty {
        let all = built.warnings.map(\.description) + catalogWarnings.map(\.message)
        let more = all.count > 1 ? " (and \(all.count - 1) more)" : ""
        throw JobLineParser.Failure(.strictWarning, "\(all[0]) (a warning; refused with --strict)\(more)")
      }
      for w in built.warnings { warnings.add(JobWarning(file: file, line: line, jobId: id, warning: w)) }
      for w in catalogWarnings {
        if let n = w.notice(model: built.model) { defaults.catalog.notices.record(n) }
      }
      var job = Job(
        id: id!, model: built.model, seq: jobCount, sourceFile: file, sourceLine: line, body: built.body,
        metadata: built.metadata, estimatedInputTokens: built.estimatedInputTokens, isJSONMode: built.isJSONMode,
        outputSchema: built.outputSchema, usesSearch: built.usesSearch, maxOutputTokens: built.maxOutputTokens)
      job.localFiles = built.localFiles
      job.localFileBytes = built.localFileBytes
      jobCount += 1
      return .job(job)
    } catch {
      return fail(JobError(file: file, line: line, jobId: id, code: error.code, message: error.message))
    }
  }
}

extension JobReader {
  /// Like `next()`, with an unreadable file turned into an `.error` result (reading goes on).
  public mutating func nextResult() -> JobReadResult? {
    do { return try next() } catch let e as JobError { return .error(e) } catch {
      return .error(JobError(file: currentFile ?? "", line: 0, code: .unreadableFile, message: "\(error)"))
    }
  }
}
