/// What `gembatch export` writes.
public struct ExportOptions: Sendable, Hashable {
  public enum Format: String, Sendable, CaseIterable {
    /// One JSON object per job.
    case jsonl
    /// RFC 4180, header row first.
    case csv
    /// Gemini Batch Mode results: `{"key":…,"response":{…}}` or `{"key":…,"error":{…}}` per finished job.
    case batch
  }

  public var format: Format = .jsonl
  /// Only jobs of this run (the job's last run, `Store.lastRunSQL`, or results.run_id); nil = every job.
  public var runID: Int?
  /// Spread the top-level fields of the parsed JSON answer into `json.<key>` columns/fields.
  public var flatten = false
  public var includeThoughts = false
  public var includeFunctionCalls = false
  public var includeGrounding = false
  public var includeRawResponse = false
  /// CSV cells exactly as stored: no `'` before cells a spreadsheet would run as formulas.
  public var csvRaw = false

  public init(
    format: Format = .jsonl, runID: Int? = nil, flatten: Bool = false, includeThoughts: Bool = false,
    includeFunctionCalls: Bool = false, includeGrounding: Bool = false, includeRawResponse: Bool = false,
    csvRaw: Bool = false
  ) {
    self.csvRaw = csvRaw
    self.format = format
    self.runID = runID
    self.flatten = flatten
    self.includeThoughts = includeThoughts
    self.includeFunctionCalls = includeFunctionCalls
    self.includeGrounding = includeGrounding
    self.includeRawResponse = includeRawResponse
  }
}

public struct ExportSummary: Sendable, Hashable {
  /// Rows written (not counting the CSV header).
  public var rows = 0
  /// Jobs left out (Batch Mode format: not finished yet).
  public var skipped = 0
  /// The `json.<key>` columns added by `flatten`, in first-seen order.
  public var flattenedColumns: [String] = []
}
