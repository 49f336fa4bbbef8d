import GeminiAPI
import Testing

@testable import GeminiCatalog

/// Every model's thinking rule, from the catalog: each level and budget edge accepted or refused.
@Suite struct ThinkingRuleTests {
  let catalog: ModelCatalog
  init() throws { catalog = try CatalogTestSupport.bundled() }

  func errors(_ model: String, budget: Int? = nil, level: String? = nil) -> [String] {
    catalog.checkThinking(model: model, config: ThinkingConfig(thinkingBudget: budget, thinkingLevel: level))
      .filter { $0.severity == .error }.map(\.message)
  }

  /// For every model with a rule: every level is accepted exactly when the rule lists it, and
  /// budgets at, inside and outside the range are accepted or refused as the rule says.
  @Test func everyModelsRuleTableDriven() throws {
    var checked = 0
    for e in catalog.entries {
      guard let rule = e.thinking else { continue }
      checked += 1
      for level in ThinkingRule.allLevels {
        let ok = rule.control == .level && rule.levels.contains(level)
        #expect(errors(e.id, level: level).isEmpty == ok, "\(e.id) level \(level)")
        #expect(errors(e.id, level: level.lowercased()).isEmpty == ok, "\(e.id) level \(level.lowercased())")
      }
      var budgets: [(Int, Bool)] = [
        (-1, rule.control == .budget && rule.dynamic), (-2, false), (0, rule.control == .budget && rule.canDisable),
      ]
      if let r = rule.budget, rule.control == .budget {
        budgets += [(r.lowerBound, true), (r.upperBound, true), (r.upperBound + 1, false)]
        if r.lowerBound > 1 { budgets.append((r.lowerBound - 1, false)) }
      } else {
        budgets.append((1024, false))
      }
      for (b, ok) in budgets {
        #expect(errors(e.id, budget: b).isEmpty == ok, "\(e.id) budget \(b)")
      }
      #expect(errors(e.id, budget: 100, level: "LOW").count == 1, "\(e.id) both")
    }
    #expect(checked >= 15)
  }

  @Test(arguments: [
    ("gemini-3.1-pro-preview", "MEDIUM", true), ("gemini-3.1-pro-preview", "MINIMAL", false),
    ("gemini-3-pro-preview", "MEDIUM", false), ("gemini-3-pro-preview", "low", true),
    ("gemini-3.8-flash", "MINIMAL", false), ("gemini-3.8-flash", "medium", true),
    ("gemini-3-flash-preview", "MINIMAL", true), ("gemini-3.5-flash", "MINIMAL", true),
    ("gemini-3.1-flash-lite", "HIGH", true), ("gemini-2.5-flash", "LOW", false), ("gemini-2.5-pro", "HIGH", false),
    ("models/gemini-3.1-pro-preview-02-19", "MEDIUM", true),
  ])
  func levels(model: String, level: String, ok: Bool) {
    #expect(errors(model, level: level).isEmpty == ok, "\(model) \(level)")
  }

  @Test(arguments: [
    ("gemini-2.5-pro", 128, true), ("gemini-2.5-pro", 32768, true), ("gemini-2.5-pro", 127, false),
    ("gemini-2.5-pro", 32769, false), ("gemini-2.5-pro", 0, false), ("gemini-2.5-pro", -1, true),
    ("gemini-2.5-flash", 0, true), ("gemini-2.5-flash", 24576, true), ("gemini-2.5-flash", 24577, false),
    ("gemini-2.5-flash", -1, true), ("gemini-2.5-flash", -2, false),
    ("gemini-2.5-flash-lite", 0, true), ("gemini-2.5-flash-lite", 512, true), ("gemini-2.5-flash-lite", 511, false),
    ("gemini-2.5-flash-lite", 100, false), ("gemini-2.5-flash-lite", 24576, true),
    ("gemini-2.5-flash-lite", 24577, false),
    ("models/gemini-2.5-flash-preview-05-20", 1000, true),
  ])
  func budgetRanges(model: String, budget: Int, ok: Bool) {
    #expect(errors(model, budget: budget).isEmpty == ok, "\(model) budget \(budget)")
  }

  @Test func refusalsNameWhatIsAllowed() {
    #expect(errors("gemini-3-pro-preview", level: "MEDIUM").first?.contains("use one of LOW, HIGH") == true)
    #expect(errors("gemini-3.8-flash", level: "MINIMAL").first?.contains("LOW, MEDIUM, HIGH") == true)
    #expect(errors("gemini-2.5-pro", budget: 0).first?.contains("cannot be disabled") == true)
    let level = errors("gemini-2.5-flash", level: "LOW")
    #expect(level.count == 1 && level[0].contains("thinkingBudget (0..24576, or -1 for dynamic)"))
    let budget = errors("gemini-3-pro-preview", budget: 1024)
    #expect(budget.count == 1 && budget[0].contains("thinkingLevel"))
    #expect(errors("gemini-3-pro-preview", budget: 100, level: "LOW").first?.contains("both") == true)
    #expect(errors("gemini-3-flash-preview", level: "EXTREME").first?.contains("not a known level") == true)
    #expect(errors("gemini-2.0-flash", budget: 10).first?.contains("does not support thinking") == true)
  }

  @Test func unknownModelsAndRulesPassWithAWarning() {
    let f = catalog.checkThinking(model: "some-future-model", config: ThinkingConfig(thinkingBudget: 99))
    #expect(f.count == 1 && f[0].severity == .warning)
    #expect(
      catalog.checkThinking(model: "some-future-model", config: ThinkingConfig(thinkingLevel: "WILD")).first?.severity
        == .error)
    let image = catalog.checkThinking(model: "gemini-3-pro-image", config: ThinkingConfig(thinkingLevel: "HIGH"))
    #expect(image.count == 1 && image[0].severity == .warning && image[0].kind == .thinkingNotChecked)
    #expect(catalog.checkThinking(model: "gemini-2.5-pro", config: nil).isEmpty)
    #expect(catalog.checkThinking(model: "gemini-2.5-pro", config: ThinkingConfig(includeThoughts: true)).isEmpty)
  }
}
