/// Why a candidate stopped. An open enum: values the API adds later are kept as they are.
public struct FinishReason: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
  public let rawValue: String
  public init(rawValue: String) { self.rawValue = rawValue }
  public init(_ raw: String) { self.rawValue = raw }

  public static let unspecified = FinishReason("FINISH_REASON_UNSPECIFIED")
  public static let stop = FinishReason("STOP")
  public static let maxTokens = FinishReason("MAX_TOKENS")
  public static let safety = FinishReason("SAFETY")
  public static let recitation = FinishReason("RECITATION")
  public static let language = FinishReason("LANGUAGE")
  public static let other = FinishReason("OTHER")
  public static let blocklist = FinishReason("BLOCKLIST")
  public static let prohibitedContent = FinishReason("PROHIBITED_CONTENT")
  public static let spii = FinishReason("SPII")
  public static let malformedFunctionCall = FinishReason("MALFORMED_FUNCTION_CALL")
  public static let imageSafety = FinishReason("IMAGE_SAFETY")
  public static let imageProhibitedContent = FinishReason("IMAGE_PROHIBITED_CONTENT")
  public static let imageOther = FinishReason("IMAGE_OTHER")
  public static let noImage = FinishReason("NO_IMAGE")
  public static let imageRecitation = FinishReason("IMAGE_RECITATION")
  public static let unexpectedToolCall = FinishReason("UNEXPECTED_TOOL_CALL")
  public static let tooManyToolCalls = FinishReason("TOO_MANY_TOOL_CALLS")

  public static let known: Set<FinishReason> = [
    .unspecified, .stop, .maxTokens, .safety, .recitation, .language, .other, .blocklist, .prohibitedContent,
    .spii, .malformedFunctionCall, .imageSafety, .imageProhibitedContent, .imageOther, .noImage,
    .imageRecitation, .unexpectedToolCall, .tooManyToolCalls,
  ]

  public var isKnown: Bool { Self.known.contains(self) }
  /// STOP is the only normal ending; MAX_TOKENS is a usable but truncated one.
  public var isNormal: Bool { self == .stop }
  /// The answer was withheld for content reasons (no retry will help).
  public var isContentBlock: Bool {
    [.safety, .recitation, .blocklist, .prohibitedContent, .spii, .imageSafety, .imageProhibitedContent,
     .imageRecitation, .language].contains(self)
  }

  public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
  public func encode(to encoder: Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(rawValue)
  }
  public var description: String { rawValue }
}

/// Why a prompt was blocked (`promptFeedback.blockReason`). Open, like `FinishReason`.
public struct BlockReason: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
  public let rawValue: String
  public init(rawValue: String) { self.rawValue = rawValue }
  public init(_ raw: String) { self.rawValue = raw }

  public static let unspecified = BlockReason("BLOCK_REASON_UNSPECIFIED")
  public static let safety = BlockReason("SAFETY")
  public static let other = BlockReason("OTHER")
  public static let blocklist = BlockReason("BLOCKLIST")
  public static let prohibitedContent = BlockReason("PROHIBITED_CONTENT")
  public static let imageSafety = BlockReason("IMAGE_SAFETY")
  public static let modelArmor = BlockReason("MODEL_ARMOR")
  public static let jailbreak = BlockReason("JAILBREAK")

  public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
  public func encode(to encoder: Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(rawValue)
  }
  public var description: String { rawValue }
}
