import Foundation
import Testing

@testable import GeminiCatalog

@Suite struct ModelsListingTests {
  @Test func pagesAndDiff() throws {
    let page = try ModelsListing.page(
      Data(
        """
        {"models": [
          {"name": "models/gemini-3.8-flash", "inputTokenLimit": 1048576, "outputTokenLimit": 131072, "thinking": true},
          {"name": "models/gemini-2.0-flash", "inputTokenLimit": 1048576, "outputTokenLimit": 8192, "thinking": true},
          {"name": "models/gemini-4-argon", "displayName": "Gemini 4 Argon", "inputTokenLimit": 2097152, "outputTokenLimit": 65536, "thinking": true},
          {"name": "models/gemini-2.5-flash-preview-09-2025", "inputTokenLimit": 1048576}
        ], "nextPageToken": "abc"}
        """.utf8))
    #expect(page.models.count == 4 && page.nextPageToken == "abc")
    let catalog = try ModelCatalog.bundled()
    let diff = CatalogDiff.compare(catalog: catalog, listed: page.models, date: CalendarDay(iso: "2026-12-01")!)
    #expect(diff.added.map(\.id) == ["gemini-4-argon"])
    #expect(
      diff.changed.contains(.init(id: "gemini-3.8-flash", field: "outputTokens", catalog: "65536", live: "131072")))
    #expect(diff.changed.contains(.init(id: "gemini-2.0-flash", field: "thinking", catalog: "false", live: "true")))
    #expect(diff.variants == ["gemini-2.5-flash-preview-09-2025"])
    #expect(diff.removed.contains("gemini-3.1-pro-preview") && !diff.removed.contains("gemini-2.5-pro"))
    // The override file it writes loads, and carries the live facts.
    let file = try CatalogTestSupport.write(
      diff.overrideFile(endpoint: "http://x", date: CalendarDay(iso: "2026-12-01")!).serialized())
    let updated = try ModelCatalog.load(overrides: [file])
    #expect(updated.entry(id: "gemini-3.8-flash")?.limits?.outputTokens == 131072)
    #expect(updated.entry(id: "gemini-4-argon")?.limits?.inputTokens == 2_097_152)
    #expect(
      CatalogDiff.compare(catalog: updated, listed: page.models, date: CalendarDay(iso: "2026-12-01")!).added.isEmpty)
  }

  @Test func badPages() throws {
    #expect(throws: ModelsListing.Failure.self) { try ModelsListing.page(Data("[]".utf8)) }
    #expect(throws: ModelsListing.Failure.self) { try ModelsListing.page(Data("{\"models\":[{}]}".utf8)) }
    #expect(try ModelsListing.page(Data("{}".utf8)).models.isEmpty)
  }
}
