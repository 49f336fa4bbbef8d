import Crypto
import Foundation

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
