import Foundation
import GRDB
import GeminiAPI
import GeminiCatalog
import GeminiMock
import Testing

/// `run`, `validate` and `models` with the model catalog, through the real binary and the mock.
@Suite(.serialized) struct CatalogRunTests {
  static let env = RunEndToEndTests.env

  static func write(_ dir: URL, _ lines: [String], name: String = "jobs.jsonl") throws -> URL {
    let url = dir.appendingPathComponent(name)
    try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  @Test func aRunPricesWhatRanAtTheTierThatRan() async throws {
    let dir = try CLI.tempDir()
    let file = try Self.write(
      dir,
      [
        #"{"id":"lite-flex","model":"gemini-2.5-flash-lite","prompt":"Name a prime."}"#,
        #"{"id":"lite-standard","model":"gemini-2.5-flash-lite","prompt":"Name a colour.","serviceTier":"standard"}"#,
        #"{"id":"routed","model":"gemini-2.5-pro","prompt":"Name a river."}"#,
        #"{"id":"routed-2","model":"gemini-2.5-pro","prompt":"Name a sea."}"#,
      ])
    let db = dir.appendingPathComponent("s.sqlite")
    let r = try await GeminiMockServer.withServer(RunEndToEndTests.mockConfig()) { port in
      try await CLI.run(
        [
          "run", file.path, "--db", db.path, "--endpoint", "http://127.0.0.1:\(port)", "--progress", "none", "--tier",
          "flex",
        ],
        env: Self.env)
    }
    #expect(r.status == 0, "\(r.stderr)")
    // One warning for 2.5 Pro (two jobs), naming where it routes and that it is billed there.
    let warnings = r.stderr.components(separatedBy: "\n").filter {
      $0.contains("warning:") && $0.contains("gemini-2.5-pro")
    }
    #expect(
      warnings.count == 1 && warnings[0].contains("gemini-3.8-flash") && warnings[0].contains("billed"), "\(r.stderr)")
    let q = try DatabaseQueue(path: db.path)
    let rows = try await q.read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT j.id, j.model, r.model_version, r.served_model, r.service_tier, r.cost_usd, r.price_version,
            r.prompt_tokens AS p, COALESCE(r.candidates_tokens, 0) + COALESCE(r.thoughts_tokens, 0) AS o
          FROM jobs j JOIN results r ON r.job_id = j.id ORDER BY j.seq
          """)
    }
    #expect(rows.count == 4)
    // --tier flex on a line that names no tier: sent and priced at flex (2.5 Flash-Lite × 0.5).
    let flex = rows[0]
    #expect((flex["service_tier"] as String?) == "flex")
    let p: Int = flex["p"], o: Int = flex["o"]
    #expect(abs((flex["cost_usd"] as Double) - (Double(p) * 0.10 + Double(o) * 0.40) / 1e6 * 0.5) < 1e-15)
    // A line's own serviceTier wins over --tier.
    #expect((rows[1]["service_tier"] as String?) == "standard")
    // 2.5 Pro was answered by 3.8 Flash: stored and priced as such.
    #expect(
      (rows[2]["model"] as String) == "gemini-2.5-pro" && (rows[2]["served_model"] as String?) == "gemini-3.8-flash")
    #expect((rows[2]["model_version"] as String?) == "gemini-3.8-flash")
    #expect((rows[2]["price_version"] as String?) == "2026-12-01.1")
    // The stored request carries no tier (the run added it on the way out), so the hash is the line's.
    let body = try await q.read { db in
      try Data.fetchOne(db, sql: "SELECT request_json FROM jobs WHERE id = 'lite-flex'")
    }
    #expect(body.map { String(decoding: $0, as: UTF8.self).contains("serviceTier") } == false)
    // The report shows requested → served and the tier.
    let report = try await CLI.run(["report", "--db", db.path])
    #expect(report.status == 0)
    #expect(
      report.stdout.contains("Served as") && report.stdout.contains("gemini-3.8-flash")
        && report.stdout.contains("flex"))
  }

  @Test func validateRefusesALevelTheModelLacksAndWarnsOncePerModel() async throws {
    let dir = try CLI.tempDir()
    let file = try Self.write(
      dir,
      [
        #"{"id":"a","model":"gemini-3.1-pro-preview","prompt":"x","generationConfig":{"thinkingConfig":{"thinkingLevel":"MEDIUM"}}}"#,
        #"{"id":"b","model":"gemini-3.8-flash","prompt":"x","generationConfig":{"thinkingConfig":{"thinkingLevel":"MINIMAL"}}}"#,
        #"{"id":"c","model":"gemini-2.5-flash","prompt":"x"}"#,
        #"{"id":"d","model":"gemini-2.5-flash","prompt":"y"}"#,
        #"{"id":"e","model":"gemini-3.8-flash","prompt":"x","generationConfig":{"responseModalities":["IMAGE"]}}"#,
        #"{"id":"f","model":"my-new-model","prompt":"x"}"#,
      ])
    let r = try await CLI.run(["validate", file.path])
    #expect(r.status == 2)
    #expect(r.stdout.contains(":2") && r.stdout.contains("use one of LOW, MEDIUM, HIGH"), "\(r.stdout)")
    #expect(!r.stdout.contains(":1 "))
    let lines = r.stdout.components(separatedBy: "\n")
    #expect(lines.filter { $0.hasPrefix("warning:") && $0.contains("gemini-2.5-flash") }.count == 1, "\(r.stdout)")
    #expect(lines.contains { $0.hasPrefix("warning:") && $0.contains("images") })
    #expect(lines.contains { $0.contains("warning") && $0.contains("my-new-model") && $0.contains("--models") }, "\(r.stdout)")
    // With a --models file that adds the model, it is known.
    let models = try Self.write(
      dir, [#"{"version":"mine","models":[{"id":"my-new-model","prices":[{"input":1,"output":2}]}]}"#],
      name: "models.json")
    let r2 = try await CLI.run(["validate", file.path, "--models", models.path])
    #expect(!r2.stdout.contains("my-new-model is not in"), "\(r2.stdout)")
    // A bad --models file is refused at start, naming the file and the JSON path.
    let bad = try Self.write(dir, [#"{"version":"x","models":[{"id":"m","prices":[{"input":1}]}]}"#], name: "bad.json")
    let r3 = try await CLI.run(["validate", file.path, "--models", bad.path])
    #expect(
      r3.status == 2 && r3.stderr.contains(bad.path) && r3.stderr.contains("models[0].prices[0].output"), "\(r3.stderr)"
    )
    let r4 = try await CLI.run([
      "run", file.path, "--endpoint", "mock", "--db", dir.appendingPathComponent("x.sqlite").path, "--tier", "turbo",
    ])
    #expect(r4.status == 2 && r4.stderr.contains("--tier"))
  }

  @Test func modelsShowsTheCatalog() async throws {
    let table = try await CLI.run(["models", "--date", "2026-12-01"])
    #expect(table.status == 0)
    #expect(table.stdout.contains("gemini-3.1-pro-preview") && table.stdout.contains("level LOW|MEDIUM|HIGH"))
    #expect(table.stdout.contains("shut down → gemini-3.8-flash"))
    let json = try await CLI.run(["models", "--format", "json", "--date", "2027-01-02"])
    let v = try JSONValue.parse(json.stdout)
    let flash = try #require(v["models"]?.arrayValue?.first { $0["id"] == "gemini-3.8-flash" })
    #expect(flash["priceInEffect"]?["row"]?["input"]?.doubleValue == 1.5)
    #expect((v["unverified"]?.arrayValue?.count ?? 0) > 10)
    let nv = try await CLI.run(["models", "list", "--unverified"])
    #expect(nv.stdout.contains("gemini-3.1-flash-lite: prices[0] (always): input, output"))
  }

  /// `models refresh` against the mock serving a catalog that differs from the bundled one: a new
  /// model, a changed output limit; the override file it writes makes the catalog agree.
  @Test func modelsRefreshAgainstTheMock() async throws {
    let dir = try CLI.tempDir()
    let live = try Self.write(
      dir,
      [
        #"{"version":"live","models":[{"id":"gemini-3.8-flash","limits":{"inputTokens":1048576,"outputTokens":131072}}]}"#
      ],
      name: "live.json")
    var config = RunEndToEndTests.mockConfig()
    config.catalog = try ModelCatalog.load(overrides: [live.path])
    config.extraModels = ["gemini-4-argon"]
    config.today = CalendarDay(iso: "2026-12-01")
    let out = dir.appendingPathComponent("refresh.json")
    let r = try await GeminiMockServer.withServer(config) { port in
      try await CLI.run(
        [
          "models", "refresh", "--endpoint", "http://127.0.0.1:\(port)", "--page-size", "3", "--date", "2026-12-01",
          "--write", out.path,
        ],
        env: Self.env)
    }
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("+ gemini-4-argon"), "\(r.stdout)")
    #expect(r.stdout.contains("~ gemini-3.8-flash outputTokens: catalog 65536, live 131072"), "\(r.stdout)")
    #expect(!r.stdout.contains("- gemini-3.8-flash"))
    let updated = try ModelCatalog.load(overrides: [out.path])
    #expect(updated.entry(id: "gemini-3.8-flash")?.limits?.outputTokens == 131072)
    #expect(updated.entry(id: "gemini-4-argon") != nil)
  }

  /// Image answers: kept (the manifest, the bytes in the raw response), priced at the image rate,
  /// written out by `export --media-dir`, named in the rows. Maps sources and the rest in export.
  @Test func imagesAndMapsThroughRunAndExport() async throws {
    let dir = try CLI.tempDir()
    let file = try Self.write(
      dir,
      [
        #"{"id":"img/1","model":"gemini-2.5-flash-image","prompt":"A lighthouse.","generationConfig":{"responseModalities":["TEXT","IMAGE"]}}"#,
        #"{"id":"maps","model":"gemini-2.5-flash-lite","prompt":"Coffee near the Louvre.","tools":[{"googleMaps":{}}]}"#,
        #"{"id":"two","model":"gemini-2.5-flash-lite","prompt":"Two answers.","generationConfig":{"candidateCount":2}}"#,
      ])
    let db = dir.appendingPathComponent("s.sqlite")
    let r = try await GeminiMockServer.withServer(RunEndToEndTests.mockConfig()) { port in
      try await CLI.run(
        ["run", file.path, "--db", db.path, "--endpoint", "http://127.0.0.1:\(port)", "--progress", "none"],
        env: Self.env)
    }
    #expect(r.status == 0, "\(r.stderr)")
    let q = try DatabaseQueue(path: db.path)
    let img = try #require(
      try await q.read { db in try Row.fetchOne(db, sql: "SELECT * FROM results WHERE job_id = 'img/1'") })
    let usage = try JSONValue.parse(img["usage_json"] as String)
    let prompt = usage["promptTokenCount"]?.intValue ?? 0
    let out = usage["candidatesTokenCount"]?.intValue ?? 0
    // prompt × 0.30 + (output − 1,290 image tokens) × 2.50 + 1,290 × 30, per 1M.
    let expected = (Double(prompt) * 0.30 + Double(out - 1290) * 2.50 + 1290 * 30) / 1e6
    #expect(abs((img["cost_usd"] as Double) - expected) < 1e-12)
    #expect((img["media"] as String?)?.contains("image/png") == true)
    let maps = try #require(
      try await q.read { db in
        try Row.fetchOne(db, sql: "SELECT maps_sources, cost_usd FROM results WHERE job_id = 'maps'")
      })
    #expect((maps["maps_sources"] as String?)?.contains("placeId") == true)
    #expect((maps["cost_usd"] as Double?) ?? 0 > 0.025)  // one Maps-grounded prompt at $25/1000, plus tokens

    let media = dir.appendingPathComponent("media")
    let jsonl = dir.appendingPathComponent("out.jsonl")
    let e = try await CLI.run([
      "export", "--db", db.path, "--out", jsonl.path, "--media-dir", media.path, "--include-grounding",
      "--include-candidates",
      "--include-safety",
    ])
    #expect(e.status == 0, "\(e.stderr)")
    let rows = try String(contentsOf: jsonl, encoding: .utf8).split(separator: "\n").map {
      try JSONValue.parse(String($0))
    }
    let files = rows[0]["media"]?.arrayValue?.compactMap(\.stringValue) ?? []
    #expect(files.count == 1 && files[0].hasSuffix("-c0-p1.png") && files[0].hasPrefix("img_1-"), "\(files)")
    let png = try Data(contentsOf: media.appendingPathComponent(files[0]))
    #expect(Array(png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
    #expect(rows[0]["served_model"] == "gemini-2.5-flash-image" && rows[0]["service_tier"] == "standard")
    #expect(rows[1]["maps_sources"]?.arrayValue?.isEmpty == false)
    #expect(rows[2]["candidates"]?.arrayValue?.count == 2)
    let csv = dir.appendingPathComponent("out.csv")
    let c = try await CLI.run([
      "export", "--db", db.path, "--out", csv.path, "--format", "csv", "--media-dir", media.path,
    ])
    #expect(c.status == 0)
    let text = try String(contentsOf: csv, encoding: .utf8)
    #expect(text.components(separatedBy: "\r\n")[0].hasSuffix(",media") && text.contains(files[0]))
  }
}
