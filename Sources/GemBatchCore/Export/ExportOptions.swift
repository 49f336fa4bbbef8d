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
  /// Web and Maps sources, search queries and grounding supports.
  public var includeGrounding = false
  public var includeRawResponse = false
  /// CSV cells exactly as stored: no `'` before cells a spreadsheet would run as formulas.
  public var csvRaw = false
  /// Safety ratings, the category that blocked, citations.
  public var includeSafety = false
  /// Every candidate (when a job asked for more than one).
  public var includeCandidates = false
  /// Write each inline image (media part) here, named by job id, candidate and part; rows name the files.
  public var mediaDirectory: String?

  public init(
    format: Format = .jsonl, runID: Int? = nil, flatten: Bool = false, includeThoughts: Bool = false,
    includeFunctionCalls: Bool = false, includeGrounding: Bool = false, includeRawResponse: Bool = false,
    csvRaw: Bool = false, includeSafety: Bool = false, includeCandidates: Bool = false, mediaDirectory: String? = nil
  ) {
    self.csvRaw = csvRaw
    self.includeSafety = includeSafety
    self.includeCandidates = includeCandidates
    self.mediaDirectory = mediaDirectory
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
  /// Files written to the media folder.
  public var mediaFiles = 0
}
