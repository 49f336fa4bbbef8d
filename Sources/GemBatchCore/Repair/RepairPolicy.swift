import GeminiAPI

/// Decides what happens to a finished answer that is not usable as it is. Pure: a function of
/// the answer's class, what was tried so far and the run's settings, so every path is tested
/// without I/O.
///
/// - invalid JSON or a schema violation: first the zero-token `LocalJSONRepair` (wrapper noise
///   only); if that does not give a valid answer, a re-ask (`ReaskBuilder`), at most `maxReasks`
///   times; then give up.
/// - truncated in JSON mode, or no answer at all: a larger `maxOutputTokens`
///   (`MaxTokensGrowth`) when `growMaxTokens` is on, doubling up to the model's output limit;
///   never a re-ask with the cut text appended.
/// - blocked and other failures: give up (nothing a repair can change).
///
/// `maxReasks` 0 (`--repair 0`) turns repair off: no local repair, no re-ask.
public struct RepairPolicy: Sendable, Hashable {
  /// `--repair N`: re-asks per job at most (default 1).
  public var maxReasks: Int
  /// `--grow-max-tokens`.
  public var growMaxTokens: Bool

  public static let defaultRepairs = 1

  public init(maxReasks: Int = RepairPolicy.defaultRepairs, growMaxTokens: Bool = false) {
    self.maxReasks = max(0, maxReasks)
    self.growMaxTokens = growMaxTokens
  }

  public var repairsEnabled: Bool { maxReasks > 0 }

  /// The answer to decide on.
  public struct Answer: Sendable, Hashable {
    public var answerClass: AnswerClass
    /// The model's answer text (non-thought), as received.
    public var text: String?
    /// The schema the answer must match (JSON mode).
    public var schema: OutputSchema?
    /// The validator's message (parse error or schema violations), quoted in a re-ask.
    public var message: String?
    /// The parse already removed wrapper noise (`JSONOutput.Parsed.repairedLocally`).
    public var repairedLocally: Bool

    public init(
      answerClass: AnswerClass, text: String? = nil, schema: OutputSchema? = nil, message: String? = nil,
      repairedLocally: Bool = false
    ) {
      self.answerClass = answerClass
      self.text = text
      self.schema = schema
      self.message = message
      self.repairedLocally = repairedLocally
    }
  }

  /// What was tried for this job so far.
  public struct History: Sendable, Hashable {
    public var reasks: Int
    public var growths: Int
    /// `maxOutputTokens` of the request that gave this answer (nil: unset).
    public var maxOutputTokens: Int?

    public init(reasks: Int = 0, growths: Int = 0, maxOutputTokens: Int? = nil) {
      self.reasks = reasks
      self.growths = growths
      self.maxOutputTokens = maxOutputTokens
    }

    /// How a usable answer at this point was obtained (the last kind of repair wins).
    public var obtainedIfValid: AnswerObtained {
      reasks > 0 ? .repairedReask : growths > 0 ? .grown : .valid
    }
  }

  public enum Decision: Sendable, Hashable {
    /// Store the answer as it is.
    case accept(AnswerObtained)
    /// Store `json` (the repaired text, which parses and matches the schema) as the answer's
    /// JSON, with the original text kept; obtained `repaired_local` (or the earlier repair's).
    case acceptRepairedLocally(json: String, obtained: AnswerObtained)
    /// Send `ReaskBuilder.build(body:answerText:message:)` with this message.
    case reask(message: String)
    /// Send `MaxTokensGrowth.grow(body:outputLimit:)`: the request with this `maxOutputTokens`.
    case grow(maxOutputTokens: Int)
    /// Store the answer as `invalid` with this reason; the job fails.
    case giveUp(reason: String)
  }

  /// - Parameter outputLimit: the model's output token limit (the catalog's), the growth cap.
  public func decide(_ answer: Answer, history: History, outputLimit: Int) -> Decision {
    switch answer.answerClass {
    case .valid:
      return .accept(
        answer.repairedLocally && history.reasks == 0 && history.growths == 0 ? .repairedLocal : history.obtainedIfValid
      )
    case .invalidJSON, .schema:
      var message =
        answer.message
        ?? (answer.answerClass == .schema ? "the answer does not match the schema" : "the answer is not valid JSON")
      if repairsEnabled, answer.answerClass == .invalidJSON, let text = answer.text,
        let fixed = LocalJSONRepair.repair(text),
        let value = try? JSONValue.parse(fixed)
      {
        let violations = answer.schema.map { SchemaValidator.validate(value, against: $0) } ?? []
        if violations.isEmpty {
          let obtained =
            history.reasks == 0 && history.growths == 0 ? AnswerObtained.repairedLocal : history.obtainedIfValid
          return .acceptRepairedLocally(json: fixed, obtained: obtained)
        }
        // The unwrapped JSON parses but breaks the schema: re-ask about that.
        message = Self.schemaMessage(violations)
      }
      guard repairsEnabled else {
        return .giveUp(reason: "\(Self.label(answer.answerClass)): \(message) (repair is off: --repair 0)")
      }
      guard history.reasks < maxReasks else {
        return .giveUp(
          reason:
            "\(Self.label(answer.answerClass)) after \(history.reasks) re-ask\(history.reasks == 1 ? "" : "s"): \(message)"
        )
      }
      return .reask(message: message)
    case .truncated, .empty:
      let what =
        answer.answerClass == .empty
        ? "no answer (maxOutputTokens reached, spent on thinking?)" : "the JSON answer was cut at maxOutputTokens"
      let current = history.maxOutputTokens.map(String.init) ?? "unset"
      guard growMaxTokens else {
        return .giveUp(reason: "\(what) (\(current)); --grow-max-tokens retries with a larger limit")
      }
      guard let next = MaxTokensGrowth.nextLimit(current: history.maxOutputTokens, outputLimit: outputLimit) else {
        return .giveUp(reason: "\(what) at \(current), the model's output limit (\(outputLimit))")
      }
      return .grow(maxOutputTokens: next)
    case .blocked, .failed:
      return .giveUp(reason: answer.message ?? Self.label(answer.answerClass))
    }
  }

  static func label(_ c: AnswerClass) -> String {
    switch c {
    case .valid: "valid"
    case .invalidJSON: "invalid JSON"
    case .schema: "schema mismatch"
    case .truncated: "truncated"
    case .empty: "no answer"
    case .blocked: "blocked"
    case .failed: "failed"
    }
  }

  /// The violations as `JSONOutput` words them (the first ten, joined).
  static func schemaMessage(_ violations: [SchemaViolation]) -> String {
    let shown = violations.prefix(10).map { "\($0)" }.joined(separator: "; ")
    return violations.count > 10 ? shown + " (and \(violations.count - 10) more)" : shown
  }
}
