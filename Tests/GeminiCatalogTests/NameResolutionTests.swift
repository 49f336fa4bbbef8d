import Testing

@testable import GeminiCatalog

@Suite struct NameResolutionTests {
  let catalog: ModelCatalog
  init() throws { catalog = try CatalogTestSupport.bundled() }

  @Test(arguments: [
    ("gemini-3.8-flash", "gemini-3.8-flash", ModelCatalog.Match.id),
    ("  Gemini-3.8-Flash \n", "gemini-3.8-flash", .id),
    ("models/gemini-3.1-pro-preview", "gemini-3.1-pro-preview", .id),
    ("publishers/google/models/gemini-2.5-pro", "gemini-2.5-pro", .id),
    ("gemini-flash-latest", "gemini-3.8-flash", .alias),
    ("models/gemini-pro-latest", "gemini-3.1-pro-preview", .alias),
    ("gemini-3.8-flash-latest", "gemini-3.8-flash", .suffix),
    ("gemini-2.5-flash-preview-09-2025", "gemini-2.5-flash", .suffix),
    ("models/gemini-2.5-flash-preview-05-20", "gemini-2.5-flash", .suffix),
    ("gemini-2.5-flash-lite-preview-06-17", "gemini-2.5-flash-lite", .suffix),
    ("gemini-3.1-pro-preview-02-19", "gemini-3.1-pro-preview", .suffix),
    ("gemini-2.0-flash-001", "gemini-2.0-flash", .suffix),
    ("gemini-2.0-flash-lite-001", "gemini-2.0-flash-lite", .suffix),
    ("gemini-2.0-flash-exp", "gemini-2.0-flash", .suffix),
    ("gemini-2.5-flash-image-preview", "gemini-2.5-flash-image-preview", .id),
    ("gemini-3-pro-image", "gemini-3-pro-image", .id),
  ])
  func resolves(name: String, id: String, match: ModelCatalog.Match) throws {
    let r = try #require(catalog.resolve(name), "\(name)")
    #expect(r.entry.id == id)
    #expect(r.match == match)
  }

  @Test(arguments: ["gemini-1.5-flash", "gemini-2.5", "", "   ", "claude-3-opus", "gemini-3.8-flash-turbo", "gemini-4"])
  func unknownNames(name: String) {
    #expect(catalog.resolve(name) == nil)
  }

  @Test func globs() {
    #expect(ModelCatalog.glob("my-model*", matches: "my-model-x"))
    #expect(ModelCatalog.glob("my-model*", matches: "my-model"))
    #expect(!ModelCatalog.glob("my-model*", matches: "xmy-model"))
    #expect(ModelCatalog.glob("gemini-*-flash", matches: "gemini-9-flash"))
    #expect(!ModelCatalog.glob("gemini-*-flash", matches: "gemini-9-flash-lite"))
  }
}
