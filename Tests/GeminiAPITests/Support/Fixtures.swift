import Foundation
import GeminiAPI
import Testing

/// The shared recorded responses in `../shared/fixtures/gemini`, relative to the package root.
/// They are read in place, never copied into the project.
enum Fixtures {
  static let directory: URL = {
    // <root>/Tests/GeminiAPITests/Support/Fixtures.swift
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.deletingLastPathComponent().appendingPathComponent("shared/fixtures/gemini")
  }()

  static let available: Bool = FileManager.default.fileExists(
    atPath: directory.appendingPathComponent("PROVENANCE.md").path)

  static let missingMessage: Comment = "fixtures folder ../shared/fixtures/gemini not found: skipped"

  static func data(_ name: String) throws -> Data {
    try Data(contentsOf: directory.appendingPathComponent(name))
  }

  static func names(withSuffix suffix: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(suffix) }.sorted()
  }

  static func response(_ name: String) throws -> GenerateContentResponse {
    try JSONDecoder().decode(GenerateContentResponse.self, from: data(name))
  }
}
