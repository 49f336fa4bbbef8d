import Foundation
import GeminiAPI

/// Reads the catalog's JSON form (see docs/cost.md), strictly: an unknown key, a value of the
/// wrong type, an unknown tier, a bad date or two overlapping price rows is an error naming the
/// file and the JSON path.
struct CatalogParser {
  let file: String

  func fail(_ path: String, _ detail: String, _ code: CatalogError.Code = .invalid) -> CatalogError {
    CatalogError(code, file: file, path: path, detail)
  }

  // MARK: - Documents

  /// The top level of a catalog or override file, entries still as JSON (merged before they are built).
  struct Document {
    var version: String
    var date: CalendarDay?
    var sources: [String: String] = [:]
    var notes: [String] = []
    var tiers: [ServiceTier: TierPricing] = [:]
    var groundingPlans: [String: JSONObject] = [:]
    /// (entry JSON, its path) in file order.
    var models: [(json: JSONObject, path: String)] = []
    /// A `--prices` file in the old `{"models": {key: price}}` form.
    var legacy = false
  }

  static let topKeys: Set<String> = [
    "format", "version", "date", "currency", "units", "unit", "sources", "notes", "tiers", "groundingPlans", "models",
    "batchMultiplier",
  ]

  func document(_ data: Data) throws(CatalogError) -> Document {
    let root: JSONValue
    do { root = try JSONValue.parse(data) } catch {
      let reason = (error as? JSONParseError)?.description ?? "not JSON"
      throw fail("", "invalid JSON: \(reason)")
    }
    guard let o = root.objectValue else { throw fail("", "the top level must be an object") }
    for k in o.keys where !Self.topKeys.contains(k) {
      throw fail(k, "unknown field (known: \(Self.topKeys.sorted().joined(separator: ", ")))")
    }
    if let f = o["format"], f.intValue != 1 { throw fail("format", "only format 1 is known") }
    guard let version = o["version"]?.stringValue, !version.isEmpty else {
      throw fail("version", "\"version\" (a non-empty string) is required")
    }
    var doc = Document(version: version)
    if let d = o["date"] { doc.date = try day(d, "date") }
    if let s = o["sources"] {
      guard let so = s.objectValue else { throw fail("sources", "must be an object of tag → text") }
      for (k, v) in so {
        guard let t = v.stringValue else { throw fail("sources.\(k)", "must be a string") }
        doc.sources[k] = t
      }
    }
    if let n = o["notes"] {
      guard let list = n.arrayValue else { throw fail("notes", "must be an array of strings") }
      for (i, v) in list.enumerated() {
        guard let t = v.stringValue else { throw fail("notes[\(i)]", "must be a string") }
        doc.notes.append(t)
      }
    }
    if let t = o["tiers"] {
      guard let to = t.objectValue else { throw fail("tiers", "must be an object keyed by tier") }
      for (name, spec) in to {
        let tier = try self.tier(name, "tiers.\(name)")
        doc.tiers[tier] = try tierPricing(spec, "tiers.\(name)")
      }
    }
    if let b = o["batchMultiplier"] {
      // The old price-file key: the batch multiplier on every token charge.
      doc.tiers[.batch] = TierPricing(multiplier: try decimal(b, "batchMultiplier"))
    }
    if let g = o["groundingPlans"] {
      guard let go = g.objectValue else { throw fail("groundingPlans", "must be an object of name → plan") }
      for (name, plan) in go {
        guard let po = plan.objectValue else { throw fail("groundingPlans.\(name)", "must be an object") }
        _ = try grounding(.object(po), "groundingPlans.\(name)", plans: [:])
        doc.groundingPlans[name] = po
      }
    }
    switch o["models"] {
    case nil: throw fail("models", "\"models\" is required")
    case .array(let list)?:
      for (i, m) in list.enumerated() {
        guard let mo = m.objectValue else { throw fail("models[\(i)]", "must be an object") }
        doc.models.append((mo, "models[\(i)]"))
      }
    case .object(let legacy)?:
      doc.legacy = true
      for (key, price) in legacy {
        doc.models.append((try legacyEntry(key: key, price: price), "models.\(key)"))
      }
    default: throw fail("models", "must be an array of model entries")
    }
    return doc
  }

