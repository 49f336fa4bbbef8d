/// The facts a runner takes out of an answer.
extension GenerateContentResponse {
  public var firstCandidate: Candidate? { candidates?.first { ($0.index ?? 0) == 0 } ?? candidates?.first }

  /// Non-thought text parts of the first candidate, joined.
  public var answerText: String? { firstCandidate?.answerText }
  /// Thought-summary parts of the first candidate, joined.
  public var thoughtText: String? { firstCandidate?.thoughtText }
  public var functionCalls: [FunctionCall] { firstCandidate?.functionCalls ?? [] }
  public var finishReason: FinishReason? { firstCandidate?.finishReason }
  public var blockReason: BlockReason? { promptFeedback?.blockReason }

  /// Web sources cited by grounding, in chunk order.
  public var groundingSources: [WebChunk] {
    (firstCandidate?.groundingMetadata?.groundingChunks ?? []).compactMap { $0.web ?? $0.retrievedContext }
  }
}

extension Candidate {
  public var answerText: String? {
    let texts = (content?.parts ?? []).filter { !$0.isThought }.compactMap(\.text)
    return texts.isEmpty ? nil : texts.joined()
  }

  public var thoughtText: String? {
    let texts = (content?.parts ?? []).filter(\.isThought).compactMap(\.text)
    return texts.isEmpty ? nil : texts.joined()
  }

  public var functionCalls: [FunctionCall] { (content?.parts ?? []).compactMap(\.functionCall) }
}
