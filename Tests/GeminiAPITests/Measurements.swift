import Foundation
import LoopbackServer
import Testing

@testable import GeminiAPI

/// Rough timings, printed; run with `GEMBATCH_BENCH=1 swift test -c release --filter Measurements`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["GEMBATCH_BENCH"] != nil && Fixtures.available))
struct Measurements {
  func time(_ label: String, iterations: Int, _ body: () throws -> Void) rethrows {
    let clock = ContinuousClock()
    let start = clock.now
    for _ in 0..<iterations { try body() }
    let per = (clock.now - start) / iterations
    print("\(label): \(per) per call")
  }

  @Test func decodeAndAssemble() throws {
    for name in ["text_basic_gemini-2.5-flash.json", "google_search_grounding_gemini-2.5-pro.json"] {
      let data = try Fixtures.data(name)
      let decoder = JSONDecoder()
      try time("JSONDecoder \(name)", iterations: 2000) { _ = try decoder.decode(GenerateContentResponse.self, from: data) }
      try time("WireJSON    \(name)", iterations: 2000) { _ = try WireJSON.decode(GenerateContentResponse.self, from: data) }
      try time("parse only  \(name)", iterations: 2000) { _ = try JSONValue.parse(data) }
    }
    let sse = try Fixtures.data("stream_long_123_events_gemini-2.5-flash.sse")
    try time("assemble 123-event transcript (62 KB)", iterations: 50) { _ = try StreamAssembler.assemble(sseTranscript: sse) }
    var p = SSEParser()
    time("SSEParser only, 62 KB", iterations: 50) { _ = p.feed(sse); _ = p.finish() }
  }

  @Test func loopbackRoundTrips() async throws {
    let body = Raw.response(body: GeminiClientTests.okBody)
    try await ScriptedServer.with({ _ in [.write(body)] }) { server in
      try await GeminiClientTests().withClient(server) { client in
        let n = 2000
        let clock = ContinuousClock()
        let start = clock.now
        await withTaskGroup(of: Bool.self) { group in
          for i in 0..<n {
            if i >= 32 { _ = await group.next() }
            group.addTask { await client.generateContent(model: "m", body: GeminiClientTests.requestBody).error == nil }
          }
          for await _ in group {}
        }
        let elapsed = clock.now - start
        print("loopback generateContent: \(n) requests in \(elapsed), \(Double(n) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)) req/s")
      }
    }
  }
}
