import Foundation
import GeminiAPI
import Testing

@testable import GeminiCatalog

enum CatalogTestSupport {
  static func bundled() throws -> ModelCatalog { try ModelCatalog.bundled() }

  static func day(_ s: String) -> CalendarDay { CalendarDay(iso: s)! }

  static func d(_ s: String) -> Decimal { Decimal(string: s)! }

  /// A fresh temporary folder.
  static func tempDir() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("gembatch-catalog-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  static func write(_ text: String, name: String = "models.json") throws -> String {
    let url = try tempDir().appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
  }
}
