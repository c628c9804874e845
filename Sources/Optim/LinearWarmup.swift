/// A linear ramp up to the initial learning rate over `warmupSteps` steps, followed by another
/// schedule started afresh (PyTorch: `SequentialLR` of a `LinearLR` and the other schedule).
///
///     γₜ = γ₀ · (t + 1) / W               for t < W
///     γₜ = then(t − W)                    for t ≥ W
///
/// The ramp starts at γ₀ / W rather than 0, so the first step already moves the parameters, and
/// reaches γ₀ at t = W − 1; the following schedule then starts from its own step 0.
///
/// ```swift
/// let schedule = try LinearWarmup(warmupSteps: 5, then: CosineAnnealing(maxSteps: 95))
/// ```
public struct LinearWarmup: LearningRateSchedule {
  /// W, the number of warm-up steps.
  public let warmupSteps: Int
  /// The schedule after the warm-up.
  public let then: any LearningRateSchedule

  /// - Throws: `OptimError.invalidHyperparameter` unless warmupSteps ≥ 1.
  public init(warmupSteps: Int, then: any LearningRateSchedule = ConstantSchedule()) throws {
    try require(warmupSteps >= 1, "warmup_steps", Double(warmupSteps), expected: "≥ 1")
    self.warmupSteps = warmupSteps
    self.then = then
  }

  public func learningRate(atStep step: Int, baseLearningRate: Double) -> Double {
    guard step >= warmupSteps else {
      let rampFraction = Double(step + 1) / Double(warmupSteps)
      return baseLearningRate * rampFraction
    }
    return then.learningRate(atStep: step - warmupSteps, baseLearningRate: baseLearningRate)
  }
}
