import Foundation
import GeminiAPI
import GeminiCatalog

/// Run-wide settings that apply to every job unless the job sets its own.
/// From flags or a config file (`RunConfigFile`); flags win.
public struct RunDefaults: Sendable, Hashable {
  public var model: String?
  /// Merged under each job's generationConfig (the job's keys win, key by key).
  public var generationConfig: JSONValue?
  /// Text or a Content; used when the job has none.
  public var systemInstruction: JSONValue?
  /// A job without `id`/`key` gets `<basename>:<line>` instead of an error.
  public var idFromLine: Bool
  /// A longer line is an error (`lineTooLong`); the reader never holds more than this of one line.
  public var maxLineBytes: Int
  /// The inline limit per request (files are sent base64 inside the body).
  public var maxInlineBytes: Int
  /// `--strict`: a line with a warning is an error (nothing is sent).
  public var strict: Bool = false
  /// Folders besides each job file's own from which `files` and schema paths may be read
  /// (`--files-root`). Paths are resolved (symlinks followed) before they are compared.
  public var filesRoots: [String]
  /// The model facts every line is checked against (thinking rules, status, limits, features);
  /// its notices collect the warnings, one per model.
  public var catalog: ModelCatalog
  /// The day the catalog is read on; nil: today by the system clock.
  public var checkDate: CalendarDay?

  public static let defaultMaxLineBytes = 32 * 1024 * 1024
  public static let defaultMaxInlineBytes = 20 * 1024 * 1024

  public init(
    model: String? = nil, generationConfig: JSONValue? = nil, systemInstruction: JSONValue? = nil,
    idFromLine: Bool = false, maxLineBytes: Int = RunDefaults.defaultMaxLineBytes,
    maxInlineBytes: Int = RunDefaults.defaultMaxInlineBytes, filesRoots: [String] = [],
    catalog: ModelCatalog = .bundledOrEmpty, checkDate: CalendarDay? = nil
  ) {
    self.filesRoots = filesRoots
    self.catalog = catalog
    self.checkDate = checkDate
    self.model = model
    self.generationConfig = generationConfig
    self.systemInstruction = systemInstruction
    self.idFromLine = idFromLine
    self.maxLineBytes = maxLineBytes
    self.maxInlineBytes = maxInlineBytes
  }

  /// The defaults part of a config file.
  public static func load(configFile path: String) throws -> RunDefaults {
    try RunConfigFile.load(path: path).defaults
  }

  /// sha256 hex of everything that changes how a line becomes a request: stored with each
  /// `SourceFileRecord` so a resume re-reads a file when the defaults changed.
  public var fingerprint: String {
    let v: JSONValue = [
      "model": model.map { .string($0) } ?? .null,
      "generationConfig": generationConfig ?? .null,
      "systemInstruction": systemInstruction ?? .null,
      "idFromLine": .bool(idFromLine),
      "maxLineBytes": .number(Double(maxLineBytes)),
      "maxInlineBytes": .number(Double(maxInlineBytes)),
    ]
    // `strict` and the roots only when set, so stores read without them keep their fingerprints
    // (the roots only change which lines are valid).
    if strict || !filesRoots.isEmpty, case .object(var o) = v {
      if strict { o["strict"] = true }
      if !filesRoots.isEmpty { o["filesRoots"] = .array(filesRoots.map { .string($0) }) }
      return SHA256.hex(JSONValue.object(o).serialized(sortedKeys: true).utf8)
    }
    return SHA256.hex(v.serialized(sortedKeys: true).utf8)
  }
}

/// A JSON config file:
/// `{"model":…, "generationConfig":…, "systemInstruction":…, "limits": {"<model>": {"rpm":N,"tpm":N,"rpd":N}},
///   "concurrency":N, "maxAttempts":N}`. Unknown keys are an error.
public struct RunConfigFile: Sendable, Hashable {
  public struct Limit: Sendable, Hashable, Codable {
    public var rpm: Int?
    public var tpm: Int?
    public var rpd: Int?
    public init(rpm: Int? = nil, tpm: Int? = nil, rpd: Int? = nil) {
      self.rpm = rpm
      self.tpm = tpm
      self.rpd = rpd
    }
  }

  public var defaults: RunDefaults
  /// Per model name.
  public var limits: [String: Limit]
  public var concurrency: Int?
  public var maxAttempts: Int?
  /// Model catalog override files (`models`: a path or a list of paths, relative to the config file).
  public var models: [String]

