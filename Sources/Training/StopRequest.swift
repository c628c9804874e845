import Foundation

/// A request to stop a run (SIGINT or SIGTERM), and what the run is doing meanwhile, so that
/// the signal handler knows whether to wait for it.
///
/// A run stops by itself only between optimizer steps: it polls `isSet` after each step, saves
/// a checkpoint and throws `TrainingError.interrupted`. Everywhere else (loading the data, the
/// design's analysis, the reference optimum and the verdict after training) nothing a stop could
/// save is pending, and a phase may block (a read from a pipe), so `request()` says not to wait
/// (`Status.stopsBetweenSteps` false) and the process ends at once. While it trains, the handler
/// waits `gracePeriod` for the step in progress; a step slower than that is followed by a
/// checkpoint (`TrainingRun`), so an interrupt that cannot wait for the next step loses only
/// that step.
public final class StopRequest: @unchecked Sendable {
  /// How long a stop waits for the step in progress before the process ends without a new
  /// checkpoint: under a second, with room for the final checkpoint's write and the exit.
  public static let gracePeriod: Duration = .milliseconds(750)

  /// What the run is doing, as a stop request finds it.
  public struct Status: Sendable {
    /// What it is doing, for messages (`"loading the data"`, `"training"`).
    public var phase = "preparing the run"
    /// Whether it polls the request between steps now (it trains).
    public var stopsBetweenSteps = false
    /// Optimizer steps completed.
    public var step = 0
    /// The newest checkpoint and its step (nil: none yet).
    public var checkpoint: (step: Int, path: String)?
  }

  private let lock = NSLock()
  private var flag = false
  private var current = Status()

  public init() {}

  public var isSet: Bool { lock.withLock { flag } }

  public func set() { lock.withLock { flag = true } }

  /// Sets the request and returns what the run is doing at that moment.
  public func request() -> Status {
    lock.withLock {
      flag = true
      return current
    }
  }

  public var status: Status { lock.withLock { current } }

  /// Records the phase the run enters; `stopsBetweenSteps` for the training loop.
  func enter(_ phase: String, stopsBetweenSteps: Bool = false) {
    lock.withLock {
      current.phase = phase
      current.stopsBetweenSteps = stopsBetweenSteps
    }
  }

  /// Records the run's progress: steps completed, and the newest checkpoint.
  func record(step: Int, checkpoint: (step: Int, url: URL)?) {
    lock.withLock {
      current.step = step
      current.checkpoint = checkpoint.map { ($0.step, $0.url.path) }
    }
  }
}
