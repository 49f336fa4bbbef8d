import Foundation

/// A batch as `batches.get`, `batches.list` and `batchGenerateContent` return it: an Operation
/// `{"name","metadata":{…GenerateContentBatch},"done","response"|"error"}`, or (as some proxies
/// and the SDK's own types have it) the bare `GenerateContentBatch` object. Both read the same.
public struct BatchJob: Sendable, Hashable {
  /// `batches/{id}`.
  public var name: String
  public var displayName: String?
  /// `models/{model}` as the API gives it.
  public var model: String?
  public var state: BatchState
  public var stats: BatchStats
  /// RFC 3339 texts, as sent.
  public var createTime: String?
  public var updateTime: String?
  public var endTime: String?
  /// The input file (`files/…`) for a file batch.
  public var inputFileName: String?
  /// The output file (`files/batch-…`): under `response.responsesFile`, else `metadata.output.responsesFile`.
  public var responsesFile: String?
  /// Inline results (`inlinedResponses.inlinedResponses[]`), each `{response|error, metadata}`.
  public var inlinedResponses: [JSONValue]
  /// The Operation's `done`.
  public var done: Bool
  /// The Operation's `error` (a `google.rpc.Status`), for a batch that failed as a whole.
  public var error: APIErrorBody?

  public init(
    name: String, displayName: String? = nil, model: String? = nil, state: BatchState, stats: BatchStats = BatchStats(),
    createTime: String? = nil, updateTime: String? = nil, endTime: String? = nil, inputFileName: String? = nil,
    responsesFile: String? = nil, inlinedResponses: [JSONValue] = [], done: Bool = false, error: APIErrorBody? = nil
  ) {
    self.name = name
    self.displayName = displayName
    self.model = model
    self.state = state
    self.stats = stats
    self.createTime = createTime
    self.updateTime = updateTime
    self.endTime = endTime
    self.inputFileName = inputFileName
    self.responsesFile = responsesFile
    self.inlinedResponses = inlinedResponses
    self.done = done
    self.error = error
  }

  /// Reads an Operation or a bare batch; nil when it has neither a name nor a state.
  public static func parse(_ v: JSONValue) -> BatchJob? {
    guard case .object = v else { return nil }
    let meta: JSONValue = v["metadata"].flatMap { $0.objectValue == nil ? nil : $0 } ?? v
    guard let name = v["name"]?.stringValue ?? meta["name"]?.stringValue else { return nil }
    let state = BatchState(raw: meta["state"]?.stringValue ?? "BATCH_STATE_UNSPECIFIED")
    var job = BatchJob(name: name, state: state)
    job.displayName = meta["displayName"]?.stringValue
    job.model = meta["model"]?.stringValue
    job.stats = BatchStats(json: meta["batchStats"])
    job.createTime = meta["createTime"]?.stringValue
    job.updateTime = meta["updateTime"]?.stringValue
    job.endTime = meta["endTime"]?.stringValue
    job.inputFileName = meta["inputConfig"]?["fileName"]?.stringValue
    let output = meta["output"]
    let response = v["response"]
    job.responsesFile = response?["responsesFile"]?.stringValue ?? output?["responsesFile"]?.stringValue
    job.inlinedResponses =
      response?["inlinedResponses"]?["inlinedResponses"]?.arrayValue
      ?? output?["inlinedResponses"]?["inlinedResponses"]?.arrayValue ?? []
    job.done = v["done"]?.boolValue ?? state.isTerminal
    if let e = v["error"], case .object(let o) = e {
      job.error = APIErrorBody(code: o["code"]?.intValue, message: o["message"]?.stringValue, status: o["status"]?.stringValue)
    }
    return job
  }

  public static func parse(_ data: Data) -> BatchJob? {
    guard let v = try? JSONValue.parse(data) else { return nil }
    return parse(v)
  }

  /// The id without `batches/`.
  public var id: String { name.hasPrefix("batches/") ? String(name.dropFirst(8)) : name }
}
