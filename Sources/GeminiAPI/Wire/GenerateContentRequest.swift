/// The body of `models/{model}:generateContent` and `:streamGenerateContent`.
public struct GenerateContentRequest: Codable, Sendable, Hashable {
  public var contents: [Content]
  public var systemInstruction: Content?
  public var tools: [Tool]?
  public var toolConfig: ToolConfig?
  public var safetySettings: [SafetySetting]?
  public var generationConfig: GenerationConfig?
  /// A resource name, `cachedContents/…`.
  public var cachedContent: String?
  /// `flex`, `standard` or `priority`; top level, outside generationConfig.
  public var serviceTier: String?

  public init(
    contents: [Content], systemInstruction: Content? = nil, tools: [Tool]? = nil, toolConfig: ToolConfig? = nil,
    safetySettings: [SafetySetting]? = nil, generationConfig: GenerationConfig? = nil,
    cachedContent: String? = nil, serviceTier: String? = nil
  ) {
    self.contents = contents
    self.systemInstruction = systemInstruction
    self.tools = tools
    self.toolConfig = toolConfig
    self.safetySettings = safetySettings
    self.generationConfig = generationConfig
    self.cachedContent = cachedContent
    self.serviceTier = serviceTier
  }

  /// The top-level field names the API accepts (camelCase).
  public static let fieldNames: Set<String> = [
    "contents", "systemInstruction", "tools", "toolConfig", "safetySettings", "generationConfig",
    "cachedContent", "serviceTier",
  ]
}
