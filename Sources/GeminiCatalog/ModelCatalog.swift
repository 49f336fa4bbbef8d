import Foundation

/// The one place gembatch's model facts live: the bundled `catalog.json`, extended or overridden
/// by the user's `--models` files (and folded `--prices` files). A value: load it once, share it.
///
/// Names resolve through ids and aliases (any case, `models/` or a Vertex path in front, spaces
/// around), then each entry's patterns, then a version suffix taken off one step at a time
/// (`-001`, `-latest`, a dated `-preview-09-2025`, `-exp-0827`), so
/// `gemini-2.5-flash-preview-09-2025` is 2.5 Flash and `gemini-3.1-pro-preview-02-19` is
/// 3.1 Pro Preview. A name that matches nothing is unknown: its jobs still run, unpriced.
public struct ModelCatalog: Sendable {
  /// Recorded with every cost it prices (`results.price_version`); `bundled+override` when files were added.
  public var version: String
  /// The day the facts were gathered.
  public var date: CalendarDay?
  /// Source tag → description.
  public var sources: [String: String]
  public var notes: [String]
  public var tiers: [ServiceTier: TierPricing]
  /// Every file the catalog was built from, bundled first.
  public var files: [String]
  public private(set) var entries: [ModelEntry]
  /// Warnings about models, each said once (shared by copies).
  public let notices: CatalogNotices

  /// Every id and alias, for "did you mean".
  public var knownNames: [String] { entries.flatMap { [$0.id] + $0.aliases } }

  /// Normalised id or alias → position in `entries`.
  private var names: [String: Int]
  /// Pattern globs, most specific (longest literal part) first.
  private var globs: [(glob: String, entry: Int)]

  public init(
    version: String, date: CalendarDay? = nil, sources: [String: String] = [:], notes: [String] = [],
    tiers: [ServiceTier: TierPricing] = [:], entries: [ModelEntry], files: [String] = [],
    notices: CatalogNotices = CatalogNotices()
  ) throws(CatalogError) {
    self.version = version
    self.date = date
    self.sources = sources
    self.notes = notes
    var t = tiers
    t[.standard] = t[.standard] ?? .standard
    self.tiers = t
    self.files = files
    self.entries = entries
    self.notices = notices
    self.names = [:]
    self.globs = []
    try reindex()
  }

  /// A copy whose notices go to another collector.
  public func withNotices(_ notices: CatalogNotices) -> ModelCatalog { ModelCatalog(copying: self, notices: notices) }

  private init(copying c: ModelCatalog, notices: CatalogNotices) {
    version = c.version
    date = c.date
    sources = c.sources
    notes = c.notes
    tiers = c.tiers
    files = c.files
    entries = c.entries
    names = c.names
    globs = c.globs
    self.notices = notices
  }

  private init(emptyWithVersion v: String) {
    version = v
    date = nil
    sources = [:]
    notes = []
    tiers = [.standard: .standard]
    files = []
    entries = []
    names = [:]
    globs = []
    notices = CatalogNotices()
  }

  /// An empty catalog: every model unknown (what is used if the bundled file cannot be read).
  public static func empty(version: String = "none") -> ModelCatalog {
    ModelCatalog(emptyWithVersion: version)
  }

  private mutating func reindex() throws(CatalogError) {
    var names: [String: Int] = [:]
    var globs: [(String, Int)] = []
    for (i, e) in entries.enumerated() {
      for name in [e.id] + e.aliases {
        let n = Self.normalize(name)
        if let other = names[n], other != i {
          throw CatalogError(
            .inconsistent, file: e.origin, path: "models[id=\(e.id)]",
            "the name \(name) also means \(entries[other].id)")
        }
        names[n] = i
      }
      for p in e.patterns { globs.append((Self.normalize(p), i)) }
    }
    for e in entries {
      for (field, target) in [("status.routesTo", e.status.routesTo), ("status.replacement", e.status.replacement)] {
        guard let target else { continue }
        if names[Self.normalize(target)] == nil {
          throw CatalogError(
            .inconsistent, file: e.origin, path: "models[id=\(e.id)].\(field)",
            "\(target) is not a model of the catalog")
        }
      }
    }
    globs.sort {
      Self.literalLength($0.0) > Self.literalLength($1.0)
        || (Self.literalLength($0.0) == Self.literalLength($1.0) && $0.0 < $1.0)
    }
    self.names = names
    self.globs = globs
  }

