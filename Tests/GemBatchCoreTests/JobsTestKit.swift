import Foundation
import GemBatchCore
import GeminiAPI

/// Temp folders, job files and the package root for the jobs and store tests.
enum JobsTestKit {
  /// The package root, found from this file's path.
  static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  static func tempDir(_ name: String = "t") -> String {
    let p = FileManager.default.temporaryDirectory.appendingPathComponent("gembatch-\(name)-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
    return p
  }

  @discardableResult
  static func write(_ text: String, to path: String) -> String {
    try! Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  @discardableResult
  static func write(bytes: [UInt8], to path: String) -> String {
    try! Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// Reads everything (tests only: small files).
  static func readAll(_ files: [String], _ defaults: RunDefaults = RunDefaults(model: "gemini-2.5-flash"))
    -> (jobs: [Job], errors: [JobError])
  {
    var r = JobReader(files: files, defaults: defaults)
    var jobs: [Job] = []
    var errors: [JobError] = []
    while let x = r.nextResult() {
      switch x {
      case .job(let j): jobs.append(j)
      case .error(let e): errors.append(e)
      }
    }
    return (jobs, errors)
  }

  /// One line in a fresh file; returns the file path and what reading it gave.
  static func one(_ line: String, _ defaults: RunDefaults = RunDefaults(model: "gemini-2.5-flash"))
    -> (file: String, jobs: [Job], errors: [JobError])
  {
    let dir = tempDir("one")
    let f = write(line + "\n", to: dir + "/jobs.jsonl")
    let (j, e) = readAll([f], defaults)
    return (f, j, e)
  }

  static func body(_ job: Job) -> JSONValue { try! JSONValue.parse(job.body) }

  static func job(_ id: String, prompt: String = "hello", model: String = "gemini-2.5-flash", seq: Int = 0) -> Job {
    let body = JSONValue.object(JSONObject([("contents", [["role": "user", "parts": [["text": .string(prompt)]]]])]))
    return Job(
      id: id, model: model, seq: seq, sourceFile: "t.jsonl", sourceLine: seq + 1, body: body.serializedData(),
      estimatedInputTokens: TokenEstimator.estimate(bodyJSON: body))
  }
}
