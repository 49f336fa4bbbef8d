import Foundation
import GeminiAPI

/// `export --media-dir DIR`: writes each inline image (or other media part) of an answer to a
/// file named by the job id, the candidate and the part (`<id>-c0-p1.png`), and gives the names
/// for the row. The bytes come from the stored raw response, decoded one answer at a time.
struct MediaWriter {
  let directory: URL
  private(set) var filesWritten = 0

  init(directory: String) throws {
    self.directory = URL(fileURLWithPath: directory, isDirectory: true)
    do {
      try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
    } catch {
      throw ReportError(code: .writeFailed, detail: "cannot create the media folder \(directory)")
    }
  }

  /// The files written for one result: `manifest` is its `results.media`, `raw` its raw response.
  mutating func write(jobId: String, manifest: String?, raw: Data?) throws -> [String] {
    guard let manifest, let entries = (try? JSONValue.parse(manifest))?.arrayValue, !entries.isEmpty,
      let raw, let response = StreamedResponse.merged(raw)
    else { return [] }
    // The inline parts in answer order; the manifest lists them in the same order.
    var blobs: [(mime: String, data: String)] = []
    for c in response["candidates"]?.arrayValue ?? [] {
      for p in c["content"]?["parts"]?.arrayValue ?? [] {
        if let b = p["inlineData"], let m = b["mimeType"]?.stringValue, let d = b["data"]?.stringValue {
          blobs.append((m, d))
        }
      }
    }
    var names: [String] = []
    for (entry, blob) in zip(entries, blobs) {
      guard let bytes = Data(base64Encoded: blob.data, options: .ignoreUnknownCharacters) else { continue }
      let c = entry["candidate"]?.intValue ?? 0
      let p = entry["part"]?.intValue ?? 0
      let name = "\(Self.safeName(jobId))-c\(c)-p\(p).\(Self.fileExtension(blob.mime))"
      do { try bytes.write(to: directory.appendingPathComponent(name)) } catch {
        throw ReportError(code: .writeFailed, detail: "cannot write \(name) in the media folder")
      }
      filesWritten += 1
      names.append(name)
    }
    return names
  }

  /// A job id as a file name: letters, digits, `.`, `_`, `-` kept, anything else `_`; when that
  /// changed the id, 8 hex digits of its hash keep two ids apart.
  static func safeName(_ id: String) -> String {
    var out = ""
    for u in id.unicodeScalars {
      let ok = (u.value < 0x80) && (CharacterSet.alphanumerics.contains(u) || u == "." || u == "_" || u == "-")
      out.unicodeScalars.append(ok ? u : "_")
    }
    if out.hasPrefix(".") { out = "_" + out.dropFirst() }
    if out == id && !out.isEmpty { return out }
    return String(out.prefix(100)) + "-" + String(SHA256.hex(Array(id.utf8)).prefix(8))
  }

  static func fileExtension(_ mime: String) -> String {
    switch mime.lowercased() {
    case "image/png": "png"
    case "image/jpeg", "image/jpg": "jpg"
    case "image/webp": "webp"
    case "image/gif": "gif"
    case "audio/wav", "audio/x-wav": "wav"
    case "audio/mpeg": "mp3"
    case "application/pdf": "pdf"
    default: "bin"
    }
  }
}
