import Foundation
import GeminiAPI

/// Turns a stored raw response (a JSON body, or an SSE transcript) into one response object,
/// for the Batch Mode results format and the raw-response column.
public enum StreamedResponse {
  /// The response as one JSON object, or nil when the bytes are neither.
  ///
  /// For SSE: text parts of the first candidate are joined in order (thought parts and answer
  /// parts kept apart), other parts kept as they came; the last event's `usageMetadata`,
  /// `finishReason`, `modelVersion`, `responseId` win; the last non-empty `groundingMetadata` is kept.
  public static func merged(_ raw: Data) -> JSONValue? {
    guard let first = raw.first(where: { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }) else { return nil }
    if first == UInt8(ascii: "{") { return try? JSONValue.parse(raw) }
    let text = String(decoding: raw, as: UTF8.self)
    var events: [JSONObject] = []
    for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
      guard line.hasPrefix("data:") else { continue }
      let body = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
      if let o = try? JSONValue.parse(body).objectValue { events.append(o) }
    }
    guard var out = events.last else { return nil }
    var parts: [JSONValue] = []
    var grounding: JSONValue?
    var finish: JSONValue?
    var candidateBase = JSONObject()
    for e in events {
      guard let cand = e["candidates"]?.arrayValue?.first?.objectValue else { continue }
      for (k, v) in cand where k != "content" { candidateBase[k] = v }
      if let g = cand["groundingMetadata"], (g.objectValue?.count ?? 0) > 0 { grounding = g }
      if let f = cand["finishReason"] { finish = f }
      for p in cand["content"]?["parts"]?.arrayValue ?? [] {
        guard let po = p.objectValue else { continue }
        if let t = po["text"]?.stringValue, var last = parts.last?.objectValue, let lt = last["text"]?.stringValue,
          (last["thought"]?.boolValue ?? false) == (po["thought"]?.boolValue ?? false), po["functionCall"] == nil
        {
          last["text"] = .string(lt + t)
          if last["thoughtSignature"] == nil, let sig = po["thoughtSignature"] { last["thoughtSignature"] = sig }
          parts[parts.count - 1] = .object(last)
        } else {
          if po["text"]?.stringValue == "" && po.count == 1 { continue }
          if po["text"] == nil, po.count == 0 { continue }
          parts.append(.object(po))
        }
      }
    }
    if events.contains(where: { $0["candidates"] != nil }) {
      var cand = candidateBase
      cand["content"] = .object(JSONObject([("role", "model"), ("parts", .array(parts))]))
      if let finish { cand["finishReason"] = finish }
      cand["groundingMetadata"] = Optional<JSONValue>.none
      if let grounding { cand["groundingMetadata"] = grounding }
      out["candidates"] = .array([.object(cand)])
    }
    return .object(out)
  }
}
