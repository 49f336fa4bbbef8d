import Foundation
import Testing

/// Runs the built `gembatch` binary as a user would, with a temp folder per test.
struct CLI {
  static let packageRoot: URL = {
    var u = URL(fileURLWithPath: #filePath)
    while u.path != "/" {
      u.deleteLastPathComponent()
      if FileManager.default.fileExists(atPath: u.appendingPathComponent("Package.swift").path) { return u }
    }
    fatalError("package root not found above \(#filePath)")
  }()

  /// The binary built next to the tests (`swift build --build-tests` builds it).
  static let binary: URL = {
    if let env = ProcessInfo.processInfo.environment["GEMBATCH_BIN"] { return URL(fileURLWithPath: env) }
    let build = packageRoot.appendingPathComponent(".build")
    for candidate in ["debug/gembatch", "x86_64-unknown-linux-gnu/debug/gembatch", "aarch64-unknown-linux-gnu/debug/gembatch"] {
      let u = build.appendingPathComponent(candidate)
      if FileManager.default.isExecutableFile(atPath: u.path) { return u }
    }
    return build.appendingPathComponent("debug/gembatch")
  }()

  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
    var terminatedBySignal: Bool
  }

  /// Starts the binary; the caller waits or kills it.
  static func start(_ args: [String], env: [String: String] = [:], cwd: URL? = nil) throws -> (Process, Pipe, Pipe) {
    let p = Process()
    p.executableURL = binary
    p.arguments = args
    var environment = ProcessInfo.processInfo.environment
    environment["COMETAPI_KEY"] = nil
    environment["GEMINI_API_KEY"] = nil
    for (k, v) in env { environment[k] = v }
    p.environment = environment
    if let cwd { p.currentDirectoryURL = cwd }
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    return (p, out, err)
  }

  /// Runs to the end (bounded by `timeout` seconds, then killed).
  static func run(_ args: [String], env: [String: String] = [:], cwd: URL? = nil, timeout: Double = 120) async throws -> Result {
    let (p, out, err) = try start(args, env: env, cwd: cwd)
    // Drain the pipes while the process runs so it never blocks on a full pipe. The blocking
    // reads run on Dispatch threads: on the cooperative pool they would starve the in-process mock.
    let outTask = drain(out)
    let errTask = drain(err)
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning {
      if Date() > deadline {
        kill(p.processIdentifier, SIGKILL)
        Issue.record("gembatch \(args.joined(separator: " ")) did not finish within \(timeout) s")
        break
      }
      try await Task.sleep(for: .milliseconds(20))
    }
    p.waitUntilExit()
    let o = await outTask.value
    let e = await errTask.value
    return Result(
      status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self),
      terminatedBySignal: p.terminationReason == .uncaughtSignal)
  }

  /// Waits for the process without blocking a cooperative thread.
  static func wait(_ p: Process, timeout: Double = 120) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning {
      if Date() > deadline {
        kill(p.processIdentifier, SIGKILL)
        Issue.record("process did not exit within \(timeout) s")
      }
      try await Task.sleep(for: .milliseconds(10))
    }
    p.waitUntilExit()  // reaps; returns at once now
  }

  /// Reads a pipe to its end on a Dispatch thread (never on the cooperative pool).
  static func drain(_ pipe: Pipe) -> Task<Data, Never> {
    Task {
      await withCheckedContinuation { c in
        DispatchQueue.global().async { c.resume(returning: pipe.fileHandleForReading.readDataToEndOfFile()) }
      }
    }
  }

  static func tempDir() throws -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("gembatch-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
  }
}
