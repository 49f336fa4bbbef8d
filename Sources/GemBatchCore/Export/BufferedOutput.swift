import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes through a 64 KiB buffer to a file handle: exports stream rows without holding them.
///
/// A file output (`file(_:)`) is written to a temporary file beside the target and renamed onto
/// it by `finish()`, after an fsync: until then the old file stays whole, so an export killed
/// halfway (or failing) never leaves a truncated, valid-looking file in its place.
public final class BufferedOutput {
  private let handle: FileHandle
  private let closeOnFinish: Bool
  private var buffer = Data()
  private let limit: Int
  /// (temporary, target) for a file output that is renamed into place on `finish()`.
  private var pending: (temp: String, target: String)?
  public private(set) var bytesWritten = 0

  public init(handle: FileHandle, closeOnFinish: Bool = false, bufferSize: Int = 64 * 1024) {
    self.handle = handle
    self.closeOnFinish = closeOnFinish
    self.limit = bufferSize
    buffer.reserveCapacity(bufferSize)
  }

  deinit {
    // Never finished (an error on the way): the target keeps its old content.
    if let p = pending {
      try? handle.close()
      unlink(p.temp)
    }
  }

  /// Writes to a new temporary file beside `path` (symlinks resolved, so a link keeps pointing
  /// at the file that gets the new content); `finish()` renames it onto `path`. A file that
  /// already exists keeps its permission bits.
  public static func file(_ path: String) throws -> BufferedOutput {
    let target = OutputPath.resolved(path)
    let ns = target as NSString
    let temp = ns.deletingLastPathComponent + "/." + ns.lastPathComponent + ".gembatch-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
    var mode: mode_t = 0o644
    var st = stat()
    if stat(target, &st) == 0 { mode = st.st_mode & 0o7777 }
    let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
    guard fd >= 0 else {
      throw ReportError(code: .writeFailed, detail: "\(path): cannot create the output file (\(String(cString: strerror(errno))))")
    }
    if stat(target, &st) == 0 { _ = fchmod(fd, mode) }  // umask does not narrow an existing file's mode
    let out = BufferedOutput(handle: FileHandle(fileDescriptor: fd, closeOnDealloc: false), closeOnFinish: true)
    out.pending = (temp, target)
    return out
  }

  public static func standardOutput() -> BufferedOutput { BufferedOutput(handle: .standardOutput) }

  public func write(_ s: String) throws {
    buffer.append(contentsOf: s.utf8)
    if buffer.count >= limit { try flush() }
  }

  public func write(_ d: Data) throws {
    buffer.append(d)
    if buffer.count >= limit { try flush() }
  }

  public func flush() throws {
    guard !buffer.isEmpty else { return }
    do { try handle.write(contentsOf: buffer) } catch {
      throw ReportError(code: .writeFailed, detail: "cannot write the output (\(error.localizedDescription))")
    }
    bytesWritten += buffer.count
    buffer.removeAll(keepingCapacity: true)
  }

  /// Flushes, and closes the file when this object opened it; a file output is synced and
  /// renamed onto its target.
  public func finish() throws {
    try flush()
    if let p = pending {
      pending = nil
      do {
        try handle.synchronize()
        try handle.close()
      } catch {
        unlink(p.temp)
        throw ReportError(code: .writeFailed, detail: "cannot write the output (\(error.localizedDescription))")
      }
      if rename(p.temp, p.target) != 0 {
        let why = String(cString: strerror(errno))
        unlink(p.temp)
        throw ReportError(code: .writeFailed, detail: "\(p.target): cannot put the output in place (\(why))")
      }
      return
    }
    if closeOnFinish { try? handle.close() }
  }
}
