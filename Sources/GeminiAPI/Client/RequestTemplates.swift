import AsyncHTTPClient
import NIOHTTP1
import Synchronization

/// One parsed `HTTPClient.Request` (URL and headers, no body) per URL, so a request costs a copy
/// and a body instead of parsing the URL again. A run uses a handful of URLs (one per model and
/// method); the cache stops growing at 256 and then parses as before.
final class RequestTemplates: Sendable {
  private let cache = Mutex<[String: HTTPClient.Request]>([:])
  private let headers: HTTPHeaders

  init(headers: HTTPHeaders) {
    self.headers = headers
  }

  func request(url: String) throws -> HTTPClient.Request {
    if let r = cache.withLock({ $0[url] }) { return r }
    let r = try HTTPClient.Request(url: url, method: .POST, headers: headers)
    cache.withLock { c in
      if c.count < 256 { c[url] = r }
    }
    return r
  }
}
