import Foundation

/// Multiplies the learning rate by `gamma` every step (PyTorch: `ExponentialLR`).
///
///     γₜ = γ₀ · gammaᵗ
public struct ExponentialDecay: LearningRateSchedule {
  /// The factor applied at each step.
  public let gamma: Double

  /// - Throws: `OptimError.invalidHyperparameter` unless gamma ≥ 0.
  public init(gamma: Double) throws {
    try require(gamma >= 0, "gamma", gamma, expected: "≥ 0")
    self.gamma = gamma
  }

  public func learningRate(atStep step: Int, baseLearningRate: Double) -> Double {
    baseLearningRate * pow(gamma, Double(step))
  }
}
