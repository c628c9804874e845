/// Sets an optimizer's learning rates from a `LearningRateSchedule` as training advances
/// (PyTorch: an `LRScheduler` such as `StepLR`).
///
/// Creating the scheduler records each group's current rate as its base γ₀ and sets the rates
/// for position 0; each `step()`, called after `optimizer.step()`, advances the position t by one
/// and sets every group's rate to `schedule.learningRate(atStep: t, baseLearningRate: γ₀)` when
/// that differs from the schedule's rate at t − 1. So a rate changed by something else in the
/// meantime (a `ReduceOnPlateau` cut, after a warm-up has ended) stays until the schedule itself
/// moves; then the schedule's own rate replaces it. (PyTorch's chainable schedulers would
/// instead apply their factor to the cut rate; `fit` configs never combine a plateau with a
/// decaying schedule, only with a warm-up.)
///
/// ```swift
/// let scheduler = LearningRateScheduler(
///   optimizer: optimizer, schedule: try StepDecay(stepSize: 30, gamma: 0.1))
/// for epoch in 0..<epochs {
///   train(epoch)          // calls optimizer.step()
///   scheduler.step()
/// }
/// ```
public final class LearningRateScheduler {
  public static let kind = "LearningRateScheduler"

  /// The optimizer whose groups' learning rates this scheduler sets.
  public let optimizer: any Optimizer
  /// The learning rate as a function of position.
  public let schedule: any LearningRateSchedule
  /// γ₀ of each group: its learning rate when the scheduler was created (`base_lrs`).
  public private(set) var baseLearningRates: [Double]
  /// t, the number of `step()` calls so far (`last_epoch`).
  public private(set) var position: Int

  /// Takes over `optimizer`'s learning rates, setting them for position 0.
  public init(optimizer: any Optimizer, schedule: any LearningRateSchedule) {
    self.optimizer = optimizer
    self.schedule = schedule
    self.baseLearningRates = optimizer.parameterGroups.map(\.learningRate)
    self.position = 0
    apply()
  }

  /// Advances one position and sets the learning rates that the schedule changes at it.
  public func step() {
    position += 1
    apply(since: position - 1)
  }

  /// The learning rate of each group at the current position (`get_last_lr()`).
  public var learningRates: [Double] {
    baseLearningRates.map {
      schedule.learningRate(atStep: position, baseLearningRate: $0)
    }
  }

  /// Sets each group's rate for the current position; with `previous`, only the rates the
  /// schedule changes since that position (which also spares writing through the optimizer's
  /// `parameterGroups`, a copy of the array of groups, every step of a constant rate).
  private func apply(since previous: Int? = nil) {
    for index in baseLearningRates.indices {
      let base = baseLearningRates[index]
      let rate = schedule.learningRate(atStep: position, baseLearningRate: base)
      if let previous, schedule.learningRate(atStep: previous, baseLearningRate: base) == rate {
        continue
      }
      optimizer.parameterGroups[index].learningRate = rate
    }
  }

  /// The position and base learning rates (`step`, `base_lrs`).
  public func stateDict() -> StateDict {
    StateDict(
      kind: Self.kind, scalars: ["step": Double(position)],
      arrays: ["base_lrs": baseLearningRates])
  }

  /// Restores a saved position and base learning rates. The optimizer's current learning rates
  /// are part of its own state (they may differ from the schedule's, e.g. after a
  /// `ReduceOnPlateau`), so load the optimizer too. Nothing changes if it throws.
  /// - Throws: `OptimError.stateMismatch` when the state is of another kind or for another number
  ///   of groups.
  public func load(_ state: StateDict) throws {
    try state.requireKind(Self.kind)
    let savedPosition = try state.count("step")
    let bases = try state.array("base_lrs", count: baseLearningRates.count)
    position = savedPosition
    baseLearningRates = bases
  }
}
