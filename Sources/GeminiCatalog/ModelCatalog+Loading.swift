import Foundation
import GeminiAPI

extension ModelCatalog {
  /// How the bundled file is named in errors and `files`.
  public static let bundledFileName = "catalog.json (bundled)"

  /// Parsed once per process.
  private static let bundledResult: Result<ModelCatalog, CatalogError> = {
    guard let url = Bundle.module.url(forResource: "catalog", withExtension: "json"),
      let data = try? Data(contentsOf: url)
    else {
      return .failure(CatalogError(.unreadable, file: bundledFileName, "the resource is missing from the bundle"))
    }
    do throws(CatalogError) { return .success(try build(base: (data, bundledFileName), overrides: [])) } catch {
      return .failure(error)
    }
  }()

  /// The catalog shipped with gembatch (`Sources/GeminiCatalog/Resources/catalog.json`).
  public static func bundled(notices: CatalogNotices = CatalogNotices()) throws(CatalogError) -> ModelCatalog {
    try bundledResult.get().withNotices(notices)
  }

  /// The bundled catalog, or an empty one (every model unknown and unpriced) if it cannot be read:
  /// a default that never traps. A test holds the bundled file valid.
  public static var bundledOrEmpty: ModelCatalog {
    (try? bundledResult.get()).map { $0.withNotices(CatalogNotices()) } ?? .empty(version: "unavailable")
  }

  /// The bundled catalog with each file applied in order: `--models` files (catalog form: add
  /// models, or replace the groups they give of a model with the same id or alias) and old
  /// `--prices` files (`{"version", "models": {name: price}}`: each price replaces the prices of
  /// the model the name means, or adds a model matching names that start with it).
  /// The version becomes `bundled+file1+file2`.
  public static func load(overrides paths: [String], notices: CatalogNotices = CatalogNotices()) throws(CatalogError)
    -> ModelCatalog
  {
    if paths.isEmpty { return try bundled(notices: notices) }
    guard let url = Bundle.module.url(forResource: "catalog", withExtension: "json"),
      let base = try? Data(contentsOf: url)
    else {
      throw CatalogError(.unreadable, file: bundledFileName, "the resource is missing from the bundle")
    }
    var files: [(Data, String)] = []
    for p in paths {
      guard let d = FileManager.default.contents(atPath: p) else {
        throw CatalogError(.unreadable, file: p, "cannot read the file")
      }
      files.append((d, p))
    }
    return try build(base: (base, bundledFileName), overrides: files).withNotices(notices)
  }

  /// A catalog from its JSON (a full catalog file, then override files), for tests and tools.
  public static func build(base: (data: Data, file: String), overrides: [(data: Data, file: String)])
    throws(CatalogError)
    -> ModelCatalog
  {
    let doc = try CatalogParser(file: base.file).document(base.data)
    if doc.legacy {
      throw CatalogError(.invalid, file: base.file, path: "models", "a full catalog lists its models in an array")
    }
    var version = doc.version
    var sources = doc.sources
    var notes = doc.notes
    var tiers = doc.tiers
    var plans = doc.groundingPlans
    var files = [base.file]
    var list: [(json: JSONObject, file: String, path: String)] = doc.models.map { ($0.json, base.file, $0.path) }

    func position(of name: String, resolving: Bool) -> Int? {
      let n = normalize(name)
      for (i, e) in list.enumerated() {
        if let id = e.json["id"]?.stringValue, normalize(id) == n { return i }
        if (e.json["aliases"]?.arrayValue ?? []).contains(where: { $0.stringValue.map(normalize) == n }) { return i }
      }
      guard resolving, let shorter = dropVersionSuffix(n) else { return nil }
      return position(of: shorter, resolving: true)
    }

    for (data, file) in overrides {
      let parser = CatalogParser(file: file)
      let o = try parser.document(data)
      files.append(file)
      version += "+" + o.version
      for (k, v) in o.sources { sources[k] = v }
      notes += o.notes
      for (k, v) in o.tiers { tiers[k] = v }
      for (k, v) in o.groundingPlans { plans[k] = v }
      for (json, path) in o.models {
        guard let id = json["id"]?.stringValue, !normalize(id).isEmpty else {
          throw CatalogError(.invalid, file: file, path: "\(path).id", "\"id\" (a non-empty string) is required")
        }
        var merged = json
        if let i = position(of: id, resolving: o.legacy) {
          merged = list[i].json
          if o.legacy {
            merged["prices"] = json["prices"]
          } else {
            for (k, v) in json where k != "id" { merged[k] = v }
          }
          _ = try parser.entry(merged, path, plans: plans)
          list[i] = (merged, file, path)
        } else {
          var fresh = merged
          fresh["legacyPrice"] = nil
          _ = try parser.entry(fresh, path, plans: plans)
          list.append((fresh, file, path))
        }
      }
    }
    var entries: [ModelEntry] = []
    for item in list {
      entries.append(try CatalogParser(file: item.file).entry(item.json, item.path, plans: plans))
    }
    return try ModelCatalog(
      version: version, date: doc.date, sources: sources, notes: notes, tiers: tiers, entries: entries, files: files)
  }
}
