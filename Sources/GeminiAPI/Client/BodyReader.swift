import Foundation
import NIOCore

/// Collects a response body as it arrives. For an SSE stream it also parses and assembles the
/// events on the fly, so that the raw transcript, the events and the first error are all known
/// however the stream ends.
struct BodyReader {
  let stream: GeminiClient.StreamOptions?
  let decoder: JSONDecoder
  /// The body in pieces of at most `pieceSize` bytes. A growing body is never copied into a
  /// bigger buffer while it is read: at concurrency 64, those copies (old and new buffer alive
  /// together) made the memory of huge bodies about twice what the client's budget allowed. A
  /// body of one piece (nearly every answer) is used as is.
  private var pieces: [Data] = []
  /// Bytes kept so far.
  private(set) var byteCount = 0
  static let pieceSize = 1 << 20
  private(set) var assembler = StreamAssembler()
  private var parser = SSEParser()
  private var sse = false
  /// The first error found in the stream (an error body, an undecodable event); later events are
  /// still kept in `raw` but no longer parsed.
  private(set) var streamError: GeminiError?

  init(stream: GeminiClient.StreamOptions?, decoder: JSONDecoder) {
    self.stream = stream
    self.decoder = decoder
  }

  /// - Parameter contentLength: the bytes that will be kept, when known (capacity is reserved).
  mutating func begin(streamingSSE: Bool, contentLength: Int?) {
    sse = streamingSSE
    if let contentLength, contentLength > 0 {
      var first = Data()
      first.reserveCapacity(min(contentLength, Self.pieceSize))
      pieces = [first]
    }
  }

  /// The whole body (joined once per call when it spans several pieces).
  var raw: Data {
    switch pieces.count {
    case 0: return Data()
    case 1: return pieces[0]
    default:
      var d = Data()
      d.reserveCapacity(byteCount)
      for p in pieces { d.append(p) }
      return d
    }
  }

  /// The first `n` bytes, without joining the rest.
  func prefix(_ n: Int) -> Data {
    var d = Data()
    for p in pieces {
      if d.count >= n { break }
      d.append(p.prefix(n - d.count))
    }
    return d
  }

  private mutating func append(_ bytes: UnsafeRawBufferPointer) {
    var at = 0
    while at < bytes.count {
      if pieces.isEmpty || pieces[pieces.count - 1].count >= Self.pieceSize {
        var next = Data()
        // The first piece grows as Data does (small answers stay small); later ones are whole.
        if !pieces.isEmpty { next.reserveCapacity(Self.pieceSize) }
        pieces.append(next)
      }
      let n = min(Self.pieceSize - pieces[pieces.count - 1].count, bytes.count - at)
      pieces[pieces.count - 1].append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[at..<(at + n)]))
      at += n
    }
    byteCount += bytes.count
  }

  /// Forgets the body and the assembled stream (the exchange holds what it needs).
  mutating func discardBody() {
    pieces = []
    byteCount = 0
    assembler = StreamAssembler()
    parser = SSEParser()
  }

  /// Appends a chunk; returns true when it completed the first SSE event.
  mutating func consume(_ chunk: ByteBuffer) -> Bool {
    chunk.withUnsafeReadableBytes { append($0) }
    guard sse, streamError == nil else { return false }
    return handle(parser.feed(chunk.readableBytesView))
  }

  /// Ends the body; returns true when the last bytes completed the first SSE event.
  mutating func finish() -> Bool {
    guard sse, streamError == nil else { return false }
    return handle(parser.finish())
  }

  private mutating func handle(_ events: [SSEEvent]) -> Bool {
    let before = assembler.eventCount
    for event in events where streamError == nil {
      do {
        switch try StreamEventDecoder.decode(event, decoder: decoder) {
        case .response(let r):
          assembler.add(r)
          stream?.onEvent?(r)
        case .skip:
          continue
        }
      } catch {
        streamError = error
      }
    }
    return before == 0 && assembler.eventCount > 0
  }

  /// The outcome of a whole stored transcript, parsed again (after redaction changed its bytes).
  static func reassemble(_ raw: Data, status: Int, decoder: JSONDecoder) -> Result<GenerateContentResponse, GeminiError> {
    var r = BodyReader(stream: nil, decoder: decoder)
    r.begin(streamingSSE: true, contentLength: raw.count)
    var buffer = ByteBuffer()
    buffer.writeBytes(raw)
    _ = r.consume(buffer)
    _ = r.finish()
    return r.streamResult(status: status)
  }

  /// The outcome of a complete 2xx stream body.
  func streamResult(status: Int) -> Result<GenerateContentResponse, GeminiError> {
    if let streamError { return .failure(streamError) }
    if assembler.eventCount == 0 {
      // No SSE event at all: a server that ignored `alt=sse` may have sent one JSON object or the
      // JSON array stream form.
      let raw = self.raw
      let first = raw.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
      if first == UInt8(ascii: "["), let a = try? StreamAssembler.assemble(jsonArrayStream: raw), a.finished {
        return .success(a.response)
      }
      if first == UInt8(ascii: "{"), case .success(let r) = GeminiClient.decodeResponse(raw, status: status, decoder: decoder),
        r.finishReason != nil || r.blockReason != nil
      {
        return .success(r)
      }
      return .failure(
        GeminiError(code: .truncated, httpStatus: status, detail: "the stream ended without any event"))
    }
    if !assembler.finished {
      return .failure(
        GeminiError(
          code: .truncated, httpStatus: status,
          detail: "the stream ended after \(assembler.eventCount) events without a finishReason"))
    }
    return .success(assembler.result)
  }
}
