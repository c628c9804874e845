import CGradMode

/// Whether operations record a graph. Per thread, as PyTorch's grad mode: two trainings on two
/// threads (or in two tasks running at once) never see each other's mode.
///
/// A thread-local rather than a task-local: every scope that changes the mode (`noGrad`,
/// `withGrad`, a backward pass) runs a synchronous closure, which cannot suspend, so it begins
/// and ends on one thread and a task never carries a changed mode elsewhere. The thread-local
/// costs one load to read and a store to set, where a task-local value is a runtime call to read
/// and allocates to set, on every training step's hot path. As in PyTorch, a new thread (or a
/// task started inside `noGrad`, which may run on another thread) starts with grad mode on.
enum GradMode {
  @inline(__always)
  static var isEnabled: Bool { fit_grad_mode_is_enabled() }

  /// Runs `body` with the mode set to `enabled`, and restores the previous mode afterwards, also
  /// when `body` throws.
  @inline(__always)
  static func with<Result>(_ enabled: Bool, _ body: () throws -> Result) rethrows -> Result {
    let previous = fit_grad_mode_is_enabled()
    fit_grad_mode_set_enabled(enabled)
    defer { fit_grad_mode_set_enabled(previous) }
    return try body()
  }
}

/// Whether operations currently record a graph (`torch.is_grad_enabled()`).
public var isGradEnabled: Bool { GradMode.isEnabled }

/// Runs `body` with graph recording off (`with torch.no_grad():`). Results made inside are leaves
/// with `requiresGrad == false`. Used for optimizer updates and evaluation.
///
/// ```swift
/// let prediction = noGrad { model(x) }
/// ```
public func noGrad<Result>(_ body: () throws -> Result) rethrows -> Result {
  try GradMode.with(false, body)
}

/// Same as `noGrad`, for callers who prefer the `with` spelling.
public func withNoGrad<Result>(_ body: () throws -> Result) rethrows -> Result {
  try noGrad(body)
}

/// Runs `body` with graph recording on, even inside a `noGrad` scope (`torch.enable_grad()`).
public func withGrad<Result>(_ body: () throws -> Result) rethrows -> Result {
  try GradMode.with(true, body)
}
