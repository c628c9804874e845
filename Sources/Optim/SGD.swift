import Autograd

/// Stochastic gradient descent, optionally with momentum, dampening, Nesterov momentum and an L2
/// penalty (PyTorch: `torch.optim.SGD`, single-tensor path of PyTorch 2.x).
///
/// For each parameter θ with gradient ∇f(θ), learning rate γ, weight decay λ, momentum μ and
/// dampening τ, step t = 1, 2, ...:
///
///     g ← maximize ? −∇f(θ) : ∇f(θ)
///     g ← g + λ θ                           (if λ ≠ 0)
///     b ← g                                 (if μ ≠ 0, first step: b₁ = g)
///     b ← μ b + (1 − τ) g                   (if μ ≠ 0, later steps)
///     g ← nesterov ? g + μ b : b            (if μ ≠ 0)
///     θ ← θ + (−γ) g
///
/// Each line is one rounding in that order, as in PyTorch's `add`/`mul_`/`add_(alpha:)` calls, so
/// a trajectory matches PyTorch's in double precision.
///
/// ```swift
/// let optimizer = try SGD([w, b], lr: 0.01, momentum: 0.9, nesterov: true)
/// ```
public final class SGD: ParameterwiseOptimizer {
  /// The momentum buffer b of one parameter (`momentum_buffer`); absent when μ = 0, as in
  /// PyTorch, where plain SGD keeps no state.
  public struct ParameterState: OptimizerParameterState {
    /// b, created from the first gradient; nil when μ = 0.
    public var momentumBuffer: [Double]?

    public func save(into state: inout StateDict, prefix: String) {
      if let momentumBuffer { state.arrays[prefix + "momentum_buffer"] = momentumBuffer }
    }

    public init(momentumBuffer: [Double]?) { self.momentumBuffer = momentumBuffer }

    public init?(from state: StateDict, prefix: String, count: Int) throws {
      guard let buffer = try state.optionalArray(prefix + "momentum_buffer", count: count) else {
        return nil
      }
      momentumBuffer = buffer
    }
  }

  public static let kind = "SGD"

  public var parameterGroups: [ParameterGroup] {
    didSet { checkParametersUnchanged(parameterGroups, previous: oldValue) }
  }
  public var parameterStates: [ParameterState?]

  /// μ, the weight of the previous buffer.
  public let momentum: Double
  /// τ, the share of the new gradient held back from the buffer.
  public let dampening: Double
  /// Whether to step along g + μ b instead of b.
  public let nesterov: Bool
  /// Whether to ascend the objective instead of descending it.
  public let maximize: Bool

  /// SGD over parameter groups; groups without their own learning rate or weight decay take `lr`
  /// and `weightDecay`.
  ///
  /// - Parameters:
  ///   - lr: learning rate γ ≥ 0.
  ///   - momentum: μ ≥ 0 (0: plain SGD).
  ///   - dampening: τ ≥ 0.
  ///   - weightDecay: λ ≥ 0, the L2 penalty added to the gradient.
  ///   - nesterov: Nesterov momentum; needs μ > 0 and τ = 0.
  ///   - maximize: ascend instead of descend.
  /// - Throws: `OptimError` naming the first invalid hyper-parameter and its value.
  public init(
    groups: [ParameterGroup], lr: Double, momentum: Double = 0, dampening: Double = 0,
    weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false
  ) throws {
    try require(lr >= 0, "lr", lr, expected: "≥ 0")
    try require(momentum >= 0, "momentum", momentum, expected: "≥ 0")
    try require(dampening >= 0, "dampening", dampening, expected: "≥ 0")
    try require(weightDecay >= 0, "weight_decay", weightDecay, expected: "≥ 0")
    if nesterov && (momentum <= 0 || dampening != 0) {
      throw OptimError.nesterovRequiresMomentum(momentum: momentum, dampening: dampening)
    }
    self.parameterGroups = try ParameterGroup.resolve(
      groups, learningRate: lr, weightDecay: weightDecay)
    self.parameterStates = Array(repeating: nil, count: parameterGroups.flatMap(\.parameters).count)
    self.momentum = momentum
    self.dampening = dampening
    self.nesterov = nesterov
    self.maximize = maximize
  }

  /// SGD over one group of parameters.
  public convenience init(
    _ parameters: [Tensor], lr: Double, momentum: Double = 0, dampening: Double = 0,
    weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false
  ) throws {
    try self.init(
      groups: [ParameterGroup(parameters: parameters)], lr: lr, momentum: momentum,
      dampening: dampening, weightDecay: weightDecay, nesterov: nesterov, maximize: maximize)
  }

  public var fixedHyperparameters: [(name: String, value: Double)] {
    [
      ("momentum", momentum), ("dampening", dampening), ("nesterov", nesterov ? 1 : 0),
      ("maximize", maximize ? 1 : 0),
    ]
  }

  public func makeState(count: Int) -> ParameterState {
    ParameterState(momentumBuffer: nil)
  }

  public func update(
    _ parameter: UnsafeMutableBufferPointer<Double>, gradient: UnsafeBufferPointer<Double>,
    state: inout ParameterState, group: ParameterGroup
  ) {
    let negativeLearningRate = -group.learningRate
    let weightDecay = group.weightDecay
    let sign: Double = maximize ? -1 : 1
    guard momentum != 0 else {
      for i in parameter.indices {
        var g = sign * gradient[i]
        if weightDecay != 0 { g = g + weightDecay * parameter[i] }
        parameter[i] = parameter[i] + negativeLearningRate * g
      }
      return
    }
    let isFirstStep = state.momentumBuffer == nil
    if isFirstStep { state.momentumBuffer = Array(repeating: 0, count: parameter.count) }
    let (momentum, nesterov) = (self.momentum, self.nesterov)
    let oneMinusDampening = 1 - dampening
    state.momentumBuffer!.withUnsafeMutableBufferPointer { buffer in
      for i in parameter.indices {
        var g = sign * gradient[i]
        if weightDecay != 0 { g = g + weightDecay * parameter[i] }
        let b = isFirstStep ? g : momentum * buffer[i] + oneMinusDampening * g
        buffer[i] = b
        g = nesterov ? g + momentum * b : b
        parameter[i] = parameter[i] + negativeLearningRate * g
      }
    }
  }
}
