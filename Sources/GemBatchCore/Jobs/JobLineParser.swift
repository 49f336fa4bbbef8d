import Foundation
import GeminiAPI
import GeminiCatalog

/// Turns one job line (a parsed JSON object) into a `Job`: checks every field, resolves files and
/// schema paths relative to the job file, applies the run defaults and builds the canonical body.
struct JobLineParser {
  let defaults: RunDefaults
  /// Schema files, read once per resolved path (failures are remembered too).
  private var schemaCache: [String: Result<JSONValue, Failure>] = [:]
  /// Inline file parts (base64), kept while their total stays under `fileCacheLimit`.
  private var fileCache: [String: (mime: String?, base64: String)] = [:]
  private var fileCacheBytes = 0
  static let fileCacheLimit = 64 << 20
  /// How many times a schema file was actually read (tests check "read once").
  private(set) var schemaReads = 0
  /// Schema and inline files each job file's lines named (resolved paths), for the resume
  /// fingerprint: a change to one of them re-reads the job file.
  private(set) var references: [String: Set<String>] = [:]
  private var lastJobFile = ""
  private var lastDir = ""
  /// Counted while one line is built.
  private var localFiles = 0
  private var localFileBytes = 0

  struct Failure: Error, Sendable {
    let code: JobError.Code
    let message: String
    init(_ code: JobError.Code, _ message: String) {
      self.code = code
      self.message = message
    }
  }

  /// Model names known to the catalog, for the unknown-model warning's "did you mean".
  let knownModels: [String]
  /// The unknown-model warning per model name seen (most files name few models).
  private var modelWarnings: [String: RequestWarning?] = [:]
  /// Which local paths may be read (the job file's folder, `--files-root`, never /proc…).
  let gate: LocalFileGate
  /// The day the catalog is read on (shutdowns), fixed for the reader's life.
  let checkDate: CalendarDay
  /// Catalog entries by model name as written, resolved once; by reference, since every line
  /// reads one (a copy of an entry retains each of its many fields).
  private var entries: [String: EntryBox] = [:]

  private final class EntryBox {
    let entry: ModelEntry?
    /// What every line reads, kept apart so that reading it copies nothing else of the entry.
    let inputLimit: Int?
    let thinking: ThinkingRule?
    init(_ e: ModelEntry?) {
      entry = e
      inputLimit = e?.limits?.inputTokens
      thinking = e?.thinking
    }
  }
  /// What a line's catalog warnings depend on: once one line has been warned about, lines alike
  /// are not (the reader reports each warning once per model anyway), so a million lines on a
  /// shut-down model build its warning once.
  private struct WarningKey: Hashable {
    var model: String
    var images: Bool
    var uses: Set<Feature>
    var tooLong: Bool
    var thinking: Bool
  }
  private var warned: Set<WarningKey> = []

  init(defaults: RunDefaults, knownModels: [String]? = nil) {
    self.defaults = defaults
    self.knownModels = knownModels ?? defaults.catalog.knownNames
    self.gate = LocalFileGate(roots: defaults.filesRoots)
    checkDate = defaults.checkDate ?? .today
  }

  static let topLevelFields: Set<String> = [
    "id", "key", "model", "prompt", "contents", "request", "systemInstruction", "files", "generationConfig",
    "responseSchema", "responseJsonSchema", "tools", "toolConfig", "safetySettings", "cachedContent", "serviceTier",
    "metadata",
  ]
  /// Fields that belong inside `request` when a whole request is given.
  static let requestOnlyFields = [
    "systemInstruction", "files", "generationConfig", "responseSchema", "responseJsonSchema", "tools", "toolConfig",
    "safetySettings", "cachedContent", "serviceTier",
  ]
  static let canonicalOrder = [
    "contents", "systemInstruction", "tools", "toolConfig", "safetySettings", "generationConfig", "cachedContent",
    "serviceTier",
  ]

