import NIOCore

/// The mock's waits (first-byte latency, the gap between stream events) as timers of the
/// connection's event loop. `Task.sleep` arms a timer of the concurrency runtime for every wait,
/// which costs more under load than one more entry in the loop's timer heap.
enum LoopTimer {
  /// Waits `delay` on `loop`. Like `Task.sleep`, it throws `CancellationError` when the task is
  /// cancelled (before or during the wait), and cancels the timer then.
  static func sleep(for delay: Duration, on loop: any EventLoop) async throws {
    if Task.isCancelled { throw CancellationError() }
    let scheduled = loop.scheduleTask(in: timeAmount(delay)) {}
    do {
      try await withTaskCancellationHandler {
        try await scheduled.futureResult.get()
      } onCancel: {
        scheduled.cancel()
      }
    } catch EventLoopError.cancelled {
      throw CancellationError()
    }
  }

  /// `delay` in whole nanoseconds (rounded down), saturating at the largest `TimeAmount`.
  static func timeAmount(_ delay: Duration) -> TimeAmount {
    let (seconds, attoseconds) = delay.components
    guard seconds >= 0 else { return .zero }
    let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
    guard !overflow else { return .nanoseconds(.max) }
    let (total, overflow2) = ns.addingReportingOverflow(attoseconds / 1_000_000_000)
    return .nanoseconds(overflow2 ? .max : total)
  }
}
