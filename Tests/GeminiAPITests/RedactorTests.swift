import Foundation
import Testing

@testable import GeminiAPI

/// The key never comes back out of the client, whatever form a server echoes it in.
struct RedactorTests {
  static let key = "TESTkeyD-hostile_0123456789abcdefXYZ+/="
  let r = Redactor(secret: Self.key)

  @Test func everyEncodingOfTheKeyIsRedacted() throws {
    let forms = [
      Self.key,
      Self.key.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!,
      Self.key.replacingOccurrences(of: "/", with: "\\/"),
    ]
    for f in forms {
      let text = "error: bad key \(f) sent"
      let out = r.redact(text)
      #expect(out == "error: bad key [redacted] sent", "\(f)")
    }
    // Base64 of the key inside a longer base64 text (as /proc/self/environ would be), at every alignment.
    for lead in ["", "A", "AB", "ABC", "ABCD"] {
      for tail in ["", "x", "xy", "xyz"] {
        let blob = Data("GEMINI_API_KEY=\(lead)\(Self.key)\(tail)\0PATH=/bin".utf8)
        for b64 in [
          blob.base64EncodedString(),
          blob.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"),
        ] {
          let out = r.redact(Data(b64.utf8))
          #expect(r.contains(Data(b64.utf8)) && out != Data(b64.utf8), "lead \(lead) tail \(tail)")
          #expect(!r.contains(out))
          // What is left around the mask no longer carries the key's middle.
          let decoded = String(decoding: Data(base64Encoded: b64) ?? Data(), as: UTF8.self)
          #expect(decoded.contains(Self.key) || b64.contains("-") || b64.contains("_"))
        }
      }
    }
  }

  @Test func queryKeyParametersAreRedactedInErrorTexts() {
    #expect(
      r.redact("302 to https://x.example/v1?alt=sse&key=SOMEOTHERKEY&b=1 and api_key=abc", queryKeys: true)
        == "302 to https://x.example/v1?alt=sse&key=[redacted]&b=1 and api_key=[redacted]")
    #expect(r.redact("the key=\(Self.key)", queryKeys: true) == "the key=[redacted]")
    #expect(r.redact("monkey business key=", queryKeys: true) == "monkey business key=")
    #expect(Redactor.none.redact("key=abc", queryKeys: true) == "key=[redacted]")
    #expect(Redactor.none.redact("key=abc") == "key=abc", "answers keep their text")
  }

  @Test func nothingToRedactCostsNoCopyAndShortKeysAreNotSearched() {
    let d = Data("just an answer".utf8)
    #expect(r.redact(d) == d && !r.contains(d))
    #expect(Redactor(secret: "abc").isEmpty && Redactor(secret: nil).isEmpty)
    #expect(Redactor(secret: "abc").redact("abc abc") == "abc abc")
  }

  @Test func errorsAreRedactedInDetailAndBody() throws {
    let body = Data(
      #"{"error":{"code":400,"message":"API key \#(Self.key) not valid. See https://x/?key=\#(Self.key)","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","metadata":{"key":"\#(Self.key)"}},{"@type":"x.Other","echo":{"\#(Self.key)":"\#(Self.key)"}}]}}"#
        .utf8)
    let e = GeminiError.fromHTTP(status: 400, body: body).redacted(r)
    #expect(!e.description.contains(Self.key) && e.detail.contains(Redactor.mask))
    #expect(!"\(String(describing: e.body))".contains(Self.key))
    #expect(e.body?.status == "INVALID_ARGUMENT")
  }

  @Test func keysThatCannotGoInAHeaderAreNamedWithoutShowingThem() {
    #expect(Endpoint.keyProblem("good-key_123") == nil)
    for bad in ["abc\ndef", "abc\u{7}def", "ab cd", "abc\u{7F}", "clé-secrète", ""] {
      let p = Endpoint.keyProblem(bad)
      #expect(p != nil, "\(bad)")
      #expect(bad.isEmpty || !(p ?? "").contains(bad))
    }
  }
}
