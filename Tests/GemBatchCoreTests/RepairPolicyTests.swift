import GemBatchCore
import GeminiAPI
import Testing

/// Every decision of the repair policy, as a table: class × history × settings → decision.
@Suite struct RepairPolicyTests {
  typealias D = RepairPolicy.Decision
  static let schema = OutputSchema.jsonSchema(["type": "object", "properties": ["n": ["type": "integer"]], "required": ["n"]])

  struct Row: Sendable, CustomTestStringConvertible {
    let name: String
    let policy: RepairPolicy
    let answer: RepairPolicy.Answer
    let history: RepairPolicy.History
    let expect: @Sendable (D) -> Bool
    var testDescription: String { name }
  }

  static func a(_ c: AnswerClass, _ text: String? = nil, message: String? = nil, local: Bool = false) -> RepairPolicy.Answer {
    RepairPolicy.Answer(answerClass: c, text: text, schema: schema, message: message, repairedLocally: local)
  }

  static let on = RepairPolicy()  // --repair 1
  static let two = RepairPolicy(maxReasks: 2)
  static let off = RepairPolicy(maxReasks: 0)
  static let grow = RepairPolicy(growMaxTokens: true)

  static let table: [Row] = [
    Row(name: "valid at once", policy: on, answer: a(.valid), history: .init()) { $0 == .accept(.valid) },
    Row(name: "valid after parse-time local repair", policy: on, answer: a(.valid, local: true), history: .init()) {
      $0 == .accept(.repairedLocal)
    },
    Row(name: "valid after a re-ask", policy: on, answer: a(.valid), history: .init(reasks: 1)) { $0 == .accept(.repairedReask) },
    Row(name: "valid after growing", policy: grow, answer: a(.valid), history: .init(growths: 2)) { $0 == .accept(.grown) },
    Row(name: "fenced JSON repaired locally", policy: on, answer: a(.invalidJSON, "Here:\n```json\n{\"n\": 1}\n```"), history: .init()) {
      $0 == .acceptRepairedLocally(json: "{\"n\": 1}", obtained: .repairedLocal)
    },
    Row(name: "fenced JSON after a re-ask", policy: on, answer: a(.invalidJSON, "```json\n{\"n\": 1}\n```"), history: .init(reasks: 1)) {
      $0 == .acceptRepairedLocally(json: "{\"n\": 1}", obtained: .repairedReask)
    },
    Row(name: "fenced but breaks the schema: re-ask about the schema", policy: on, answer: a(.invalidJSON, "```json\n{\"n\": \"x\"}\n```"), history: .init()) {
      if case .reask(let m) = $0 { return m.contains("$.n") } else { return false }
    },
    Row(name: "invalid JSON: re-ask with the exact message", policy: on, answer: a(.invalidJSON, "{\"n\": ", message: "invalid JSON at byte 6: unexpected end"), history: .init()) {
      $0 == .reask(message: "invalid JSON at byte 6: unexpected end")
    },
    Row(name: "schema: re-ask with the exact message", policy: on, answer: a(.schema, "{}", message: "$: missing required property n"), history: .init()) {
      $0 == .reask(message: "$: missing required property n")
    },
    Row(name: "re-asks used up", policy: on, answer: a(.schema, "{}", message: "$: missing required property n"), history: .init(reasks: 1)) {
      $0 == .giveUp(reason: "schema mismatch after 1 re-ask: $: missing required property n")
    },
    Row(name: "--repair 2 allows a second re-ask", policy: two, answer: a(.invalidJSON, "{", message: "m"), history: .init(reasks: 1)) {
      $0 == .reask(message: "m")
    },
    Row(name: "--repair 2 gives up after two", policy: two, answer: a(.invalidJSON, "{", message: "m"), history: .init(reasks: 2)) {
      $0 == .giveUp(reason: "invalid JSON after 2 re-asks: m")
    },
    Row(name: "--repair 0: no re-ask", policy: off, answer: a(.invalidJSON, "{", message: "m"), history: .init()) {
      $0 == .giveUp(reason: "invalid JSON: m (repair is off: --repair 0)")
    },
    Row(name: "--repair 0: no local repair either", policy: off, answer: a(.invalidJSON, "```json\n{\"n\": 1}\n```", message: "m"), history: .init()) {
      if case .giveUp = $0 { return true } else { return false }
    },
    Row(name: "truncated, growing off", policy: on, answer: a(.truncated, "{\"n\": 12"), history: .init(maxOutputTokens: 256)) {
      $0 == .giveUp(reason: "the JSON answer was cut at maxOutputTokens (256); --grow-max-tokens retries with a larger limit")
    },
    Row(name: "truncated is never re-asked", policy: two, answer: a(.truncated, "{\"n\": 12", message: "cut"), history: .init()) {
      if case .reask = $0 { return false } else { return true }
    },
    Row(name: "truncated, growing on", policy: grow, answer: a(.truncated, "{\"n\": 12"), history: .init(maxOutputTokens: 256)) {
      $0 == .grow(maxOutputTokens: 512)
    },
    Row(name: "no answer, growing on, unset limit", policy: grow, answer: a(.empty), history: .init()) {
      $0 == .grow(maxOutputTokens: 16384)
    },
    Row(name: "no answer at the model's limit", policy: grow, answer: a(.empty), history: .init(growths: 3, maxOutputTokens: 65536)) {
      $0 == .giveUp(reason: "no answer (maxOutputTokens reached, spent on thinking?) at 65536, the model's output limit (65536)")
    },
    Row(name: "blocked is not repaired", policy: two, answer: a(.blocked, message: "prompt blocked: SAFETY"), history: .init()) {
      $0 == .giveUp(reason: "prompt blocked: SAFETY")
    },
    Row(name: "other failures are not repaired", policy: grow, answer: a(.failed), history: .init()) { $0 == .giveUp(reason: "failed") },
  ]

  @Test(arguments: table)
  func decides(_ row: Row) {
    let d = row.policy.decide(row.answer, history: row.history, outputLimit: 65536)
    #expect(row.expect(d), "\(d)")
  }

  @Test func classifiesAnswers() {
    #expect(AnswerClass.classify(jsonStatus: "valid", finishReason: "STOP", blocked: false, hasAnswer: true) == .valid)
    #expect(AnswerClass.classify(jsonStatus: nil, finishReason: "STOP", blocked: false, hasAnswer: true) == .valid)
    #expect(AnswerClass.classify(jsonStatus: "invalid_json", finishReason: "STOP", blocked: false, hasAnswer: true) == .invalidJSON)
    #expect(AnswerClass.classify(jsonStatus: "schema_mismatch", finishReason: "STOP", blocked: false, hasAnswer: true) == .schema)
    #expect(AnswerClass.classify(jsonStatus: "truncated", finishReason: "MAX_TOKENS", blocked: false, hasAnswer: true) == .truncated)
    #expect(AnswerClass.classify(jsonStatus: nil, finishReason: "MAX_TOKENS", blocked: false, hasAnswer: false) == .empty)
    #expect(AnswerClass.classify(jsonStatus: nil, finishReason: "SAFETY", blocked: true, hasAnswer: false) == .blocked)
    #expect(AnswerClass.classify(jsonStatus: nil, finishReason: "RECITATION", blocked: false, hasAnswer: false) == .failed)
    #expect(AttemptPurpose.plain(attemptNo: 1) == .first && AttemptPurpose.plain(attemptNo: 3) == .retry)
  }
}
