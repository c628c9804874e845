import DataIO
import Foundation

/// What stops a run, with the exit status each deserves (see `ExitStatus`).
public enum TrainingError: ExitStatusError, CustomStringConvertible {
  /// The loss or a gradient stopped being finite.
  case diverged(step: Int, epoch: Int, what: String)
  /// The data do not fit the config (no rows, too few rows for a validation split, ...).
  case badData(String)
  /// An input file does not exist or cannot be read.
  case missingInput(String)
  /// The run was asked to stop (SIGINT/SIGTERM) and stopped cleanly.
  case interrupted(step: Int, checkpoint: String?)
  /// A config value that only the data can show to be wrong (`"lr": "auto"` on too wide a
  /// design).
  case badConfig(String)
  /// The run finished without converging under `training.requireConvergence` (its results are
  /// written); the message is the verdict.
  case notConverged(String)

  public var exitStatus: ExitStatus {
    switch self {
    case .diverged: .diverged
    case .badData: .dataError
    case .missingInput: .noInput
    case .interrupted: .interrupted
    case .badConfig: .usage
    case .notConverged: .notConverged
    }
  }

  public var description: String {
    switch self {
    case .diverged(let step, let epoch, let what):
      return "training diverged at step \(step) (epoch \(epoch)): \(what) is not finite; "
        + "try a smaller learning rate, gradient clipping (training.clipNorm) or standardization"
    case .badData(let message), .badConfig(let message), .notConverged(let message):
      return message
    case .missingInput(let message):
      return message
    case .interrupted(let step, let checkpoint):
      return "interrupted at step \(step)"
        + (checkpoint.map { "; checkpoint saved to \($0). Resume with --resume" } ?? "")
    }
  }
}

extension ConfigError: ExitStatusError {
  public var exitStatus: ExitStatus {
    if case .unreadable = problem { return .noInput }
    return .usage
  }
}

extension DataIOError: ExitStatusError {
  public var exitStatus: ExitStatus {
    switch self {
    case .unreadableFile: .noInput
    default: .dataError
    }
  }
}
