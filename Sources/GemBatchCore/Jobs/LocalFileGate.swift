import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Which local files a job file may send: by default only regular files that resolve
/// (`realpath`, symlinks followed) inside the job file's own folder; `--files-root` folders widen
/// that. Anything under `/proc`, `/dev` or `/sys` is always refused, and so is anything that is
/// not a regular file (a FIFO would block the reader forever; a socket or device is no file).
///
/// A job file is often written by someone else: without this, `"files": ["/etc/passwd"]`,
/// `../../secret.txt` or `/proc/self/environ` (the key, base64, in the store) would be read and
/// sent.
struct LocalFileGate: Sendable {
  /// Extra allowed folders, already resolved.
  let roots: [String]

  static let systemRoots = ["/proc", "/dev", "/sys"]

  /// - Parameter roots: `--files-root` folders; each is resolved once (one that does not exist
  ///   allows nothing).
  init(roots: [String]) {
    self.roots = roots.compactMap(Self.realPath)
  }

  /// The resolved path, or nil when the path does not resolve (missing, a dangling symlink).
  static func realPath(_ path: String) -> String? {
    guard let p = realpath(path, nil) else { return nil }
    defer { free(p) }
    return String(cString: p)
  }

  static func isInside(_ path: String, _ root: String) -> Bool {
    if root == "/" { return true }
    return path == root || path.hasPrefix(root + "/")
  }

  enum Verdict: Equatable {
    /// Send it: the resolved path of a regular file in an allowed folder.
    case allowed(String)
    /// Does not resolve or cannot be inspected.
    case missing
    /// Refused, with the sentence that says why (names the resolved path, never the contents).
    case refused(String)
  }

  /// Decides about `full` (the path as written, made absolute against the job file's folder).
  /// `jobFolder` is the job file's folder as given ("" for the working directory); `what` names
  /// the path in messages (`files[0] a.png`).
  func check(_ full: String, jobFolder: String, what: String) -> Verdict {
    // The path as written counts too: `/proc/self/…` resolves to `/proc/<pid>/…`, still refused.
    for s in Self.systemRoots where Self.isInside(full, s) {
      return .refused("\(what) is under \(s): files under /proc, /dev and /sys are never sent")
    }
    guard let real = Self.realPath(full) else { return .missing }
    for s in Self.systemRoots where Self.isInside(real, s) {
      return .refused("\(what) resolves to \(real), under \(s): files under /proc, /dev and /sys are never sent")
    }
    let home = Self.realPath(jobFolder.isEmpty ? "." : jobFolder)
    let allowed = ([home].compactMap { $0 } + roots).contains { Self.isInside(real, $0) }
    if !allowed {
      return .refused(
        "\(what) resolves to \(real), outside the job file's folder \(home ?? jobFolder) (name more folders with --files-root)"
      )
    }
    var st = stat()
    guard stat(real, &st) == 0 else { return .missing }
    if let kind = Self.notRegular(st.st_mode) {
      return .refused("\(what) resolves to \(real), \(kind), not a regular file: never read")
    }
    return .allowed(real)
  }

  static func notRegular(_ mode: mode_t) -> String? {
    switch mode & S_IFMT {
    case S_IFREG: nil
    case S_IFDIR: "a directory"
    case S_IFIFO: "a FIFO (named pipe)"
    case S_IFSOCK: "a socket"
    case S_IFCHR, S_IFBLK: "a device"
    default: "a special file"
    }
  }

  enum ReadResult {
    case data(Data)
    /// Larger than `limit` bytes (its size).
    case tooLarge(Int)
    case failed
  }

  /// Reads a file that `check` allowed, never blocking: opened non-blocking and checked again on
  /// the open descriptor, so a file swapped for a FIFO after the check is not waited on.
  static func readRegular(_ real: String, limit: Int) -> ReadResult {
    let fd = open(real, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else { return .failed }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0, notRegular(st.st_mode) == nil else { return .failed }
    let size = Int(st.st_size)
    if size > limit { return .tooLarge(size) }
    var data = Data(count: size)
    var got = 0
    let ok = data.withUnsafeMutableBytes { buf -> Bool in
      while got < size {
        let n = systemRead(fd, buf.baseAddress! + got, size - got)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        got += n
      }
      return true
    }
    guard ok else { return .failed }
    if got < size { data.removeSubrange(got..<size) }
    return .data(data)
  }
}

/// `read(2)`, out of `LocalFileGate`'s scope (its own members would hide the C function).
private func systemRead(_ fd: Int32, _ buf: UnsafeMutableRawPointer, _ n: Int) -> Int { read(fd, buf, n) }
