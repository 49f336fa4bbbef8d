import Foundation

/// Raw HTTP response helpers.
public enum Raw {
  public static func response(
    status: Int = 200, reason: String = "OK", contentType: String = "application/json", headers: [String] = [],
    body: Data, contentLength: Int? = nil
  ) -> Data {
    var head = "HTTP/1.1 \(status) \(reason)\r\ncontent-type: \(contentType)\r\n"
    head += "content-length: \(contentLength ?? body.count)\r\n"
    for h in headers { head += h + "\r\n" }
    head += "\r\n"
    return Data(head.utf8) + body
  }

  public static func response(status: Int = 200, reason: String = "OK", contentType: String = "application/json", headers: [String] = [], body: String) -> Data {
    response(status: status, reason: reason, contentType: contentType, headers: headers, body: Data(body.utf8))
  }

  /// The head of a chunked SSE response; follow it with `chunk(_:)`s and `lastChunk`.
  public static let sseHead = Data("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n".utf8)

  public static func chunk(_ d: Data) -> Data { Data((String(d.count, radix: 16) + "\r\n").utf8) + d + Data("\r\n".utf8) }
  public static func chunk(_ s: String) -> Data { chunk(Data(s.utf8)) }
  public static let lastChunk = Data("0\r\n\r\n".utf8)
}
