import Foundation
import GeminiAPI
import GeminiCatalog
import Testing

@testable import GeminiMock

/// The mock serves the catalog: its models and rules, routing, tiers, images, Maps grounding and
/// the real API's refusals.
@Suite struct MockCatalogTests {
  static let day = CalendarDay(iso: "2026-12-01")!

  static func config(_ edit: (inout MockConfiguration) -> Void = { _ in }) -> MockConfiguration {
    MockTest.config {
      $0.today = day
      edit(&$0)
    }
  }

  @Test func shutDownModelsAnswerAsTheModelTheyRouteTo() async throws {
    try await MockTest.withMock(Self.config()) { c in
      let pro = try await c.generate(
        "gemini-2.5-pro", MockTest.prompt("hi", config: ["thinkingConfig": ["thinkingBudget": 1024]]))
      #expect(pro.status == 200)
      #expect(pro.json["modelVersion"]?.stringValue == "gemini-3.8-flash")
      let flash = try await c.generate("gemini-2.5-flash", MockTest.prompt("hi"))
      #expect(flash.json["modelVersion"]?.stringValue == "gemini-3.5-flash-lite")
      // Shut down and routed nowhere: 404, as the API answers.
      let old = try await c.generate("gemini-3-pro-preview", MockTest.prompt("hi"))
      #expect(old.status == 404)
      // An alias answers as its model, not 404.
      let latest = try await c.generate("gemini-flash-latest", MockTest.prompt("hi"))
      #expect(latest.status == 200 && latest.json["modelVersion"]?.stringValue == "gemini-3.8-flash")
      // A dated name of a catalog model answers under its own name.
      let dated = try await c.generate("gemini-3.1-pro-preview-02-19", MockTest.prompt("hi"))
      #expect(dated.status == 200 && dated.json["modelVersion"]?.stringValue == "gemini-3.1-pro-preview-02-19")
    }
    // The day before the shutdown, 2.5 Pro answered as itself.
    try await MockTest.withMock(Self.config { $0.today = CalendarDay(iso: "2026-11-30") }) { c in
      let r = try await c.generate("gemini-2.5-pro", MockTest.prompt("hi"))
      #expect(r.json["modelVersion"]?.stringValue == "gemini-2.5-pro")
    }
  }