  /// A model of an old price file as a catalog entry: one price row in effect always, matching
  /// names that start with the key (as the old table matched).
  func legacyEntry(key: String, price: JSONValue) throws(CatalogError) -> JSONObject {
    let path = "models.\(key)"
    guard let p = price.objectValue else { throw fail(path, "must be an object") }
    var row = JSONObject()
    for (k, v) in p {
      switch k {
      case "input", "output", "cachedInput", "audioInput", "cachedAudioInput", "longContext", "cacheStoragePerHour",
        "imageOutput", "from", "until":
        row[k] = v
      case "grounding":
        // The old form priced Search only.
        row["grounding"] = .object(JSONObject([("search", v)]))
      case "batchMultiplier": row["tiers"] = .object(JSONObject([("batch", v)]))
      case "source": row["source"] = v
      case "checked": if let c = v.stringValue { row["note"] = .string("checked \(c)") }
      default: break  // the old format ignored other keys
      }
    }
    if row["input"] == nil { throw fail(path + ".input", "\"input\" is required") }
    if row["output"] == nil { throw fail(path + ".output", "\"output\" is required") }
    return JSONObject([
      ("id", .string(key)), ("patterns", .array([.string(key + "*")])), ("prices", .array([.object(row)])),
      ("legacyPrice", .bool(true)),
    ])
  }

  // MARK: - Entries

  static let entryKeys: Set<String> = [
    "id", "displayName", "aliases", "aliasesNv", "patterns", "status", "limits", "modalities", "features", "thinking",
    "implicitCache", "prices", "nv", "note", "source", "legacyPrice",
  ]

  func entry(_ o: JSONObject, _ path: String, plans: [String: JSONObject]) throws(CatalogError) -> ModelEntry {
    for k in o.keys where !Self.entryKeys.contains(k) {
      throw fail(
        "\(path).\(k)",
        "unknown field (known: \(Self.entryKeys.subtracting(["legacyPrice"]).sorted().joined(separator: ", ")))")
    }
    guard let id = o["id"]?.stringValue, !ModelCatalog.normalize(id).isEmpty else {
      throw fail("\(path).id", "\"id\" (a non-empty string) is required")
    }
    var e = ModelEntry(id: id.trimmingCharacters(in: .whitespaces), origin: file)
    e.displayName = try string(o["displayName"], "\(path).displayName")
    e.aliases = try strings(o["aliases"], "\(path).aliases").map { ModelCatalog.normalize($0) }
    e.aliasesUnverified = try bool(o["aliasesNv"], "\(path).aliasesNv") ?? false
    e.patterns = try strings(o["patterns"], "\(path).patterns").map { ModelCatalog.normalize($0) }
    e.provenance = try provenance(o, path)
    if let s = o["status"] { e.status = try status(s, "\(path).status") }
    if let l = o["limits"] { e.limits = try limits(l, "\(path).limits") }
    if let m = o["modalities"] { e.modalities = try modalities(m, "\(path).modalities") }
    if let f = o["features"] { e.features = try features(f, "\(path).features") }
    if let t = o["thinking"], !t.isNull { e.thinking = try thinking(t, "\(path).thinking") }
    if let c = o["implicitCache"] {
      let p = "\(path).implicitCache"
      let co = try object(c, p, keys: ["minTokens", "source", "nv", "note"])
      guard let n = co["minTokens"]?.intValue, n > 0 else { throw fail("\(p).minTokens", "must be a positive integer") }
      e.implicitCache = ImplicitCache(minTokens: n, provenance: try provenance(co, p))
    }
    if let p = o["prices"] {
      guard let list = p.arrayValue else { throw fail("\(path).prices", "must be an array of price rows") }
      var rows: [(PriceRow, Int)] = []
      for (i, r) in list.enumerated() { rows.append((try priceRow(r, "\(path).prices[\(i)]", plans: plans), i)) }
      rows.sort { ($0.0.from?.dayNumber ?? Int.min, $0.1) < ($1.0.from?.dayNumber ?? Int.min, $1.1) }
      for k in rows.indices.dropFirst() {
        let (a, ai) = rows[k - 1], (b, bi) = rows[k]
        let aEnd = a.until?.dayNumber ?? Int.max
        let bStart = b.from?.dayNumber ?? Int.min
        if bStart <= aEnd {
          throw fail(
            "\(path).prices[\(bi)]", "overlaps prices[\(ai)] (\(a.period) and \(b.period)): one row per day",
            .overlappingPrices)
        }
      }
      e.prices = rows.map(\.0)
    }
    return e
  }

