import Foundation
import GeminiAPI

/// `gembatch models`: the catalog as a table or as JSON, with its n/v marks.
extension ModelCatalog {
  /// Every fact the catalog marks n/v, as `model: group.field (source)`, in catalog order.
  public func unverifiedFacts() -> [String] {
    var out: [String] = []
    func add(_ model: String, _ group: String, _ p: Provenance) {
      guard p.hasUnverified else { return }
      let fields = p.isWhollyUnverified ? "all" : p.unverified.joined(separator: ", ")
      out.append("\(model): \(group): \(fields)\(p.note.map { " — \($0)" } ?? "")")
    }
    for (t, p) in tiers.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
      add("tier \(t)", "multipliers", p.provenance)
    }
    for e in entries {
      add(e.id, "model", e.provenance)
      if e.aliasesUnverified, !e.aliases.isEmpty {
        out.append("\(e.id): aliases: \(e.aliases.joined(separator: ", "))")
      }
      add(e.id, "status", e.status.provenance)
      if let l = e.limits { add(e.id, "limits", l.provenance) }
      if let m = e.modalities { add(e.id, "modalities", m.provenance) }
      if let f = e.features { add(e.id, "features", f.provenance) }
      if let t = e.thinking { add(e.id, "thinking", t.provenance) }
      if let c = e.implicitCache { add(e.id, "implicitCache", c.provenance) }
      for (i, r) in e.prices.enumerated() {
        add(e.id, "prices[\(i)] (\(r.period))", r.provenance)
        if let g = r.search { add(e.id, "prices[\(i)].grounding.search", g.provenance) }
        if let g = r.maps { add(e.id, "prices[\(i)].grounding.maps", g.provenance) }
      }
    }
    return out
  }

  /// A text table: one line per model with its status on `date`, limits, thinking and the
  /// prices in effect (USD per 1M tokens: input / output / cached). `*` marks an n/v fact.
  public func table(date: CalendarDay, includeShutDown: Bool = true) -> String {
    var rows = [["model", "status", "in / out tokens", "thinking", "price \(date) (in / out / cached)", "notes"]]
    for e in entries where includeShutDown || !e.status.isShutDown(on: date) {
      let star = { (p: Provenance?) in (p?.hasUnverified ?? false) ? "*" : "" }
      var status = e.status.effective(on: date).rawValue
      if let to = e.status.routesTo { status += " → \(to)" }
      let limits =
        e.limits.map { l in
          "\(l.inputTokens.map(Self.group) ?? "?") / \(l.outputTokens.map(Self.group) ?? "?")\(star(l.provenance))"
        } ?? "?"
      let thinking = e.thinking.map { $0.summary + star($0.provenance) } ?? "?"
      var price = "—"
      var notes: [String] = []
      switch priceTarget(model: e.id, date: date) {
      case .success(let t):
        let r = t.row
        price =
          "\(Self.money(r.rates.input)) / \(Self.money(r.rates.output)) / \(r.rates.cachedInput.map(Self.money) ?? "=in")"
        price += star(r.provenance)
        if let lc = r.longContext {
          notes.append(">\(Self.group(lc.above)): \(Self.money(lc.rates.input)) / \(Self.money(lc.rates.output))")
        }
        if let io = r.imageOutput {
          if let per = io.usdPerMTok { notes.append("images $\(Self.money(per))/MTok") }
          if let per = io.usdPerImage { notes.append("$\(Self.money(per))/image") }
        }
        if let u = r.until { notes.append("until \(u)") }
        if let from = t.routedFrom { notes.append("billed as \(t.entry.id) (from \(from))") }
      case .failure(let u):
        price =
          u.kind == CatalogNotice.Kind.noPrice ? "unpriced" : u.kind.rawValue.replacingOccurrences(of: "_", with: " ")
      }
      if let s = e.status.shutdown, s > date { notes.append("shutdown \(s)") }
      rows.append([e.id, status, limits, thinking, price, notes.joined(separator: "; ")])
    }
    var out = "model catalog \(version)\(self.date.map { ", facts of \($0)" } ?? "")\n"
    out += Self.render(rows)
    out += "* = n/v (not verified); `gembatch models --format json` lists every fact with its source\n"
    return out
  }

  /// The catalog as JSON for `gembatch models --format json`: each model with every fact, the
  /// prices in effect on `date`, and the list of its n/v facts.
  public func describe(date: CalendarDay) -> JSONValue {
    func prov(_ p: Provenance) -> JSONObject {
      var o = JSONObject()
      if let s = p.source { o["source"] = .string(s) }
      if !p.unverified.isEmpty {
        o["nv"] = p.isWhollyUnverified ? .bool(true) : .array(p.unverified.map(JSONValue.string))
      }
      if let n = p.note { o["note"] = .string(n) }
      return o
    }
    func merge(_ a: JSONObject, _ b: JSONObject) -> JSONValue {
      var a = a
      for (k, v) in b { a[k] = v }
      return .object(a)
    }
    func dec(_ d: Decimal?) -> JSONValue { d.map { .number(NSDecimalNumber(decimal: $0).doubleValue) } ?? .null }
    func row(_ r: PriceRow) -> JSONValue {
      var o = JSONObject()
      if let f = r.from { o["from"] = .string(f.description) }
      if let u = r.until { o["until"] = .string(u.description) }
      o["input"] = dec(r.rates.input)
      o["output"] = dec(r.rates.output)
      if let c = r.rates.cachedInput { o["cachedInput"] = dec(c) }
      if let a = r.audioInput { o["audioInput"] = dec(a) }
      if let a = r.cachedAudioInput { o["cachedAudioInput"] = dec(a) }
      if let s = r.cacheStoragePerHour { o["cacheStoragePerHour"] = dec(s) }
      if let lc = r.longContext {
        o["longContext"] = [
          "above": .number(Double(lc.above)), "input": dec(lc.rates.input), "output": dec(lc.rates.output),
          "cachedInput": dec(lc.rates.cachedInput),
        ]
      }
      if let io = r.imageOutput {
        var i = JSONObject()
        if let v = io.usdPerMTok { i["usdPerMTok"] = dec(v) }
        if let v = io.tokensPerImage { i["tokensPerImage"] = .number(Double(v)) }
        if let v = io.usdPerImage { i["usdPerImage"] = dec(v) }
        o["imageOutput"] = .object(i)
      }
      var g = JSONObject()
      for (k, x) in [("search", r.search), ("maps", r.maps)] {
        guard let x else { continue }
        g[k] = merge(
          JSONObject([("per", .string(x.per.rawValue)), ("usdPer1000", dec(x.usdPer1000))]), prov(x.provenance))
      }
      if !g.isEmpty { o["grounding"] = .object(g) }
      return merge(o, prov(r.provenance))
    }
    var models: [JSONValue] = []
    for e in entries {
      var o = JSONObject()
      o["id"] = .string(e.id)
      if let n = e.displayName { o["displayName"] = .string(n) }
      if !e.aliases.isEmpty { o["aliases"] = .array(e.aliases.map(JSONValue.string)) }
      var s = JSONObject()
      s["stage"] = .string(e.status.stage.rawValue)
      s["effective"] = .string(e.status.effective(on: date).rawValue)
      if let d = e.status.released { s["released"] = .string(d.description) }
      if let d = e.status.deprecated { s["deprecated"] = .string(d.description) }
      if let d = e.status.shutdown { s["shutdown"] = .string(d.description) }
      if let r = e.status.replacement { s["replacement"] = .string(r) }
      if let r = e.status.routesTo { s["routesTo"] = .string(r) }
      o["status"] = merge(s, prov(e.status.provenance))
      if let l = e.limits {
        var x = JSONObject()
        if let i = l.inputTokens { x["inputTokens"] = .number(Double(i)) }
        if let i = l.outputTokens { x["outputTokens"] = .number(Double(i)) }
        o["limits"] = merge(x, prov(l.provenance))
      }
      if let m = e.modalities {
        o["modalities"] = merge(
          JSONObject([
            ("input", .array(m.input.sorted().map { .string($0.rawValue) })),
            ("output", .array(m.output.sorted().map { .string($0.rawValue) })),
          ]), prov(m.provenance))
      }
      if let f = e.features {
        var x = JSONObject()
        for k in Feature.allCases { if let b = f[k] { x[k.rawValue] = .bool(b) } }
        o["features"] = merge(x, prov(f.provenance))
      }
      if let t = e.thinking {
        var x = JSONObject([("control", .string(t.control.rawValue))])
        if !t.levels.isEmpty { x["levels"] = .array(t.levels.map(JSONValue.string)) }
        if let b = t.budget { x["budget"] = .string("\(b.lowerBound)..\(b.upperBound)") }
        x["canDisable"] = .bool(t.canDisable)
        if t.control == .budget { x["dynamic"] = .bool(t.dynamic) }
        if let d = t.defaultValue { x["default"] = .string(d) }
        o["thinking"] = merge(x, prov(t.provenance))
      }
      if let c = e.implicitCache {
        o["implicitCache"] = merge(JSONObject([("minTokens", .number(Double(c.minTokens)))]), prov(c.provenance))
      }
      switch priceTarget(model: e.id, date: date) {
      case .success(let t):
        var x = JSONObject([("model", .string(t.entry.id))])
        if let r = t.routedFrom { x["routedFrom"] = .string(r) }
        x["row"] = row(t.row)
        o["priceInEffect"] = .object(x)
      case .failure(let u):
        o["priceInEffect"] = ["unpriced": .string(u.kind.rawValue), "message": .string(u.message)]
      }
      o["prices"] = .array(e.prices.map(row))
      let p = prov(e.provenance)
      for (k, v) in p { o[k] = v }
      o["origin"] = .string(e.origin)
      models.append(.object(o))
    }
    var tiersJSON = JSONObject()
    for t in ServiceTier.allCases {
      guard let p = tiers[t] else { continue }
      tiersJSON[t.rawValue] = merge(
        JSONObject([("multiplier", dec(p.multiplier)), ("cachedMultiplier", dec(p.cachedMultiplier))]),
        prov(p.provenance))
    }
    return [
      "version": .string(version),
      "date": self.date.map { .string($0.description) } ?? .null,
      "asOf": .string(date.description),
      "files": .array(files.map(JSONValue.string)),
      "tiers": .object(tiersJSON),
      "models": .array(models),
      "unverified": .array(unverifiedFacts().map(JSONValue.string)),
      "sources": .object(
        JSONObject(
          sources.sorted { $0.key < $1.key }.map { (key: String, value: String) -> (String, JSONValue) in
            (key, .string(value))
          })),
    ]
  }

  static func money(_ d: Decimal) -> String { NSDecimalNumber(decimal: d).stringValue }

  static func group(_ n: Int) -> String {
    let s = String(n)
    var out = ""
    for (i, c) in s.reversed().enumerated() {
      if i > 0 && i % 3 == 0 { out.append(",") }
      out.append(c)
    }
    return String(out.reversed())
  }

  static func render(_ rows: [[String]]) -> String {
    var widths = [Int](repeating: 0, count: rows.map(\.count).max() ?? 0)
    for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
    var out = ""
    for r in rows {
      var line = ""
      for (i, c) in r.enumerated() {
        line += i == r.count - 1 ? c : c.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0)
      }
      while line.hasSuffix(" ") { line.removeLast() }
      out += line + "\n"
    }
    return out
  }
}

/// Two-space pretty JSON with the keys in their own order (override files and `--format json`).
public enum CatalogJSON {
  public static func pretty(_ v: JSONValue) -> String { v.prettyPrinted() + "\n" }
}
