/// Where a group of facts comes from, and which of them the reference marks n/v (not verified).
public struct Provenance: Sendable, Hashable {
  /// A tag of the catalog's `sources`, or free text.
  public var source: String?
  /// The unverified fields of the group; `*` means the whole group.
  public var unverified: [String]
  public var note: String?

  public init(source: String? = nil, unverified: [String] = [], note: String? = nil) {
    self.source = source
    self.unverified = unverified
    self.note = note
  }

  public var isWhollyUnverified: Bool { unverified.contains("*") }
  public var hasUnverified: Bool { !unverified.isEmpty }

  /// Whether `field` is n/v (directly, or because the whole group is).
  public func isUnverified(_ field: String) -> Bool { isWhollyUnverified || unverified.contains(field) }
}
