import GeminiAPI
import Testing

@testable import GeminiCatalog

/// The checks before sending: warnings that never stop a job, errors that do.
@Suite struct PreflightTests {
  let catalog: ModelCatalog
  init() throws { catalog = try CatalogTestSupport.bundled() }
  let day = CatalogTestSupport.day("2026-12-01")

  func kinds(_ model: String, _ facts: RequestFacts = RequestFacts()) -> [CatalogFinding.Kind] {
    catalog.preflight(model: model, facts: facts, date: day).map(\.kind)
  }

  @Test func currentModelsPassQuietly() {
    #expect(kinds("gemini-3.8-flash").isEmpty)
    #expect(kinds("gemini-3.1-pro-preview", RequestFacts(thinking: ThinkingConfig(thinkingLevel: "MEDIUM"))).isEmpty)
    #expect(kinds("gemini-2.5-flash-lite", RequestFacts(uses: [.search, .functionCalling])).isEmpty)
  }

  @Test func shutDownModelsSayWhereTheyRouteAndThatTheyAreBilledThere() throws {
    let f = catalog.preflight(model: "gemini-2.5-pro", facts: RequestFacts(), date: day)
    #expect(f.count == 1 && f[0].severity == .warning && f[0].kind == .shutDown)
    #expect(f[0].message.contains("gemini-3.8-flash") && f[0].message.contains("billed"))
    let g = try #require(catalog.preflight(model: "gemini-3-pro-preview", facts: RequestFacts(), date: day).first)
    #expect(g.kind == .shutDown && g.message.contains("gemini-3.1-pro-preview"))
    // The day before, 2.5 Pro still ran, and said when it would stop.
    let before = catalog.preflight(
      model: "gemini-2.5-pro", facts: RequestFacts(), date: CatalogTestSupport.day("2026-11-30"))
    #expect(before.map(\.kind) == [.deprecated] && before[0].message.contains("shuts down on 2026-12-01"))
    #expect(kinds("gemini-3.5-flash") == [.routed])
  }

  @Test func imagesLimitsAndFeatures() {
    #expect(kinds("gemini-3.8-flash", RequestFacts(responseModalities: ["TEXT", "IMAGE"])) == [.imageOutput])
    #expect(kinds("gemini-2.5-flash-image", RequestFacts(responseModalities: ["IMAGE"])).isEmpty)
    #expect(kinds("gemini-2.0-flash", RequestFacts(estimatedInputTokens: 2_000_000)) == [.inputTooLong])
    #expect(
      kinds("gemini-2.5-flash-image", RequestFacts(uses: [.functionCalling, .structuredOutput])) == [
        .featureMissing, .featureMissing,
      ])
  }

  @Test func thinkingErrorsStopTheJob() {
    let f = catalog.preflight(
      model: "gemini-2.5-flash-lite", facts: RequestFacts(thinking: ThinkingConfig(thinkingLevel: "LOW")), date: day)
    #expect(f.map(\.severity) == [.error])
  }

  @Test func unknownModelsWarnOnce() {
    let f = catalog.preflight(
      model: "gemini-9-ultra", facts: RequestFacts(thinking: ThinkingConfig(thinkingBudget: 5)), date: day)
    #expect(f.map(\.kind) == [.unknownModel])
    let notices = CatalogNotices()
    for finding in f + f {
      notices.record(CatalogNotice(kind: .unknownModel, model: "gemini-9-ultra", message: finding.message))
    }
    #expect(notices.all.count == 1)
  }
}
