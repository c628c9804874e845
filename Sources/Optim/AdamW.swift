import Autograd

/// Adam with decoupled weight decay (PyTorch: `torch.optim.AdamW`, single-tensor path of
/// PyTorch 2.x, same defaults, weight decay 1e-2).
///
/// The decay shrinks the parameter directly instead of entering the moments as an L2 penalty
/// does in `Adam`. For each parameter θ with gradient ∇f(θ), learning rate γ, weight decay λ,
/// step t = 1, 2, ...:
///
///     θ  ← θ · (1 − γλ)
///     g  ← maximize ? −∇f(θ) : ∇f(θ)
///     m  ← m + (1 − β₁)(g − m)
///     v  ← v β₂ + (1 − β₂) g²
///     biasCorrection1 = 1 − β₁ᵗ,  biasCorrection2 = 1 − β₂ᵗ
///     stepSize = γ / biasCorrection1
///     v̂  ← amsgrad ? (vMax ← max(vMax, v)) : v
///     denominator = √v̂ / √biasCorrection2 + ε
///     θ  ← θ − stepSize · m / denominator
///
/// ```swift
/// let optimizer = try AdamW(groups: [
///   ParameterGroup(name: "weights", parameters: [w]),
///   ParameterGroup(name: "biases", parameters: [b], weightDecay: 0),
/// ], lr: 1e-3)
/// ```
public final class AdamW: AdamFamily {
  public typealias ParameterState = AdamParameterState

  public static let kind = "AdamW"

  public var parameterGroups: [ParameterGroup] {
    didSet { checkParametersUnchanged(parameterGroups, previous: oldValue) }
  }
  public var parameterStates: [AdamParameterState?]
  public let hyperparameters: AdamHyperparameters

  /// AdamW over parameter groups; groups without their own learning rate or weight decay take
  /// `lr` and `weightDecay`.
  ///
  /// - Parameters:
  ///   - lr: learning rate γ ≥ 0.
  ///   - betas: (β₁, β₂), each in [0, 1).
  ///   - eps: ε > 0.
  ///   - weightDecay: λ ≥ 0, the decoupled decay rate.
  ///   - amsgrad: use the running maximum of v.
  ///   - maximize: ascend instead of descend.
  /// - Throws: `OptimError` naming the first invalid hyper-parameter and its value.
  public init(
    groups: [ParameterGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
    eps: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false,
    maximize: Bool = false
  ) throws {
    try require(lr >= 0, "lr", lr, expected: "≥ 0")
    try require(weightDecay >= 0, "weight_decay", weightDecay, expected: "≥ 0")
    hyperparameters = try AdamHyperparameters(
      betas: betas, eps: eps, amsgrad: amsgrad, maximize: maximize)
    parameterGroups = try ParameterGroup.resolve(groups, learningRate: lr, weightDecay: weightDecay)
    parameterStates = Array(repeating: nil, count: parameterGroups.flatMap(\.parameters).count)
  }

  /// AdamW over one group of parameters.
  public convenience init(
    _ parameters: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
    eps: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false,
    maximize: Bool = false
  ) throws {
    try self.init(
      groups: [ParameterGroup(parameters: parameters)], lr: lr, betas: betas, eps: eps,
      weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize)
  }

  public func update(
    _ parameter: UnsafeMutableBufferPointer<Double>, gradient: UnsafeBufferPointer<Double>,
    state: inout AdamParameterState, group: ParameterGroup
  ) {
    adamStep(
      parameter, gradient: gradient, state: &state, learningRate: group.learningRate,
      weightDecay: group.weightDecay, decoupledWeightDecay: true, hyperparameters: hyperparameters)
  }
}