  public init(
    defaults: RunDefaults = RunDefaults(), limits: [String: Limit] = [:], concurrency: Int? = nil, maxAttempts: Int? = nil,
    models: [String] = []
  ) {
    self.defaults = defaults
    self.limits = limits
    self.concurrency = concurrency
    self.maxAttempts = maxAttempts
    self.models = models
  }

  static let keys: Set<String> = [
    "model", "generationConfig", "systemInstruction", "limits", "concurrency", "maxAttempts",
    "generation_config", "system_instruction", "max_attempts", "idFromLine", "maxLineBytes", "models",
  ]

  /// Reads and checks a config file; errors are `JobError`s naming the file (line 0).
  public static func load(path: String) throws -> RunConfigFile {
    func fail(_ code: JobError.Code, _ m: String) -> JobError { JobError(file: path, line: 0, code: code, message: m) }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw fail(.unreadableFile, "cannot read the config file")
    }
    guard String(validating: data, as: UTF8.self) != nil else { throw fail(.invalidUTF8, "the config file is not UTF-8") }
    let value: JSONValue
    do { value = try JSONValue.parse(data) } catch { throw fail(.invalidJSON, "\(error)") }
    guard case .object(let raw) = value else { throw fail(.badField, "the config file must hold a JSON object") }
    var o = JSONObject()
    for (k, v) in raw { o[JobKeys.camelCase(k)] = v }
    for k in raw.keys where !keys.contains(k) {
      throw fail(.unknownField, "unknown field \"\(k)\" (known: model, generationConfig, systemInstruction, limits, concurrency, maxAttempts, models)")
    }
    var c = RunConfigFile()
    if let m = o["model"] {
      guard let s = m.stringValue, !s.isEmpty else { throw fail(.badField, "model must be a non-empty string") }
      c.defaults.model = s
    }
    if let g = o["generationConfig"] {
      guard case .object = g else { throw fail(.badField, "generationConfig must be an object") }
      c.defaults.generationConfig = JobKeys.normalizeGenerationConfig(g)
    }
    if let s = o["systemInstruction"] {
      switch s {
      case .string, .object: c.defaults.systemInstruction = s
      default: throw fail(.badField, "systemInstruction must be text or a Content object")
      }
    }
    if let b = o["idFromLine"] {
      guard let v = b.boolValue else { throw fail(.badField, "idFromLine must be true or false") }
      c.defaults.idFromLine = v
    }
    if let n = o["maxLineBytes"] {
      guard let v = n.intValue, v > 0 else { throw fail(.badField, "maxLineBytes must be a positive integer") }
      c.defaults.maxLineBytes = v
    }
    if let n = o["concurrency"] {
      guard let v = n.intValue, v > 0 else { throw fail(.badField, "concurrency must be a positive integer") }
      c.concurrency = v
    }
    if let n = o["maxAttempts"] {
      guard let v = n.intValue, v > 0 else { throw fail(.badField, "maxAttempts must be a positive integer") }
      c.maxAttempts = v
    }
    if let m = o["models"] {
      let dir = (path as NSString).deletingLastPathComponent
      let list: [JSONValue] = m.arrayValue ?? [m]
      for v in list {
        guard let p = v.stringValue, !p.isEmpty else { throw fail(.badField, "models must be a path or a list of paths") }
        c.models.append(p.hasPrefix("/") || dir.isEmpty ? p : dir + "/" + p)
      }
    }
    if let l = o["limits"] {
      guard case .object(let models) = l else { throw fail(.badField, "limits must be an object keyed by model") }
      for (model, spec) in models {
        guard case .object(let so) = spec else { throw fail(.badField, "limits.\(model) must be an object") }
        var limit = Limit()
        for (k, v) in so {
          guard let n = v.intValue, n > 0 else { throw fail(.badField, "limits.\(model).\(k) must be a positive integer") }
          switch k.lowercased() {
          case "rpm": limit.rpm = n
          case "tpm": limit.tpm = n
          case "rpd": limit.rpd = n
          default: throw fail(.unknownField, "limits.\(model): unknown field \"\(k)\" (rpm, tpm, rpd)")
          }
        }
        c.limits[model] = limit
      }
    }
    return c
  }
}
