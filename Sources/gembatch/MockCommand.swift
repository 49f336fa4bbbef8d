import ArgumentParser
import Foundation
import GeminiCatalog
import GeminiMock
import Logging

/// `gembatch mock`: run the offline Gemini server until SIGINT/SIGTERM.
struct MockCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mock",
    abstract: "Run the offline Gemini mock server (generateContent, streaming, countTokens, models).",
    discussion: """
      Serves POST /v1beta/models/{model}:generateContent, :streamGenerateContent (?alt=sse or a JSON array), \
      :countTokens, :batchGenerateContent and GET /v1beta/models; the Files API (resumable upload, get, list, \
      delete, download of generated files) and batches (get, list, cancel, delete); plus GET /mock/stats[?bodies=1] \
      and POST /mock/reset.
      Per request, tests can send the headers x-mock-fault: <name>[*K], x-mock-replay: <file>, x-mock-latency, \
      x-mock-chunks and x-mock-chunk-delay, or put [[mock:<name>[*K]]] / [[mock:replay=<file>]] in the prompt. \
      *K limits a fault to the first K receipts of the same body (so a retry succeeds).
      Fault names: \(MockFault.allCases.map(\.rawValue).joined(separator: ", ")).
      Tokens: ceil(UTF-8 bytes / 4) per text, 258 per media part. Quota windows slide (60 s, 24 h).
      """)

  @Option(name: .long, help: "Port to listen on (0 = a free port).")
  var port: Int = 8089

  @Option(name: .long, help: "Interface to bind.")
  var host: String = "127.0.0.1"

  @Option(name: .long, help: "The only API key accepted (default: any non-empty key). Also read from GEMBATCH_MOCK_KEY.")
  var key: String?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Delay before the first byte: 50ms, 1.5s, uniform:10ms-200ms or lognormal:median=200ms,sigma=0.5.",
      valueName: "latency"))
  var latency: String = "0"

  @Option(name: .long, help: ArgumentHelp("Delay between stream events (same forms as --latency).", valueName: "latency"))
  var chunkDelay: String = "0"

  @Option(name: .long, help: "Number of events a streamed text answer is split into.")
  var chunks: Int = 3

  @Option(name: .long, help: "Requests per minute per model (default: unlimited).")
  var rpm: Int?

  @Option(name: .long, help: "Input tokens per minute per model (default: unlimited).")
  var tpm: Int?

  @Option(name: .long, help: "Requests per day per model (default: unlimited).")
  var rpd: Int?

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Quota for one model, e.g. gemini-3.8-flash:rpm=600,tpm=1000000,rpd=10000 (repeatable; overrides --rpm/--tpm/--rpd).",
      valueName: "model:limits"))
  var quota: [String] = []

  @Option(
    name: .long,
    help: ArgumentHelp("Inject faults at rates, e.g. overloaded=0.02 or invalid-json=0.15,fenced-json=0.1 (repeatable). Names: \(MockFault.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "name=rate"))
  var faultRate: [String] = []

  @Option(name: .long, help: ArgumentHelp("Delay of the slow-first-byte fault.", valueName: "duration"))
  var slowDelay: String = "30s"

  @Option(name: .long, help: "Seed mixed into every deterministic choice.")
  var seed: UInt64 = 0

  @Option(name: .long, help: ArgumentHelp("Serve recorded bodies from this folder (*.json, *.sse; error_<status>_* with that status).", valueName: "dir"))
  var replay: String?

  @Flag(name: .long, help: "With --replay: serve recordings only when a request names one (x-mock-replay or [[mock:replay=file]]), otherwise generate.")
  var replayOnDemand = false

  @Option(name: .long, help: ArgumentHelp("Accept this model name too (repeatable); the catalog's models are accepted already.", valueName: "model"))
  var model: [String] = []

  @Option(name: .long, help: ArgumentHelp("A model catalog file that adds models or overrides facts (repeatable).", valueName: "path"))
  var models: [String] = []

  @Option(
    name: .long,
    help: ArgumentHelp("Read the catalog as of this day (default today): what is shut down and where it routes.", valueName: "YYYY-MM-DD"))
  var date: String?

  @Option(name: .long, help: ArgumentHelp("Extra delay before a flex answer (same forms as --latency).", valueName: "latency"))
  var flexLatency: String = "0"

  @Option(name: .long, help: ArgumentHelp("Probability that a flex request is shed with a 503 (0...1).", valueName: "rate"))
  var flexShedRate: Double = 0

  @Option(name: .long, help: ArgumentHelp("Probability that a priority request runs at standard (0...1).", valueName: "rate"))
  var priorityDowngradeRate: Double = 0
  @Option(name: .long, help: ArgumentHelp("How long a batch takes (PENDING, then RUNNING, then ended), e.g. 3s, 2m.", valueName: "duration"))
  var batchTurnaround: String = "3s"

  func validate() throws {
    _ = try makeConfiguration()
  }

  func makeConfiguration(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> MockConfiguration {
    var c = MockConfiguration()
    guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
    c.port = port
    c.host = host
    c.apiKey = key ?? environment["GEMBATCH_MOCK_KEY"].flatMap { $0.isEmpty ? nil : $0 }
    guard let l = LatencyModel.parse(latency) else { throw ValidationError("--latency: cannot read \(latency)") }
    c.firstByteLatency = l
    guard let d = LatencyModel.parse(chunkDelay) else { throw ValidationError("--chunk-delay: cannot read \(chunkDelay)") }
    c.chunkDelay = d
    guard chunks >= 1 else { throw ValidationError("--chunks must be at least 1") }
    c.streamChunks = chunks
    guard let s = LatencyModel.parseDuration(slowDelay) else { throw ValidationError("--slow-delay: cannot read \(slowDelay)") }
    c.slowFirstByteDelay = s
    for v in [rpm, tpm, rpd] where v.map({ $0 <= 0 }) ?? false { throw ValidationError("quotas must be positive") }
    c.defaultQuota = QuotaLimits(rpm: rpm, tpm: tpm, rpd: rpd)
    for q in quota {
      guard let colon = q.lastIndex(of: ":") else { throw ValidationError("--quota \(q): expected model:rpm=N,tpm=N,rpd=N") }
      var limits = QuotaLimits()
      for kv in q[q.index(after: colon)...].split(separator: ",") {
        let p = kv.split(separator: "=", maxSplits: 1)
        guard p.count == 2, let n = Int(p[1]), n > 0 else { throw ValidationError("--quota \(q): cannot read \(kv)") }
        switch p[0] {
        case "rpm": limits.rpm = n
        case "tpm": limits.tpm = n
        case "rpd": limits.rpd = n
        default: throw ValidationError("--quota \(q): unknown limit \(p[0]) (rpm, tpm, rpd)")
        }
      }
      c.quotas[String(q[..<colon])] = limits
    }
    for fr in faultRate.flatMap({ $0.split(separator: ",").map(String.init) }) {
      let p = fr.split(separator: "=", maxSplits: 1)
      guard p.count == 2, let fault = MockFault(rawValue: String(p[0])) else {
        throw ValidationError("--fault-rate \(fr): expected name=rate with a name among \(MockFault.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      guard let rate = Double(p[1]), (0...1).contains(rate) else { throw ValidationError("--fault-rate \(fr): rate must be 0...1") }
      c.faultRates[fault] = rate
    }
    guard c.faultRates.values.reduce(0, +) <= 1 else { throw ValidationError("--fault-rate: the rates add up to more than 1") }
    c.seed = seed
    if let replay {
      var isDir: ObjCBool = false
      guard FileManager.default.fileExists(atPath: replay, isDirectory: &isDir), isDir.boolValue else {
        throw ValidationError("--replay \(replay) is not a folder")
      }
      c.replayDirectory = replay
      c.replayAll = !replayOnDemand
    }
    c.extraModels = Set(model)
    do { c.catalog = try ModelCatalog.load(overrides: models) } catch { throw ValidationError("\(error)") }
    if let date {
      guard let d = CalendarDay(iso: date) else { throw ValidationError("--date must be a date YYYY-MM-DD") }
      c.today = d
    }
    guard let fl = LatencyModel.parse(flexLatency) else { throw ValidationError("--flex-latency: cannot read \(flexLatency)") }
    c.flexLatency = fl
    for (name, rate) in [("--flex-shed-rate", flexShedRate), ("--priority-downgrade-rate", priorityDowngradeRate)] {
      guard (0...1).contains(rate) else { throw ValidationError("\(name) must be 0...1") }
    }
    c.flexShedRate = flexShedRate
    c.priorityDowngradeRate = priorityDowngradeRate
    guard let t = LatencyModel.parseDuration(batchTurnaround) else { throw ValidationError("--batch-turnaround: cannot read \(batchTurnaround)") }
    c.batchTurnaround = t
    return c
  }

  func run() async throws {
    let config = try makeConfiguration()
    var logger = Logger(label: "gembatch.mock")
    logger.logLevel = .warning
    let host = config.host
    try await GeminiMockServer.run(config, logger: logger) { port in
      // Write straight to fd 1 so the line is visible at once even when stdout is a pipe.
      let line = Array("gembatch mock listening on http://\(host):\(port)\n".utf8)
      _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    }
  }
}
