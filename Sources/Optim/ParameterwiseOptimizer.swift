import Autograd

/// An optimizer defined by the update of one parameter: the base drives the loop over groups and
/// parameters, creates state lazily on a parameter's first step (as PyTorch does), and saves and
/// restores it by parameter position.
///
/// A conforming type supplies its per-parameter state, the fresh state for a parameter of `count`
/// elements, and the update over contiguous buffers. The buffers are the parameter's and
/// gradient's own storage, so an update allocates nothing.
public protocol ParameterwiseOptimizer: Optimizer {
  /// The typed state of one parameter (step count, moments, ...).
  associatedtype ParameterState: OptimizerParameterState

  /// The name saved as `StateDict.kind`.
  static var kind: String { get }

  /// One entry per parameter, in `parameters` order; nil until the parameter's first step.
  var parameterStates: [ParameterState?] { get set }

  /// The hyper-parameters fixed at creation, saved beside the state and checked on load.
  var fixedHyperparameters: [(name: String, value: Double)] { get }

  /// The state of a parameter before its first step.
  func makeState(count: Int) -> ParameterState

  /// Updates `parameter` in place from `gradient`, advancing `state`.
  func update(
    _ parameter: UnsafeMutableBufferPointer<Double>, gradient: UnsafeBufferPointer<Double>,
    state: inout ParameterState, group: ParameterGroup)
}

/// The state of one parameter, saved as named arrays and scalars under a prefix such as
/// `param.3.`.
public protocol OptimizerParameterState {
  /// Writes this state into `state` under keys starting with `prefix`.
  func save(into state: inout StateDict, prefix: String)

  /// Reads a state saved with `prefix` for a parameter of `count` elements, or nil when the
  /// parameter had no state yet.
  /// - Throws: `OptimError.stateMismatch` for a missing entry or an array of the wrong length.
  init?(from state: StateDict, prefix: String, count: Int) throws
}

extension ParameterwiseOptimizer {
  public func step() {
    var index = 0
    for group in parameterGroups {
      for parameter in group.parameters {
        defer { index += 1 }
        guard let gradient = parameter.grad else { continue }
        precondition(
          gradient.count == parameter.count,
          "grad of shape \(gradient.shape) for a parameter of shape \(parameter.shape)")
        if parameterStates[index] == nil {
          parameterStates[index] = makeState(count: parameter.count)
        }
        // Both closures borrow storage in place: the parameter's array is uniquely referenced
        // after its first write, so no step copies it.
        gradient.scalars.withUnsafeBufferPointer { gradient in
          parameter.scalars.withUnsafeMutableBufferPointer { values in
            update(values, gradient: gradient, state: &parameterStates[index]!, group: group)
          }
        }
      }
    }
  }

  public func stateDict() -> StateDict {
    var state = StateDict(kind: Self.kind)
    state.scalars["group_count"] = Double(parameterGroups.count)
    for (name, value) in fixedHyperparameters { state.scalars[name] = value }
    var index = 0
    for (groupIndex, group) in parameterGroups.enumerated() {
      state.scalars["group.\(groupIndex).param_count"] = Double(group.parameters.count)
      state.scalars["group.\(groupIndex).lr"] = group.learningRate
      state.scalars["group.\(groupIndex).weight_decay"] = group.weightDecay
      for parameter in group.parameters {
        if let parameterState = parameterStates[index] {
          let entries = state.scalars.count + state.arrays.count
          parameterState.save(into: &state, prefix: "param.\(index).")
          if state.scalars.count + state.arrays.count > entries {
            state.arrays["param.\(index).shape"] = parameter.shape.map(Double.init)
          }
        }
        index += 1
      }
    }
    return state
  }

  public func load(_ state: StateDict) throws {
    try state.requireKind(Self.kind)
    try state.requireScalar("group_count", equals: Double(parameterGroups.count))
    for (name, value) in fixedHyperparameters {
      try state.requireScalar(name, equals: value)
    }
    var groups = parameterGroups
    var states: [ParameterState?] = []
    states.reserveCapacity(parameterStates.count)
    for (groupIndex, group) in parameterGroups.enumerated() {
      let prefix = "group.\(groupIndex)."
      try state.requireScalar(prefix + "param_count", equals: Double(group.parameters.count))
      groups[groupIndex].learningRate = try state.scalar(prefix + "lr")
      groups[groupIndex].weightDecay = try state.scalar(prefix + "weight_decay")
      for parameter in group.parameters {
        let parameterPrefix = "param.\(states.count)."
        let parameterState = try ParameterState(
          from: state, prefix: parameterPrefix, count: parameter.count)
        if parameterState != nil {
          let shape = try state.array(parameterPrefix + "shape", count: parameter.rank)
          guard shape == parameter.shape.map(Double.init) else {
            throw OptimError.stateMismatch(
              key: parameterPrefix + "shape",
              reason: "saved for shape \(shape), the parameter has shape \(parameter.shape)")
          }
        }
        states.append(parameterState)
      }
    }
    parameterGroups = groups
    parameterStates = states
  }
}
