/// `Content`: one turn of a conversation.
public struct Content: Codable, Sendable, Hashable {
  public var role: String?
  public var parts: [Part]?

  public init(role: String? = nil, parts: [Part]? = nil) {
    self.role = role
    self.parts = parts
  }

  public static func user(_ text: String) -> Content { Content(role: "user", parts: [Part(text: text)]) }
}

/// `Part`: exactly one of its data fields is set, plus optional extras.
public struct Part: Codable, Sendable, Hashable {
  public var text: String?
  public var inlineData: Blob?
  public var fileData: FileData?
  public var functionCall: FunctionCall?
  public var functionResponse: FunctionResponse?
  public var executableCode: ExecutableCode?
  public var codeExecutionResult: CodeExecutionResult?
  public var thought: Bool?
  /// Opaque base64 bytes; send back unchanged when replaying history.
  public var thoughtSignature: String?
  public var videoMetadata: VideoMetadata?
  public var partMetadata: JSONValue?
  public var mediaResolution: JSONValue?

  public init(
    text: String? = nil, inlineData: Blob? = nil, fileData: FileData? = nil, functionCall: FunctionCall? = nil,
    functionResponse: FunctionResponse? = nil, executableCode: ExecutableCode? = nil,
    codeExecutionResult: CodeExecutionResult? = nil, thought: Bool? = nil, thoughtSignature: String? = nil,
    videoMetadata: VideoMetadata? = nil
  ) {
    self.text = text
    self.inlineData = inlineData
    self.fileData = fileData
    self.functionCall = functionCall
    self.functionResponse = functionResponse
    self.executableCode = executableCode
    self.codeExecutionResult = codeExecutionResult
    self.thought = thought
    self.thoughtSignature = thoughtSignature
    self.videoMetadata = videoMetadata
  }

  public var isThought: Bool { thought == true }
}

/// Inline bytes, base64 in JSON.
public struct Blob: Codable, Sendable, Hashable {
  public var mimeType: String
  public var data: String
  public init(mimeType: String, data: String) {
    self.mimeType = mimeType
    self.data = data
  }
}

public struct FileData: Codable, Sendable, Hashable {
  public var mimeType: String?
  public var fileUri: String
  public init(mimeType: String? = nil, fileUri: String) {
    self.mimeType = mimeType
    self.fileUri = fileUri
  }
}

public struct FunctionCall: Codable, Sendable, Hashable {
  public var id: String?
  public var name: String
  public var args: JSONValue?
  public init(id: String? = nil, name: String, args: JSONValue? = nil) {
    self.id = id
    self.name = name
    self.args = args
  }
}

public struct FunctionResponse: Codable, Sendable, Hashable {
  public var id: String?
  public var name: String
  public var response: JSONValue?
  public var parts: [JSONValue]?
  public var willContinue: Bool?
  public var scheduling: String?
  public init(id: String? = nil, name: String, response: JSONValue? = nil) {
    self.id = id
    self.name = name
    self.response = response
  }
}

public struct ExecutableCode: Codable, Sendable, Hashable {
  public var language: String?
  public var code: String
  public init(language: String? = nil, code: String) {
    self.language = language
    self.code = code
  }
}

public struct CodeExecutionResult: Codable, Sendable, Hashable {
  public var outcome: String?
  public var output: String?
  public init(outcome: String? = nil, output: String? = nil) {
    self.outcome = outcome
    self.output = output
  }
}

public struct VideoMetadata: Codable, Sendable, Hashable {
  public var startOffset: String?
  public var endOffset: String?
  public var fps: Double?
  public init(startOffset: String? = nil, endOffset: String? = nil, fps: Double? = nil) {
    self.startOffset = startOffset
    self.endOffset = endOffset
    self.fps = fps
  }
}
