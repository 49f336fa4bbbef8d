/// "Did you mean …?" for a name that is not among the known ones: a model name with a typo, a
/// field name misspelt. Pure and small: the known names are passed in, so the caller decides what
/// is known (the model catalog, a message's fields).
public struct NameSuggester: Sendable, Hashable {
  public let known: [String]

  public init(known: [String]) {
    // Dedup while keeping the caller's order: it breaks ties between equally close names.
    var seen = Set<String>()
    self.known = known.filter { seen.insert($0).inserted }
  }

  /// The closest known name, when one is close enough to be a likely typo: the same name with
  /// other case or stray spaces, or at most about one edit in four characters away.
  public func suggestion(for name: String) -> String? {
    let cleaned = name.trimmingSpaces.lowercased()
    guard !cleaned.isEmpty else { return nil }
    if let same = known.first(where: { $0.lowercased() == cleaned }) { return same }
    // An enum value without its prefix: OK for OUTCOME_OK, HIGH for MEDIA_RESOLUTION_HIGH.
    let suffixed = known.filter { $0.lowercased().hasSuffix("_" + cleaned) }
    if suffixed.count == 1 { return suffixed[0] }
    let limit = max(1, min(3, cleaned.count / 4))
    var best: (name: String, distance: Int)?
    for k in known {
      let d = Self.distance(cleaned, k.lowercased(), limit: limit)
      if d <= limit, d < (best?.distance ?? Int.max) { best = (k, d) }
    }
    return best?.name
  }

  /// Optimal string alignment distance (Levenshtein plus adjacent transpositions), or `limit + 1`
  /// as soon as it is certain to exceed `limit`.
  public static func distance(_ a: String, _ b: String, limit: Int = .max) -> Int {
    let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
    if abs(x.count - y.count) > limit { return limit == .max ? limit : limit + 1 }
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev2 = [Int](repeating: 0, count: y.count + 1)
    var prev = Array(0...y.count)
    var cur = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
      cur[0] = i
      var rowMin = cur[0]
      for j in 1...y.count {
        let cost = x[i - 1] == y[j - 1] ? 0 : 1
        var v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
        if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { v = min(v, prev2[j - 2] + 1) }
        cur[j] = v
        rowMin = min(rowMin, v)
      }
      if limit != .max, rowMin > limit { return limit + 1 }
      (prev2, prev, cur) = (prev, cur, prev2)
    }
    return prev[y.count]
  }
}

extension String {
  /// Without leading and trailing spaces, tabs and newlines (no Foundation).
  var trimmingSpaces: String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
    guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
      return ""
    }
    return String(self[first...last])
  }
}
