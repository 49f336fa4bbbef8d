import Foundation
import GeminiAPI
import Testing

@testable import GeminiCatalog

/// The bundled catalog: every model of the reference, versioned, dated, sourced, with its n/v marks.
@Suite struct CatalogLoadingTests {
  let catalog: ModelCatalog
  init() throws { catalog = try CatalogTestSupport.bundled() }

  static let referenceModels = [
    "gemini-3.8-flash", "gemini-3.7-flash", "gemini-3.6-flash", "gemini-3.5-flash", "gemini-3.5-flash-lite",
    "gemini-3.1-flash-lite", "gemini-3.1-pro-preview", "gemini-3-flash-preview", "gemini-3-pro-preview",
    "gemini-2.5-pro",
    "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.5-flash-image", "gemini-3.1-flash-image",
    "gemini-3-pro-image",
    "gemini-3.1-flash-lite-image", "gemini-2.5-flash-image-preview", "gemini-3-pro-image-preview", "gemini-2.0-flash",
    "gemini-2.0-flash-lite",
  ]

  @Test func versionedDatedAndSourced() {
    #expect(catalog.version == "2026-12-01.1")
    #expect(catalog.date == CalendarDay(iso: "2026-12-01"))
    #expect(catalog.files == [ModelCatalog.bundledFileName])
    #expect(catalog.tiers[.batch]?.multiplier == 0.5 && catalog.tiers[.batch]?.cachedMultiplier == 1)
    #expect(catalog.tiers[.flex]?.multiplier == 0.5)
    #expect(catalog.tiers[.priority]?.provenance.isWhollyUnverified == true)
  }

  @Test func everyReferenceModelIsThere() {
    #expect(catalog.entries.map(\.id) == Self.referenceModels)
  }

