import Foundation

/// Tells a file's MIME type from its first bytes (magic numbers) and, failing that, its extension.
/// The magic bytes win over the extension: a PNG named `.jpg` is sent as `image/png`.
public enum MimeSniffer {
  public static func detect(path: String, head: some Collection<UInt8>) -> String? {
    sniff(Array(head.prefix(16))) ?? byExtension(path)
  }

  /// From magic bytes only (needs the first 12 bytes).
  public static func sniff(_ b: [UInt8]) -> String? {
    func starts(_ p: [UInt8], at o: Int = 0) -> Bool {
      b.count >= o + p.count && Array(b[o..<o + p.count]) == p
    }
    if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
    if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
    if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return "image/gif" }
    if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) { return "image/webp" }
    if starts(Array("RIFF".utf8)), starts(Array("WAVE".utf8), at: 8) { return "audio/wav" }
    if starts(Array("%PDF-".utf8)) { return "application/pdf" }
    if starts(Array("fLaC".utf8)) { return "audio/flac" }
    if starts(Array("OggS".utf8)) { return "audio/ogg" }
    if starts(Array("ID3".utf8)) || starts([0xFF, 0xFB]) || starts([0xFF, 0xF3]) || starts([0xFF, 0xF2]) {
      return "audio/mp3"
    }
    if starts(Array("ftyp".utf8), at: 4) {
      let brand = b.count >= 12 ? String(decoding: b[8..<12], as: UTF8.self) : ""
      switch brand {
      case "heic", "heix", "hevc", "heim", "heis": return "image/heic"
      case "mif1", "msf1": return "image/heif"
      case "qt  ": return "video/quicktime"
      case "M4A ": return "audio/aac"
      default: return "video/mp4"
      }
    }
    if starts([0x1A, 0x45, 0xDF, 0xA3]) { return "video/webm" }
    return nil
  }

  static let extensions: [String: String] = [
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
    "heic": "image/heic", "heif": "image/heif", "pdf": "application/pdf", "wav": "audio/wav", "mp3": "audio/mp3",
    "aiff": "audio/aiff", "aac": "audio/aac", "ogg": "audio/ogg", "flac": "audio/flac", "mp4": "video/mp4",
    "mpeg": "video/mpeg", "mov": "video/mov", "avi": "video/avi", "flv": "video/x-flv", "mpg": "video/mpg",
    "webm": "video/webm", "wmv": "video/wmv", "3gp": "video/3gpp", "txt": "text/plain", "md": "text/md",
    "csv": "text/csv", "html": "text/html", "htm": "text/html", "xml": "text/xml", "json": "application/json",
    "js": "text/javascript", "py": "text/x-python", "css": "text/css", "rtf": "text/rtf",
  ]

  public static func byExtension(_ path: String) -> String? {
    guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
    return extensions[path[path.index(after: dot)...].lowercased()]
  }
}
