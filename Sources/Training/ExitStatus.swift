/// Exit statuses of `fit`, after BSD's `sysexits.h`, which users' scripts rely on.
public enum ExitStatus: Int32, Sendable {
  /// Success.
  case ok = 0
  /// Bad command line or config (`EX_USAGE`).
  case usage = 64
  /// Bad input data: unparsable CSV, wrong HDF5 data set, NaN where a number must be
  /// (`EX_DATAERR`).
  case dataError = 65
  /// An input file does not exist or cannot be read (`EX_NOINPUT`).
  case noInput = 66
  /// An internal error (`EX_SOFTWARE`).
  case software = 70
  /// An output file or folder cannot be created (`EX_CANTCREAT`).
  case cannotCreate = 73
  /// Writing output failed, for example a full disk (`EX_IOERR`).
  case ioError = 74
  /// Training diverged: the loss or a gradient became NaN or infinite. Not in sysexits; chosen
  /// outside its range so scripts can tell it from bad input.
  case diverged = 3
  /// A gradient check found analytic and numerical gradients disagreeing.
  case gradientMismatch = 4
  /// Training ended without converging and `training.requireConvergence` (or
  /// `--require-convergence`) asked for convergence; the results are written all the same.
  case notConverged = 5
  /// The run was interrupted (SIGINT/SIGTERM) after saving a checkpoint; 128 + SIGINT, as shells
  /// report it.
  case interrupted = 130
}

/// An error that knows which exit status it deserves.
public protocol ExitStatusError: Error {
  var exitStatus: ExitStatus { get }
}