  @Test func listingIsPagedAndEveryListedModelAnswers() async throws {
    try await MockTest.withMock(Self.config { $0.extraModels = ["my-proxy-model"] }) { c in
      var names: [String] = []
      var token: String?
      var pages = 0
      repeat {
        let page = try await c.send(.GET, "/v1beta/models?pageSize=4" + (token.map { "&pageToken=\($0)" } ?? ""))
        #expect(page.status == 200)
        let models = page.json["models"]?.arrayValue ?? []
        #expect(models.count <= 4)
        for m in models {
          #expect(
            m["inputTokenLimit"]?.intValue != nil && m["supportedGenerationMethods"]?.arrayValue?.isEmpty == false)
          names.append(m["name"]!.stringValue!)
        }
        token = page.json["nextPageToken"]?.stringValue
        pages += 1
      } while token != nil && pages < 50
      #expect(pages > 1)
      #expect(names.contains("models/gemini-3.8-flash") && names.contains("models/my-proxy-model"))
      #expect(!names.contains("models/gemini-2.5-pro") && !names.contains("models/gemini-3-pro-preview"))
      for name in names {
        let id = String(name.dropFirst("models/".count))
        let wantsImage = id.contains("image")
        let body = MockTest.prompt("hi", config: wantsImage ? ["responseModalities": ["TEXT", "IMAGE"]] : nil)
        #expect(try await c.generate(id, body).status == 200, "\(id)")
      }
      #expect(try await c.send(.GET, "/v1beta/models?pageToken=zzz").status == 400)
      let one = try await c.send(.GET, "/v1beta/models/gemini-3.1-pro-preview")
      #expect(one.json["thinking"]?.boolValue == true && one.json["outputTokenLimit"]?.intValue == 65536)
    }
  }

  @Test func tiersSayWhichRanAndFlexCanBeShed() async throws {
    try await MockTest.withMock(Self.config()) { c in
      let plain = try await c.generate("gemini-3.8-flash", MockTest.prompt("hi"))
      #expect(plain.serviceTier == "standard" && plain.json.usage["serviceTier"] == nil)
      let flex = try await c.generate("gemini-3.8-flash", MockTest.prompt("hi", extra: [("serviceTier", "flex")]))
      #expect(flex.serviceTier == "flex" && flex.json.usage["serviceTier"]?.stringValue == "flex")
      let streamed = try await c.stream("gemini-3.8-flash", MockTest.prompt("hi", extra: [("serviceTier", "FLEX")]))
      #expect(streamed.serviceTier == "flex")
      let bad = try await c.generate("gemini-3.8-flash", MockTest.prompt("hi", extra: [("serviceTier", "turbo")]))
      #expect(bad.status == 400 && bad.error?.message?.contains("service_tier") == true)
    }
    try await MockTest.withMock(
      Self.config {
        $0.flexShedRate = 1; $0.priorityDowngradeRate = 1
      }
    ) { c in
      let shed = try await c.generate("gemini-3.8-flash", MockTest.prompt("hi", extra: [("serviceTier", "flex")]))
      #expect(shed.status == 503 && shed.error?.status == "UNAVAILABLE")
      let down = try await c.generate(
        "gemini-3.1-pro-preview", MockTest.prompt("hi", extra: [("serviceTier", "priority")]))
      #expect(
        down.status == 200 && down.serviceTier == "standard"
          && down.json.usage["serviceTier"]?.stringValue == "standard")
      #expect(try await c.generate("gemini-3.8-flash", MockTest.prompt("hi")).status == 200)
    }
  }

  @Test func imageModelsAnswerWithInlinePNG() async throws {
    try await MockTest.withMock(Self.config()) { c in
      let r = try await c.generate(
        "gemini-2.5-flash-image", MockTest.prompt("a lighthouse", config: ["responseModalities": ["TEXT", "IMAGE"]]))
      #expect(r.status == 200)
      let parts = r.json["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue ?? []
      let image = try #require(parts.first { $0["inlineData"] != nil }?["inlineData"])
      #expect(image["mimeType"]?.stringValue == "image/png")
      let png = try #require(Data(base64Encoded: image["data"]?.stringValue ?? ""))
      #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
      #expect(!r.json.answerText.isEmpty)
      // 1,290 IMAGE tokens (the catalog's figure for 2.5 Flash Image) in the output count and its details.
      let details = r.json.usage["candidatesTokensDetails"]?.arrayValue ?? []
      #expect(details.contains { $0["modality"] == "IMAGE" && $0["tokenCount"]?.intValue == 1290 })
      #expect(r.json.usage.int("candidatesTokenCount") >= 1290)
      // Only IMAGE: no text part.
      let only = try await c.generate(
        "gemini-2.5-flash-image", MockTest.prompt("a cat", config: ["responseModalities": ["IMAGE"]]))
      #expect(
        only.json.answerText.isEmpty
          && only.json["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue?.count == 1)
      // A text model refuses images with the API's words.
      let text = try await c.generate(
        "gemini-3.8-flash", MockTest.prompt("a cat", config: ["responseModalities": ["IMAGE"]]))
      #expect(text.status == 400)
      #expect(text.error?.message == "Model does not support the requested response modalities: image")
      let bogus = try await c.generate(
        "gemini-2.5-flash-image", MockTest.prompt("x", config: ["responseModalities": ["SMELL"]]))
      #expect(bogus.status == 400)
    }
  }

  @Test func mapsGroundingNextToSearch() async throws {
    try await MockTest.withMock(Self.config()) { c in
      let r = try await c.generate(
        "gemini-2.5-flash-lite",
        MockTest.prompt(
          "coffee near the Louvre", extra: [("tools", [["googleMaps": ["enableWidget": true]], ["googleSearch": [:]]])])
      )
      #expect(r.status == 200)
      let g = try #require(r.json["candidates"]?.arrayValue?.first?["groundingMetadata"])
      let chunks = g["groundingChunks"]?.arrayValue ?? []
      #expect(chunks.contains { $0["maps"]?["placeId"]?.stringValue?.hasPrefix("places/") == true })
      #expect(chunks.contains { $0["web"] != nil })
      #expect(g["googleMapsWidgetContextToken"] != nil && g["webSearchQueries"]?.arrayValue?.count == 1)
      let maps = try await c.generate(
        "gemini-3.8-flash", MockTest.prompt("ramen", extra: [("tools", [["googleMaps": [:]]])]))
      let m = try #require(maps.json["candidates"]?.arrayValue?.first?["groundingMetadata"])
      #expect(m["webSearchQueries"] == nil && (m["groundingChunks"]?.arrayValue ?? []).allSatisfy { $0["maps"] != nil })
    }
  }

  @Test func refusalsTheRealAPIMakes() async throws {
    try await MockTest.withMock(Self.config()) { c in
      for extra: [(String, JSONValue)] in [
        [("cachedContent", "cachedContents/abc"), ("systemInstruction", ["parts": [["text": "s"]]])],
        [("cachedContent", "cachedContents/abc"), ("tools", [["googleSearch": [:]]])],
        [("cachedContent", "cachedContents/abc"), ("toolConfig", ["functionCallingConfig": ["mode": "AUTO"]])],
      ] {
        let r = try await c.generate("gemini-3.8-flash", MockTest.prompt("x", extra: extra))
        #expect(r.status == 400)
        #expect(
          r.error?.message?.hasPrefix(
            "CachedContent can not be used with GenerateContent request setting system_instruction, tools or tool_config"
          ) == true)
      }
      #expect(
        try await c.generate("gemini-3.8-flash", MockTest.prompt("x", extra: [("cachedContent", "cachedContents/abc")]))
          .status == 200)
      let category = try await c.generate(
        "gemini-3.8-flash",
        MockTest.prompt(
          "x", extra: [("safetySettings", [["category": "HARM_CATEGORY_NICE", "threshold": "BLOCK_NONE"]])]))
      #expect(category.status == 400 && category.error?.message?.contains("safety_settings[0].category") == true)
      let threshold = try await c.generate(
        "gemini-3.8-flash",
        MockTest.prompt(
          "x", extra: [("safetySettings", [["category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_SOME"]])]))
      #expect(threshold.status == 400 && threshold.error?.message?.contains("threshold") == true)
      let fine = try await c.generate(
        "gemini-3.8-flash",
        MockTest.prompt(
          "x", extra: [("safetySettings", [["category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_ONLY_HIGH"]])]))
      #expect(fine.status == 200)
    }
  }

  @Test func thinkingRulesComeFromTheCatalogOverrides() async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mock-catalog-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let file = dir.appendingPathComponent("models.json")
    try
      #"{"version":"t","models":[{"id":"gemini-3.8-flash","thinking":{"control":"level","levels":["MINIMAL","HIGH"]}}]}"#
      .write(to: file, atomically: true, encoding: .utf8)
    let catalog = try ModelCatalog.load(overrides: [file.path])
    try await MockTest.withMock(Self.config { $0.catalog = catalog }) { c in
      let minimal = try await c.generate(
        "gemini-3.8-flash", MockTest.prompt("x", config: ["thinkingConfig": ["thinkingLevel": "MINIMAL"]]))
      #expect(minimal.status == 200)
      let medium = try await c.generate(
        "gemini-3.8-flash", MockTest.prompt("x", config: ["thinkingConfig": ["thinkingLevel": "MEDIUM"]]))
      #expect(medium.status == 400)
    }
  }
}
