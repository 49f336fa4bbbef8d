import Foundation

/// The user turn that re-asks the model after an answer failed its checks: the validator's exact
/// message between a fixed lead and closing. Shared by the runner (which writes it) and the mock
/// (which recognises a re-ask by its lead, to give it a fresh roll of the JSON faults).
public enum ReaskPrompt {
  public static let lead = "Your previous answer could not be used: "
  public static let closing = "\nAnswer again with the corrected JSON value only, and nothing else."

  public static func text(message: String) -> String { lead + message + closing }

  /// How many re-ask turns `promptText` (all the texts of a conversation, joined) holds.
  public static func count(in promptText: String) -> Int {
    var n = 0
    var rest = Substring(promptText)
    while let r = rest.range(of: lead) {
      n += 1
      rest = rest[r.upperBound...]
    }
    return n
  }
}
