import Foundation
import GeminiAPI

/// An error answer in Google's shape: `{"error":{"code","message","status","details"?}}`,
/// pretty-printed with two spaces as the real API sends it.
struct MockError: Error, Sendable {
  let code: Int
  let status: String
  let message: String
  var details: [JSONValue] = []

  var json: JSONValue {
    var e = JSONObject()
    e["code"] = .number(Double(code))
    e["message"] = .string(message)
    e["status"] = .string(status)
    if !details.isEmpty { e["details"] = .array(details) }
    return .object(JSONObject([("error", .object(e))]))
  }

  var body: String { json.prettyPrinted() + "\n" }

  // MARK: Factories with Google's exact texts

  static func invalidArgument(_ message: String, fieldViolation: Bool = false) -> MockError {
    var e = MockError(code: 400, status: "INVALID_ARGUMENT", message: message)
    if fieldViolation {
      e.details = [
        [
          "@type": "type.googleapis.com/google.rpc.BadRequest",
          "fieldViolations": [["description": .string(message)]],
        ]
      ]
    }
    return e
  }

  static let apiKeyInvalid = MockError(
    code: 400, status: "INVALID_ARGUMENT", message: "API key not valid. Please pass a valid API key.",
    details: [
      [
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "API_KEY_INVALID",
        "domain": "googleapis.com",
        "metadata": ["service": "generativelanguage.googleapis.com"],
      ],
      [
        "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
        "locale": "en-US",
        "message": "API key not valid. Please pass a valid API key.",
      ],
    ])

  static let missingKey = MockError(
    code: 403, status: "PERMISSION_DENIED",
    message:
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    details: [
      [
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "CONSUMER_INVALID",
        "domain": "googleapis.com",
        "metadata": ["service": "generativelanguage.googleapis.com"],
      ]
    ])

  static func modelNotFound(_ model: String, method: String) -> MockError {
    MockError(
      code: 404, status: "NOT_FOUND",
      message:
        "models/\(model) is not found for API version v1beta, or is not supported for \(method). Call ListModels to see the list of supported models and their supported methods."
    )
  }

  static func notFound(_ path: String) -> MockError {
    MockError(code: 404, status: "NOT_FOUND", message: "The requested URL \(path) was not found on this server.")
  }

  static let internalError = MockError(
    code: 500, status: "INTERNAL",
    message: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting")

  static let overloaded = MockError(code: 503, status: "UNAVAILABLE", message: "The model is overloaded. Please try again later.")

  /// A flex request shed for capacity. The mock's own text (the real one is not recorded).
  static let flexShed = MockError(
    code: 503, status: "UNAVAILABLE",
    message: "The flex tier has no capacity for this request right now. Please try again later, or send it at the standard tier.")

  static let exhausted503 = MockError(
    code: 503, status: "RESOURCE_EXHAUSTED",
    message: "The service is currently unavailable due to resource exhaustion. Please try again later.")

  static func payloadTooLarge(_ limit: Int) -> MockError {
    MockError(code: 400, status: "INVALID_ARGUMENT", message: "Request payload size exceeds the limit: \(limit) bytes.")
  }

  /// 429 with QuotaFailure, Help and RetryInfo, as Google sends it.
  static func quotaExceeded(_ kind: QuotaKind, model: String, limit: Int, retryAfter: Double) -> MockError {
    let delay = max(1, Int(retryAfter.rounded(.up)))
    let retryText = String(format: "%.6f", retryAfter)
    return MockError(
      code: 429, status: "RESOURCE_EXHAUSTED",
      message:
        "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. \n* Quota exceeded for metric: \(kind.quotaMetric), limit: \(limit), model: \(model)\nPlease retry in \(retryText)s.",
      details: [
        [
          "@type": "type.googleapis.com/google.rpc.QuotaFailure",
          "violations": [
            [
              "quotaMetric": .string(kind.quotaMetric),
              "quotaId": .string(kind.quotaId),
              "quotaDimensions": ["location": "global", "model": .string(model)],
              "quotaValue": .string(String(limit)),
            ]
          ],
        ],
        [
          "@type": "type.googleapis.com/google.rpc.Help",
          "links": [
            ["description": "Learn more about Gemini API quotas", "url": "https://ai.google.dev/gemini-api/docs/rate-limits"]
          ],
        ],
        ["@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": .string("\(delay)s")],
      ])
  }
}

/// Which window of a quota ran out.
public enum QuotaKind: String, Sendable, Hashable {
  case requestsPerMinute, inputTokensPerMinute, requestsPerDay

  public var quotaId: String {
    switch self {
    case .requestsPerMinute: "GenerateRequestsPerMinutePerProjectPerModel"
    case .inputTokensPerMinute: "GenerateContentInputTokensPerModelPerMinute"
    case .requestsPerDay: "GenerateRequestsPerDayPerProjectPerModel"
    }
  }

  public var quotaMetric: String {
    switch self {
    case .requestsPerMinute: "generativelanguage.googleapis.com/generate_requests_per_model"
    case .inputTokensPerMinute: "generativelanguage.googleapis.com/generate_content_input_token_count"
    case .requestsPerDay: "generativelanguage.googleapis.com/generate_requests_per_model_per_day"
    }
  }
}
