import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes to standard error with `write(2)`, ignoring failures. After an ssh session drops,
/// writes to the dead terminal fail (EIO, or EPIPE with SIGPIPE ignored); `FileHandle.write`
/// traps on such a failure, which would kill a run with requests in flight, exactly what
/// handling SIGHUP is for.
enum Stderr {
  static func write(_ s: String) {
    var bytes = Array(s.utf8)
    var offset = 0
    while offset < bytes.count {
      let n = bytes.withUnsafeMutableBytes { systemWrite(STDERR_FILENO, $0.baseAddress! + offset, $0.count - offset) }
      if n > 0 {
        offset += n
      } else if n < 0 && errno == EINTR {
        continue
      } else {
        return
      }
    }
  }
}

#if canImport(Glibc)
  private let systemWrite = Glibc.write
#elseif canImport(Darwin)
  private let systemWrite = Darwin.write
#endif
