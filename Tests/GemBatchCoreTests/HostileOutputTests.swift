import Foundation
import Testing

@testable import GemBatchCore

/// Server and job-file text printed to a terminal or opened in a spreadsheet.
struct HostileOutputTests {
  @Test func controlCharactersAreEscapedAndLongTextIsCut() {
    let evil =
      "boom\u{1B}[2J\u{1B}]8;;https://evil.example\u{07}click\u{1B}]8;;\u{07}\rFAKE\u{08}\u{7F}\u{9B}31m\u{202E}txt.exe"
    let clean = TerminalText.clean(evil)
    #expect(
      !clean.unicodeScalars.contains {
        $0.value < 0x20 || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) || $0.value == 0x202E
      })
    #expect(clean.hasPrefix("boom\\e[2J\\e]8;;https://evil.example\\x07click"))
    #expect(clean.contains("\\rFAKE\\x08\\x7f\\u{9b}31m\\u{202e}txt.exe"))
    #expect(TerminalText.clean("line1\nline2\ttab") == "line1\\nline2\\ttab")
    #expect(TerminalText.clean("plain — ünïcode ✓") == "plain — ünïcode ✓")
    let long = String(repeating: "x", count: 50_000)
    let cut = TerminalText.clean(long)
    #expect(cut.count < 400 && cut.hasSuffix("(49700 more characters; the store has the full text)"))
    #expect(TerminalText.clean(long, limit: nil).count == 50_000)
  }

  @Test func formulaCellsAreNeutralizedUnlessRaw() {
    for (cell, expected) in [
      ("=HYPERLINK(\"http://evil\",\"x\")", "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\""),
      ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
      ("\tx", "'\tx"), ("\rx", "\"'\rx\""), ("-12", "-12"), ("+3.5", "+3.5"), ("-1e-9", "-1e-9"), ("0.25", "0.25"),
      ("plain", "plain"), ("", ""), ("a=b", "a=b"), ("-", "'-"), ("-e5", "'-e5"),
    ] {
      #expect(CSV.field(cell) == expected, "\(cell)")
    }
    #expect(CSV.field("=1+1", neutralize: false) == "=1+1")
    #expect(CSV.record(["=x", "y"], neutralize: false) == "=x,y\r\n")
    #expect(CSV.record(["=x", "y"]) == "'=x,y\r\n")
  }
}
