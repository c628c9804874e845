/// One recorded operation of the graph (`grad_fn`): its inputs and its backward rule.
///
/// A backward rule takes the gradient of the loss with respect to the operation's output and
/// *returns* one gradient per input (nil for an input that needs none). It mutates nothing: the
/// engine (`Backward.swift`) alone reduces broadcast gradients back to each input's shape and
/// accumulates them, so those rules live in one place.
public final class GradFunction {
  /// The operation's name, as PyTorch prints it (`MulBackward`, `MmBackward`, ...).
  public let name: String
  /// The operation's inputs, in argument order.
  let inputs: [Tensor]
  /// The rule; nil once a backward without `retainGraph` has released it and what it saved.
  var rule: Rule?

  init(_ name: String, inputs: [Tensor], rule: Rule) {
    self.name = name
    self.inputs = inputs
    self.rule = rule
  }
}

/// A backward rule. The unary and binary forms receive their inputs from the engine, so the
/// closures written at each operation capture nothing and cost no allocation per operation.
enum Rule {
  /// (g, x) ↦ ∂L/∂x.
  case unary((_ g: Tensor, _ x: Tensor) -> Tensor)
  /// (g, a, b) ↦ (∂L/∂a, ∂L/∂b).
  case binary((_ g: Tensor, _ a: Tensor, _ b: Tensor) -> (Tensor?, Tensor?))
  /// g ↦ one gradient per input; the closure captures whatever else it needs.
  case general((_ g: Tensor) -> [Tensor?])
}

extension Tensor {
  /// Wraps an operation's result: records `rule` when grad mode is on and an input requires grad,
  /// otherwise returns a leaf that does not require grad.
  @inline(__always)
  static func result(
    shape: [Int], scalars: [Double], name: String, inputs: [Tensor], _ rule: Rule
  ) -> Tensor {
    guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else {
      return Tensor(shape: shape, scalars: scalars)
    }
    let function = GradFunction(name, inputs: inputs, rule: rule)
    return Tensor(shape: shape, scalars: scalars, gradFunction: function)
  }

  /// `result` for a rule given as a closure over everything it needs.
  @inline(__always)
  static func result(
    shape: [Int], scalars: [Double], name: String, inputs: [Tensor],
    rule: @escaping (Tensor) -> [Tensor?]
  ) -> Tensor {
    result(shape: shape, scalars: scalars, name: name, inputs: inputs, .general(rule))
  }
}
