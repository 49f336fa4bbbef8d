import Foundation
import GeminiAPI

/// One model of a live `GET /v1beta/models` page.
public struct ListedModel: Sendable, Hashable, Codable {
  /// Without `models/`.
  public var id: String
  public var displayName: String?
  public var inputTokenLimit: Int?
  public var outputTokenLimit: Int?
  /// The `thinking` flag, when the page has one.
  public var thinking: Bool?
  public var supportedGenerationMethods: [String]

  public init(
    id: String, displayName: String? = nil, inputTokenLimit: Int? = nil, outputTokenLimit: Int? = nil,
    thinking: Bool? = nil, supportedGenerationMethods: [String] = []
  ) {
    self.id = id
    self.displayName = displayName
    self.inputTokenLimit = inputTokenLimit
    self.outputTokenLimit = outputTokenLimit
    self.thinking = thinking
    self.supportedGenerationMethods = supportedGenerationMethods
  }
}

/// Reads the pages of `GET /v1beta/models`: `{"models": [Model…], "nextPageToken": "…"}`.
public enum ModelsListing {
  public struct Page: Sendable, Hashable {
    public var models: [ListedModel]
    public var nextPageToken: String?
  }

  public struct Failure: Error, Sendable, CustomStringConvertible {
    public let detail: String
    public var description: String { "the models listing: \(detail)" }
  }

  public static func page(_ data: Data) throws(Failure) -> Page {
    guard let v = try? JSONValue.parse(data), let o = v.objectValue else {
      throw Failure(detail: "the page is not a JSON object")
    }
    var page = Page(models: [], nextPageToken: o["nextPageToken"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 })
    guard let list = o["models"]?.arrayValue ?? (o["models"] == nil ? [] : nil) else {
      throw Failure(detail: "\"models\" is not an array")
    }
    for (i, m) in list.enumerated() {
      guard let name = m["name"]?.stringValue, !name.isEmpty else { throw Failure(detail: "models[\(i)] has no name") }
      page.models.append(
        ListedModel(
          id: name.hasPrefix("models/") ? String(name.dropFirst(7)) : name, displayName: m["displayName"]?.stringValue,
          inputTokenLimit: m["inputTokenLimit"]?.intValue, outputTokenLimit: m["outputTokenLimit"]?.intValue,
          thinking: m["thinking"]?.boolValue,
          supportedGenerationMethods: (m["supportedGenerationMethods"]?.arrayValue ?? []).compactMap(\.stringValue)))
    }
    return page
  }
}

/// A live listing against the catalog: ids added and removed, and changed limits or thinking flags.
public struct CatalogDiff: Sendable, Hashable, Codable {
  public struct Change: Sendable, Hashable, Codable {
    public var id: String
    public var field: String
    public var catalog: String
    public var live: String
  }

  /// Listed, and no catalog name means them.
  public var added: [ListedModel] = []
  /// In the catalog and usable on the day, and not listed.
  public var removed: [String] = []
  public var changed: [Change] = []
  /// Listed under a name the catalog resolves by a suffix or pattern (`…-preview-09-2025`): known, not compared.
  public var variants: [String] = []

  public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

  public static func compare(catalog: ModelCatalog, listed: [ListedModel], date: CalendarDay) -> CatalogDiff {
    var d = CatalogDiff()
    var seen = Set<Int>()
    for m in listed {
      guard let r = catalog.resolve(m.id) else {
        d.added.append(m)
        continue
      }
      guard r.match == .id || r.match == .alias else {
        d.variants.append(m.id)
        continue
      }
      seen.insert(r.index)
      let e = r.entry
      func cmp(_ field: String, _ c: Int?, _ l: Int?) {
        guard let l, c != l else { return }
        d.changed.append(Change(id: e.id, field: field, catalog: c.map(String.init) ?? "unknown", live: String(l)))
      }
      cmp("inputTokens", e.limits?.inputTokens, m.inputTokenLimit)
      cmp("outputTokens", e.limits?.outputTokens, m.outputTokenLimit)
      if let live = m.thinking, let rule = e.thinking {
        let thinks = rule.control != .none
        if thinks != live {
          d.changed.append(
            Change(id: e.id, field: "thinking", catalog: thinks ? "true" : "false", live: live ? "true" : "false"))
        }
      }
    }
    for (i, e) in catalog.entries.enumerated() where !seen.contains(i) && !e.status.isShutDown(on: date) {
      d.removed.append(e.id)
    }
    return d
  }

