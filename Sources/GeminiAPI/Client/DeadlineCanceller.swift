import NIOCore
import Synchronization

/// Cancels the task that armed it when a deadline passes, using a timer on a NIO event loop.
///
/// Why not a sleeping sibling task: on Linux a cancelled `Task.sleep` leaves its dispatch timer
/// (and the task's memory) alive until the original deadline. With one such timer per request and
/// the default 600 s total timeout, a run at 3,000 requests/s kept about 1.8 million dead timers,
/// hundreds of MB. A NIO `Scheduled` task is removed from its loop's heap the moment it is
/// cancelled.
///
/// Safety: the task is only ever cancelled while the lock is held and the canceller is armed, and
/// `disarm()` (which the armed task must call before it ends) takes the same lock, so the task is
/// alive whenever `cancel()` runs on it.
final class DeadlineCanceller: Sendable {
  private struct State: @unchecked Sendable {
    var task: UnsafeCurrentTask?
    var scheduled: Scheduled<Void>?
    var fired = false
  }
  private let state = Mutex(State())

  /// Arms for the current task; a no-op outside a task.
  func arm(after delay: TimeAmount, on loop: any EventLoop) {
    guard let current = withUnsafeCurrentTask(body: { $0 }) else { return }
    let scheduled = loop.scheduleTask(in: delay) { [self] in
      state.withLock { s in
        guard let task = s.task else { return }
        s.fired = true
        task.cancel()
      }
    }
    state.withLock { s in
      s.task = current
      s.scheduled = scheduled
    }
  }

  /// Stops the timer; after this the task is never touched again.
  func disarm() {
    let scheduled = state.withLock { s -> Scheduled<Void>? in
      s.task = nil
      defer { s.scheduled = nil }
      return s.scheduled
    }
    scheduled?.cancel()
  }

  /// The deadline passed and the task was cancelled because of it.
  var fired: Bool { state.withLock { $0.fired } }
}
