import Autograd
import Models
import Optim

/// The optimizer and learning-rate schedules a config names, over the given parameters.
struct OptimizerFactory {
  let config: TrainingConfig
  /// Optimizer steps in the whole run: the default horizon of cosine annealing.
  let totalSteps: Int

  /// The optimizer over the model's parameters, in two groups: the weights, and the bias with
  /// no weight decay, since a penalty on the intercept pulls predictions towards zero rather than
  /// the coefficients towards a simpler model (scikit-learn never penalizes it; PyTorch users
  /// put biases in a no-decay group). `loss.l2` leaves the bias alone for the same reason.
  func makeOptimizer(_ model: Linear) throws -> any Optimizer {
    let o = config.optimizer
    var groups = [ParameterGroup(name: "weights", parameters: [model.weight])]
    if let bias = model.bias {
      groups.append(ParameterGroup(name: "biases", parameters: [bias], weightDecay: 0))
    }
    switch o.kind {
    case .sgd, .momentum:
      return try SGD(
        groups: groups, lr: o.lr, momentum: o.momentum, dampening: o.dampening,
        weightDecay: o.weightDecay, nesterov: o.nesterov)
    case .adam:
      return try Adam(
        groups: groups, lr: o.lr, betas: (o.beta1, o.beta2), eps: o.eps,
        weightDecay: o.weightDecay, amsgrad: o.amsgrad)
    case .adamw:
      return try AdamW(
        groups: groups, lr: o.lr, betas: (o.beta1, o.beta2), eps: o.eps,
        weightDecay: o.weightDecay, amsgrad: o.amsgrad)
    }
  }

  /// The per-step schedule (warm-up followed by the configured decay). `plateau` has no per-step
  /// part: it is the constant schedule here plus `makePlateau`, stepped once per epoch.
  func makeSchedule() throws -> any LearningRateSchedule {
    let s = config.schedule
    let decay: any LearningRateSchedule
    switch s.kind {
    case .constant, .plateau: decay = ConstantSchedule()
    case .step: decay = try StepDecay(stepSize: s.stepSize ?? 1, gamma: s.gamma)
    case .exponential: decay = try ExponentialDecay(gamma: s.gamma)
    case .cosine:
      decay = try CosineAnnealing(
        maxSteps: max(1, (s.tMax ?? totalSteps) - s.warmupSteps), minLearningRate: s.minLR)
    }
    return s.warmupSteps > 0 ? try LinearWarmup(warmupSteps: s.warmupSteps, then: decay) : decay
  }

  func makePlateau(_ optimizer: any Optimizer) throws -> ReduceOnPlateau? {
    let s = config.schedule
    guard s.kind == .plateau else { return nil }
    return try ReduceOnPlateau(
      optimizer: optimizer, factor: s.factor, patience: s.patience, minLearningRate: s.minLR)
  }
}
