import Foundation
import Testing

@testable import GeminiAPI

/// Joining a streamed answer's text is linear: a 64 MiB stream assembles in seconds, not minutes.
struct StreamScaleTests {
  static func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
  }

  @Test func a64MiBStreamAssemblesWithinACPUBound() throws {
    // 16,384 events of 4 KiB of text each (a thought part first), the last with finishReason.
    let piece = String(repeating: "abcdefgh", count: 512)
    var transcript = Data()
    transcript.reserveCapacity(70 << 20)
    let events = 16_384
    for i in 0..<events {
      let thought = i == 0 ? #"{"text":"t","thought":true},"# : ""
      let finish = i == events - 1 ? #","finishReason":"STOP""# : ""
      transcript.append(
        contentsOf:
          "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[\(thought){\"text\":\"\(piece)\"}]}\(finish)}]}\r\n\r\n"
          .utf8)
    }
    let before = Self.cpuSeconds()
    let (response, count, finished) = try StreamAssembler.assemble(sseTranscript: transcript)
    let spent = Self.cpuSeconds() - before
    #expect(count == events && finished)
    #expect(response.firstCandidate?.answerText?.utf8.count == events * piece.utf8.count)
    // Generous for a loaded 2-core machine and a debug build (the quadratic join took ~130 s).
    #expect(spent < 20, "assembling 64 MiB took \(spent) s of CPU")
  }
}
