import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The writes in progress that a process ending abruptly must not leave half done: temporary
/// files (written, then renamed over their final names) and appends that must land whole (a
/// line of `metrics.csv`).
///
/// `fit` ends abruptly, with `_exit`, when an interrupt cannot wait for the phase in progress (a
/// read that blocks, a long step; see `SignalHandling`). Before that, `abandon` deletes the
/// temporaries of the writes in progress and waits briefly for an append to land, then keeps
/// every thread that starts or finishes one from going on, so nothing is renamed into place or
/// cut short after it. A file in place is therefore always a whole one, old or new.
public enum PendingWrites {
  private static let lock = NSLock()
  private static let appendLock = NSLock()
  nonisolated(unsafe) private static var temporaries: [String: Int] = [:]

  /// Runs `body`, which writes the file at `temporary` and moves it into place (or fails and
  /// deletes it). Once `abandon` has run, the thread blocks here instead of returning.
  public static func writing<T>(temporary: String, _ body: () throws -> T) rethrows -> T {
    lock.withLock { temporaries[temporary, default: 0] += 1 }
    defer {
      lock.withLock {
        temporaries[temporary]! -= 1
        if temporaries[temporary] == 0 { temporaries[temporary] = nil }
      }
    }
    return try body()
  }

  /// Runs `body`, an append that must land whole, before any `abandon` that starts meanwhile
  /// ends the process (unless it takes longer than that `abandon` waits).
  public static func appending<T>(_ body: () throws -> T) rethrows -> T {
    try appendLock.withLock(body)
  }

  /// For a process about to `_exit`: waits up to `timeout` seconds for an append in progress,
  /// deletes the temporary files of the writes in progress, and blocks from now on every thread
  /// that starts or finishes a write. Call it once, from the thread that exits.
  public static func abandon(waitingAtMost timeout: TimeInterval) {
    _ = appendLock.lock(before: Date(timeIntervalSinceNow: timeout))
    lock.lock()  // never unlocked: the process ends
    for path in temporaries.keys { unlink(path) }
  }
}