  /// Every `source` in the file is a tag of `sources`, so each fact says where it comes from.
  @Test func everySourceTagIsDefined() {
    var tags: [String?] = catalog.tiers.values.map(\.provenance.source)
    for e in catalog.entries {
      tags += [
        e.provenance.source, e.status.provenance.source, e.limits?.provenance.source, e.modalities?.provenance.source,
      ]
      tags += [e.features?.provenance.source, e.thinking?.provenance.source, e.implicitCache?.provenance.source]
      for r in e.prices { tags += [r.provenance.source, r.search?.provenance.source, r.maps?.provenance.source] }
    }
    for t in tags.compactMap({ $0 }) { #expect(catalog.sources[t] != nil, "source tag \(t)") }
  }

  @Test func statusesAndRoutingOfTheReference() {
    let day = CatalogTestSupport.day("2026-12-01")
    func status(_ id: String) -> ModelStatus.Effective? { catalog.entry(id: id)?.status.effective(on: day) }
    #expect(
      status("gemini-2.5-pro") == .shutDown
        && catalog.entry(id: "gemini-2.5-pro")?.status.routesTo == "gemini-3.8-flash")
    #expect(
      status("gemini-2.5-flash") == .shutDown
        && catalog.entry(id: "gemini-2.5-flash")?.status.routesTo == "gemini-3.5-flash-lite")
    #expect(catalog.entry(id: "gemini-2.5-pro")?.status.effective(on: CatalogTestSupport.day("2026-11-30")) == .ga)
    #expect(status("gemini-2.5-flash-lite") == .ga)
    #expect(
      status("gemini-3-pro-preview") == .shutDown
        && catalog.entry(id: "gemini-3-pro-preview")?.status.replacement == "gemini-3.1-pro-preview")
    #expect(status("gemini-3.1-pro-preview") == .preview)
    #expect(status("gemini-3.8-flash") == .ga)
    #expect(catalog.entry(id: "gemini-3.5-flash")?.status.routesTo == "gemini-3.6-flash")
    #expect(catalog.entry(id: "gemini-3.1-flash-lite")?.status.shutdown == CalendarDay(iso: "2027-05-07"))
    #expect(status("gemini-2.5-flash-image-preview") == .shutDown && status("gemini-3-pro-image-preview") == .shutDown)
  }

  @Test func limitsCacheMinimumsAndImages() throws {
    let flash = try #require(catalog.entry(id: "gemini-3.8-flash"))
    #expect(flash.limits?.inputTokens == 1_048_576 && flash.limits?.outputTokens == 65_536)
    #expect(flash.implicitCache?.minTokens == 4096)
    #expect(catalog.entry(id: "gemini-2.5-pro")?.implicitCache?.minTokens == 2048)
    #expect(catalog.entry(id: "gemini-3-flash-preview")?.implicitCache?.minTokens == 1024)
    #expect(catalog.entry(id: "gemini-2.5-flash-image")?.outputsImages == true)
    #expect(flash.outputsImages == false)
    let image = try #require(catalog.entry(id: "gemini-2.5-flash-image")?.prices.first?.imageOutput)
    #expect(
      image.usdPerMTok == 30 && image.tokensPerImage == 1290 && image.usdPerImage == CatalogTestSupport.d("0.039"))
  }

  /// The reference's n/v marks survive into the catalog, per fact.
  @Test func unverifiedMarksAreKept() throws {
    let lite = try #require(catalog.entry(id: "gemini-3.1-flash-lite")?.prices.first)
    #expect(lite.provenance.isUnverified("input") && lite.provenance.isUnverified("output"))
    let flash25 = try #require(catalog.entry(id: "gemini-2.5-flash")?.prices.first)
    #expect(flash25.provenance.isUnverified("output") && !flash25.provenance.isUnverified("input"))
    #expect(catalog.entry(id: "gemini-3.1-flash-lite-image")?.provenance.isWhollyUnverified == true)
    #expect(catalog.entry(id: "gemini-3.1-pro-preview")?.thinking?.provenance.hasUnverified == false)
    let facts = catalog.unverifiedFacts()
    #expect(facts.contains { $0.hasPrefix("gemini-3.1-flash-lite: prices[0] (always): input, output") })
    #expect(facts.contains { $0.hasPrefix("gemini-3-flash-preview: prices[0] (always): input, output") })
    #expect(facts.contains { $0.hasPrefix("tier priority: multipliers: all") })
  }

  // MARK: - Overrides

  @Test func overrideAddsAModelAndChangesAPrice() throws {
    let path = try CatalogTestSupport.write(
      """
      {"version": "proxy-2026-12", "models": [
        {"id": "gemini-3.8-flash", "prices": [{"input": 0.60, "output": 3.00, "cachedInput": 0.06}]},
        {"id": "my-proxy-model", "aliases": ["proxy-latest"], "status": {"stage": "ga"},
         "thinking": {"control": "level", "levels": ["LOW", "HIGH"]},
         "prices": [{"from": "2026-11-01", "input": "1", "output": "2"}]}
      ]}
      """)
    let c = try ModelCatalog.load(overrides: [path])
    #expect(c.version == "2026-12-01.1+proxy-2026-12")
    #expect(c.files == [ModelCatalog.bundledFileName, path])
    let day = CatalogTestSupport.day("2026-12-01")
    let u = UsageMetadata(promptTokenCount: 1000, candidatesTokenCount: 1000)
    // 1000×0.60 + 1000×3.00 = 3600 /1M, for every day (the override's row is open).
    #expect(c.cost(model: "gemini-3.8-flash", usage: u, date: day)?.total == CatalogTestSupport.d("0.0036"))
    #expect(
      c.cost(model: "gemini-3.8-flash", usage: u, date: CatalogTestSupport.day("2027-06-01"))?.total
        == CatalogTestSupport.d("0.0036"))
    // The other groups of 3.8 Flash are the bundled ones.
    #expect(c.entry(id: "gemini-3.8-flash")?.thinking?.levels == ["LOW", "MEDIUM", "HIGH"])
    #expect(c.entry(id: "gemini-3.8-flash")?.origin == path)
    // The new model: 1000×1 + 1000×2 = 3000 /1M; its alias and thinking rule work.
    #expect(c.cost(model: "proxy-latest", usage: u, date: day)?.total == CatalogTestSupport.d("0.003"))
    #expect(
      c.checkThinking(model: "my-proxy-model", config: ThinkingConfig(thinkingLevel: "MEDIUM")).first?.severity
        == .error)
    // Before its first row: not in effect.
    #expect(c.cost(model: "my-proxy-model", usage: u, date: CatalogTestSupport.day("2026-10-31")) == nil)
    // The bundled catalog is untouched.
    #expect(catalog.cost(model: "gemini-3.8-flash", usage: u, date: day)?.total == CatalogTestSupport.d("0.0045"))
  }

  /// `--prices FILE` in the old form keeps working: prices replace a model's, or add a model
  /// matched by name prefix as before.
  @Test func oldPriceFilesFoldIntoTheCatalog() throws {
    let path = try CatalogTestSupport.write(
      """
      {"version":"comet-2026-09","date":"2026-09-01","models":{
        "gemini-2.5-flash-lite":{"input":0.08,"output":0.32},
        "my-proxy-model":{"input":"1","output":"2","grounding":{"per":"prompt","usdPer1000":10}}}}
      """, name: "prices.json")
    let c = try ModelCatalog.load(overrides: [path])
    #expect(c.version == "2026-12-01.1+comet-2026-09")
    let day = CatalogTestSupport.day("2026-12-01")
    let u = UsageMetadata(promptTokenCount: 1000, candidatesTokenCount: 1000)
    // 1000×0.08 + 1000×0.32 = 400 /1M.
    #expect(c.cost(model: "gemini-2.5-flash-lite", usage: u, date: day)?.total == CatalogTestSupport.d("0.0004"))
    // The rest of 2.5 Flash-Lite stays (its thinking rule, its status).
    #expect(c.entry(id: "gemini-2.5-flash-lite")?.thinking?.control == .budget)
    // A prefix, as the old table matched: 1000×1 + 1000×2 = 3000 /1M, + one grounded prompt 0.01.
    let proxy = try #require(c.cost(model: "my-proxy-model-x", usage: u, date: day, searchQueries: 1))
    #expect(proxy.total == CatalogTestSupport.d("0.013"))
    #expect(proxy.priceVersion == c.version)
  }

  // MARK: - Refused files

  @Test(arguments: [
    ("[]", CatalogError.Code.invalid, "", "top level must be an object"),
    ("{\"version\":", .invalid, "", "invalid JSON"),
    ("{\"models\":[]}", .invalid, "version", "\"version\""),
    ("{\"version\":\"x\"}", .invalid, "models", "\"models\""),
    ("{\"version\":\"x\",\"modles\":[]}", .invalid, "modles", "unknown field"),
    (
      "{\"version\":\"x\",\"models\":[{\"id\":\"m\",\"prices\":[{\"output\":1}]}]}", .invalid,
      "models[0].prices[0].input", "required"
    ),
    (
      "{\"version\":\"x\",\"models\":[{\"id\":\"m\",\"prices\":[{\"input\":-1,\"output\":1}]}]}", .invalid,
      "models[0].prices[0].input", "non-negative"
    ),
    (
      "{\"version\":\"x\",\"models\":[{\"id\":\"m\",\"prices\":[{\"input\":\"abc\",\"output\":1}]}]}", .invalid,
      "models[0].prices[0].input", "non-negative"
    ),
    (
      "{\"version\":\"x\",\"models\":[{\"id\":\"m\",\"limits\":{\"inputTokns\":5}}]}", .invalid,
      "models[0].limits.inputTokns", "unknown field"
    ),
    (
      "{\"version\":\"x\",\"models\":[{\"id\":\"m\",\"status\":{\"shutdown\":\"2026-13-01\"}}]}", .invalid,
      "models[0].status.shutdown", "YYYY-MM-DD"
    ),
    (
      "{\"version\":\"x\",\"models\":[{\"id\":\"m\",\"thinking\":{\"control\":\"level\",\"levels\":[\"EXTREME\"]}}]}",
      .invalid, "models[0].thinking.levels[0]", "one of"
    ),
    ("{\"version\":\"x\",\"tiers\":{\"turbo\":2},\"models\":[]}", .unknownTier, "tiers.turbo", "unknown tier turbo"),
    (
      "{\"version\":\"x\",\"models\":[{\"id\":\"m\",\"prices\":[{\"input\":1,\"output\":1,\"tiers\":{\"economy\":0.3}}]}]}",
      .unknownTier, "models[0].prices[0].tiers.economy", "unknown tier"
    ),
    (
      "{\"version\":\"x\",\"models\":[{\"id\":\"m\",\"prices\":[{\"from\":\"2026-01-01\",\"until\":\"2026-06-30\",\"input\":1,\"output\":1},{\"from\":\"2026-06-30\",\"input\":2,\"output\":2}]}]}",
      .overlappingPrices, "models[0].prices[1]", "overlaps prices[0]"
    ),
    (
      "{\"version\":\"x\",\"models\":[{\"id\":\"m\",\"prices\":[{\"input\":1,\"output\":1},{\"from\":\"2027-01-01\",\"input\":2,\"output\":2}]}]}",
      .overlappingPrices, "models[0].prices[1]", "overlaps"
    ),
    (
      "{\"version\":\"x\",\"models\":[{\"id\":\"m\",\"prices\":[{\"from\":\"2026-02-01\",\"until\":\"2026-01-01\",\"input\":1,\"output\":1}]}]}",
      .invalid, "models[0].prices[0].until", "before from"
    ),
    (
      "{\"version\":\"x\",\"models\":[{\"id\":\"m\",\"status\":{\"routesTo\":\"nowhere-model\"}}]}", .inconsistent,
      "models[id=m].status.routesTo", "not a model"
    ),
    (
      "{\"version\":\"x\",\"models\":[{\"id\":\"m\",\"aliases\":[\"gemini-3.8-flash\"]}]}", .inconsistent,
      "models[id=m]", "also means"
    ),
    (
      "{\"version\":\"x\",\"models\":[{\"id\":\"m\",\"prices\":[{\"input\":1,\"output\":1,\"grounding\":\"free\"}]}]}",
      .invalid, "models[0].prices[0].grounding", "no grounding plan"
    ),
    ("{\"version\":\"x\",\"models\":{\"m\":{\"output\":1}}}", .invalid, "models.m.input", "required"),
  ])
  func badFilesAreRefusedNamingFileAndPath(text: String, code: CatalogError.Code, path: String, detail: String) throws {
    let file = try CatalogTestSupport.write(text, name: "bad.json")
    let error = #expect(throws: CatalogError.self) { try ModelCatalog.load(overrides: [file]) }
    #expect(error?.code == code, "\(error?.description ?? "")")
    #expect(error?.file == file)
    #expect(error?.path == path, "\(error?.description ?? "")")
    #expect(error?.description.contains(file) == true)
    #expect(error?.description.contains(detail) == true, "\(error?.description ?? "")")
  }

  @Test func missingFileIsUnreadable() {
    let error = #expect(throws: CatalogError.self) { try ModelCatalog.load(overrides: ["/nonexistent/models.json"]) }
    #expect(error?.code == .unreadable && error?.file == "/nonexistent/models.json")
  }

  @Test func calendarDays() {
    #expect(CalendarDay(iso: "1970-01-01")?.dayNumber == 0)
    #expect(CalendarDay(iso: "2026-12-01")?.description == "2026-12-01")
    #expect(CalendarDay(iso: "2024-02-29") != nil && CalendarDay(iso: "2026-02-29") == nil)
    #expect(CalendarDay(iso: "2026-1-01") == nil && CalendarDay(iso: "x") == nil)
    #expect(CalendarDay(unixTime: 1_796_083_199) == CalendarDay(iso: "2026-11-30"))  // 23:59:59 UTC
    #expect(CalendarDay(unixTime: 1_796_083_200) == CalendarDay(iso: "2026-12-01"))
    #expect(
      CalendarDay(unixTime: .infinity).dayNumber == 0 && CalendarDay(unixTime: -.greatestFiniteMagnitude).dayNumber < 0)
    #expect(CalendarDay(iso: "2026-12-31")!.adding(days: 1) == CalendarDay(iso: "2027-01-01"))
  }
}
