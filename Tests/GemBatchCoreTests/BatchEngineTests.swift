import Foundation
import GRDB
import GeminiAPI
import GeminiCatalog
import GeminiMock
import Logging
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

@testable import GemBatchCore

/// The batch engine against the real mock on a loopback port, with real SQLite files: shards,
/// uploads, creates, polls and collects; and what goes wrong (expired, failed, stuck and partly
/// failed batches, throttled creates, a crash between create and commit).
@Suite(.serialized) struct BatchEngineTests {
  static let key = "batch-test-key"

  struct Env {
    var dir: String
    var store: Store
    var file: String
    var port: Int
  }

  static func jobs(_ n: Int, models: [String] = ["gemini-2.5-flash"], prompt: (Int) -> String = { "Question \($0)?" }) -> String {
    (0..<n).map { i in
      JSONValue.object(JSONObject([
        ("id", .string("j\(i)")), ("model", .string(models[i % models.count])), ("prompt", .string(prompt(i))),
      ])).serialized() + "\n"
    }.joined()
  }

  static func withEngine<T: Sendable>(
    jobs text: String, mock edit: (inout MockConfiguration) -> Void = { _ in },
    _ body: @Sendable (Env, GeminiClient) async throws -> T
  ) async throws -> T {
    let dir = JobsTestKit.tempDir("batch")
    let file = JobsTestKit.write(text, to: dir + "/jobs.jsonl")
    let store = try Store.open(path: dir + "/s.sqlite")
    var c = MockConfiguration()
    c.apiKey = key
    c.batchTurnaround = .milliseconds(200)
    c.filesDirectory = dir + "/mock-files"
    edit(&c)
    let config = c
    return try await GeminiMockServer.withServer(config) { port in
      try await GeminiClient.withGeminiClient(
        endpoint: Endpoint(name: "mock", baseURL: "http://127.0.0.1:\(port)", apiKey: key), maxConnections: 4
      ) { client in
        try await body(Env(dir: dir, store: store, file: file, port: port), client)
      }
    }
  }

  static func engine(_ env: Env, _ client: GeminiClient, _ edit: (inout BatchConfiguration) -> Void = { _ in }) throws -> BatchEngine {
    var c = BatchConfiguration(
      files: [env.file], defaults: RunDefaults(model: "gemini-2.5-flash"), retry: RetryPolicy(maxAttempts: 4),
      poll: .milliseconds(100), createBackoff: .milliseconds(50), workDirectory: env.dir, endpoint: client.endpoint.baseURL,
      seed: 1)
    edit(&c)
    return BatchEngine(
      store: env.store, client: client, configuration: c, pricing: try ModelCatalog.load(overrides: []),
      logger: Logger(label: "test"))
  }

  static func stats(_ port: Int) async throws -> JSONValue {
    // The mock asks for its key on /mock/* too.
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/mock/stats")!)
    request.setValue(Self.key, forHTTPHeaderField: "x-goog-api-key")
    let (data, _) = try await URLSession.shared.data(for: request)
    return try JSONValue.parse(data)
  }

  static func int(_ store: Store, _ sql: String) throws -> Int {
    try store.pool.read { try Int.fetchOne($0, sql: sql) ?? -1 }
  }

