import Foundation

/// Writes through a 64 KiB buffer to a file handle: exports stream rows without holding them.
public final class BufferedOutput {
  private let handle: FileHandle
  private let closeOnFinish: Bool
  private var buffer = Data()
  private let limit: Int
  public private(set) var bytesWritten = 0

  public init(handle: FileHandle, closeOnFinish: Bool = false, bufferSize: Int = 64 * 1024) {
    self.handle = handle
    self.closeOnFinish = closeOnFinish
    self.limit = bufferSize
    buffer.reserveCapacity(bufferSize)
  }

  /// Creates (or truncates) `path`.
  public static func file(_ path: String) throws -> BufferedOutput {
    guard FileManager.default.createFile(atPath: path, contents: nil),
      let h = FileHandle(forWritingAtPath: path)
    else { throw ReportError(code: .writeFailed, detail: "\(path): cannot create the output file") }
    return BufferedOutput(handle: h, closeOnFinish: true)
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

  /// Flushes, and closes the file when this object opened it.
  public func finish() throws {
    try flush()
    if closeOnFinish { try? handle.close() }
  }
}
