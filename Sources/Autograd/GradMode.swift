/// Whether operations record a graph. Per task and per thread: a task-local value, which Swift
/// keeps in thread-local storage outside of tasks, so two trainings on two threads or two tasks
/// never see each other's mode (PyTorch's grad mode is thread-local too).
enum GradMode {
  @TaskLocal static var isEnabled = true
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
  try GradMode.$isEnabled.withValue(false, operation: body)
}

/// Same as `noGrad`, for callers who prefer the `with` spelling.
public func withNoGrad<Result>(_ body: () throws -> Result) rethrows -> Result {
  try noGrad(body)
}

/// Runs `body` with graph recording on, even inside a `noGrad` scope (`torch.enable_grad()`).
public func withGrad<Result>(_ body: () throws -> Result) rethrows -> Result {
  try GradMode.$isEnabled.withValue(true, operation: body)
}
