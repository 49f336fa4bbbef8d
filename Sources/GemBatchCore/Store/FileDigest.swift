import Foundation
import GeminiAPI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file's size and the SHA-256 of its bytes: what a resume compares to adopt a job file (and
/// the schema and inline files its jobs name) without reading it again.
///
/// Size and mtime alone miss a same-size edit whose mtime was kept (`cp -p`, `rsync -a`,
/// `tar x`, `touch -r`), so adoption needs the content hash to match. The hash is taken again
/// unless the file's whole `stat` is still the one seen when it was hashed (`stamp`: device,
/// inode, size, and mtime and ctime to the nanosecond). Every write changes the ctime, and so
/// does every tool that sets an mtime back, and nothing but the kernel sets a ctime, so an equal
/// stamp means the bytes are the ones hashed. A file changed in the moments before it was hashed
/// gets no stamp (timestamps are coarser than the hash is fast), as git treats "racily clean"
/// files. SHA-256 (swift-crypto: BoringSSL, SHA-NI here) hashes 100 MB in ~0.1 s of CPU.
public struct FileDigest: Sendable, Hashable, Codable {
  public var path: String
  public var size: Int64
  /// Lower-case hex.
  public var sha256: String
  /// The file's `stat` when it was hashed; nil when it had changed too recently to vouch for.
  public var stamp: String?

  public init(path: String, size: Int64, sha256: String, stamp: String? = nil) {
    self.path = path
    self.size = size
    self.sha256 = sha256
    self.stamp = stamp
  }

  /// Reads `path` through in 1 MiB reads; nil when it cannot be opened or read (or is a folder).
  /// A file changed less than `settleSeconds` before gets no stamp.
  public init?(path: String, settleSeconds: Double = FileDigest.settleSeconds) {
    let started = Date().timeIntervalSince1970
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    guard let before = Stamp(fd: fd), !before.isDirectory else { return nil }
    var hasher = SHA256()
    let chunk = 1 << 20
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
    defer { buffer.deallocate() }
    var total: Int64 = 0
    while true {
      let n = read(fd, buffer.baseAddress, chunk)
      if n < 0 {
        if errno == EINTR { continue }
        return nil
      }
      if n == 0 { break }
      hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
      total += Int64(n)
    }
    self.path = path
    self.size = total
    self.sha256 = SHA256.hexString(hasher.finalize())
    let after = Stamp(fd: fd)
    // Vouch only for a file that did not change while it was read, nor just before.
    self.stamp = after == before && before.changedBefore(started - settleSeconds) ? before.text : nil
  }

  /// A file whose mtime or ctime is this recent when hashed gets no stamp.
  public static let settleSeconds: Double = 2

  /// The form kept in `source_files.fingerprint`.
  public var fingerprint: String { "sha256:" + sha256 }

  /// The digest of `path` now: `known` itself when the file's stamp still matches it, else the
  /// file hashed again.
  public static func current(path: String, known: FileDigest?) -> FileDigest? {
    if let known, let stamp = known.stamp, known.path == path, Stamp(path: path)?.text == stamp {
      return known
    }
    return FileDigest(path: path)
  }

  /// What `stat` says of a file, as compared for adoption.
  struct Stamp: Equatable {
    var st: stat

    init?(fd: Int32) {
      var s = stat()
      guard fstat(fd, &s) == 0 else { return nil }
      st = s
    }

    init?(path: String) {
      var s = stat()
      guard stat(path, &s) == 0 else { return nil }
      st = s
    }

    var isDirectory: Bool { (st.st_mode & S_IFMT) == S_IFDIR }

    #if canImport(Darwin)
      var mtime: timespec { st.st_mtimespec }
      var ctime: timespec { st.st_ctimespec }
    #else
      var mtime: timespec { st.st_mtim }
      var ctime: timespec { st.st_ctim }
    #endif

    /// "dev:ino:size:mtime:ctime", the times in nanoseconds.
    var text: String {
      func ns(_ t: timespec) -> String { "\(t.tv_sec).\(String(format: "%09ld", t.tv_nsec))" }
      return "\(st.st_dev):\(st.st_ino):\(st.st_size):\(ns(mtime)):\(ns(ctime))"
    }

    func changedBefore(_ t: Double) -> Bool {
      Double(mtime.tv_sec) < t && Double(ctime.tv_sec) < t
    }

    static func == (a: Stamp, b: Stamp) -> Bool { a.text == b.text }
  }
}
