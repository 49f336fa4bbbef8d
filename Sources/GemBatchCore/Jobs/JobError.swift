/// A problem with one line of a job file (or the file itself), named by FILE:LINE and the job id.
/// The description never holds prompt text or file contents.
public struct JobError: Error, Sendable, CustomStringConvertible, Hashable, Codable {
  public enum Code: String, Sendable, Codable, CaseIterable {
    case invalidJSON
    case invalidUTF8
    case unknownField
    case missingPrompt
    case duplicateId
    case unreadableFile
    case unreadableSchema
    case badSchema
    case lineTooLong
    case thinkingConfig
    case badField
    case missingModel
    case missingId
    case fileTooLarge
    /// The request breaks the API's schema (`RequestValidator`): a wrong type, range or enum value.
    case invalidRequest
    /// A warning, refused because of `--strict`.
    case strictWarning
    /// A `files` or schema path outside the allowed folders, under /proc, /dev or /sys, or not a
    /// regular file (FIFO, socket, device): never read, never sent.
    case fileRefused
  }

  public var file: String
  /// 1-based; 0 when the problem is the whole file.
  public var line: Int
  public var jobId: String?
  public var code: Code
  public var message: String

  public init(file: String, line: Int, jobId: String? = nil, code: Code, message: String) {
    self.file = file
    self.line = line
    self.jobId = jobId
    self.code = code
    self.message = message
  }

  /// `FILE:LINE: [id X] message`
  public var description: String {
    var s = line > 0 ? "\(file):\(line): " : "\(file): "
    if let jobId { s += "[id \(jobId)] " }
    return s + message
  }
}

/// One line's outcome.
public enum JobReadResult: Sendable {
  case job(Job)
  case error(JobError)
}
