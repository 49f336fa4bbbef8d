import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads a file in fixed-size chunks (1 MiB) and hands out its lines one at a time, without ever
/// holding the whole file: memory is one chunk plus the longest line (at most `maxLineBytes`).
/// A UTF-8 BOM at the start is skipped; `\r\n` and `\n` both end a line; the last line needs no newline.
final class LineReader {
  enum Event {
    /// A line's bytes, valid only until the next call to `next()`. `number` is 1-based.
    case line(number: Int, bytes: UnsafeRawBufferPointer)
    /// A line longer than `maxLineBytes`; its bytes were skipped.
    case tooLong(number: Int, bytes: Int)
  }

  struct OpenError: Error {
    let reason: String
  }

  let path: String
  let maxLineBytes: Int
  let chunkSize: Int
  private let fd: Int32
  private var buffer: UnsafeMutableRawBufferPointer
  private var start = 0
  private var end = 0
  private var eof = false
  private var lineNumber = 0
  private var atFileStart = true
  /// Total bytes read so far.
  private(set) var bytesRead = 0

  init(path: String, maxLineBytes: Int, chunkSize: Int = 1 << 20) throws {
    self.path = path
    self.maxLineBytes = max(1, maxLineBytes)
    self.chunkSize = max(16, chunkSize)
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { throw OpenError(reason: String(cString: strerror(errno))) }
    var st = stat()
    if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
      close(fd)
      throw OpenError(reason: "is a directory")
    }
    self.fd = fd
    buffer = .allocate(byteCount: self.chunkSize * 2, alignment: 16)
  }

  deinit {
    close(fd)
    buffer.deallocate()
  }

  /// The next line, or nil at the end of the file. Throws on a read error.
  func next() throws -> Event? {
    var skipping = false
    var skipped = 0
    var scanFrom = start
    while true {
      if end > scanFrom,
        let hit = memchr(buffer.baseAddress! + scanFrom, 0x0A, end - scanFrom)
      {
        let nl = buffer.baseAddress!.distance(to: hit)
        lineNumber += 1
        if skipping {
          skipped += nl - start
          start = nl + 1
          return .tooLong(number: lineNumber, bytes: skipped)
        }
        var lineEnd = nl
        if lineEnd > start, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        let lineStart = start
        start = nl + 1
        if lineEnd - lineStart > maxLineBytes {
          return .tooLong(number: lineNumber, bytes: lineEnd - lineStart)
        }
        return .line(number: lineNumber, bytes: UnsafeRawBufferPointer(rebasing: buffer[lineStart..<lineEnd]))
      }
      // No newline in the buffered bytes.
      if end - start > maxLineBytes + 1 {
        skipping = true
        skipped += end - start
        start = end
      }
      if eof {
        if skipping {
          lineNumber += 1
          return .tooLong(number: lineNumber, bytes: skipped)
        }
        if end > start {
          lineNumber += 1
          var lineEnd = end
          if buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
          let lineStart = start
          start = end
          if lineEnd - lineStart > maxLineBytes { return .tooLong(number: lineNumber, bytes: lineEnd - lineStart) }
          return .line(number: lineNumber, bytes: UnsafeRawBufferPointer(rebasing: buffer[lineStart..<lineEnd]))
        }
        return nil
      }
      scanFrom = end - start
      try fill()
      // fill() moved the pending bytes to the front; continue scanning only the new ones.
      if atFileStart, end - start >= 3 || eof {
        atFileStart = false
        if end - start >= 3, buffer[start] == 0xEF, buffer[start + 1] == 0xBB, buffer[start + 2] == 0xBF {
          start += 3
          scanFrom = max(scanFrom, start)
        }
      }
    }
  }

  /// Moves pending bytes to the front, grows the buffer if a long line needs it, reads one chunk.
  private func fill() throws {
    let pending = end - start
    if start > 0 {
      if pending > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: pending) }
      start = 0
      end = pending
    }
    if buffer.count - end < chunkSize {
      let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(buffer.count * 2, end + chunkSize), alignment: 16)
      if end > 0 { bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end) }
      buffer.deallocate()
      buffer = bigger
    }
    while true {
      let n = read(fd, buffer.baseAddress! + end, chunkSize)
      if n < 0 {
        if errno == EINTR { continue }
        throw OpenError(reason: String(cString: strerror(errno)))
      }
      if n == 0 { eof = true }
      end += n
      bytesRead += n
      return
    }
  }
}
