/// `Tool`: functions the model may call, or a built-in tool.
public struct Tool: Codable, Sendable, Hashable {
  public var functionDeclarations: [FunctionDeclaration]?
  public var googleSearch: JSONValue?
  public var googleSearchRetrieval: JSONValue?
  public var codeExecution: JSONValue?
  public var urlContext: JSONValue?
  public var googleMaps: JSONValue?
  public var fileSearch: JSONValue?
  public var computerUse: JSONValue?

  public init(
    functionDeclarations: [FunctionDeclaration]? = nil, googleSearch: JSONValue? = nil,
    codeExecution: JSONValue? = nil, urlContext: JSONValue? = nil, googleMaps: JSONValue? = nil
  ) {
    self.functionDeclarations = functionDeclarations
    self.googleSearch = googleSearch
    self.codeExecution = codeExecution
    self.urlContext = urlContext
    self.googleMaps = googleMaps
  }

  public static let googleSearchTool = Tool(googleSearch: .object(JSONObject()))
}

public struct FunctionDeclaration: Codable, Sendable, Hashable {
  public var name: String
  public var description: String?
  /// OpenAPI-subset schema (the `responseSchema` dialect).
  public var parameters: JSONValue?
  /// A JSON Schema value; exclusive with `parameters`.
  public var parametersJsonSchema: JSONValue?
  public var response: JSONValue?
  public var responseJsonSchema: JSONValue?
  public var behavior: String?

  public init(name: String, description: String? = nil, parameters: JSONValue? = nil, parametersJsonSchema: JSONValue? = nil) {
    self.name = name
    self.description = description
    self.parameters = parameters
    self.parametersJsonSchema = parametersJsonSchema
  }
}

public struct ToolConfig: Codable, Sendable, Hashable {
  public var functionCallingConfig: FunctionCallingConfig?
  public var retrievalConfig: JSONValue?
  public init(functionCallingConfig: FunctionCallingConfig? = nil, retrievalConfig: JSONValue? = nil) {
    self.functionCallingConfig = functionCallingConfig
    self.retrievalConfig = retrievalConfig
  }
}

public struct FunctionCallingConfig: Codable, Sendable, Hashable {
  /// `AUTO`, `ANY`, `NONE` or `VALIDATED`.
  public var mode: String?
  public var allowedFunctionNames: [String]?
  public init(mode: String? = nil, allowedFunctionNames: [String]? = nil) {
    self.mode = mode
    self.allowedFunctionNames = allowedFunctionNames
  }
}

public struct SafetySetting: Codable, Sendable, Hashable {
  public var category: String
  public var threshold: String
  public init(category: String, threshold: String) {
    self.category = category
    self.threshold = threshold
  }
}
