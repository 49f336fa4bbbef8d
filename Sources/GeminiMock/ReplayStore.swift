import Foundation

/// Recorded bodies served as they are: `*.sse` as `text/event-stream`, `*.json` as JSON, and
/// files named `error_<status>_…` with that HTTP status. Loaded once at start.
struct ReplayStore: Sendable {
  struct Entry: Sendable {
    let name: String
    let bytes: [UInt8]
    let status: Int
    let isSSE: Bool
  }

  let entries: [Entry]
  private let byName: [String: Int]

  /// Files served round-robin (responses and errors; not batch `.jsonl` lines or notes).
  let rotation: [Int]

  init(directory: String) throws {
    let fm = FileManager.default
    let names = try fm.contentsOfDirectory(atPath: directory).sorted()
    var entries: [Entry] = []
    var rotation: [Int] = []
    for name in names {
      let lower = name.lowercased()
      guard lower.hasSuffix(".json") || lower.hasSuffix(".sse") || lower.hasSuffix(".jsonl") else { continue }
      guard let data = fm.contents(atPath: (directory as NSString).appendingPathComponent(name)) else { continue }
      var status = 200
      if lower.hasPrefix("error_") {
        let digits = lower.dropFirst(6).prefix(3)
        if let s = Int(digits), (400...599).contains(s) { status = s }
      }
      if !lower.hasSuffix(".jsonl") { rotation.append(entries.count) }
      entries.append(Entry(name: name, bytes: [UInt8](data), status: status, isSSE: lower.hasSuffix(".sse")))
    }
    self.entries = entries
    self.rotation = rotation
    var byName: [String: Int] = [:]
    for (i, e) in entries.enumerated() {
      byName[e.name] = i
      byName[(e.name as NSString).deletingPathExtension] = i
    }
    self.byName = byName
  }

  func entry(named name: String) -> Entry? { byName[name].map { entries[$0] } }

  func entry(rotating n: Int) -> Entry? {
    rotation.isEmpty ? nil : entries[rotation[n % rotation.count]]
  }

  /// SSE events split on blank lines (`\r\n\r\n` or `\n\n`), each with its separator kept.
  static func sseEvents(_ bytes: [UInt8]) -> [[UInt8]] {
    var out: [[UInt8]] = []
    var start = 0
    var i = 0
    while i < bytes.count {
      if bytes[i] == 0x0A {
        var j = i + 1
        if j < bytes.count, bytes[j] == 0x0D { j += 1 }
        if j < bytes.count, bytes[j] == 0x0A {
          out.append(Array(bytes[start...j]))
          start = j + 1
          i = j + 1
          continue
        }
      }
      i += 1
    }
    if start < bytes.count { out.append(Array(bytes[start...])) }
    return out
  }
}
