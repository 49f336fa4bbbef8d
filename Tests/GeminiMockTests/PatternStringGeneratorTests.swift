import Foundation
import GeminiAPI
import Testing

@testable import GeminiMock

/// Strings for a schema's `pattern`: every one generated must match (checked here with
/// `NSRegularExpression`, as `SchemaValidator` does), and what is outside the subset falls back.
@Suite struct PatternStringGeneratorTests {
  static let patterns = [
    #"^[A-Z]{3}-\d{4}$"#,
    #"^\+?[0-9]{7,12}$"#,
    #"^(foo|bar|baz)_[a-z]+$"#,
    #"^[^@\s]+@[^@\s]+\.[a-z]{2,3}$"#,
    #"\d+"#,
    #"^[A-Fa-f0-9]{8}(-[A-Fa-f0-9]{4}){3}-[A-Fa-f0-9]{12}$"#,
    #"^(?:\w+\s?){2,4}$"#,
    #"^[a-z]+(?:-[a-z]+)*$"#,
    #"^SKU-\d{2,}[A-Z]?$"#,
    #"^\$\d{1,3}(,\d{3})*(\.\d{2})?$"#,
    #"^[\]a-c]{2}\u00e9.$"#,
    #"^a.*?b$"#,
  ]

  static func matches(_ s: String, _ pattern: String) throws -> Bool {
    let re = try NSRegularExpression(pattern: pattern)
    return re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
  }

  @Test(arguments: patterns) func everyGeneratedStringMatches(_ pattern: String) throws {
    #expect(PatternStringGenerator.parse(pattern) != nil, "the subset should read \(pattern)")
    var seen = Set<String>()
    for seed in 0..<40 {
      var rng = SplitMix64(seed: UInt64(seed))
      let s = try #require(PatternStringGenerator.string(matching: pattern, rng: &rng), "\(pattern), seed \(seed)")
      #expect(try Self.matches(s, pattern), "\(s) for \(pattern)")
      seen.insert(s)
    }
    #expect(seen.count > 1, "the values vary with the generator: \(pattern)")
  }

  @Test func sameStateSameString() {
    var a = SplitMix64(seed: 9)
    var b = SplitMix64(seed: 9)
    #expect(
      PatternStringGenerator.string(matching: #"^[a-z]{5,9}\d$"#, rng: &a)
        == PatternStringGenerator.string(matching: #"^[a-z]{5,9}\d$"#, rng: &b))
  }

  @Test func lengthBoundsAreKeptOrItGivesUp() throws {
    var rng = SplitMix64(seed: 1)
    for _ in 0..<20 {
      let s = try #require(PatternStringGenerator.string(matching: #"^[a-z]+$"#, minLength: 3, maxLength: 5, rng: &rng))
      #expect((3...5).contains(s.unicodeScalars.count), "\(s)")
    }
    // Impossible bounds: nil, never a wrong value.
    #expect(PatternStringGenerator.string(matching: #"^\d{2}$"#, minLength: 3, rng: &rng) == nil)
  }

  @Test(arguments: [
    #"(a)\1"#, #"^(?=.*\d).+$"#, #"(?<name>x)"#, #"(?i)abc"#, #"\bword\b"#, #"\p{L}+"#, #"[[:alpha:]]"#,
    #"a{2"#, #"(ab"#, #"*a"#, #"a**"#, #"[z-a]"#, #"[]"#,
  ])
  func outsideTheSubsetItGivesUp(_ pattern: String) {
    var rng = SplitMix64(seed: 3)
    #expect(PatternStringGenerator.string(matching: pattern, rng: &rng) == nil, "\(pattern)")
  }

  @Test func schemaValuesWithPatternsPassTheValidator() {
    let schema: JSONValue = [
      "type": "object",
      "properties": [
        "sku": ["type": "string", "pattern": #"^[A-Z]{3}-\d{4}$"#],
        "phone": ["type": "string", "pattern": #"^\+?[0-9]{7,12}$"#, "maxLength": 10],
        "slug": ["type": "string", "pattern": #"^[a-z]+(?:-[a-z]+)*$"#, "minLength": 4],
        "unsupported": ["type": "string", "pattern": #"(a)\1"#],
      ],
      "required": ["sku", "phone", "slug"],
    ]
    for seed in 0..<25 {
      var rng = SplitMix64(seed: UInt64(seed))
      let v = SchemaValueGenerator.value(for: .jsonSchema(schema), rng: &rng)
      let violations = SchemaValidator.validate(v, against: .jsonSchema(schema))
      // Only the pattern the generator cannot follow may fail (its value is a plain word).
      #expect(violations.allSatisfy { "\($0)".contains("unsupported") }, "\(violations) for \(v.serialized())")
      #expect(v["sku"]?.stringValue?.count == 8)
    }
  }
}
