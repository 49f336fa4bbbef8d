import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension GeminiClient {
  /// One page of `GET {base}/{version}/models`: the status and body, or the failure. The key goes
  /// only into a header, as for every other call.
  public func listModelsPage(pageSize: Int? = nil, pageToken: String? = nil) async -> Result<Data, GeminiError> {
    var query: [String] = []
    if let pageSize { query.append("pageSize=\(pageSize)") }
    if let pageToken, let t = pageToken.addingPercentEncoding(withAllowedCharacters: .alphanumerics) {
      query.append("pageToken=\(t)")
    }
    var request = HTTPClientRequest(
      url: "\(endpoint.baseURL)/\(endpoint.apiVersion)/models"
        + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
    request.method = .GET
    request.headers.add(name: "accept", value: "application/json")
    if let key = endpoint.apiKey {
      switch endpoint.auth {
      case .googApiKey: request.headers.add(name: "x-goog-api-key", value: key)
      case .bearer: request.headers.add(name: "authorization", value: "Bearer \(key)")
      }
    }
    do {
      let response = try await httpClient.execute(request, timeout: Self.timeAmount(timeouts.total), logger: logger)
      let body = Data((try await response.body.collect(upTo: bodyLimits.maxBodyBytes)).readableBytesView)
      let status = Int(response.status.code)
      guard (200..<300).contains(status) else {
        // A server may echo the key in an error body: never pass it on.
        let clean = redactor.redactFailureBody(body)
        return .failure(GeminiError.fromHTTP(status: status, body: clean, retryAfter: nil).redacted(redactor))
      }
      return .success(redactor.redact(body))
    } catch {
      return .failure(Self.transportError(error, status: nil, headReceived: false).redacted(redactor))
    }
  }
}
