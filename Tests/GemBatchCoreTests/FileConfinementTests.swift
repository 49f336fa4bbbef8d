import Foundation
import GeminiCatalog
import Testing

@testable import GemBatchCore

/// A job file may only send files the user gave it: inside its folder or a `--files-root`.
struct FileConfinementTests {
  /// `outside/secret.txt`, `outside/schema.json`, and the job folder `outside/tree` with an
  /// allowed file, a link out, a link in and a FIFO.
  static func tree() throws -> (root: String, tree: String) {
    let root = JobsTestKit.tempDir("confine")
    let tree = root + "/tree"
    try FileManager.default.createDirectory(atPath: tree + "/sub", withIntermediateDirectories: true)
    JobsTestKit.write("top secret", to: root + "/secret.txt")
    JobsTestKit.write(#"{"type":"object"}"#, to: root + "/schema.json")
    JobsTestKit.write("fine", to: tree + "/ok.txt")
    JobsTestKit.write("also fine", to: tree + "/sub/ok2.txt")
    JobsTestKit.write(#"{"type":"object","properties":{"a":{"type":"string"}}}"#, to: tree + "/inside.schema.json")
    try FileManager.default.createSymbolicLink(atPath: tree + "/out.txt", withDestinationPath: "../secret.txt")
    try FileManager.default.createSymbolicLink(atPath: tree + "/in.txt", withDestinationPath: "sub/ok2.txt")
    #expect(mkfifo(tree + "/pipe.txt", 0o600) == 0)
    return (root, tree)
  }

  static let lines = [
    #"{"id":"abs","prompt":"x","files":["/etc/passwd"]}"#,
    #"{"id":"dotdot","prompt":"x","files":[{"path":"../secret.txt","mimeType":"text/plain"}]}"#,
    #"{"id":"link-out","prompt":"x","files":["out.txt"]}"#,
    #"{"id":"environ","prompt":"x","files":[{"path":"/proc/self/environ","mimeType":"text/plain"}]}"#,
    #"{"id":"fifo","prompt":"x","files":["pipe.txt"]}"#,
    #"{"id":"schema-out","prompt":"x","responseJsonSchema":"../schema.json"}"#,
    #"{"id":"dev","prompt":"x","files":[{"path":"/dev/zero","mimeType":"text/plain"}]}"#,
    #"{"id":"ok","prompt":"x","files":["ok.txt","sub/ok2.txt","in.txt"],"responseJsonSchema":"inside.schema.json"}"#,
  ]

  @Test func everyPathOutsideIsNamedAndNothingIsRead() throws {
    let (root, tree) = try Self.tree()
    let file = JobsTestKit.write(Self.lines.joined(separator: "\n") + "\n", to: tree + "/jobs.jsonl")
    let report = ValidationReport.validate(files: [file], defaults: RunDefaults(model: "gemini-2.5-flash"))
    #expect(report.jobs == 1, "only the line whose files are all inside")
    let byId = Dictionary(uniqueKeysWithValues: report.errors.map { ($0.jobId ?? "?", $0) })
    #expect(report.errors.allSatisfy { $0.code == .fileRefused }, "\(report.errors.map(\.description))")
    let realRoot = LocalFileGate.realPath(root)!
    #expect(byId["abs"]?.message.contains("resolves to /etc/passwd, outside the job file's folder") == true)
    #expect(byId["dotdot"]?.message.contains("resolves to \(realRoot)/secret.txt") == true)
    #expect(byId["link-out"]?.message.contains("out.txt resolves to \(realRoot)/secret.txt") == true)
    #expect(byId["environ"]?.message.contains("under /proc") == true)
    #expect(byId["fifo"]?.message.contains("a FIFO (named pipe), not a regular file") == true)
    #expect(
      byId["schema-out"]?.message.contains("responseJsonSchema file ../schema.json resolves to \(realRoot)/schema.json")
        == true)
    #expect(byId["dev"]?.message.contains("under /dev") == true)
    for (i, id) in ["abs", "dotdot", "link-out", "environ", "fifo", "schema-out", "dev"].enumerated() {
      #expect(byId[id]?.line == i + 1)
      #expect(byId[id]?.description.hasPrefix("\(file):\(i + 1): [id \(id)] ") == true)
    }
    #expect(byId["ok"] == nil)
  }

  @Test func filesRootWidensButNeverToProcDevOrSys() throws {
    let (root, tree) = try Self.tree()
    let file = JobsTestKit.write(Self.lines.joined(separator: "\n") + "\n", to: tree + "/jobs.jsonl")
    let report = ValidationReport.validate(
      files: [file], defaults: RunDefaults(model: "gemini-2.5-flash", filesRoots: [root]))
    #expect(
      Set(report.errors.compactMap(\.jobId)) == ["abs", "environ", "fifo", "dev"], "\(report.errors.map(\.description))"
    )
    let all = ValidationReport.validate(
      files: [file], defaults: RunDefaults(model: "gemini-2.5-flash", filesRoots: ["/"]))
    // /etc/passwd is allowed now (and fails only for want of a mimeType); the rest never are.
    #expect(
      Set(all.errors.filter { $0.code == .fileRefused }.compactMap(\.jobId)) == ["environ", "fifo", "dev"],
      "\(all.errors.map(\.description))")
    #expect(all.errors.first { $0.jobId == "abs" }?.message.contains("cannot tell the type") == true)
  }

  @Test func theDefaultsFingerprintIsUnchangedWithoutRoots() {
    #expect(RunDefaults(model: "m").fingerprint == RunDefaults(model: "m", filesRoots: []).fingerprint)
    #expect(RunDefaults(model: "m").fingerprint != RunDefaults(model: "m", filesRoots: ["/data"]).fingerprint)
  }

  @Test func planCountsTheLocalFilesItWillSend() throws {
    let (_, tree) = try Self.tree()
    let file = JobsTestKit.write(
      Self.lines.last! + "\n" + #"{"id":"ok2","prompt":"y","files":["ok.txt"]}"# + "\n", to: tree + "/jobs.jsonl")
    let result = PlanEstimator.plan(
      files: [file], defaults: RunDefaults(model: "gemini-3.8-flash"), catalog: try ModelCatalog.load(overrides: []),
      settings: PlanSettings())
    #expect(result.errorCount == 0)
    #expect(result.plan.total.localFiles == 4)
    #expect(result.plan.total.localFileBytes == 4 + 9 + 9 + 4)
    #expect(result.plan.renderText().contains("local files: 4 sent inline, 26 bytes in all"))
  }
}
