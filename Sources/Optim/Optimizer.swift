import Autograd

/// Updates a set of parameters in place from their gradients (PyTorch: `torch.optim.Optimizer`).
///
/// The trainer sees only this protocol, so any conforming type can be chosen from a config:
///
/// ```swift
/// let optimizer: any Optimizer = try Adam([w, b], lr: 1e-3)
/// for batch in batches {
///   optimizer.zeroGrad()
///   try loss(batch).backward()
///   optimizer.step()
/// }
/// ```
///
/// Most optimizers conform through `ParameterwiseOptimizer`, which supplies `step()`,
/// `stateDict()` and `load(_:)` from a per-parameter update rule.
public protocol Optimizer: AnyObject {
  /// The parameter groups, in the order given. Only hyper-parameters may be changed through this
  /// property (schedules set `learningRate`); changing the parameters is a precondition failure.
  var parameterGroups: [ParameterGroup] { get set }

  /// Updates every parameter that has a `grad`, in place; parameters without one are skipped.
  /// Records nothing in the autograd graph.
  func step()

  /// Sets every parameter's gradient to zeros.
  func zeroGrad()

  /// The optimizer's full state: per-group hyper-parameters and per-parameter buffers.
  func stateDict() -> StateDict

  /// Restores a state saved by `stateDict()` of the same optimizer over parameters of the same
  /// shapes. Nothing changes if it throws.
  /// - Throws: `OptimError.stateMismatch` naming the first entry that does not fit.
  func load(_ state: StateDict) throws
}

extension Optimizer {
  /// Zeroes the gradients, keeping their buffers so the next backward adds into them without
  /// allocating (`zero_grad(set_to_none=False)`; set `grad = nil` on a parameter to drop it).
  public func zeroGrad() {
    for group in parameterGroups {
      for parameter in group.parameters { parameter.zeroGrad() }
    }
  }

  /// All parameters, group after group, in the order their state is saved.
  public var parameters: [Tensor] { parameterGroups.flatMap(\.parameters) }

  /// The learning rate of the first group; setting it sets every group's.
  public var learningRate: Double {
    get { parameterGroups[0].learningRate }
    set {
      for index in parameterGroups.indices { parameterGroups[index].learningRate = newValue }
    }
  }
}

/// Stops the program if `groups` no longer hold the parameters of `previous`, in order.
func checkParametersUnchanged(_ groups: [ParameterGroup], previous: [ParameterGroup]) {
  precondition(
    groups.count == previous.count
      && zip(groups, previous).allSatisfy { $0.hasSameParameters(as: $1) },
    "an optimizer's parameters are fixed at creation: only hyper-parameters of its groups can "
      + "change")
}