  /// The job's id from `id` or `key` (nil when absent), for error messages even when the rest fails.
  static func jobId(_ o: JSONObject) throws(Failure) -> String? {
    func text(_ v: JSONValue, _ name: String) throws(Failure) -> String {
      if let s = v.stringValue, !s.isEmpty { return s }
      if let n = v.intValue { return String(n) }
      throw Failure(.badField, "\(name) must be a non-empty string")
    }
    let id = try o["id"].map { v throws(Failure) in try text(v, "id") }
    let key = try o["key"].map { v throws(Failure) in try text(v, "key") }
    if let id, let key, id != key { throw Failure(.badField, "id and key differ; give one") }
    return id ?? key
  }

  /// Top-level keys camelCased (snake_case accepted), unknown ones refused.
  static func normalizeTopLevel(_ raw: JSONObject) throws(Failure) -> JSONObject {
    var o = JSONObject()
    for (k, v) in raw {
      let ck = JobKeys.camelCase(k)
      guard topLevelFields.contains(ck) else {
        throw Failure(.unknownField, "unknown field \"\(k)\"")
      }
      if o[ck] != nil { throw Failure(.badField, "\(ck) is given twice (as \(k) and its other spelling)") }
      o[ck] = v
    }
    return o
  }

  struct Built {
    var model: String
    var body: Data
    var estimatedInputTokens: Int
    var isJSONMode: Bool
    var outputSchema: OutputSchema?
    var usesSearch: Bool
    var metadata: JSONValue?
    var maxOutputTokens: Int?
    /// Sendable, but probably not what was meant (`RequestWarnings`).
    var warnings: [RequestWarning] = []
    /// Local files sent inline, and their size in bytes (before base64).
    var localFiles = 0
    var localFileBytes = 0
    /// The catalog's warnings for this request (reported once per model by the reader).
    var catalogFindings: [CatalogFinding] = []
  }

