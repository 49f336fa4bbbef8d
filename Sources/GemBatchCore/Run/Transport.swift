import Foundation
import GeminiAPI

/// Sends one request. `GeminiClient` is the real one; the seam exists so the scheduler can be
/// driven by the mock over loopback or, in unit tests, by a scripted transport.
public protocol Transport: Sendable {
  func send(model: String, body: Data, stream: Bool) async -> Exchange
}

extension GeminiClient: Transport {
  public func send(model: String, body: Data, stream: Bool) async -> Exchange {
    stream ? await streamGenerateContent(model: model, body: body) : await generateContent(model: model, body: body)
  }
}