  func status(_ v: JSONValue, _ path: String) throws(CatalogError) -> ModelStatus {
    let o = try object(
      v, path, keys: ["stage", "released", "deprecated", "shutdown", "replacement", "routesTo", "source", "nv", "note"])
    var s = ModelStatus(provenance: try provenance(o, path))
    if let st = o["stage"] {
      guard let t = st.stringValue, let stage = ModelStatus.Stage(rawValue: t.lowercased()) else {
        throw fail(
          "\(path).stage", "must be one of \(ModelStatus.Stage.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      s.stage = stage
    }
    if let d = o["released"] { s.released = try day(d, "\(path).released") }
    if let d = o["deprecated"] { s.deprecated = try day(d, "\(path).deprecated") }
    if let d = o["shutdown"] { s.shutdown = try day(d, "\(path).shutdown") }
    s.replacement = try string(o["replacement"], "\(path).replacement")
    s.routesTo = try string(o["routesTo"], "\(path).routesTo")
    return s
  }

  func limits(_ v: JSONValue, _ path: String) throws(CatalogError) -> TokenLimits {
    let o = try object(v, path, keys: ["inputTokens", "outputTokens", "source", "nv", "note"])
    var l = TokenLimits(provenance: try provenance(o, path))
    for (k, set) in [("inputTokens", 0), ("outputTokens", 1)] {
      guard let x = o[k] else { continue }
      guard let n = x.intValue, n > 0 else { throw fail("\(path).\(k)", "must be a positive integer") }
      if set == 0 { l.inputTokens = n } else { l.outputTokens = n }
    }
    return l
  }

  func modalities(_ v: JSONValue, _ path: String) throws(CatalogError) -> Modalities {
    let o = try object(v, path, keys: ["input", "output", "source", "nv", "note"])
    func set(_ k: String) throws(CatalogError) -> Set<Modality> {
      var out = Set<Modality>()
      for (i, s) in try strings(o[k], "\(path).\(k)").enumerated() {
        guard let m = Modality(rawValue: s.lowercased()) else {
          throw fail(
            "\(path).\(k)[\(i)]", "must be one of \(Modality.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        out.insert(m)
      }
      return out
    }
    return Modalities(input: try set("input"), output: try set("output"), provenance: try provenance(o, path))
  }

  func features(_ v: JSONValue, _ path: String) throws(CatalogError) -> Features {
    let known = Set(Feature.allCases.map(\.rawValue))
    let o = try object(v, path, keys: known.union(["source", "nv", "note"]))
    var values: [Feature: Bool] = [:]
    for f in Feature.allCases {
      if let b = try bool(o[f.rawValue], "\(path).\(f.rawValue)") { values[f] = b }
    }
    return Features(values: values, provenance: try provenance(o, path))
  }

  func thinking(_ v: JSONValue, _ path: String) throws(CatalogError) -> ThinkingRule {
    let o = try object(
      v, path,
      keys: ["control", "levels", "default", "budgetMin", "budgetMax", "canDisable", "dynamic", "source", "nv", "note"])
    guard let c = o["control"]?.stringValue, let control = ThinkingRule.Control(rawValue: c) else {
      throw fail("\(path).control", "must be none, budget or level")
    }
    var r = ThinkingRule(control: control, provenance: try provenance(o, path))
    r.canDisable = try bool(o["canDisable"], "\(path).canDisable") ?? false
    r.dynamic = try bool(o["dynamic"], "\(path).dynamic") ?? (control == .budget)
    r.defaultValue = try string(o["default"], "\(path).default")
    switch control {
    case .none: break
    case .level:
      let given = try strings(o["levels"], "\(path).levels").map { $0.uppercased() }
      if given.isEmpty { throw fail("\(path).levels", "a level rule needs its levels") }
      for (i, l) in given.enumerated() where !ThinkingRule.allLevels.contains(l) {
        throw fail("\(path).levels[\(i)]", "must be one of \(ThinkingRule.allLevels.joined(separator: ", "))")
      }
      r.levels = ThinkingRule.allLevels.filter(given.contains)
      if let d = r.defaultValue {
        r.defaultValue = d.uppercased()
        if !r.levels.contains(d.uppercased()) { throw fail("\(path).default", "is not one of the levels") }
      }
    case .budget:
      guard let lo = o["budgetMin"]?.intValue, let hi = o["budgetMax"]?.intValue, lo >= 0, hi >= max(lo, 1) else {
        throw fail("\(path).budgetMin", "a budget rule needs budgetMin ≥ 0 and budgetMax ≥ budgetMin (integers)")
      }
      r.budget = max(lo, 1)...hi
      if lo == 0 { r.canDisable = true }
    }
    return r
  }

  static let rowKeys: Set<String> = [
    "from", "until", "input", "output", "cachedInput", "audioInput", "cachedAudioInput", "cacheStoragePerHour",
    "longContext", "imageOutput", "grounding", "tiers", "source", "nv", "note",
  ]

  func priceRow(_ v: JSONValue, _ path: String, plans: [String: JSONObject]) throws(CatalogError) -> PriceRow {
    let o = try object(v, path, keys: Self.rowKeys)
    func dec(_ k: String, in obj: JSONObject, _ p: String) throws(CatalogError) -> Decimal? {
      guard let x = obj[k], !x.isNull else { return nil }
      return try decimal(x, "\(p).\(k)")
    }
    guard let input = try dec("input", in: o, path) else { throw fail("\(path).input", "\"input\" is required") }
    guard let output = try dec("output", in: o, path) else { throw fail("\(path).output", "\"output\" is required") }
    var row = PriceRow(
      rates: .init(input: input, output: output, cachedInput: try dec("cachedInput", in: o, path)),
      provenance: try provenance(o, path))
    if let f = o["from"] { row.from = try day(f, "\(path).from") }
    if let u = o["until"] { row.until = try day(u, "\(path).until") }
    if let f = row.from, let u = row.until, u < f { throw fail("\(path).until", "is before from (\(f))") }
    row.audioInput = try dec("audioInput", in: o, path)
    row.cachedAudioInput = try dec("cachedAudioInput", in: o, path)
    row.cacheStoragePerHour = try dec("cacheStoragePerHour", in: o, path)
    if let lc = o["longContext"], !lc.isNull {
      let p = "\(path).longContext"
      let lo = try object(lc, p, keys: ["above", "input", "output", "cachedInput"])
      guard let li = try dec("input", in: lo, p), let lout = try dec("output", in: lo, p) else {
        throw fail(p, "needs input and output")
      }
      var above = 200_000
      if let a = lo["above"] {
        guard let n = a.intValue, n > 0 else { throw fail("\(p).above", "must be a positive integer") }
        above = n
      }
      row.longContext = .init(
        above: above, rates: .init(input: li, output: lout, cachedInput: try dec("cachedInput", in: lo, p)))
    }
    if let img = o["imageOutput"], !img.isNull {
      let p = "\(path).imageOutput"
      let io = try object(img, p, keys: ["usdPerMTok", "tokensPerImage", "usdPerImage"])
      var image = PriceRow.ImageOutput(
        usdPerMTok: try dec("usdPerMTok", in: io, p), usdPerImage: try dec("usdPerImage", in: io, p))
      if let t = io["tokensPerImage"] {
        guard let n = t.intValue, n > 0 else { throw fail("\(p).tokensPerImage", "must be a positive integer") }
        image.tokensPerImage = n
      }
      if image.usdPerMTok == nil && image.usdPerImage == nil { throw fail(p, "needs usdPerMTok or usdPerImage") }
      row.imageOutput = image
    }
    if let g = o["grounding"], !g.isNull {
      (row.search, row.maps) = try grounding(g, "\(path).grounding", plans: plans)
    }
    if let t = o["tiers"] {
      guard let to = t.objectValue else { throw fail("\(path).tiers", "must be an object keyed by tier") }
      for (name, spec) in to {
        row.tiers[try tier(name, "\(path).tiers.\(name)")] = try tierPricing(spec, "\(path).tiers.\(name)")
      }
    }
    return row
  }

  /// A grounding object `{search?, maps?}` or the name of one of `groundingPlans`.
  func grounding(_ v: JSONValue, _ path: String, plans: [String: JSONObject]) throws(CatalogError) -> (
    PriceRow.Grounding?, PriceRow.Grounding?
  ) {
    let o: JSONObject
    if let name = v.stringValue {
      guard let plan = plans[name] else {
        throw fail(path, "no grounding plan named \(name) (known: \(plans.keys.sorted().joined(separator: ", ")))")
      }
      o = plan
    } else {
      o = try object(v, path, keys: ["search", "maps"])
    }
    func one(_ k: String) throws(CatalogError) -> PriceRow.Grounding? {
      guard let x = o[k], !x.isNull else { return nil }
      let p = "\(path).\(k)"
      let go = try object(x, p, keys: ["per", "usdPer1000", "source", "nv", "note"])
      guard let per = go["per"]?.stringValue.flatMap(PriceRow.Grounding.Unit.init(rawValue:)) else {
        throw fail("\(p).per", "must be prompt or query")
      }
      guard let usd = go["usdPer1000"] else { throw fail("\(p).usdPer1000", "is required") }
      return PriceRow.Grounding(
        per: per, usdPer1000: try decimal(usd, "\(p).usdPer1000"), provenance: try provenance(go, p))
    }
    return (try one("search"), try one("maps"))
  }

  func tier(_ name: String, _ path: String) throws(CatalogError) -> ServiceTier {
    guard let t = ServiceTier(rawValue: name) else {
      throw fail(
        path, "unknown tier \(name) (known: \(ServiceTier.allCases.map(\.rawValue).joined(separator: ", ")))",
        .unknownTier)
    }
    return t
  }

  /// A number (the multiplier) or `{multiplier, cachedMultiplier?, source?, nv?, note?}`.
  func tierPricing(_ v: JSONValue, _ path: String) throws(CatalogError) -> TierPricing {
    if case .number = v { return TierPricing(multiplier: try decimal(v, path)) }
    let o = try object(v, path, keys: ["multiplier", "cachedMultiplier", "source", "nv", "note"])
    guard let m = o["multiplier"] else { throw fail("\(path).multiplier", "is required") }
    return TierPricing(
      multiplier: try decimal(m, "\(path).multiplier"),
      cachedMultiplier: try o["cachedMultiplier"].map { x throws(CatalogError) in
        try decimal(x, "\(path).cachedMultiplier")
      },
      provenance: try provenance(o, path))
  }

  // MARK: - Values

  func object(_ v: JSONValue, _ path: String, keys: Set<String>) throws(CatalogError) -> JSONObject {
    guard let o = v.objectValue else { throw fail(path, "must be an object") }
    for k in o.keys where !keys.contains(k) {
      throw fail("\(path).\(k)", "unknown field (known: \(keys.sorted().joined(separator: ", ")))")
    }
    return o
  }

  func provenance(_ o: JSONObject, _ path: String) throws(CatalogError) -> Provenance {
    var p = Provenance(source: try string(o["source"], "\(path).source"), note: try string(o["note"], "\(path).note"))
    switch o["nv"] {
    case nil, .bool(false)?: break
    case .bool(true)?: p.unverified = ["*"]
    case .array(let list)?:
      for (i, x) in list.enumerated() {
        guard let s = x.stringValue else { throw fail("\(path).nv[\(i)]", "must be a field name") }
        p.unverified.append(s)
      }
    default: throw fail("\(path).nv", "must be true, false or a list of field names")
    }
    return p
  }

  func string(_ v: JSONValue?, _ path: String) throws(CatalogError) -> String? {
    guard let v, !v.isNull else { return nil }
    guard let s = v.stringValue else { throw fail(path, "must be a string") }
    return s
  }

  func strings(_ v: JSONValue?, _ path: String) throws(CatalogError) -> [String] {
    guard let v, !v.isNull else { return [] }
    guard let list = v.arrayValue else { throw fail(path, "must be an array of strings") }
    var out: [String] = []
    for (i, x) in list.enumerated() {
      guard let s = x.stringValue else { throw fail("\(path)[\(i)]", "must be a string") }
      out.append(s)
    }
    return out
  }

  func bool(_ v: JSONValue?, _ path: String) throws(CatalogError) -> Bool? {
    guard let v, !v.isNull else { return nil }
    guard let b = v.boolValue else { throw fail(path, "must be true or false") }
    return b
  }

  func day(_ v: JSONValue, _ path: String) throws(CatalogError) -> CalendarDay {
    guard let s = v.stringValue, let d = CalendarDay(iso: s) else { throw fail(path, "must be a date YYYY-MM-DD") }
    return d
  }

  /// A JSON number (or numeric string) as an exact decimal: `0.075` stays 0.075.
  func decimal(_ v: JSONValue, _ path: String) throws(CatalogError) -> Decimal {
    let text: String
    switch v {
    case .number(let d) where d.isFinite && d >= 0: text = "\(d)"
    case .string(let s): text = s
    default: throw fail(path, "must be a non-negative number")
    }
    guard let d = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), !d.isNaN, d >= 0,
      text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+" || $0 == "-" })
    else {
      throw fail(path, "must be a non-negative number, not \(text.prefix(40))")
    }
    return d
  }
}
