import Foundation

/// Multiplies the learning rate by `gamma` every `stepSize` steps (PyTorch: `StepLR`).
///
///     γₜ = γ₀ · gamma^⌊t / stepSize⌋
///
/// ```swift
/// let schedule = try StepDecay(stepSize: 30, gamma: 0.1)   // ÷10 every 30 epochs
/// ```
public struct StepDecay: LearningRateSchedule {
  /// Steps between two decays.
  public let stepSize: Int
  /// The factor applied at each decay.
  public let gamma: Double

  /// - Throws: `OptimError.invalidHyperparameter` unless stepSize ≥ 1 and gamma ≥ 0.
  public init(stepSize: Int, gamma: Double = 0.1) throws {
    try require(stepSize >= 1, "step_size", Double(stepSize), expected: "≥ 1")
    try require(gamma >= 0, "gamma", gamma, expected: "≥ 0")
    self.stepSize = stepSize
    self.gamma = gamma
  }

  public func learningRate(atStep step: Int, baseLearningRate: Double) -> Double {
    let decays = Double(step / stepSize)
    return baseLearningRate * pow(gamma, decays)
  }
}
