import Autograd

/// Parameters that share hyper-parameters (PyTorch: one entry of `param_groups`).
///
/// A group given to an optimizer takes the optimizer's learning rate and weight decay unless it
/// sets its own, so one optimizer can, for example, leave biases undecayed:
///
/// ```swift
/// let optimizer = try AdamW(groups: [
///   ParameterGroup(name: "weights", parameters: [w]),
///   ParameterGroup(name: "biases", parameters: [b], weightDecay: 0),
/// ], lr: 1e-3)
/// ```
///
/// Schedules change `learningRate`; the parameters and their order are fixed once the group is
/// given to an optimizer, since saved state is matched to parameters by position.
public struct ParameterGroup {
  /// A name for messages and logs (`"default"` for the group made from a plain parameter list).
  public var name: String
  /// The parameters, in the order their state is saved.
  public let parameters: [Tensor]
  /// The learning rate γ used for this group's next step.
  public var learningRate: Double
  /// The weight decay λ of this group (L2 penalty for SGD and Adam, decoupled for AdamW).
  public var weightDecay: Double

  // Whether the values above were given here or are to be filled in by the optimizer.
  private var setsLearningRate: Bool
  private var setsWeightDecay: Bool

  /// A group; hyper-parameters left nil take the optimizer's value when the group is given to it.
  public init(
    name: String = "default", parameters: [Tensor], learningRate: Double? = nil,
    weightDecay: Double? = nil
  ) {
    self.name = name
    self.parameters = parameters
    self.learningRate = learningRate ?? 0
    self.weightDecay = weightDecay ?? 0
    self.setsLearningRate = learningRate != nil
    self.setsWeightDecay = weightDecay != nil
  }
}

extension ParameterGroup {
  /// The groups with the optimizer's defaults filled in and every value checked.
  ///
  /// Preconditions (programmer errors, as in PyTorch): there is a group, every parameter is a leaf
  /// and appears once.
  /// - Throws: `OptimError.invalidHyperparameter` for a negative learning rate or weight decay.
  static func resolve(
    _ groups: [ParameterGroup], learningRate: Double, weightDecay: Double
  ) throws -> [ParameterGroup] {
    precondition(!groups.isEmpty, "an optimizer needs at least one parameter group")
    var seen = Set<ObjectIdentifier>()
    return try groups.map { group in
      var group = group
      for parameter in group.parameters {
        precondition(parameter.isLeaf, "can't optimize a non-leaf Tensor (group \(group.name))")
        precondition(
          seen.insert(ObjectIdentifier(parameter)).inserted,
          "a parameter appears more than once in the parameter groups (group \(group.name))")
      }
      if !group.setsLearningRate { group.learningRate = learningRate }
      if !group.setsWeightDecay { group.weightDecay = weightDecay }
      group.setsLearningRate = true
      group.setsWeightDecay = true
      let suffix = groups.count > 1 ? " in group \(group.name)" : ""
      try require(group.learningRate >= 0, "lr", group.learningRate, expected: "≥ 0\(suffix)")
      try require(
        group.weightDecay >= 0, "weight_decay", group.weightDecay, expected: "≥ 0\(suffix)")
      return group
    }
  }

  /// Whether `other` holds the same parameters, by identity and in the same order.
  func hasSameParameters(as other: ParameterGroup) -> Bool {
    parameters.count == other.parameters.count
      && zip(parameters, other.parameters).allSatisfy { $0 === $1 }
  }
}
