import Foundation
import GRDB
import GeminiCatalog

/// The entry points the CLI calls: each takes a plain `Sendable` configuration, opens the store
/// read-only (or for update when repricing) and streams to a file or standard output.
public enum ReportRunner {
  public struct ExportConfig: Sendable {
    public var database: String
    public var options: ExportOptions
    /// nil = standard output.
    public var outPath: String?
    public init(database: String, options: ExportOptions, outPath: String? = nil) {
      self.database = database
      self.options = options
      self.outPath = outPath
    }
  }

  public struct ReportConfig: Sendable {
    public var database: String
    public var runID: Int?
    public var format: ReportFormat
    public var outPath: String?
    /// `--prices FILE` (an old-form price file, folded into the catalog).
    public var pricesPath: String?
    /// `--models FILE`: catalog override files.
    public var modelsPaths: [String]
    /// `--reprice`: price stored results again first (one transaction).
    public var reprice: Bool
    public init(
      database: String, runID: Int? = nil, format: ReportFormat = .text, outPath: String? = nil, pricesPath: String? = nil,
      modelsPaths: [String] = [], reprice: Bool = false
    ) {
      self.database = database
      self.runID = runID
      self.format = format
      self.outPath = outPath
      self.pricesPath = pricesPath
      self.modelsPaths = modelsPaths
      self.reprice = reprice
    }
  }

  public struct DiffConfig: Sendable {
    public var runA: Int
    public var runB: Int
    public var database: String
    /// The store of run B when it is another file.
    public var databaseB: String?
    public var format: DiffWriter.Format
    public var outPath: String?
    public init(runA: Int, runB: Int, database: String, databaseB: String? = nil, format: DiffWriter.Format = .text, outPath: String? = nil) {
      self.runA = runA
      self.runB = runB
      self.database = database
      self.databaseB = databaseB
      self.format = format
      self.outPath = outPath
    }
  }

  static func output(_ path: String?) throws -> BufferedOutput {
    try path.map(BufferedOutput.file) ?? .standardOutput()
  }

  public static func export(_ c: ExportConfig) throws -> ExportSummary {
    if let o = c.outPath { try OutputPath.check(o, stores: [c.database]) }
    let pool = try ReportStore.openReadOnly(path: c.database)
    let out = try output(c.outPath)
    let s = try pool.read { db in try Exporter(options: c.options).export(db, to: out) }
    try out.finish()
    return s
  }

  /// Returns the report (and the reprice summary when asked) after writing it.
  @discardableResult
  public static func report(_ c: ReportConfig, now: Double = Date().timeIntervalSince1970) throws -> (ReportData, Repricer.Summary?) {
    if let o = c.outPath {
      try OutputPath.check(o, stores: [c.database], inputs: c.modelsPaths + (c.pricesPath.map { [$0] } ?? []))
    }
    let catalog = try ModelCatalog.load(overrides: c.modelsPaths + (c.pricesPath.map { [$0] } ?? []))
    var summary: Repricer.Summary?
    if c.reprice {
      // Repricing writes results: one writer per store, so not while a run holds it.
      let claim = FileManager.default.fileExists(atPath: c.database) ? try StoreClaim.acquire(storePath: c.database) : nil
      defer { claim?.release() }
      let pool = try ReportStore.openForUpdate(path: c.database)
      if let run = c.runID {
        guard try pool.read({ db in try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM runs WHERE id = ?)", arguments: [run]) }) == true
        else { throw ReportError(code: .unknownRun, detail: "run \(run) is not in \(c.database)") }
      }
      summary = try pool.write { db in try Repricer(catalog: catalog, runID: c.runID).reprice(db) }
    }
    let pool = try ReportStore.openReadOnly(path: c.database)
    let data = try pool.read { db in
      try ReportBuilder(runID: c.runID, catalog: catalog, date: CalendarDay(unixTime: now)).build(db, databaseName: c.database, now: now)
    }
    let out = try output(c.outPath)
    try out.write(c.format.render(data))
    try out.finish()
    return (data, summary)
  }

  public static func diff(_ c: DiffConfig) throws -> DiffTotals {
    if let o = c.outPath { try OutputPath.check(o, stores: [c.database] + (c.databaseB.map { [$0] } ?? [])) }
    let pa = try ReportStore.openReadOnly(path: c.database)
    let pb = try c.databaseB.map(ReportStore.openReadOnly) ?? pa
    let nameB = c.databaseB ?? c.database
    let out = try output(c.outPath)
    let labelA = c.databaseB == nil ? "run \(c.runA)" : "\(c.database) run \(c.runA)"
    let labelB = c.databaseB == nil ? "run \(c.runB)" : "\(nameB) run \(c.runB)"
    let totals: DiffTotals
    if c.databaseB == nil {
      totals = try pa.read { db in
        try DiffWriter.write(
          format: c.format, labelA: labelA, labelB: labelB, a: try DiffSource(db: db, run: c.runA, name: c.database).rows(),
          b: try DiffSource(db: db, run: c.runB, name: nameB).rows(), to: out)
      }
    } else {
      totals = try pa.read { dba in
        try pb.read { dbb in
          try DiffWriter.write(
            format: c.format, labelA: labelA, labelB: labelB, a: try DiffSource(db: dba, run: c.runA, name: c.database).rows(),
            b: try DiffSource(db: dbb, run: c.runB, name: nameB).rows(), to: out)
        }
      }
    }
    try out.finish()
    return totals
  }
}
