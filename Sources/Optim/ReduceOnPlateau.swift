/// Divides the learning rates when a monitored metric stops improving (PyTorch:
/// `ReduceLROnPlateau`, same defaults and rules).
///
/// At each `step(metric:)`, with threshold θ:
///
///     improved = metric < best · (1 − θ)     (mode min, relative threshold)
///                metric > best · (1 + θ)     (mode max, relative)
///                metric < best − θ           (mode min, absolute)
///                metric > best + θ           (mode max, absolute)
///     improved ? (best ← metric, bad ← 0) : (bad ← bad + 1)
///     in cooldown: cooldown ← cooldown − 1, bad ← 0
///     bad > patience: each group's γ ← max(γ · factor, γmin) if that lowers γ by more than eps;
///                     cooldown ← cooldown steps, bad ← 0
///
/// `best` starts at +∞ (min) or −∞ (max); a NaN metric never improves.
///
/// ```swift
/// let plateau = try ReduceOnPlateau(optimizer: optimizer, factor: 0.5, patience: 5)
/// plateau.step(metric: validationLoss)
/// ```
public final class ReduceOnPlateau {
  /// Whether lower or higher values of the metric are better.
  public enum Mode: String, Sendable {
    case min
    case max
  }
  /// Whether `threshold` is relative to `best` or in the metric's units.
  public enum ThresholdMode: String, Sendable {
    case relative = "rel"
    case absolute = "abs"
  }

  public static let kind = "ReduceOnPlateau"

  /// The optimizer whose learning rates are reduced.
  public let optimizer: any Optimizer
  public let mode: Mode
  /// The factor a reduction multiplies learning rates by, in [0, 1).
  public let factor: Double
  /// Steps without improvement tolerated before reducing.
  public let patience: Int
  /// θ, how much better than `best` a metric must be to count as an improvement.
  public let threshold: Double
  public let thresholdMode: ThresholdMode
  /// Steps after a reduction during which bad steps are not counted.
  public let cooldown: Int
  /// γmin, the lowest learning rate a reduction sets.
  public let minLearningRate: Double
  /// Reductions smaller than this are skipped.
  public let eps: Double

  /// The best metric seen so far.
  public private(set) var best: Double
  /// Consecutive steps without improvement (`num_bad_epochs`).
  public private(set) var badSteps = 0
  /// Steps of cooldown left (`cooldown_counter`).
  public private(set) var cooldownRemaining = 0
  /// Number of `step(metric:)` calls so far (`last_epoch`).
  public private(set) var position = 0

  /// - Throws: `OptimError.invalidHyperparameter` naming the first value out of range.
  public init(
    optimizer: any Optimizer, mode: Mode = .min, factor: Double = 0.1, patience: Int = 10,
    threshold: Double = 1e-4, thresholdMode: ThresholdMode = .relative, cooldown: Int = 0,
    minLearningRate: Double = 0, eps: Double = 1e-8
  ) throws {
    try require(factor >= 0 && factor < 1, "factor", factor, expected: "0 ≤ factor < 1")
    try require(patience >= 0, "patience", Double(patience), expected: "≥ 0")
    try require(threshold >= 0, "threshold", threshold, expected: "≥ 0")
    try require(cooldown >= 0, "cooldown", Double(cooldown), expected: "≥ 0")
    try require(minLearningRate >= 0, "min_lr", minLearningRate, expected: "≥ 0")
    try require(eps >= 0, "eps", eps, expected: "≥ 0")
    self.optimizer = optimizer
    self.mode = mode
    self.factor = factor
    self.patience = patience
    self.threshold = threshold
    self.thresholdMode = thresholdMode
    self.cooldown = cooldown
    self.minLearningRate = minLearningRate
    self.eps = eps
    self.best = mode == .min ? .infinity : -.infinity
  }

  /// Records one value of the monitored metric and reduces the learning rates after more than
  /// `patience` steps without improvement.
  public func step(metric: Double) {
    position += 1
    if isImprovement(metric) {
      best = metric
      badSteps = 0
    } else {
      badSteps += 1
    }
    if cooldownRemaining > 0 {
      cooldownRemaining -= 1
      badSteps = 0
    }
    if badSteps > patience {
      reduceLearningRates()
      cooldownRemaining = cooldown
      badSteps = 0
    }
  }

  func isImprovement(_ metric: Double) -> Bool {
    switch (mode, thresholdMode) {
    case (.min, .relative): return metric < best * (1 - threshold)
    case (.min, .absolute): return metric < best - threshold
    case (.max, .relative): return metric > best * (threshold + 1)
    case (.max, .absolute): return metric > best + threshold
    }
  }

  private func reduceLearningRates() {
    for index in optimizer.parameterGroups.indices {
      let oldRate = optimizer.parameterGroups[index].learningRate
      let newRate = Swift.max(oldRate * factor, minLearningRate)
      if oldRate - newRate > eps { optimizer.parameterGroups[index].learningRate = newRate }
    }
  }

  /// The position, best metric and counters, with the hyper-parameters for checking on load.
  /// `best` is ±∞ until the first step.
  public func stateDict() -> StateDict {
    var scalars = fixedHyperparameters.reduce(into: [String: Double]()) { $0[$1.name] = $1.value }
    scalars["best"] = best
    scalars["num_bad_epochs"] = Double(badSteps)
    scalars["cooldown_counter"] = Double(cooldownRemaining)
    scalars["last_epoch"] = Double(position)
    return StateDict(kind: Self.kind, scalars: scalars)
  }

  /// Restores a saved state. The learning rates themselves are part of the optimizer's state.
  /// Nothing changes if it throws.
  /// - Throws: `OptimError.stateMismatch` for another kind, a missing entry or different
  ///   hyper-parameters.
  public func load(_ state: StateDict) throws {
    try state.requireKind(Self.kind)
    for (name, value) in fixedHyperparameters { try state.requireScalar(name, equals: value) }
    let savedBest = try state.scalar("best")
    let savedBadSteps = try state.count("num_bad_epochs")
    let savedCooldown = try state.count("cooldown_counter")
    let savedPosition = try state.count("last_epoch")
    (best, badSteps, cooldownRemaining, position) =
      (savedBest, savedBadSteps, savedCooldown, savedPosition)
  }

  private var fixedHyperparameters: [(name: String, value: Double)] {
    [
      ("mode", mode == .min ? 0 : 1), ("factor", factor), ("patience", Double(patience)),
      ("threshold", threshold), ("threshold_mode", thresholdMode == .relative ? 0 : 1),
      ("cooldown", Double(cooldown)), ("min_lr", minLearningRate), ("eps", eps),
    ]
  }
}