  // MARK: - Names

  /// How a name found its entry.
  public enum Match: String, Sendable, Hashable {
    case id
    case alias
    case pattern
    /// After taking a version suffix off.
    case suffix
  }

  public struct Resolution: Sendable, Hashable {
    public var entry: ModelEntry
    public var index: Int
    public var match: Match
  }

  /// The entry `name` means, or nil when the catalog does not know it.
  public func resolve(_ name: String) -> Resolution? {
    var n = Self.normalize(name)
    if n.isEmpty { return nil }
    var steps = 0
    while true {
      if let r = exact(n, suffix: steps > 0) { return r }
      guard steps < 4, let shorter = Self.dropVersionSuffix(n) else { return nil }
      n = shorter
      steps += 1
    }
  }

  /// The entry `name` means (nil when unknown).
  public func entry(_ name: String) -> ModelEntry? { resolve(name)?.entry }

  /// The entry with exactly this id.
  public func entry(id: String) -> ModelEntry? { names[Self.normalize(id)].map { entries[$0] } }

  private func exact(_ n: String, suffix: Bool) -> Resolution? {
    if let i = names[n] {
      let m: Match = suffix ? .suffix : (Self.normalize(entries[i].id) == n ? .id : .alias)
      return Resolution(entry: entries[i], index: i, match: m)
    }
    for (g, i) in globs where Self.glob(g, matches: n) {
      return Resolution(entry: entries[i], index: i, match: suffix ? .suffix : .pattern)
    }
    return nil
  }

  /// Lowercased, trimmed, without `models/` (or a longer resource path) in front.
  public static func normalize(_ name: String) -> String {
    var m = name.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    if let slash = m.lastIndex(of: "/") { m = String(m[m.index(after: slash)...]) }
    return m
  }

  /// One version suffix off the end, or nil when there is none:
  /// `-001` · `-latest` · `-preview`/`-exp` · a date after them (`-09-2025`, `-05-20`, `-0827`, `-2025-09-01`).
  static func dropVersionSuffix(_ n: String) -> String? {
    var parts = n.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
    guard parts.count >= 2 else { return nil }
    func digits(_ s: String) -> Bool { !s.isEmpty && s.utf8.allSatisfy { (0x30...0x39).contains($0) } }
    let last = parts[parts.count - 1]
    if last == "latest" || last == "preview" || last == "exp" || last == "experimental" {
      parts.removeLast()
      return parts.joined(separator: "-")
    }
    if digits(last) {
      // A date: the digit groups after the last `preview`/`exp` (or a lone 3-digit version).
      var k = parts.count - 1
      while k > 0, digits(parts[k]) { k -= 1 }
      let tag = parts[k]
      if tag == "preview" || tag == "exp" || tag == "experimental" {
        return parts[...k].joined(separator: "-")
      }
      if parts.count - 1 - k == 1, last.utf8.count == 3 {
        parts.removeLast()
        return parts.joined(separator: "-")
      }
    }
    return nil
  }

  /// `*` matches any run of characters; everything else itself.
  static func glob(_ pattern: String, matches name: String) -> Bool {
    let p = Array(pattern.utf8), s = Array(name.utf8)
    var pi = 0, si = 0, star = -1, mark = 0
    while si < s.count {
      if pi < p.count, p[pi] == UInt8(ascii: "*") {
        star = pi
        mark = si
        pi += 1
      } else if pi < p.count, p[pi] == s[si] {
        pi += 1
        si += 1
      } else if star >= 0 {
        pi = star + 1
        mark += 1
        si = mark
      } else {
        return false
      }
    }
    while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
    return pi == p.count
  }

  static func literalLength(_ glob: String) -> Int { glob.utf8.filter { $0 != UInt8(ascii: "*") }.count }

  // MARK: - Tiers

  /// The multipliers of `tier` for `row` (the row's own, else the catalog's; standard is 1).
  public func tierPricing(_ tier: ServiceTier, row: PriceRow) -> TierPricing? {
    if tier == .standard { return row.tiers[.standard] ?? .standard }
    return row.tiers[tier] ?? tiers[tier]
  }
}

extension ModelCatalog: Hashable {
  public static func == (a: ModelCatalog, b: ModelCatalog) -> Bool {
    a.version == b.version && a.entries == b.entries && a.tiers == b.tiers
  }
  public func hash(into h: inout Hasher) {
    h.combine(version)
    h.combine(entries.count)
  }
}
