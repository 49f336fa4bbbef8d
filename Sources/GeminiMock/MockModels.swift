import GeminiAPI
import GeminiCatalog

/// A model as the mock answers it: the catalog's rules for the name asked for, and the model
/// that answers (a shut-down model routed elsewhere, or an alias, answers as its target: that
/// is what `modelVersion` shows). Built once per name the mock knows; a reference, so a request
/// carries it for the cost of a pointer.
final class MockModel: Sendable {
  /// The catalog id (or the extra name).
  let id: String
  /// `modelVersion` of the answer.
  let servedId: String
  /// nil: not known (an extra model): thinking settings are accepted as sent.
  let thinking: ThinkingRule?
  let outputsImages: Bool
  /// Tokens one generated image costs (the catalog's figure for the answering model).
  let tokensPerImage: Int
  let displayName: String
  let inputTokenLimit: Int
  let outputTokenLimit: Int

  init(id: String, servedId: String, entry: ModelEntry?, served: ModelEntry?) {
    self.id = id
    self.servedId = servedId
    thinking = entry?.thinking
    outputsImages = (served ?? entry)?.outputsImages ?? false
    tokensPerImage = (served ?? entry)?.prices.last?.imageOutput?.tokensPerImage ?? 1290
    displayName = entry?.displayName ?? id
    inputTokenLimit = entry?.limits?.inputTokens ?? 1_048_576
    outputTokenLimit = entry?.limits?.outputTokens ?? 65_536
  }

  /// A model that thinks (and so signs its answers).
  var thinks: Bool {
    switch thinking?.control {
    case .budget?, .level?: true
    default: false
    }
  }

  var usesLevels: Bool { thinking?.control == .level }

  /// The `Model` resource of `GET /v1beta/models`.
  func info() -> JSONValue {
    var o = JSONObject()
    o["name"] = .string("models/\(id)")
    o["version"] = "001"
    o["displayName"] = .string(displayName)
    o["description"] = .string("Offline mock of \(displayName) (gembatch mock).")
    o["inputTokenLimit"] = .number(Double(inputTokenLimit))
    o["outputTokenLimit"] = .number(Double(outputTokenLimit))
    o["supportedGenerationMethods"] = ["generateContent", "countTokens", "streamGenerateContent"]
    o["temperature"] = 1
    o["topP"] = 0.95
    o["topK"] = 64
    o["maxTemperature"] = 2
    o["thinking"] = .bool(thinks)
    return .object(o)
  }
}

/// Every model the mock answers for: the catalog's (as of `today`), then the extra names.
struct MockModels: Sendable {
  let catalog: ModelCatalog
  let today: CalendarDay
  /// Ids, aliases and their `models/` forms: the per-request lookup.
  private let byName: [String: MockModel]
  /// What `GET /v1beta/models` lists, in catalog order: models that still answer as themselves.
  let listed: [MockModel]

  init(catalog: ModelCatalog, today: CalendarDay, extra: Set<String>) {
    self.catalog = catalog
    self.today = today
    var byName: [String: MockModel] = [:]
    var listed: [MockModel] = []
    for e in catalog.entries {
      guard let served = Self.served(e, catalog: catalog, today: today) else { continue }
      let model = MockModel(id: e.id, servedId: served.id, entry: e, served: served)
      if served.id == e.id { listed.append(model) }
      for name in [e.id] + e.aliases {
        byName[name] = name == e.id ? model : MockModel(id: e.id, servedId: served.id, entry: e, served: served)
        byName["models/" + name] = byName[name]
      }
    }
    for name in extra.sorted() where byName[name] == nil {
      let model = MockModel(id: name, servedId: name, entry: nil, served: nil)
      byName[name] = model
      byName["models/" + name] = model
      listed.append(model)
    }
    self.byName = byName
    self.listed = listed
  }

  /// The entry that answers for `e` on `today`: itself, where it routes once shut down, or nil
  /// (shut down, routed nowhere: the API answers 404).
  static func served(_ e: ModelEntry, catalog: ModelCatalog, today: CalendarDay) -> ModelEntry? {
    var current = e
    for _ in 0..<5 {
      guard current.status.isShutDown(on: today) else { return current }
      guard let to = current.status.routesTo, let next = catalog.entry(to) else { return nil }
      current = next
    }
    return nil
  }

  /// The model `name` means, or nil (404). Ids and aliases are one dictionary lookup; other
  /// catalog names (`…-preview-09-2025`, `…-001`) are resolved and answer under their own name.
  func lookup(_ name: String) -> MockModel? {
    if let m = byName[name] { return m }
    guard let r = catalog.resolve(name), let served = Self.served(r.entry, catalog: catalog, today: today) else {
      return nil
    }
    let asked = ModelCatalog.normalize(name)
    return MockModel(
      id: r.entry.id, servedId: served.id == r.entry.id ? asked : served.id, entry: r.entry, served: served)
  }

  /// The bundled catalog as of today, for requests built outside a server (tests, tools).
  static let standard = MockModels(catalog: .bundledOrEmpty, today: .today, extra: [])

  /// `lookup`, or an unknown model with no rules (what the server would have refused with 404).
  func spec(_ name: String) -> MockModel {
    lookup(name) ?? MockModel(id: name, servedId: name, entry: nil, served: nil)
  }

  /// One page of `GET /v1beta/models`: `pageToken` is the offset of the page.
  func page(size: Int, token: String?) -> JSONValue? {
    let start: Int
    if let token, !token.isEmpty {
      guard let n = Int(token), n >= 0, n <= listed.count else { return nil }
      start = n
    } else {
      start = 0
    }
    let end = min(listed.count, start + max(1, min(size, 1000)))
    var o = JSONObject([("models", .array(listed[start..<end].map { $0.info() }))])
    if end < listed.count { o["nextPageToken"] = .string(String(end)) }
    return .object(o)
  }
}
