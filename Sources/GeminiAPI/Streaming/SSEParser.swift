import Foundation

/// One thing an SSE stream delivered.
public struct SSEEvent: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    /// A normal event: its `data:` lines joined with `\n`.
    case data
    /// Lines that were not SSE fields, collected until their braces and brackets balanced:
    /// how the API sends an error inside a stream (`{"error":…}` or `[{"error":…}]`).
    case unframed
  }

  public var kind: Kind
  /// The payload bytes (without the `data:` prefixes).
  public var data: Data
  /// False when the stream ended before the event's blank-line terminator (or before its braces
  /// balanced): the payload may be cut.
  public var terminated: Bool

  public init(kind: Kind, data: Data, terminated: Bool = true) {
    self.kind = kind
    self.data = data
    self.terminated = terminated
  }
}

/// An incremental Server-Sent Events parser for the Gemini `?alt=sse` stream.
///
/// Feed it bytes as they arrive, in chunks of any size. It accepts `\r\n`, `\n` and `\r` line ends
/// (mixed, and split across chunks), joins multi-line `data:` fields with `\n`, skips `:` comments
/// and the `event:`, `id:` and `retry:` fields, and collects any other lines until their JSON
/// braces balance, to surface an error body that the server wrote without `data:` framing (as
/// python-genai's `_iter_response_stream` does).
public struct SSEParser: Sendable {
  private var line: [UInt8] = []
  private var lastWasCR = false
  /// Data lines of the event being built; nil when none yet.
  private var dataBuffer: [UInt8]?
  /// Unframed lines being collected.
  private var unframed: [UInt8] = []
  private var depth = 0
  private var inString = false
  private var escaped = false

  public init() {}

  /// Parses the next bytes; returns the events they completed.
  public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [SSEEvent] where Bytes.Element == UInt8 {
    var out: [SSEEvent] = []
    for b in bytes {
      switch b {
      case 0x0A:  // \n
        if lastWasCR {
          lastWasCR = false
          continue
        }
        endLine(into: &out)
      case 0x0D:  // \r
        lastWasCR = true
        endLine(into: &out)
      default:
        lastWasCR = false
        line.append(b)
      }
    }
    return out
  }

  /// Ends the stream: returns the event still being built, marked as not terminated.
  public mutating func finish() -> [SSEEvent] {
    var out: [SSEEvent] = []
    if !line.isEmpty { endLine(into: &out) }
    if let d = dataBuffer {
      out.append(SSEEvent(kind: .data, data: Data(d), terminated: false))
      dataBuffer = nil
    }
    if !unframed.isEmpty {
      out.append(SSEEvent(kind: .unframed, data: Data(unframed), terminated: false))
      unframed = []
    }
    depth = 0
    inString = false
    escaped = false
    lastWasCR = false
    return out
  }

  private mutating func endLine(into out: inout [SSEEvent]) {
    defer { line.removeAll(keepingCapacity: true) }
    // Inside an unframed body every line belongs to it, blank ones included.
    if !unframed.isEmpty {
      collectUnframed(into: &out)
      return
    }
    if line.isEmpty {
      if let d = dataBuffer {
        out.append(SSEEvent(kind: .data, data: Data(d)))
        dataBuffer = nil
      }
      return
    }
    if line[0] == UInt8(ascii: ":") { return }  // comment
    if let value = fieldValue("data") {
      if dataBuffer == nil {
        dataBuffer = Array(value)
      } else {
        dataBuffer!.append(0x0A)
        dataBuffer!.append(contentsOf: value)
      }
      return
    }
    if fieldValue("event") != nil || fieldValue("id") != nil || fieldValue("retry") != nil { return }
    collectUnframed(into: &out)
  }

  /// The value of `name:` (one optional space after the colon removed), or nil when the line is
  /// not that field. A bare `name` line is the field with an empty value.
  private func fieldValue(_ name: StaticString) -> ArraySlice<UInt8>? {
    let n = name.utf8CodeUnitCount
    guard line.count >= n else { return nil }
    let p = name.utf8Start
    for k in 0..<n where line[k] != p[k] { return nil }
    if line.count == n { return line[n...] }
    guard line[n] == UInt8(ascii: ":") else { return nil }
    var start = n + 1
    if start < line.count, line[start] == UInt8(ascii: " ") { start += 1 }
    return line[start...]
  }

  private mutating func collectUnframed(into out: inout [SSEEvent]) {
    if !unframed.isEmpty { unframed.append(0x0A) }
    unframed.append(contentsOf: line)
    for c in line {
      if inString {
        if escaped { escaped = false }
        else if c == UInt8(ascii: "\\") { escaped = true }
        else if c == UInt8(ascii: "\"") { inString = false }
        continue
      }
      switch c {
      case UInt8(ascii: "\""): inString = true
      case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
      case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
      default: break
      }
    }
    if depth <= 0 && !inString {
      let isBlank = unframed.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A }
      if !isBlank { out.append(SSEEvent(kind: .unframed, data: Data(unframed))) }
      unframed.removeAll(keepingCapacity: true)
      depth = 0
    }
  }
}
