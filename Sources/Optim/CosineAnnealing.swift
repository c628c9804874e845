import Foundation

/// Half a cosine from the initial learning rate down to `minLearningRate` over `maxSteps` steps
/// (PyTorch: `CosineAnnealingLR`, without restarts).
///
///     γₜ = γmin + (γ₀ − γmin) · (1 + cos(π t / T)) / 2
///
/// Past T the formula continues, rising again as PyTorch's closed form does.
public struct CosineAnnealing: LearningRateSchedule {
  /// T, the steps from the initial rate to the minimum.
  public let maxSteps: Int
  /// γmin, the rate at step T.
  public let minLearningRate: Double

  /// - Throws: `OptimError.invalidHyperparameter` unless maxSteps ≥ 1 and minLearningRate ≥ 0.
  public init(maxSteps: Int, minLearningRate: Double = 0) throws {
    try require(maxSteps >= 1, "T_max", Double(maxSteps), expected: "≥ 1")
    try require(minLearningRate >= 0, "eta_min", minLearningRate, expected: "≥ 0")
    self.maxSteps = maxSteps
    self.minLearningRate = minLearningRate
  }

  public func learningRate(atStep step: Int, baseLearningRate: Double) -> Double {
    let angle = Double.pi * Double(step) / Double(maxSteps)
    let cosineFactor = (1 + cos(angle)) / 2
    return minLearningRate + (baseLearningRate - minLearningRate) * cosineFactor
  }
}
