/// One recorded operation of the graph (`grad_fn`): its inputs and its backward rule.
///
/// A backward rule takes the gradient of the loss with respect to the operation's output and
/// *returns* one gradient per input (nil for an input that does not require grad). It mutates
/// nothing: the engine (`Backward.swift`) alone reduces broadcast gradients back to each input's
/// shape and accumulates them, so those rules live in one place.
public final class GradFunction {
  /// The operation's name, as PyTorch prints it (`MulBackward`, `MatmulBackward`, ...).
  public let name: String
  /// The operation's inputs, in argument order.
  let inputs: [Tensor]
  /// The rule; nil once a backward without `retainGraph` has released it and what it saved.
  var rule: ((Tensor) -> [Tensor?])?

  init(_ name: String, inputs: [Tensor], rule: @escaping (Tensor) -> [Tensor?]) {
    self.name = name
    self.inputs = inputs
    self.rule = rule
  }
}

extension Tensor {
  /// Wraps an operation's result: records `rule` when grad mode is on and an input requires grad,
  /// otherwise returns a leaf that does not require grad.
  @inline(__always)
  static func result(
    shape: [Int], scalars: [Double], name: String, inputs: [Tensor],
    rule: @escaping (Tensor) -> [Tensor?]
  ) -> Tensor {
    guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else {
      return Tensor(shape: shape, scalars: scalars)
    }
    let function = GradFunction(name, inputs: inputs, rule: rule)
    return Tensor(shape: shape, scalars: scalars, gradFunction: function)
  }

  /// Whether an operation on `inputs` would be recorded; lets an op skip saving values for a
  /// backward rule that will never run.
  @inline(__always)
  static func recordsGraph(_ inputs: Tensor...) -> Bool {
    GradMode.isEnabled && inputs.contains(where: { $0.requiresGrad })
  }
}
