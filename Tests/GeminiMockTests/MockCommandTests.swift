import Foundation
import GeminiAPI
import Testing

/// Runs the built `gembatch` binary (built by `swift build --build-tests`).
enum Binary {
  static var path: String? {
    let build = MockTest.packageRoot.appendingPathComponent(".build")
    for rel in ["debug/gembatch", "x86_64-unknown-linux-gnu/debug/gembatch", "aarch64-unknown-linux-gnu/debug/gembatch"] {
      let p = build.appendingPathComponent(rel).path
      if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
  }

  static func run(_ args: [String]) throws -> (status: Int32, out: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path!)
    p.arguments = args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}

@Suite(.enabled(if: Binary.path != nil, "the gembatch binary is not built (run swift build --build-tests)"))
struct MockCommandTests {
  @Test func helpDocumentsEveryOptionAndFault() throws {
    let (status, out) = try Binary.run(["mock", "--help"])
    #expect(status == 0)
    for option in [
      "--port", "--host", "--key", "--latency", "--chunk-delay", "--chunks", "--rpm", "--tpm", "--rpd", "--quota",
      "--fault-rate", "--slow-delay", "--seed", "--replay", "--replay-on-demand", "--model",
    ] {
      #expect(out.contains(option), "\(option)")
    }
    for fault in ["internal", "overloaded", "exhausted-503", "rate-limited", "drop-before", "drop-mid", "cut-stream", "malformed", "html-502", "prompt-blocked", "safety", "recitation", "slow-first-byte"] {
      #expect(out.contains(fault), "\(fault)")
    }
    #expect(out.contains("x-mock-fault"))
    #expect(out.contains("[[mock:"))
  }

  @Test(arguments: [
    ["--latency", "soon"], ["--fault-rate", "bogus=0.1"], ["--fault-rate", "internal=2"], ["--quota", "gemini-2.5-flash:rpx=1"],
    ["--chunks", "0"], ["--replay", "/nonexistent/folder"], ["--fault-rate", "internal=0.6", "--fault-rate", "overloaded=0.6"],
    ["--port", "70000"],
  ])
  func badFlagsAreRejected(args: [String]) throws {
    let (status, out) = try Binary.run(["mock"] + args)
    #expect(status != 0)
    #expect(out.contains("Error"))
  }

  @Test func runsPrintsItsURLAndStopsOnSIGTERM() async throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: Binary.path!)
    p.arguments = ["mock", "--port", "0", "--key", "cli-key"]
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    defer { if p.isRunning { p.terminate() } }
    // Read until the URL line appears.
    var text = ""
    let deadline = Date().addingTimeInterval(20)
    while !text.contains("\n"), Date() < deadline {
      let chunk = pipe.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      text += String(decoding: chunk, as: UTF8.self)
    }
    let url = try #require(text.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
    #expect(url.hasPrefix("http://127.0.0.1:"))
    let port = try #require(Int(url.split(separator: ":").last ?? ""))
    let c = MockClient(port: port)
    let ok = try await c.send(.POST, "/v1beta/models/gemini-2.5-flash:generateContent", body: MockTest.prompt("hi").serialized(), key: "cli-key")
    #expect(ok.status == 200)
    let bad = try await c.send(.POST, "/v1beta/models/gemini-2.5-flash:generateContent", body: MockTest.prompt("hi").serialized(), key: "other")
    #expect(bad.status == 400)
    p.terminate()  // SIGTERM
    let stopDeadline = Date().addingTimeInterval(10)
    while p.isRunning, Date() < stopDeadline { try await Task.sleep(for: .milliseconds(50)) }
    #expect(!p.isRunning)
  }
}
