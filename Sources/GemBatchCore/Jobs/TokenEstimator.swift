import GeminiAPI

/// Input tokens guessed before sending, for TPM limiting and plans (the API's count is exact;
/// this only has to be close and cheap):
///
/// - text: one token per 4 characters (Unicode scalars) of every string in the body, rounded up
///   (prompts, system instruction, schemas, tool declarations; not `role` or MIME type names);
/// - each `inlineData` or `fileData` part: 258 tokens (one image tile; audio, video and PDF pages
///   cost more, so this is a floor); its base64 data is not counted as text.
public enum TokenEstimator {
  public static let charsPerToken = 4
  public static let tokensPerMedia = 258

  public static func estimate(bodyJSON: JSONValue) -> Int {
    var chars = 0
    var media = 0
    walk(bodyJSON, chars: &chars, media: &media)
    return (chars + charsPerToken - 1) / charsPerToken + media * tokensPerMedia
  }

  /// The estimate for one text alone.
  public static func estimate(text: String) -> Int {
    (text.unicodeScalars.count + charsPerToken - 1) / charsPerToken
  }

  private static func walk(_ v: JSONValue, chars: inout Int, media: inout Int) {
    switch v {
    case .string(let s): chars += s.unicodeScalars.count
    case .array(let a): for x in a { walk(x, chars: &chars, media: &media) }
    case .object(let o):
      for (k, x) in o {
        if k == "inlineData" || k == "fileData" || k == "inline_data" || k == "file_data" {
          media += 1
        } else if k == "role" || k == "responseMimeType" || k == "mimeType" {
          continue
        } else {
          walk(x, chars: &chars, media: &media)
        }
      }
    default: break
    }
  }
}