  @Test func everyJobGetsOneResultPricedAtBatchRates() async throws {
    try await Self.withEngine(jobs: Self.jobs(40, models: ["gemini-2.5-flash", "gemini-2.5-pro"])) { env, client in
      // A small token budget: several shards per model, one model per batch.
      let report = try await Self.engine(env, client) { $0.maxTokens = 40 }.run()
      #expect(report.ending == .finished)
      #expect(report.succeeded == 40 && report.failed == 0)
      let s = env.store
      #expect(try Self.int(s, "SELECT COUNT(*) FROM results") == 40)
      #expect(try Self.int(s, "SELECT COUNT(*) FROM attempts") == 40)
      #expect(try Self.int(s, "SELECT COUNT(*) FROM attempts WHERE ended_at IS NULL") == 0)
      let batches = try s.batches()
      #expect(batches.count >= 4)
      #expect(batches.allSatisfy { $0.phase == .done && $0.outcome == "collected" && $0.inputDeleted })
      #expect(try Self.int(s, "SELECT COUNT(DISTINCT b.id) FROM batches b JOIN batch_jobs bj ON bj.batch_id = b.id JOIN jobs j ON j.id = bj.job_id WHERE j.model != b.model") == 0)
      let stats = try await Self.stats(env.port)
      #expect(stats["batchesCreated"]?.intValue == batches.count)
      #expect(stats["filesUploaded"]?.intValue == batches.count)
      #expect(stats["duplicates"]?.intValue == 0)
      // Batch price: half the standard one of the same usage, at the model that ran.
      let catalog = try ModelCatalog.load(overrides: [])
      let rows = try await s.pool.read { db in
        try Row.fetchAll(
          db,
          sql: "SELECT j.model, r.prompt_tokens, r.candidates_tokens, r.thoughts_tokens, r.cost_usd, r.model_version, r.created_at, r.service_tier FROM results r JOIN jobs j ON j.id = r.job_id")
      }
      for row in rows {
        let usage = UsageMetadata(promptTokenCount: row[1], candidatesTokenCount: row[2], thoughtsTokenCount: row[3])
        let full = try #require(
          catalog.cost(model: row[0], usage: usage, date: CalendarDay(unixTime: row[6]), servedModel: row[5])
        ).totalUSD
        let cost: Double = row[4]
        #expect(abs(cost - full / 2) < 1e-12)
        #expect(row[7] == "batch")
      }
      // Nothing is left on the mock's Files API but the generated outputs.
      let (data, _) = try await URLSession.shared.data(for: {
        var r = URLRequest(url: URL(string: "http://127.0.0.1:\(env.port)/v1beta/files?pageSize=100")!)
        r.setValue(Self.key, forHTTPHeaderField: "x-goog-api-key")
        return r
      }())
      let files = try JSONValue.parse(data)["files"]?.arrayValue ?? []
      #expect(files.allSatisfy { $0["source"]?.stringValue == "GENERATED" })
    }
  }

  @Test func anExpiredBatchSendsOnlyItsJobsAgain() async throws {
    try await Self.withEngine(jobs: Self.jobs(20, models: ["gemini-2.5-flash", "gemini-2.5-pro"]), mock: { $0.batchFaultPlan = [.batchExpire] }) { env, client in
      let report = try await Self.engine(env, client).run()
      #expect(report.ending == .finished && report.succeeded == 20)
      let s = env.store
      let expired = try #require(try s.batches().first { $0.outcome == "expired" })
      // Its jobs have two attempts; every other job one.
      #expect(try Self.int(s, "SELECT COUNT(*) FROM jobs WHERE attempt_count = 2") == expired.jobCount)
      #expect(try Self.int(s, "SELECT COUNT(*) FROM jobs WHERE attempt_count = 1") == 20 - expired.jobCount)
      #expect(try Self.int(s, "SELECT COUNT(*) FROM attempts WHERE outcome = 'retry' AND error_message LIKE '%expired%'") == expired.jobCount)
      let stats = try await Self.stats(env.port)
      #expect(stats["batchesCreated"]?.intValue == 3)
      #expect(stats["duplicates"]?.intValue == 0)
    }
  }

  @Test func aFailedBatchSendsItsJobsAgain() async throws {
    try await Self.withEngine(jobs: Self.jobs(6), mock: { $0.batchFaultPlan = [.batchFail] }) { env, client in
      let report = try await Self.engine(env, client).run()
      #expect(report.ending == .finished && report.succeeded == 6)
      #expect(try env.store.batches().map { $0.outcome ?? "" } == ["failed", "collected"])
      #expect(try Self.int(env.store, "SELECT COUNT(*) FROM attempts WHERE error_message LIKE '%batch failed%'") == 6)
    }
  }

  @Test func onlyFailedAndMissingLinesGoIntoTheNextBatch() async throws {
    let text = Self.jobs(12) { i in
      switch i {
      case 0, 1, 2: "Question \(i) [[mock:internal*1]]"
      case 3, 4: "Question \(i) [[mock:batch-line-drop*1]]"
      case 5: "Question \(i) [[mock:rate-limited*1]]"
      default: "Question \(i)?"
      }
    }
    try await Self.withEngine(jobs: text) { env, client in
      let report = try await Self.engine(env, client).run()
      #expect(report.ending == .finished && report.succeeded == 12)
      let s = env.store
      let batches = try s.batches()
      #expect(batches.count == 2)
      #expect(batches.map(\.jobCount) == [12, 6])
      let stats = try await Self.stats(env.port)
      #expect(stats["batchRequests"]?["\(batches[1].name!)"]?.intValue == 6)
      // The error lines were failed attempts with the API's message; the missing ones say so.
      #expect(try Self.int(s, "SELECT COUNT(*) FROM attempts WHERE outcome = 'retry' AND error_message LIKE 'An internal error has occurred%'") == 3)
      #expect(try Self.int(s, "SELECT COUNT(*) FROM attempts WHERE outcome = 'retry' AND error_message LIKE '%no line for this key%'") == 2)
      #expect(try Self.int(s, "SELECT COUNT(*) FROM attempts WHERE outcome = 'retry' AND http_status = 429") == 1)
      #expect(try Self.int(s, "SELECT COUNT(*) FROM attempts WHERE outcome = 'retry' AND length(raw_response) > 0") == 4)
      #expect(try Self.int(s, "SELECT COUNT(*) FROM jobs WHERE attempt_count = 2") == 6)
    }
  }

  @Test func aStuckBatchIsCancelledAfterTheTimeoutAndRetried() async throws {
    try await Self.withEngine(jobs: Self.jobs(5), mock: { $0.batchFaultPlan = [.batchStuck] }) { env, client in
      let report = try await Self.engine(env, client) { $0.pendingTimeout = .milliseconds(300) }.run()
      #expect(report.ending == .finished && report.succeeded == 5)
      let b = try env.store.batches()
      #expect(b.map { $0.outcome ?? "" } == ["timed_out", "collected"])
      // The mock saw the cancel.
      var r = URLRequest(url: URL(string: "http://127.0.0.1:\(env.port)/v1beta/\(b[0].name!)")!)
      r.setValue(Self.key, forHTTPHeaderField: "x-goog-api-key")
      let (data, _) = try await URLSession.shared.data(for: r)
      #expect(BatchJob.parse(data)?.state.phase == .cancelled)
    }
  }

  @Test func aThrottledCreateBacksOffAndCreatesOnce() async throws {
    try await Self.withEngine(jobs: Self.jobs(4), mock: { $0.batchFaultPlan = [.batchCreate429, .batchCreate429] }) { env, client in
      let report = try await Self.engine(env, client).run()
      #expect(report.ending == .finished && report.succeeded == 4)
      #expect(report.batchesCreated == 1)
      let stats = try await Self.stats(env.port)
      #expect(stats["batchesCreated"]?.intValue == 1)
      #expect(stats["byStatus"]?["429"]?.intValue == 2)
    }
  }

  @Test func aCreatingRowIsAdoptedNeverCreatedTwice() async throws {
    try await Self.withEngine(jobs: Self.jobs(5)) { env, client in
      // A run that died between the create call and the commit of its reply: the row is
      // `creating`, the batch exists in the account.
      let s = env.store
      let run = try s.beginRun(RunStart(endpoint: "x", files: [env.file], version: "t"))
      _ = try JobLoader(store: s, defaults: RunDefaults(model: "gemini-2.5-flash"), retryFailed: false).load(files: [env.file], runId: run)
      let writer = ShardWriter(store: s, runId: run, neverBatched: false, directory: env.dir)
      let shard = try #require(try await writer.next(model: "gemini-2.5-flash", afterSeq: -1, maxTokens: 1_000_000, maxBytes: 1 << 30, index: 1))
      let file = try await FilesClient(client: client).upload(path: shard.path, displayName: "x", mimeType: "application/jsonl")
      let row = try s.beginBatch(
        Store.BatchDraft(
          shardHash: shard.sha256, model: shard.model, firstSeq: shard.firstSeq, lastSeq: shard.lastSeq, jobCount: shard.jobCount,
          estTokens: shard.estTokens, inputFile: file.name, runId: run, neverBatched: false))
      _ = try await BatchClient(client: client).create(model: row.model, displayName: row.displayName, fileName: file.name)
      // Another account batch with another name must not be taken.
      _ = try await BatchClient(client: client).create(model: row.model, displayName: "someone-else", fileName: file.name)
      // An interactive run in between would not touch the batch's jobs.
      #expect(try s.recoverLostAttempts().isEmpty)
      #expect(try s.fetchRunnable(afterSeq: -1, limit: 100).isEmpty)

      let report = try await Self.engine(env, client).run()
      #expect(report.ending == .finished && report.succeeded == 5)
      #expect(report.batchesAdopted == 1 && report.batchesCreated == 0)
      let stats = try await Self.stats(env.port)
      #expect(stats["batchesCreated"]?.intValue == 2)
      #expect(try Self.int(s, "SELECT COUNT(*) FROM attempts") == 5)
    }
  }

  @Test func detachSubmitsThenTheSameRunCollects() async throws {
    try await Self.withEngine(jobs: Self.jobs(8), mock: { $0.batchTurnaround = .seconds(1) }) { env, client in
      let first = try await Self.engine(env, client) { $0.detach = true }.run()
      #expect(first.ending == .detached && first.liveBatches == 1)
      // The batch's jobs are in flight, held: a job sync and a recovery leave them there.
      let s = env.store
      let run = try s.beginRun(RunStart(endpoint: "x", files: [env.file], version: "t"))
      _ = try JobLoader(store: s, defaults: RunDefaults(model: "gemini-2.5-flash"), retryFailed: false).load(files: [env.file], runId: run)
      #expect(try s.recoverLostAttempts().isEmpty)
      #expect(try s.counts().inFlight == 8)
      try s.endRun(id: run, status: .finished, stopReason: nil)
      let second = try await Self.engine(env, client).run()
      #expect(second.ending == .finished && second.succeeded == 8 && second.batchesCreated == 0)
      #expect(try Self.int(s, "SELECT COUNT(*) FROM attempts") == 8)
    }
  }

  @Test func fallbackOnlineLeavesFailedJobsForAnInteractiveRun() async throws {
    try await Self.withEngine(jobs: Self.jobs(4), mock: { $0.batchFaultPlan = [.batchExpire] }) { env, client in
      let report = try await Self.engine(env, client) { $0.fallback = .online }.run()
      #expect(report.ending == .finished)
      #expect(report.needsInteractive.sorted() == ["j0", "j1", "j2", "j3"])
      #expect(try env.store.counts().pending == 4)
      #expect(try env.store.batches().count == 1)
    }
  }

  @Test func aLargeLocalFileIsUploadedOnceAndAgainWhenExpired() async throws {
    try await Self.withEngine(jobs: Self.jobs(1)) { env, client in
      let path = env.dir + "/clip.bin"
      try Data(repeating: 3, count: 5000).write(to: URL(fileURLWithPath: path))
      let sha = SHA256.hex(Data(repeating: 3, count: 5000))
      let body = JSONValue.object(JSONObject([
        ("contents", .array([.object(JSONObject([("parts", .array([
          .object(JSONObject([("fileData", .object(JSONObject([
            ("mimeType", "video/mp4"), ("fileUri", .string(FileUploader.placeholder(sha256: sha, path: path))),
          ])))])),
          .object(JSONObject([("text", "What happens?")])),
        ]))]))])),
      ])).serializedData()
      let transport = UploadingTransport(base: client, uploader: FileUploader(store: env.store, client: client))
      for _ in 0..<3 {
        let ex = await transport.send(model: "gemini-2.5-flash", body: body, stream: false)
        #expect(ex.response != nil, "\(String(describing: ex.error))")
      }
      #expect(try await Self.stats(env.port)["filesUploaded"]?.intValue == 1)
      let upload = try #require(try env.store.upload(sha256: sha))
      #expect(upload.purpose == "job-file" && upload.fileName.hasPrefix("files/"))
      // Expired (48 h): uploaded again.
      try await env.store.pool.write { try $0.execute(sql: "UPDATE uploads SET expires_at = 1") }
      _ = await transport.send(model: "gemini-2.5-flash", body: body, stream: false)
      #expect(try await Self.stats(env.port)["filesUploaded"]?.intValue == 2)
      let resolved = try await FileUploader(store: env.store, client: client).resolve(body)
      #expect(String(decoding: resolved, as: UTF8.self).contains("/v1beta/files/"))
      #expect(!FileUploader.needsUpload(resolved))
    }
  }

  @Test func theClientsAgainstTheMockInlineBatchesPagesAndFiles() async throws {
    try await Self.withEngine(jobs: Self.jobs(1), mock: { $0.listPageSize = 2 }) { env, client in
      let batches = BatchClient(client: client)
      let files = FilesClient(client: client, chunkSize: 1024)
      // Inline: the answers come back in the Operation, keyed by metadata.
      let req = JSONValue.object(JSONObject([("contents", .array([.object(JSONObject([("parts", .array([.object(JSONObject([("text", "hi")]))]))]))]))]))
      var job = try await batches.createInline(model: "gemini-2.5-flash", displayName: "inline", requests: [("a", req), ("b", req)])
      #expect(job.state.phase == .pending)
      while !job.state.isTerminal {
        try await Task.sleep(for: .milliseconds(50))
        job = try await batches.get(name: job.name)
      }
      #expect(job.inlinedResponses.count == 2)
      let keys = job.inlinedResponses.map { BatchOutputLine.parse($0, raw: Data()).key }
      #expect(Set(keys.compactMap { $0 }) == ["a", "b"])
      #expect(job.stats.successfulRequestCount == 2 && job.stats.failedRequestCount == 0)
      // Every page of the list (the mock serves two a page).
      for i in 0..<4 { _ = try await batches.createInline(model: "gemini-2.5-flash", displayName: "p\(i)", requests: [("k", req)]) }
      let first = try await batches.list(pageSize: 100)
      #expect(first.batches.count == 2 && first.nextPageToken != nil)
      #expect(try await batches.listAll().count == 5)
      try await batches.cancel(name: "batches/\(try #require(try await batches.listAll().last).id)")
      // Files: a multi-chunk upload, get, list, delete; an uploaded file cannot be downloaded.
      let path = env.dir + "/up.txt"
      try Data(repeating: 65, count: 3000).write(to: URL(fileURLWithPath: path))
      let f = try await files.upload(path: path, displayName: "up", mimeType: "text/plain")
      #expect(f.sizeBytes == 3000 && f.source == "UPLOADED")
      #expect(try await files.get(name: f.name).name == f.name)
      #expect(try await files.list().files.contains { $0.name == f.name })
      do {
        try await files.download(name: f.name, to: env.dir + "/down.txt")
        Issue.record("an uploaded file was downloaded")
      } catch let e as GeminiError {
        #expect(e.httpStatus == 400)
        #expect(!FileManager.default.fileExists(atPath: env.dir + "/down.txt"))
      }
      try await files.delete(name: f.name)
      do {
        _ = try await files.get(name: f.name)
        Issue.record("a deleted file is still there")
      } catch let e as GeminiError {
        #expect(e.httpStatus == 403)
      }
      try await batches.delete(name: job.name)
      #expect(try await batches.listAll().count == 4)
    }
  }

  @Test func anEndpointWithoutBatchModeIsToldAtOnce() async throws {
    let dir = JobsTestKit.tempDir("batch")
    let file = JobsTestKit.write(Self.jobs(2), to: dir + "/jobs.jsonl")
    let store = try Store.open(path: dir + "/s.sqlite")
    try await GeminiClient.withGeminiClient(endpoint: .cometAPI(apiKey: "k")) { client in
      let engine = BatchEngine(
        store: store, client: client,
        configuration: BatchConfiguration(files: [file], defaults: RunDefaults(model: "gemini-2.5-flash"), endpoint: "x"),
        pricing: try ModelCatalog.load(overrides: []), logger: Logger(label: "t"))
      do {
        _ = try await engine.run()
        Issue.record("a CometAPI batch run started")
      } catch let e as BatchError {
        #expect(e.code == .unsupportedEndpoint)
        #expect(e.description.contains("--tier flex"))
      }
    }
    #expect(try Self.int(store, "SELECT COUNT(*) FROM runs") == 0)
  }
}