  /// An override file (`--models`) giving the added models and the live limits and thinking flags.
  public func overrideFile(endpoint: String, date: CalendarDay) -> JSONValue {
    var byId: [String: JSONObject] = [:]
    var order: [String] = []
    func touch(_ id: String) -> JSONObject {
      if byId[id] == nil {
        order.append(id)
        byId[id] = JSONObject([("id", .string(id))])
      }
      return byId[id]!
    }
    let source = "models-list"
    for m in added {
      var o = touch(m.id)
      if let n = m.displayName { o["displayName"] = .string(n) }
      var l = JSONObject()
      if let i = m.inputTokenLimit { l["inputTokens"] = .number(Double(i)) }
      if let out = m.outputTokenLimit { l["outputTokens"] = .number(Double(out)) }
      if !l.isEmpty {
        l["source"] = .string(source)
        o["limits"] = .object(l)
      }
      if m.thinking == false { o["thinking"] = ["control": "none", "source": .string(source)] }
      o["note"] = "listed by the endpoint; no price known: results are unpriced until prices are added"
      byId[m.id] = o
    }
    var limits: [String: (Int?, Int?)] = [:]
    for c in changed {
      var o = touch(c.id)
      switch c.field {
      case "inputTokens": limits[c.id, default: (nil, nil)].0 = Int(c.live)
      case "outputTokens": limits[c.id, default: (nil, nil)].1 = Int(c.live)
      case "thinking" where c.live == "false": o["thinking"] = ["control": "none", "source": .string(source)]
      default: o["note"] = "the endpoint says this model thinks; its rule is not known"
      }
      byId[c.id] = o
    }
    for (id, (i, out)) in limits {
      var o = byId[id]!
      var l = JSONObject()
      if let i { l["inputTokens"] = .number(Double(i)) }
      if let out { l["outputTokens"] = .number(Double(out)) }
      l["source"] = .string(source)
      o["limits"] = .object(l)
      byId[id] = o
    }
    return [
      "format": 1,
      "version": .string("refresh-\(date)"),
      "date": .string(date.description),
      "sources": [source: .string("GET /v1beta/models on \(endpoint), read \(date)")],
      "models": .array(order.map { .object(byId[$0]!) }),
    ]
  }

  public func renderText() -> String {
    var o = ""
    if isEmpty { o += "the endpoint lists the catalog's models with the same limits and thinking flags\n" }
    if !added.isEmpty {
      o += "added (listed, not in the catalog):\n"
      for m in added {
        o +=
          "  + \(m.id)  in \(m.inputTokenLimit.map(String.init) ?? "?") / out \(m.outputTokenLimit.map(String.init) ?? "?")"
        o += m.thinking.map { $0 ? "  thinking" : "  no thinking" } ?? ""
        o += "\n"
      }
    }
    if !removed.isEmpty {
      o += "removed (in the catalog, not listed):\n"
      for id in removed { o += "  - \(id)\n" }
    }
    if !changed.isEmpty {
      o += "changed:\n"
      for c in changed { o += "  ~ \(c.id) \(c.field): catalog \(c.catalog), live \(c.live)\n" }
    }
    if !variants.isEmpty {
      o += "listed variants of catalog models (not compared): \(variants.joined(separator: ", "))\n"
    }
    return o
  }
}
