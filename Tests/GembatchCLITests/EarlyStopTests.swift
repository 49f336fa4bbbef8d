import Foundation
import GeminiAPI
import GeminiMock
import Testing

/// What cannot succeed stops early, through the real binary: a rejected key, an endpoint that
/// cannot be reached (refused, TLS to a plain port, a name that does not resolve), one permanent
/// error over and over. Nothing is marked failed for the first two, and the fixed command finishes.
@Suite(.serialized) struct EarlyStopTests {
  typealias E2E = RunEndToEndTests

  func run(_ file: URL, _ db: URL, endpoint: String, key: String = E2E.key, _ extra: [String] = []) async throws
    -> CLI.Result
  {
    try await CLI.run(
      ["run", file.path, "--db", db.path, "--endpoint", endpoint, "--progress", "none"] + extra,
      env: ["GEMINI_API_KEY": key], timeout: 120)
  }

  func states(_ db: URL) throws -> [String: Int] {
    var out: [String: Int] = [:]
    for s in ["pending", "waiting", "failed", "succeeded", "in_flight"] {
      out[s] = try E2E.count(db, "SELECT COUNT(*) FROM jobs WHERE state = '\(s)'")
    }
    return out
  }

  @Test func aWrongKeyStopsAtOnceAndTheFixedKeyFinishes() async throws {
    let dir = try CLI.tempDir()
    let file = try E2E.writeJobs(dir, count: 200)
    let db = dir.appendingPathComponent("s.sqlite")
    try await GeminiMockServer.withServer(E2E.mockConfig()) { port in
      let r = try await run(file, db, endpoint: "http://127.0.0.1:\(port)", key: "wrong-key", ["--concurrency", "4"])
      #expect(r.status == 3, "\(r.stderr)")
      #expect(r.stderr.contains("refused the API key") && r.stderr.contains("API key not valid"), "\(r.stderr)")
      #expect(r.stderr.contains("127.0.0.1:\(port)"))
      #expect(!r.stderr.contains("wrong-key"))
      #expect(try states(db)["failed"] == 0)
      #expect(try E2E.count(db, "SELECT COUNT(*) FROM attempts") <= 4)
      let fixed = try await run(file, db, endpoint: "http://127.0.0.1:\(port)")
      #expect(fixed.status == 0, "\(fixed.stderr)")
      #expect(try states(db)["succeeded"] == 200)
    }
  }

  @Test func aRefusedPortStopsWithinSecondsAndNothingFails() async throws {
    let dir = try CLI.tempDir()
    let file = try E2E.writeJobs(dir, count: 300)
    let db = dir.appendingPathComponent("s.sqlite")
    // A port that was just free: nothing listens there now.
    let dead = try await GeminiMockServer.withServer(E2E.mockConfig()) { port in port }
    let r = try await run(file, db, endpoint: "http://127.0.0.1:\(dead)")
    #expect(r.status == 3, "\(r.stderr)")
    #expect(r.stderr.contains("cannot reach 127.0.0.1:\(dead): connection refused"), "\(r.stderr)")
    let s = try states(db)
    #expect(s["failed"] == 0 && s["succeeded"] == 0 && s["in_flight"] == 0, "\(s)")
    // Every job is still to do, and at most one wave was tried.
    #expect(try E2E.count(db, "SELECT COUNT(*) FROM attempts") <= 64)
    try await GeminiMockServer.withServer(E2E.mockConfig()) { port in
      let fixed = try await run(file, db, endpoint: "http://127.0.0.1:\(port)")
      #expect(fixed.status == 0, "\(fixed.stderr)")
      #expect(try states(db)["succeeded"] == 300)
    }
  }

  @Test func tlsToAPlainPortAndAnUnknownHostStopEarly() async throws {
    let dir = try CLI.tempDir()
    let file = try E2E.writeJobs(dir, count: 50)
    try await GeminiMockServer.withServer(E2E.mockConfig()) { port in
      let db = dir.appendingPathComponent("tls.sqlite")
      let r = try await run(file, db, endpoint: "https://127.0.0.1:\(port)")
      #expect(r.status == 3, "\(r.stderr)")
      #expect(r.stderr.contains("cannot reach 127.0.0.1:\(port)") && r.stderr.contains("TLS"), "\(r.stderr)")
      #expect(try states(db)["failed"] == 0)
    }
    let db = dir.appendingPathComponent("dns.sqlite")
    let r = try await run(file, db, endpoint: "http://gembatch-test-no-such-host.invalid")
    #expect(r.status == 3, "\(r.stderr)")
    #expect(r.stderr.contains("cannot reach gembatch-test-no-such-host.invalid") && r.stderr.contains("DNS"), "\(r.stderr)")
    #expect(try states(db)["failed"] == 0)
  }

  @Test func onePermanentErrorOnEveryJobStopsAfterTwenty() async throws {
    let dir = try CLI.tempDir()
    // A model the mock does not serve: 404 NOT_FOUND, a permanent error, on every job.
    let file = try E2E.writeJobs(dir, count: 200, model: "gemini-no-such-model")
    try await GeminiMockServer.withServer(E2E.mockConfig()) { port in
      let db = dir.appendingPathComponent("ff.sqlite")
      let r = try await run(file, db, endpoint: "http://127.0.0.1:\(port)", ["--concurrency", "4"])
      #expect(r.status == 3, "\(r.stderr)")
      #expect(r.stderr.contains("--no-fail-fast") && r.stderr.contains("404"), "\(r.stderr)")
      let sent = try E2E.count(db, "SELECT COUNT(*) FROM attempts")
      #expect(sent >= 20 && sent <= 24, "\(sent) attempts")
      #expect(try states(db)["pending"] == 200 - sent)

      let off = dir.appendingPathComponent("off.sqlite")
      let all = try await run(file, off, endpoint: "http://127.0.0.1:\(port)", ["--no-fail-fast"])
      #expect(all.status == 1, "\(all.stderr)")
      #expect(try states(off)["failed"] == 200)
      #expect(all.stderr.contains("--retry-failed"), "\(all.stderr)")
    }
  }
}
