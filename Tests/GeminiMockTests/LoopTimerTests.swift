import NIOCore
import NIOPosix
import Testing

@testable import GeminiMock

/// The mock's waits on the event loop: as long as asked, cancelled like `Task.sleep`.
@Suite struct LoopTimerTests {
  let loop = MultiThreadedEventLoopGroup.singleton.any()

  @Test func convertsDurations() {
    #expect(LoopTimer.timeAmount(.milliseconds(150)) == .milliseconds(150))
    #expect(LoopTimer.timeAmount(.seconds(1.5)) == .milliseconds(1500))
    #expect(LoopTimer.timeAmount(.nanoseconds(7)) == .nanoseconds(7))
    #expect(LoopTimer.timeAmount(.zero) == .zero)
    #expect(LoopTimer.timeAmount(.seconds(Int64.max)) == .nanoseconds(.max))
    #expect(LoopTimer.timeAmount(.seconds(-1)) == .zero)
  }

  @Test func waitsAtLeastTheDelay() async throws {
    let clock = ContinuousClock()
    let start = clock.now
    try await LoopTimer.sleep(for: .milliseconds(120), on: loop)
    #expect(clock.now - start >= .milliseconds(120))
  }

  @Test func cancellationEndsTheWaitWithCancellationError() async throws {
    let clock = ContinuousClock()
    let start = clock.now
    let task = Task { [loop] in try await LoopTimer.sleep(for: .seconds(30), on: loop) }
    try await Task.sleep(for: .milliseconds(50))
    task.cancel()
    let result = await task.result
    #expect(throws: CancellationError.self) { try result.get() }
    // Far below the 30 s sleep; loose because a loaded 2-core CI box can stall a task for seconds.
    #expect(clock.now - start < .seconds(25))
  }

  @Test func aCancelledTaskDoesNotWait() async throws {
    let clock = ContinuousClock()
    let start = clock.now
    let task = Task { [loop] in
      withUnsafeCurrentTask { $0?.cancel() }
      try await LoopTimer.sleep(for: .seconds(30), on: loop)
    }
    let result = await task.result
    #expect(throws: CancellationError.self) { try result.get() }
    // Far below the 30 s sleep; loose because a loaded 2-core CI box can stall a task for seconds.
    #expect(clock.now - start < .seconds(25))
  }

  /// The gap between stream events goes through the same timer.
  @Test func chunkDelaySpacesStreamEvents() async throws {
    let clock = ContinuousClock()
    let config = MockTest.config {
      $0.chunkDelay = .fixed(.milliseconds(80))
      $0.streamChunks = 3
    }
    let (r, elapsed) = try await MockTest.withMock(config) { c in
      let start = clock.now
      let r = try await c.stream("gemini-2.0-flash", MockTest.prompt("a few words to split in three pieces [[mock:words=30]]"))
      return (r, clock.now - start)
    }
    #expect(r.status == 200)
    let events = sseEvents(r.text)
    #expect(events.count == 3)
    #expect(elapsed >= .milliseconds(160))
  }
}
