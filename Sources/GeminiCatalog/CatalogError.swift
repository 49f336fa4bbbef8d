/// A catalog or override file that cannot be used. Names the file and the JSON path of the
/// problem (`models[3].prices[1].until`); never any other content of the file.
public struct CatalogError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Code: String, Sendable, Hashable {
    /// The file cannot be read.
    case unreadable
    /// Not JSON, or JSON of the wrong shape.
    case invalid
    /// A tier name the catalog does not know.
    case unknownTier = "unknown_tier"
    /// Two price rows of one model in effect on the same day.
    case overlappingPrices = "overlapping_prices"
    /// A name that means two models, or a reference to a model that is not there.
    case inconsistent
  }

  public let code: Code
  public let file: String
  /// The JSON path, empty for the whole file.
  public let path: String
  public let detail: String

  public init(_ code: Code, file: String, path: String = "", _ detail: String) {
    self.code = code
    self.file = file
    self.path = path
    self.detail = detail
  }

  public var description: String { "model catalog \(file)\(path.isEmpty ? "" : " at \(path)"): \(detail)" }
}