  /// Builds the request for a normalized job object. `jobFile` anchors relative paths.
  mutating func build(_ o: JSONObject, jobFile: String) throws(Failure) -> Built {
    if jobFile != lastJobFile {
      lastJobFile = jobFile
      lastDir = (jobFile as NSString).deletingLastPathComponent
    }
    let dir = lastDir
    var fields = JSONObject()  // request fields before canonical ordering
    var requestModel: String?
    localFiles = 0
    localFileBytes = 0

    let sources = ["prompt", "contents", "request"].filter { o[$0] != nil }
    if sources.isEmpty { throw Failure(.missingPrompt, "no prompt: give prompt, contents or request") }
    if sources.count > 1 { throw Failure(.badField, "give only one of prompt, contents and request (found \(sources.joined(separator: ", ")))") }

    if let r = o["request"] {
      guard case .object(let raw) = r else { throw Failure(.badField, "request must be an object (a GenerateContentRequest)") }
      for f in Self.requestOnlyFields where o[f] != nil {
        throw Failure(.badField, "with request, put \(f) inside the request")
      }
      for (k, v) in raw {
        let ck = JobKeys.camelCase(k)
        if ck == "model" {
          guard let m = v.stringValue, !m.isEmpty else { throw Failure(.badField, "request.model must be a string") }
          requestModel = m
          continue
        }
        guard GenerateContentRequest.fieldNames.contains(ck) else {
          throw Failure(.unknownField, "unknown field \"request.\(k)\"")
        }
        if fields[ck] != nil { throw Failure(.badField, "request.\(ck) is given twice") }
        fields[ck] = v
      }
      guard let c = fields["contents"] else { throw Failure(.missingPrompt, "request has no contents") }
      try Self.checkContents(c, name: "request.contents")
      if case .string(let s)? = fields["systemInstruction"] { fields["systemInstruction"] = Self.textContent(s) }
    } else {
      for f in ["tools", "toolConfig", "safetySettings", "cachedContent", "serviceTier"] {
        if let v = o[f] { fields[f] = v }
      }
      var fileParts: [JSONValue] = []
      if let f = o["files"] { fileParts = try filesParts(f, dir: dir) }
      if let p = o["prompt"] {
        guard let text = p.stringValue else { throw Failure(.badField, "prompt must be a string (use contents for parts)") }
        if text.isEmpty && fileParts.isEmpty { throw Failure(.missingPrompt, "prompt is empty") }
        var parts = fileParts
        if !text.isEmpty { parts.append(["text": .string(text)]) }
        fields["contents"] = [["role": "user", "parts": .array(parts)]]
      } else if let c = o["contents"] {
        try Self.checkContents(c, name: "contents")
        var list = c.arrayValue!
        if !fileParts.isEmpty, case .object(var last) = list[list.count - 1] {
          last["parts"] = .array(fileParts + (last["parts"]?.arrayValue ?? []))
          list[list.count - 1] = .object(last)
        }
        fields["contents"] = .array(list)
      }
      if let s = o["systemInstruction"] {
        switch s {
        case .string(let t): fields["systemInstruction"] = Self.textContent(t)
        case .object: fields["systemInstruction"] = s
        default: throw Failure(.badField, "systemInstruction must be text or a Content object")
        }
      }
      if let g = o["generationConfig"] { fields["generationConfig"] = g }
    }

    // Model.
    var lineModel: String?
    if let m = o["model"] {
      guard let s = m.stringValue, !s.isEmpty else { throw Failure(.badField, "model must be a non-empty string") }
      lineModel = s
    }
    guard var model = lineModel ?? requestModel ?? defaults.model else {
      throw Failure(.missingModel, "no model: set model on the line or --model for the run")
    }
    if model.hasPrefix("models/") { model.removeFirst("models/".count) }
    if model.isEmpty { throw Failure(.missingModel, "no model: set model on the line or --model for the run") }

    // Shape checks of pass-through fields.
    if let t = fields["tools"], !(t.arrayValue?.allSatisfy { $0.objectValue != nil } ?? false) {
      throw Failure(.badField, "tools must be an array of objects")
    }
    if let t = fields["toolConfig"], t.objectValue == nil { throw Failure(.badField, "toolConfig must be an object") }
    if let s = fields["safetySettings"], !(s.arrayValue?.allSatisfy { $0.objectValue != nil } ?? false) {
      throw Failure(.badField, "safetySettings must be an array of {category, threshold}")
    }
    if let c = fields["cachedContent"], c.stringValue == nil { throw Failure(.badField, "cachedContent must be a string") }
    if let c = fields["serviceTier"] {
      guard let t = c.stringValue else { throw Failure(.badField, "serviceTier must be a string") }
      guard let tier = ServiceTier(wire: t) else {
        throw Failure(.badField, "serviceTier must be flex, standard or priority, not \(t)")
      }
      fields["serviceTier"] = .string(tier.rawValue)
    }
    if let s = fields["systemInstruction"], s.objectValue?["parts"]?.arrayValue == nil {
      throw Failure(.badField, "systemInstruction must be text or a Content with parts")
    }
    if fields["systemInstruction"] == nil, let d = defaults.systemInstruction {
      fields["systemInstruction"] = d.stringValue.map(Self.textContent) ?? d
    }
    for k in ["tools", "toolConfig", "safetySettings", "systemInstruction"] + (o["prompt"] == nil ? ["contents"] : []) {
      if let v = fields[k] { fields[k] = JobKeys.normalizeRequestPart(k, v) }
    }

    // generationConfig: defaults under the job's, schemas resolved, JSON mode, thinking rules.
    var jobGC = JSONObject()
    if let g = fields["generationConfig"] {
      guard case .object = g, case .object(let n) = JobKeys.normalizeGenerationConfig(g) else {
        throw Failure(.badField, "generationConfig must be an object")
      }
      jobGC = n
    }
    for k in ["responseSchema", "responseJsonSchema"] {
      if let v = o[k] {
        if jobGC[k] != nil { throw Failure(.badField, "\(k) is given both on the line and in generationConfig") }
        jobGC[k] = v
      }
    }
    for k in ["responseSchema", "responseJsonSchema"] {
      if let v = jobGC[k] { jobGC[k] = try resolveSchema(v, name: k, dir: dir) }
    }
    var gc = JSONObject()
    if case .object(let d)? = defaults.generationConfig {
      let jobHasSchema = jobGC["responseSchema"] != nil || jobGC["responseJsonSchema"] != nil
      for (k, v) in d where !(jobHasSchema && (k == "responseSchema" || k == "responseJsonSchema")) { gc[k] = v }
    }
    for (k, v) in jobGC { gc[k] = v }
    if gc["responseSchema"] != nil && gc["responseJsonSchema"] != nil {
      throw Failure(.badSchema, "both responseSchema and responseJsonSchema are set; give one")
    }
    var outputSchema: OutputSchema?
    if let s = gc["responseJsonSchema"] { outputSchema = .jsonSchema(s) } else if let s = gc["responseSchema"] { outputSchema = .openAPI(s) }
    if let schema = outputSchema {
      let problems = SchemaBasics.check(schema)
      if !problems.isEmpty {
        let name = gc["responseJsonSchema"] != nil ? "responseJsonSchema" : "responseSchema"
        throw Failure(.badSchema, "bad \(name): \(problems.joined(separator: "; "))")
      }
      switch gc["responseMimeType"] {
      case nil: gc["responseMimeType"] = "application/json"
      case .string(let m) where ["application/json", "text/x.enum"].contains(m.lowercased()): break
      case .string(let m): throw Failure(.badSchema, "a schema needs responseMimeType application/json, not \(m)")
      default: throw Failure(.badField, "responseMimeType must be a string")
      }
    }
    if let m = gc["responseMimeType"], m.stringValue == nil { throw Failure(.badField, "responseMimeType must be a string") }
    var thinking: ThinkingConfig?
    if let t = gc["thinkingConfig"] {
      guard case .object(let tc) = t else { throw Failure(.badField, "thinkingConfig must be an object") }
      var cfg = ThinkingConfig()
      if let b = tc["thinkingBudget"] {
        guard let n = b.intValue else { throw Failure(.thinkingConfig, "thinkingBudget must be an integer") }
        cfg.thinkingBudget = n
      }
      if let l = tc["thinkingLevel"] {
        guard let s = l.stringValue else { throw Failure(.thinkingConfig, "thinkingLevel must be a string") }
        cfg.thinkingLevel = s
      }
      if let i = tc["includeThoughts"], i.boolValue == nil {
        throw Failure(.thinkingConfig, "includeThoughts must be true or false")
      }
      thinking = cfg
    }
    var modalities: [String] = []
    if let m = gc["responseModalities"] {
      guard let list = m.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
        throw Failure(.badField, "responseModalities must be an array of TEXT, IMAGE or AUDIO")
      }
      modalities = list.compactMap { $0.stringValue?.uppercased() }
    }
    if !gc.isEmpty { fields["generationConfig"] = .object(gc) } else { fields["generationConfig"] = nil }

