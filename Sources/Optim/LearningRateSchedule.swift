/// A learning rate as a pure function of the schedule position (PyTorch: the closed forms of
/// `torch.optim.lr_scheduler`). A `LearningRateScheduler` applies one to an optimizer.
///
/// Being pure, a schedule has no state to save: the scheduler's position says everything. The
/// closed forms are PyTorch's `_get_closed_form_lr`; PyTorch's `scheduler.step()` evaluates
/// recursive forms (multiplying the previous rate), which agree with these to rounding.
///
/// Conform a new type to add a schedule; the scheduler and trainer need no change.
public protocol LearningRateSchedule: Sendable {
  /// The learning rate at position `step` (0 before the first `LearningRateScheduler.step()`)
  /// for a group whose initial learning rate is `baseLearningRate`.
  func learningRate(atStep step: Int, baseLearningRate: Double) -> Double
}

/// The initial learning rate at every step.
///
///     γₜ = γ₀
public struct ConstantSchedule: LearningRateSchedule {
  public init() {}

  public func learningRate(atStep step: Int, baseLearningRate: Double) -> Double {
    baseLearningRate
  }
}
