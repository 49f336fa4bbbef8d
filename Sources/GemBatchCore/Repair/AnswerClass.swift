import GeminiAPI

/// What became of an answer, as the repair decisions and `--rerun` see it.
public enum AnswerClass: String, Sendable, Hashable, CaseIterable, Codable {
  case valid
  /// JSON mode: the answer does not parse.
  case invalidJSON = "invalid-json"
  /// JSON mode: it parses but breaks its schema.
  case schema
  /// JSON mode: cut at `maxOutputTokens` (`MAX_TOKENS`).
  case truncated
  /// No answer at all: `MAX_TOKENS` before any text (thoughts took the budget), or an empty reply.
  case empty
  /// The prompt or the candidate was blocked.
  case blocked
  /// Any other final failure (HTTP errors that are not retried, exhausted attempts, …).
  case failed

  /// Classifies one answer from what `OutcomeInterpreter` records.
  /// - Parameters:
  ///   - jsonStatus: `JSONOutput.Status` raw value in JSON mode, nil otherwise.
  ///   - hasAnswer: some answer text or a function call came back.
  public static func classify(
    jsonStatus: String?, finishReason: String?, blocked: Bool, hasAnswer: Bool
  ) -> AnswerClass {
    if blocked { return .blocked }
    if !hasAnswer {
      switch finishReason {
      case nil, "MAX_TOKENS"?, "STOP"?: return .empty
      default: return .failed
      }
    }
    switch jsonStatus {
    case JSONOutput.Status.invalidJSON.rawValue?: return .invalidJSON
    case JSONOutput.Status.schemaMismatch.rawValue?: return .schema
    case JSONOutput.Status.truncated.rawValue?: return .truncated
    default: return .valid
    }
  }
}

/// How a job's stored answer was obtained (`results.obtained`).
public enum AnswerObtained: String, Sendable, Hashable, CaseIterable, Codable {
  /// Usable as first received.
  case valid
  /// Wrapper noise removed at no cost (`LocalJSONRepair`); the answer text is kept as received.
  case repairedLocal = "repaired_local"
  /// Usable after one or more re-asks (`ReaskBuilder`).
  case repairedReask = "repaired_reask"
  /// Usable after a larger `maxOutputTokens` (`MaxTokensGrowth`).
  case grown
  /// Still unusable: `results.obtained_reason` says why.
  case invalid
}

/// Why an attempt was sent (`attempts.purpose`).
public enum AttemptPurpose: String, Sendable, Hashable, CaseIterable, Codable {
  case first
  /// The same request again after a transient error.
  case retry
  /// The request plus the answer and the validator's message.
  case reask
  /// The request with a larger `maxOutputTokens`.
  case grow

  /// The purpose of an attempt no one named: the first, or a retry of the same request.
  public static func plain(attemptNo: Int) -> AttemptPurpose { attemptNo <= 1 ? .first : .retry }
}
