import Foundation
import NIOCore

/// Collects a response body as it arrives. For an SSE stream it also parses and assembles the
/// events on the fly, so that the raw transcript, the events and the first error are all known
/// however the stream ends.
struct BodyReader {
  let stream: GeminiClient.StreamOptions?
  let decoder: JSONDecoder
  private(set) var raw = Data()
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

  mutating func begin(streamingSSE: Bool, contentLength: Int?) {
    sse = streamingSSE
    if let contentLength, contentLength > 0 { raw.reserveCapacity(min(contentLength, GeminiClient.maxBodyBytes)) }
  }

  /// Appends a chunk; returns true when it completed the first SSE event.
  mutating func consume(_ chunk: ByteBuffer) -> Bool {
    chunk.withUnsafeReadableBytes { raw.append($0.bindMemory(to: UInt8.self)) }
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

  /// The outcome of a complete 2xx stream body.
  func streamResult(status: Int) -> Result<GenerateContentResponse, GeminiError> {
    if let streamError { return .failure(streamError) }
    if assembler.eventCount == 0 {
      // No SSE event at all: a server that ignored `alt=sse` may have sent one JSON object or the
      // JSON array stream form.
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