    // Canonical body, checked whole against the API's schema.
    var body = JSONObject()
    for k in Self.canonicalOrder { if let v = fields[k] { body[k] = v } }
    let bodyJSON = JSONValue.object(body)
    let problems = RequestValidator.validate(bodyJSON)
    if !problems.isEmpty { throw Failure(.invalidRequest, problems.map(\.description).joined(separator: "; ")) }
    let data = bodyJSON.serializedData()
    if data.count > defaults.maxInlineBytes {
      let mb = String(format: "%.1f", Double(data.count) / 1_048_576)
      let limit = defaults.maxInlineBytes / 1_048_576
      if o["files"] != nil {
        throw Failure(.fileTooLarge, "the request with its inline files is \(mb) MB, over the \(limit) MB inline limit")
      }
      throw Failure(.badField, "the request is \(mb) MB, over the \(limit) MB request limit")
    }
    let tools = fields["tools"]?.arrayValue ?? []
    func tool(_ names: String...) -> Bool { tools.contains { t in names.contains { t[$0] != nil } } }
    let usesSearch = tool("googleSearch", "google_search", "googleSearchRetrieval", "google_search_retrieval")
    let estimate = TokenEstimator.estimate(bodyJSON: bodyJSON)

    // The catalog's rules: thinking errors stop the job; the rest are warnings.
    var uses = Set<Feature>()
    if usesSearch { uses.insert(.search) }
    if tool("googleMaps", "google_maps") { uses.insert(.maps) }
    if tool("codeExecution", "code_execution") { uses.insert(.codeExecution) }
    if tool("urlContext", "url_context") { uses.insert(.urlContext) }
    if tool("functionDeclarations", "function_declarations") { uses.insert(.functionCalling) }
    if outputSchema != nil { uses.insert(.structuredOutput) }
    if fields["cachedContent"] != nil { uses.insert(.caching) }
    switch fields["serviceTier"]?.stringValue {
    case "flex"?: uses.insert(.flex)
    case "priority"?: uses.insert(.priority)
    default: break
    }
    let facts = RequestFacts(thinking: thinking, responseModalities: modalities, estimatedInputTokens: estimate, uses: uses)
    let box: EntryBox
    if let hit = entries[model] {
      box = hit
    } else {
      box = EntryBox(defaults.catalog.entry(model))
      if entries.count < 1024 { entries[model] = box }
    }
    let key = WarningKey(
      model: model, images: facts.wantsImages, uses: uses,
      tooLong: box.inputLimit.map { estimate > $0 } ?? false, thinking: thinking != nil)
    var findings: [CatalogFinding]
    if warned.contains(key) {
      findings =
        thinking == nil
        ? [] : defaults.catalog.checkThinking(model: model, entry: box.entry, config: thinking).filter { $0.severity == .error }
    } else {
      findings = defaults.catalog.preflight(model: model, entry: box.entry, facts: facts, date: checkDate)
    }
    let errors = findings.filter { $0.severity == .error }
    if !errors.isEmpty { throw Failure(.thinkingConfig, errors.map(\.message).joined(separator: "; ")) }
    if warned.count < 4096 { warned.insert(key) }
    var warnings = RequestWarnings.check(
      bodyJSON, model: model, defaultThinking: Self.defaultThinking(model, box.thinking))
    // Stray spaces resolve in the catalog but not at the API, so they are warned about too.
    if box.entry == nil || Self.hasStraySpace(model), let w = modelWarning(model) {
      // One warning for a name the catalog lacks: the request check's, which says "did you mean".
      findings.removeAll { $0.kind == .unknownModel }
      warnings.insert(w, at: 0)
    }
    return Built(
      model: model, body: data, estimatedInputTokens: estimate,
      isJSONMode: gc["responseMimeType"]?.stringValue?.lowercased() == "application/json",
      outputSchema: outputSchema, usesSearch: usesSearch, metadata: o["metadata"],
      maxOutputTokens: gc["maxOutputTokens"]?.intValue, warnings: warnings,
      localFiles: localFiles, localFileBytes: localFileBytes, catalogFindings: findings)
  }

  /// A space, tab or line break at either end (a byte test: this runs on every line).
  static func hasStraySpace(_ s: String) -> Bool {
    func space(_ b: UInt8?) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
    return space(s.utf8.first) || space(s.utf8.last)
  }

  private mutating func modelWarning(_ model: String) -> RequestWarning? {
    if let cached = modelWarnings[model] { return cached }
    let w = RequestWarnings.modelName(model, known: knownModels).map {
      RequestWarning(
        kind: $0.kind, path: $0.path,
        message: $0.message + " (it still runs, unpriced; a --models FILE can add it)")
    }
    if modelWarnings.count < 1000 { modelWarnings[model] = w }
    return w
  }

  /// How a model thinks when a request says nothing, in words, for the maxOutputTokens warning.
  static func defaultThinking(_ model: String, _ rule: ThinkingRule?) -> String? {
    guard let rule else { return nil }
    switch rule.control {
    case .none:
      return nil
    case .level:
      guard let d = rule.defaultValue?.uppercased() else { return "\(model)'s default thinking" }
      return d == "MINIMAL" ? nil : "\(model)'s default thinking level (\(d))"
    case .budget:
      switch rule.defaultValue {
      case "off"?, "0"?: return nil
      case nil, "dynamic"?: return "\(model)'s default dynamic thinking"
      case let n?: return "\(model)'s default thinking budget (\(n))"
      }
    }
  }

  static func textContent(_ s: String) -> JSONValue { ["parts": [["text": .string(s)]]] }

  static func checkContents(_ c: JSONValue, name: String) throws(Failure) {
    guard let list = c.arrayValue else { throw Failure(.badField, "\(name) must be an array of Content") }
    if list.isEmpty { throw Failure(.missingPrompt, "\(name) is empty") }
    for (i, item) in list.enumerated() {
      guard case .object(let o) = item, let parts = o["parts"]?.arrayValue else {
        throw Failure(.badField, "\(name)[\(i)] must be a Content with parts")
      }
      if let r = o["role"], r.stringValue == nil { throw Failure(.badField, "\(name)[\(i)].role must be a string") }
      if parts.contains(where: { $0.objectValue == nil }) { throw Failure(.badField, "\(name)[\(i)].parts must hold objects") }
    }
  }

  static func resolve(_ path: String, dir: String) -> String {
    if path.hasPrefix("/") || dir.isEmpty { return path }
    return dir + "/" + path
  }

  /// A schema given inline, or a path (relative to the job file) read once.
  mutating func resolveSchema(_ v: JSONValue, name: String, dir: String) throws(Failure) -> JSONValue {
    guard case .string(let p) = v else { return v }
    let path = Self.resolve(p, dir: dir)
    references[lastJobFile, default: []].insert(path)
    if let cached = schemaCache[path] { return try cached.get() }
    schemaReads += 1
    let result: Result<JSONValue, Failure>
    var data: Data?
    switch gate.check(path, jobFolder: dir, what: "\(name) file \(p)") {
    case .refused(let why):
      result = .failure(Failure(.fileRefused, why))
      schemaCache[path] = result
      return try result.get()
    case .missing: data = nil
    case .allowed(let real):
      if case .data(let d) = LocalFileGate.readRegular(real, limit: defaults.maxLineBytes) { data = d }
    }
    if let data {
      if String(validating: data, as: UTF8.self) == nil {
        result = .failure(Failure(.unreadableSchema, "\(name) file \(p) is not UTF-8"))
      } else if let value = try? JSONValue.parse(data) {
        result = .success(value)
      } else {
        result = .failure(Failure(.unreadableSchema, "\(name) file \(p) is not valid JSON"))
      }
    } else {
      result = .failure(Failure(.unreadableSchema, "cannot read \(name) file \(p)"))
    }
    schemaCache[path] = result
    return try result.get()
  }

  /// `files`: paths or `{path|uri, mimeType}`; local files become inline base64 parts.
  mutating func filesParts(_ v: JSONValue, dir: String) throws(Failure) -> [JSONValue] {
    guard let list = v.arrayValue else { throw Failure(.badField, "files must be an array") }
    var parts: [JSONValue] = []
    var inlineTotal = 0
    for (i, entry) in list.enumerated() {
      var path: String?
      var uri: String?
      var mime: String?
      switch entry {
      case .string(let s): path = s
      case .object(let o):
        for (k, val) in o {
          switch JobKeys.camelCase(k) {
          case "path": path = val.stringValue
          case "uri", "fileUri": uri = val.stringValue
          case "mimeType": mime = val.stringValue
          default: throw Failure(.unknownField, "unknown field \"files[\(i)].\(k)\" (path, uri, mimeType)")
          }
          if val.stringValue == nil { throw Failure(.badField, "files[\(i)].\(k) must be a string") }
        }
      default: throw Failure(.badField, "files[\(i)] must be a path or {path|uri, mimeType}")
      }
      if (path == nil) == (uri == nil) { throw Failure(.badField, "files[\(i)] needs exactly one of path and uri") }
      if let uri {
        let m = mime ?? MimeSniffer.byExtension(uri)
        var fd = JSONObject()
        if let m { fd["mimeType"] = .string(m) }
        fd["fileUri"] = .string(uri)
        parts.append(["fileData": .object(fd)])
        continue
      }
      let p = path!
      let full = Self.resolve(p, dir: dir)
      references[lastJobFile, default: []].insert(full)
      if let part = try uploadPart(full, shown: p, index: i, mime: mime) {
        parts.append(part)
        continue
      }
      let (detected, b64) = try inlineFile(full, shown: p, index: i)
      guard let type = mime ?? detected else {
        throw Failure(.badField, "cannot tell the type of files[\(i)] \(p); add mimeType")
      }
      inlineTotal += b64.utf8.count
      if inlineTotal > defaults.maxInlineBytes {
        throw Failure(.fileTooLarge, "files are \(inlineTotal / 1_048_576) MB as base64, over the \(defaults.maxInlineBytes / 1_048_576) MB inline limit")
      }
      parts.append(["inlineData": ["mimeType": .string(type), "data": .string(b64)]])
    }
    return parts
  }

  /// A local file too large to go inline becomes a `fileData` part naming it by content
  /// (`FileUploader` uploads it through the Files API before the request is sent); nil for a
  /// file that fits inline.
  private func uploadPart(_ full: String, shown: String, index i: Int, mime: String?) throws(Failure) -> JSONValue? {
    guard let attrs = try? FileManager.default.attributesOfItem(atPath: full),
      (attrs[.type] as? FileAttributeType) != .typeDirectory
    else { return nil }
    let size = (attrs[.size] as? NSNumber)?.intValue ?? 0
    guard (size + 2) / 3 * 4 > defaults.maxInlineBytes else { return nil }
    if size > 2_000_000_000 {
      throw Failure(.fileTooLarge, "files[\(i)] \(shown) is \(size / 1_048_576) MB, over the Files API's 2 GB")
    }
    guard let h = FileHandle(forReadingAtPath: full) else { throw Failure(.unreadableFile, "cannot read files[\(i)] \(shown)") }
    defer { try? h.close() }
    var sha = SHA256()
    var head = Data()
    while let chunk = try? h.read(upToCount: 8 << 20), !chunk.isEmpty {
      if head.isEmpty { head = chunk.prefix(16) }
      sha.update(chunk)
    }
    guard let type = mime ?? MimeSniffer.detect(path: full, head: head) else {
      throw Failure(.badField, "cannot tell the type of files[\(i)] \(shown); add mimeType")
    }
    let hex = SHA256.hexString(sha.finalize())
    return ["fileData": ["mimeType": .string(type), "fileUri": .string(FileUploader.placeholder(sha256: hex, path: full))]]
  }

  private mutating func inlineFile(_ full: String, shown: String, index i: Int) throws(Failure) -> (String?, String) {
    let real: String
    switch gate.check(full, jobFolder: lastDir, what: "files[\(i)] \(shown)") {
    case .refused(let why): throw Failure(.fileRefused, why)
    case .missing: throw Failure(.unreadableFile, "cannot read files[\(i)] \(shown)")
    case .allowed(let r): real = r
    }
    if let hit = fileCache[real] {
      countLocalFile(bytes: hit.base64.utf8.count / 4 * 3 - hit.base64.utf8.reversed().prefix(2).filter { $0 == 0x3D }.count)
      return hit
    }
    // The base64 form must fit the inline limit: (size + 2) / 3 * 4 ≤ limit.
    let limit = defaults.maxInlineBytes / 4 * 3
    let data: Data
    switch LocalFileGate.readRegular(real, limit: limit) {
    case .data(let d): data = d
    case .tooLarge(let size):
      throw Failure(.fileTooLarge, "files[\(i)] \(shown) is \(size / 1_048_576) MB, over the \(defaults.maxInlineBytes / 1_048_576) MB inline limit (base64)")
    case .failed: throw Failure(.unreadableFile, "cannot read files[\(i)] \(shown)")
    }
    countLocalFile(bytes: data.count)
    let value = (MimeSniffer.detect(path: full, head: data.prefix(16)), data.base64EncodedString())
    if fileCacheBytes + value.1.utf8.count <= Self.fileCacheLimit {
      fileCache[real] = value
      fileCacheBytes += value.1.utf8.count
    }
    return value
  }

  private mutating func countLocalFile(bytes: Int) {
    localFiles += 1
    localFileBytes += bytes
  }
}
