import Crypto
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file's size and the SHA-256 of its bytes: what a resume compares to adopt a job file (and
/// the schema and inline files its jobs name) without reading it again.
///
/// Size and mtime alone miss a same-size edit whose mtime was kept (`cp -p`, `rsync -a`,
/// `tar x`, `touch -r`), so the content is hashed every time. swift-crypto's SHA-256
/// (BoringSSL, SHA-NI where the CPU has it) hashes 100 MB in ~0.09 s here; the pure-Swift
/// `GeminiAPI.SHA256` used for request hashes takes ~2.7 s (docs/store.md, "Resuming without
/// reading").
public struct FileDigest: Sendable, Hashable, Codable {
  public var path: String
  public var size: Int64
  /// Lower-case hex.
  public var sha256: String

  public init(path: String, size: Int64, sha256: String) {
    self.path = path
    self.size = size
    self.sha256 = sha256
  }

  /// Reads `path` through in 1 MiB reads; nil when it cannot be opened or read (or is a folder).
  public init?(path: String) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR else { return nil }
    var hasher = Crypto.SHA256()
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
      hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
      total += Int64(n)
    }
    self.path = path
    self.size = total
    self.sha256 = hasher.finalize().map { String(format: "%02x", $0) }.joined()
  }

  /// The form kept in `source_files.fingerprint`.
  public var fingerprint: String { "sha256:" + sha256 }
}

extension FileDigest {
  /// What `stat` says of a file: a digest taken earlier stands only while all of it is the same
  /// (any write changes the ctime, which no `touch -r` or `cp -p` can set back).
  struct Stamp: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var mtime: timespec
    var ctime: timespec

    init?(path: String) {
      var st = stat()
      guard stat(path, &st) == 0 else { return nil }
      device = UInt64(st.st_dev)
      inode = UInt64(st.st_ino)
      size = Int64(st.st_size)
      #if canImport(Darwin)
        mtime = st.st_mtimespec
        ctime = st.st_ctimespec
      #else
        mtime = st.st_mtim
        ctime = st.st_ctim
      #endif
    }

    static func == (a: Stamp, b: Stamp) -> Bool {
      a.device == b.device && a.inode == b.inode && a.size == b.size && a.mtime.tv_sec == b.mtime.tv_sec
        && a.mtime.tv_nsec == b.mtime.tv_nsec && a.ctime.tv_sec == b.ctime.tv_sec && a.ctime.tv_nsec == b.ctime.tv_nsec
    }
  }

  private struct Prefetched: Sendable {
    var stamp: Stamp
    var digest: FileDigest
  }

  private static let prefetched = Mutex<[String: Prefetched]>([:])
  private static let pending = DispatchGroup()

  /// Starts hashing `paths` on a background thread, so the digests a resume needs are ready
  /// by the time the store is open (the CLI calls it first thing). `current(path:)` uses a
  /// prefetched digest only if the file's `stat` has not changed since.
  public static func prefetch(_ paths: [String]) {
    pending.enter()
    DispatchQueue.global(qos: .userInitiated).async {
      defer { pending.leave() }
      for path in paths {
        guard let before = Stamp(path: path), let d = FileDigest(path: path), Stamp(path: path) == before else { continue }
        prefetched.withLock { $0[path] = Prefetched(stamp: before, digest: d) }
      }
    }
  }

  /// The digest of `path` now: a prefetched one while the file is unchanged, else read anew.
  public static func current(path: String) -> FileDigest? {
    pending.wait()
    if let hit = prefetched.withLock({ $0.removeValue(forKey: path) }), Stamp(path: path) == hit.stamp {
      return hit.digest
    }
    return FileDigest(path: path)
  }
}
