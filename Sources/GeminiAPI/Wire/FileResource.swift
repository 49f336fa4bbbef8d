import Foundation

/// A Files API resource (`files/{id}`), from an upload's final body `{"file":{…}}`, `files.get`
/// or `files.list`.
public struct FileResource: Sendable, Hashable {
  public var name: String
  public var displayName: String?
  public var mimeType: String?
  public var sizeBytes: Int64?
  /// Base64, as the API gives it.
  public var sha256Hash: String?
  public var createTime: String?
  public var expirationTime: String?
  public var uri: String?
  /// Generated files only (a batch's output): the only ones that can be downloaded.
  public var downloadUri: String?
  /// `PROCESSING`, `ACTIVE` or `FAILED`.
  public var state: String?
  /// `UPLOADED`, `GENERATED` or `REGISTERED`.
  public var source: String?

  public init(name: String) { self.name = name }

  /// Reads `{"file":{…}}` or the bare file object.
  public static func parse(_ v: JSONValue) -> FileResource? {
    let f = v["file"].flatMap { $0.objectValue == nil ? nil : $0 } ?? v
    guard let name = f["name"]?.stringValue else { return nil }
    var r = FileResource(name: name)
    r.displayName = f["displayName"]?.stringValue
    r.mimeType = f["mimeType"]?.stringValue
    r.sizeBytes = f["sizeBytes"]?.stringValue.flatMap { Int64($0) } ?? f["sizeBytes"]?.intValue.map(Int64.init)
    r.sha256Hash = f["sha256Hash"]?.stringValue
    r.createTime = f["createTime"]?.stringValue
    r.expirationTime = f["expirationTime"]?.stringValue
    r.uri = f["uri"]?.stringValue
    r.downloadUri = f["downloadUri"]?.stringValue
    r.state = f["state"]?.stringValue
    r.source = f["source"]?.stringValue
    return r
  }

  /// `expirationTime` as unix seconds, when it reads.
  public var expiresAt: Double? {
    expirationTime.flatMap { RFC3339.parse($0) }
  }

  /// The id without `files/`.
  public var id: String { name.hasPrefix("files/") ? String(name.dropFirst(6)) : name }
}

/// RFC 3339 timestamps as the API writes them (`2025-09-12T13:37:01.123456Z`).
public enum RFC3339 {
  public static func parse(_ s: String) -> Double? {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let d = f.date(from: s) { return d.timeIntervalSince1970 }
    f.formatOptions = [.withInternetDateTime]
    if let d = f.date(from: s) { return d.timeIntervalSince1970 }
    // More than millisecond digits: drop the fraction.
    if let dot = s.firstIndex(of: "."), let z = s[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }) {
      return parse(String(s[..<dot]) + String(s[z...]))
    }
    return nil
  }

  public static func format(_ t: Double) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.string(from: Date(timeIntervalSince1970: t))
  }
}
