import Foundation

/// One line of a batch's output file, matched to its job by `key` only (never by position:
/// lines come back in any order). A line is an answer under `response`, an error under `error`
/// or `status` (peers have seen both shapes), or neither, which is a failure too.
public struct BatchOutputLine: Sendable {
  /// The job's key; nil when the line has none (it cannot be matched and is counted apart).
  public var key: String?
  /// The decoded answer, or why there is none: the API's error (an `httpStatus` error carrying
  /// its message and status, so the retry policy classes it like an interactive error) or a
  /// `malformedBody` one for a line with neither shape.
  public var result: Result<GenerateContentResponse, GeminiError>
  /// The line exactly as read (what the store keeps as the attempt's raw response).
  public var raw: Data

  public init(key: String?, result: Result<GenerateContentResponse, GeminiError>, raw: Data) {
    self.key = key
    self.result = result
    self.raw = raw
  }

  public static func parse(_ line: Data) -> BatchOutputLine {
    guard let v = try? JSONValue.parse(line), case .object = v else {
      return BatchOutputLine(
        key: nil,
        result: .failure(GeminiError(code: .malformedBody, detail: "a batch output line that is not a JSON object")),
        raw: line)
    }
    return parse(v, raw: line)
  }

  /// Reads a parsed line (also an inline result `{response|error, metadata:{key}}`).
  public static func parse(_ v: JSONValue, raw: Data) -> BatchOutputLine {
    let key = v["key"]?.stringValue ?? v["metadata"]?["key"]?.stringValue
    if let r = v["response"], case .object = r {
      let data = r.serializedData()
      switch GeminiClient.decodeResponse(data, status: 200, decoder: GeminiClient.decoder) {
      case .success(let response): return BatchOutputLine(key: key, result: .success(response), raw: raw)
      case .failure(let e): return BatchOutputLine(key: key, result: .failure(e), raw: raw)
      }
    }
    for field in ["error", "status"] {
      if let e = v[field], case .object(let o) = e {
        return BatchOutputLine(key: key, result: .failure(Self.error(o)), raw: raw)
      }
    }
    return BatchOutputLine(
      key: key,
      result: .failure(GeminiError(code: .malformedBody, detail: "the batch output line has neither a response nor an error")),
      raw: raw)
  }

  /// A `google.rpc.Status` (gRPC code) or an HTTP-style error object as a `GeminiError` with the
  /// HTTP status it stands for, so 429/5xx lines are retryable and 4xx ones final.
  static func error(_ o: JSONObject) -> GeminiError {
    let code = o["code"]?.intValue
    let message = o["message"]?.stringValue
    var status = o["status"]?.stringValue
    let http: Int
    if let code, (100...599).contains(code) {
      http = code
    } else if let code, let mapped = grpcToHTTP[code] {
      http = mapped.0
      if status == nil { status = mapped.1 }
    } else if let s = status, let h = statusToHTTP[s] {
      http = h
    } else {
      http = 500
    }
    let body = APIErrorBody(code: code, message: message, status: status)
    return GeminiError(code: .httpStatus, httpStatus: http, body: body, detail: message ?? status ?? "batch line error \(http)")
  }

  static let grpcToHTTP: [Int: (Int, String)] = [
    1: (499, "CANCELLED"), 2: (500, "UNKNOWN"), 3: (400, "INVALID_ARGUMENT"), 4: (504, "DEADLINE_EXCEEDED"),
    5: (404, "NOT_FOUND"), 6: (409, "ALREADY_EXISTS"), 7: (403, "PERMISSION_DENIED"), 8: (429, "RESOURCE_EXHAUSTED"),
    9: (400, "FAILED_PRECONDITION"), 10: (409, "ABORTED"), 11: (400, "OUT_OF_RANGE"), 12: (501, "UNIMPLEMENTED"),
    13: (500, "INTERNAL"), 14: (503, "UNAVAILABLE"), 15: (500, "DATA_LOSS"), 16: (401, "UNAUTHENTICATED"),
  ]
  static let statusToHTTP: [String: Int] = Dictionary(
    grpcToHTTP.values.map { ($0.1, $0.0) }, uniquingKeysWith: { a, _ in a })
}
