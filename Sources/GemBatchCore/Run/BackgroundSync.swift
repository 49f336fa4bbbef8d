import Dispatch
import Synchronization

/// Writes batches of jobs into the store on a second thread while the reader parses the next
/// ones, so loading a file costs about the larger of reading and writing rather than their sum.
///
/// Batches are written in the order they were submitted (one serial queue), so `seq` keeps the
/// files' order. At most `depth` batches wait at once: memory stays bounded whatever the file's
/// size. The first failure stops later writes and is thrown by `finish()` (or by the next
/// `submit`, so a failing store stops the reading early).
final class BackgroundSync: Sendable {
  typealias Write = @Sendable ([Job]) throws -> SyncStats

  private struct State {
    var stats = SyncStats()
    var failure: (any Error)?
  }

  private let write: Write
  private let queue = DispatchQueue(label: "gembatch.job-sync", qos: .userInitiated)
  private let slots: DispatchSemaphore
  private let done = DispatchGroup()
  private let state = Mutex(State())

  init(depth: Int = 2, write: @escaping Write) {
    self.write = write
    self.slots = DispatchSemaphore(value: max(1, depth))
  }

  /// Queues a batch; blocks while `depth` batches are already waiting.
  func submit(_ batch: [Job]) throws {
    if let failure = state.withLock({ $0.failure }) { throw failure }
    slots.wait()
    done.enter()
    queue.async { [self] in
      defer {
        slots.signal()
        done.leave()
      }
      if state.withLock({ $0.failure != nil }) { return }
      do {
        let s = try write(batch)
        state.withLock { $0.stats += s }
      } catch {
        state.withLock { if $0.failure == nil { $0.failure = error } }
      }
    }
  }

  /// Waits for every queued batch; returns the summed stats or throws the first failure.
  func finish() throws -> SyncStats {
    done.wait()
    return try state.withLock { s in
      if let failure = s.failure { throw failure }
      return s.stats
    }
  }
}
