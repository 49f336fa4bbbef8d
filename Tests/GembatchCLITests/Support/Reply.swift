import Foundation
import LoopbackServer

/// Raw HTTP answers.
enum Reply {
  static func head(
    status: Int, reason: String = "X", contentType: String = "application/json", contentLength: Int?,
    headers: [String] = []
  ) -> Data {
    var h = "HTTP/1.1 \(status) \(reason)\r\ncontent-type: \(contentType)\r\n"
    if let contentLength { h += "content-length: \(contentLength)\r\n" } else { h += "transfer-encoding: chunked\r\n" }
    for x in headers { h += x + "\r\n" }
    return Data((h + "\r\n").utf8)
  }

  static func full(
    status: Int = 200, reason: String = "OK", contentType: String = "application/json", headers: [String] = [],
    _ body: String
  ) -> [ScriptedServer.Step] {
    let b = Data(body.utf8)
    return [
      .write(
        head(status: status, reason: reason, contentType: contentType, contentLength: b.count, headers: headers) + b)
    ]
  }


  /// A well-formed answer with the given usage object.
  static func answer(text: String = "ok", usage: String) -> String {
    #"{"candidates":[{"content":{"role":"model","parts":[{"text":"\#(text)"}]},"finishReason":"STOP"}],"usageMetadata":\#(usage),"modelVersion":"gemini-2.5-flash"}"#
  }
}
