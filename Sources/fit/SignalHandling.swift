import CSystem
import DataIO
import Foundation
import Training

#if canImport(Glibc)
  import Glibc
#endif

/// SIGINT and SIGTERM end every command within a second, whatever it is doing, with status 130.
///
/// By default the first signal ends the process at once: a command that only reads (`inspect`,
/// `check`) has nothing to finish, and one that writes does so through temporary files renamed
/// into place, which `PendingWrites.abandon` deletes, so no partial output is left under a final
/// name. A command that can stop cleanly says how (`onInterrupt`): training finishes the step
/// in progress, saves a checkpoint and exits, and the signal waits `StopRequest.gracePeriod`
/// for that; a phase that never reaches a step boundary (a read from a pipe that never ends, a
/// step longer than that) is ended all the same, without a new checkpoint. A second signal, for
/// a process the user runs (not a batch's training, which may get both the terminal's SIGINT
/// and the batch's SIGTERM), ends it at once.
///
/// The signals are taken by dispatch sources, whose handlers run on a queue of their own, so
/// they work while the main thread is blocked in a read or deep in a computation.
enum SignalHandling {
  /// What the first signal does.
  enum Response {
    /// End the process now, printing these lines.
    case exitNow(String)
    /// Give the command `grace` to stop by itself (`stoppingByItself()`); if it has not, print
    /// the lines `late` gives then and end the process.
    case wait(grace: Duration, late: @Sendable () -> String)
  }

  nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
  nonisolated(unsafe) private static var signalsReceived = 0
  nonisolated(unsafe) private static var response: (@Sendable () -> Response)?
  nonisolated(unsafe) private static var stoppedByItself = false
  /// One queue for every source and the deadline, so that their handlers run one at a time.
  private static let queue = DispatchQueue(label: "fit.signals")

  /// Takes SIGINT and SIGTERM for the rest of the process; `Fit.main` calls it before any
  /// command runs.
  static func install() {
    let forcible = ProcessInfo.processInfo.environment[BatchRunner.parentVariable] == nil
    for signalNumber in [SIGINT, SIGTERM] {
      signal(signalNumber, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
      source.setEventHandler { handleSignal(forcible: forcible) }
      source.resume()
      sources.append(source)
    }
  }

  /// Sets what the first signal does from now on (by default: end the process at once).
  static func onInterrupt(_ response: @escaping @Sendable () -> Response) {
    queue.sync { Self.response = response }
  }

  /// Says that the command has stopped by itself and is exiting: a deadline still running
  /// ends nothing. If the deadline is ending the process right now, this never returns.
  static func stoppingByItself() {
    queue.sync { stoppedByItself = true }
  }

  private static func handleSignal(forcible: Bool) {
    signalsReceived += 1
    guard signalsReceived == 1 else {
      if forcible { exitNow("fit: interrupted again: stopping now, without a new checkpoint") }
      return
    }
    switch response?() ?? .exitNow("fit: interrupted: stopping now") {
    case .exitNow(let lines):
      exitNow(lines)
    case .wait(let grace, let late):
      let (seconds, attoseconds) = grace.components
      let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
      queue.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) {
        if !stoppedByItself { exitNow(late()) }
      }
    }
  }

  /// Prints `lines` with one `write(2)` (no lock another thread may hold), deletes the
  /// temporaries of writes in progress and ends the process without running exit handlers
  /// (libhdf5's would flush files a killed write left open).
  private static func exitNow(_ lines: String) -> Never {
    let text = Array((lines + "\n").utf8)
    _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    PendingWrites.abandon(waitingAtMost: 0.1)
    _exit(ExitStatus.interrupted.rawValue)
  }

  /// For a training started by `fit batch` (`BatchRunner.parentVariable` holds the batch's
  /// pid): should the batch die, even by SIGKILL, the kernel sends this process SIGTERM, so it
  /// saves a checkpoint and stops rather than running on unsupervised. If the batch is already
  /// gone, that happens now. Call after `onInterrupt`.
  static func stopWithBatchParent() {
    guard let text = ProcessInfo.processInfo.environment[BatchRunner.parentVariable],
      let parent = pid_t(text)
    else { return }
    _ = fit_set_parent_death_signal(SIGTERM)
    if getppid() != parent { kill(getpid(), SIGTERM) }
  }
}
