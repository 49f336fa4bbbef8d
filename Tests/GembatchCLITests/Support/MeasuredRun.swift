import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Runs the binary with `posix_spawn` and reaps it with `wait4`, so that the child's own CPU time
/// is known (Foundation's `Process` reaps the child itself and keeps it), and samples its peak
/// RSS (`VmHWM`) while it runs: `ru_maxrss` is no good here, because glibc's `posix_spawn` runs
/// the child on the parent's memory until `exec`, and Linux then carries the parent's (the test
/// process's, hundreds of MB during a full test run) high-water mark over into the child's.
enum MeasuredRun {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Peak resident set size of the program itself (after `exec`), bytes.
    var maxRSS: Int
    var cpuSeconds: Double
  }

  static func run(_ args: [String], env: [String: String], dir: URL, timeout: Double = 180) async throws -> Result {
    let out = dir.appendingPathComponent("measured.stdout").path
    let err = dir.appendingPathComponent("measured.stderr").path
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    var environment = ProcessInfo.processInfo.environment
    environment["COMETAPI_KEY"] = nil
    environment["GEMINI_API_KEY"] = nil
    for (k, v) in env { environment[k] = v }
    let argv = ([CLI.binary.path] + args).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for p in argv { free(p) }
      for p in envp { free(p) }
    }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, CLI.binary.path, &actions, nil, argv, envp)
    guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
    var status: Int32 = 0
    var usage = rusage()
    let deadline = Date().addingTimeInterval(timeout)
    var hwm = 0
    while true {
      hwm = max(hwm, Self.highWaterKiB(pid) ?? 0)
      let r = wait4(pid, &status, WNOHANG, &usage)
      if r == pid { break }
      if Date() > deadline {
        kill(pid, SIGKILL)
        Issue.record("gembatch \(args.joined(separator: " ")) did not finish within \(timeout) s")
        _ = wait4(pid, &status, 0, &usage)
        break
      }
      try await Task.sleep(for: .milliseconds(5))
    }
    let exited = (status & 0x7F) == 0
    let code = exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    let cpu =
      Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
      / 1e6
    return Result(
      status: code, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "",
      maxRSS: (hwm > 0 ? hwm : Int(usage.ru_maxrss)) * 1024,
      cpuSeconds: cpu)
  }

  /// `VmHWM` of a running process, in KiB (the kernel's own high-water mark since `exec`).
  static func highWaterKiB(_ pid: pid_t) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return nil }
    return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
  }
}
