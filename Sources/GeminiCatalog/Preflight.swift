import GeminiAPI

/// What a request asks of its model, gathered before it is sent.
public struct RequestFacts: Sendable, Hashable {
  public var thinking: ThinkingConfig?
  /// `generationConfig.responseModalities`, upper case.
  public var responseModalities: [String]
  public var estimatedInputTokens: Int
  /// Features the request uses (tools, a response schema, cachedContent, a tier).
  public var uses: Set<Feature>

  public init(
    thinking: ThinkingConfig? = nil, responseModalities: [String] = [], estimatedInputTokens: Int = 0,
    uses: Set<Feature> = []
  ) {
    self.thinking = thinking
    self.responseModalities = responseModalities
    self.estimatedInputTokens = estimatedInputTokens
    self.uses = uses
  }

  public var wantsImages: Bool { responseModalities.contains("IMAGE") }
}

extension ModelCatalog {
  /// The thinking rule's problems for `model` (errors stop the job). An unknown model, or one
  /// whose rule the catalog does not know, passes with a warning.
  public func checkThinking(model: String, config: ThinkingConfig?) -> [CatalogFinding] {
    checkThinking(model: model, entry: entry(model), config: config)
  }

  /// `checkThinking(model:config:)` for an entry already resolved (nil: unknown).
  public func checkThinking(model: String, entry: ModelEntry?, config: ThinkingConfig?) -> [CatalogFinding] {
    guard let config, config.thinkingBudget != nil || config.thinkingLevel != nil else { return [] }
    guard let entry else {
      if let level = config.thinkingLevel, !ThinkingRule.allLevels.contains(level.uppercased()) {
        return [
          CatalogFinding(
            severity: .error, kind: .thinking,
            message: "thinkingLevel \(level) is not a known level (\(ThinkingRule.allLevels.joined(separator: ", ")))")
        ]
      }
      if config.thinkingBudget != nil && config.thinkingLevel != nil {
        return [
          CatalogFinding(
            severity: .error, kind: .thinking, message: "thinkingBudget and thinkingLevel are both set; set only one")
        ]
      }
      return [
        CatalogFinding(
          severity: .warning, kind: .thinkingNotChecked,
          message: "unknown model \(model): thinking settings not checked")
      ]
    }
    guard let rule = entry.thinking else {
      return [
        CatalogFinding(
          severity: .warning, kind: .thinkingNotChecked,
          message: "the model catalog has no thinking rule for \(entry.id): thinking settings not checked")
      ]
    }
    return rule.check(model: model, config: config)
  }

  /// Every problem of a request for `model` on `date`: thinking errors, and warnings (a model
  /// unknown, shut down, deprecated or routed; images asked of a model without them; a prompt
  /// estimate above the input limit; a feature the model lacks). Warnings never stop a job.
  public func preflight(model: String, facts: RequestFacts, date: CalendarDay) -> [CatalogFinding] {
    preflight(model: model, entry: entry(model), facts: facts, date: date)
  }

  /// `preflight(model:facts:date:)` for an entry already resolved (nil: unknown), so a reader
  /// of a million lines on one model resolves its name once.
  public func preflight(model: String, entry: ModelEntry?, facts: RequestFacts, date: CalendarDay) -> [CatalogFinding] {
    var out = checkThinking(model: model, entry: entry, config: facts.thinking)
    func warn(_ kind: CatalogFinding.Kind, _ m: String) {
      out.append(CatalogFinding(severity: .warning, kind: kind, message: m))
    }
    guard let entry else {
      if !out.contains(where: { $0.kind == .thinkingNotChecked }) {
        warn(
          .unknownModel,
          "model \(model) is not in the model catalog: its rules are not checked and its results are unpriced (add it with --models FILE)"
        )
      } else {
        out.removeAll { $0.kind == .thinkingNotChecked }
        warn(
          .unknownModel,
          "model \(model) is not in the model catalog: its rules (thinking included) are not checked and its results are unpriced (add it with --models FILE)"
        )
      }
      return out
    }
    let status = entry.status
    let named = model == entry.id ? entry.id : "\(model) (\(entry.id))"
    switch status.effective(on: date) {
    case .shutDown:
      if let to = status.routesTo {
        warn(
          .shutDown,
          "\(named) was shut down on \(status.shutdown!): Google routes its requests to \(to), billed at \(to)'s rates")
      } else {
        let instead = status.replacement.map { "; use \($0)" } ?? ""
        warn(.shutDown, "\(named) was shut down on \(status.shutdown!): its requests will fail\(instead)")
      }
    case .deprecated:
      let when = status.shutdown.map { ", shutdown \($0)" } ?? ""
      let instead = status.replacement.map { "; use \($0)" } ?? ""
      let route = status.routesTo.map { "; requests route to \($0), billed there" } ?? ""
      warn(.deprecated, "\(named) is deprecated (since \(status.deprecated!)\(when))\(route)\(instead)")
    default:
      if let s = status.shutdown {
        let then = status.routesTo.map { "; its requests then route to \($0), billed there" } ?? ""
        let instead = status.replacement.map { "; use \($0)" } ?? ""
        warn(.deprecated, "\(named) shuts down on \(s)\(then)\(instead)")
      } else if let to = status.routesTo {
        warn(.routed, "\(named) routes to \(to): its answers come from \(to) and are billed at \(to)'s rates")
      }
    }
    if facts.wantsImages, let m = entry.modalities, !m.output.contains(.image) {
      warn(.imageOutput, "\(named) does not answer with images (responseModalities asks for IMAGE)")
    }
    if let limit = entry.limits?.inputTokens, facts.estimatedInputTokens > limit {
      warn(
        .inputTooLong,
        "a prompt of \(named) is about \(facts.estimatedInputTokens) tokens, above its input limit of \(limit)")
    }
    if let features = entry.features {
      for f in Feature.allCases where facts.uses.contains(f) && features[f] == false {
        warn(.featureMissing, "\(named) does not support \(f.label)")
      }
    }
    return out
  }
}
