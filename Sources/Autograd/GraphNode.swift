/// How a non-leaf tensor was made (`grad_fn`): the operation's name, its inputs and its backward
/// rule, stored inline in the tensor — an enum, not an object — so that recording an operation
/// allocates nothing beyond the result and, for rules that capture values, their closure.
///
/// A backward rule takes the gradient of the loss with respect to the operation's output and
/// *returns* one gradient per input (nil for an input that needs none). It mutates nothing: the
/// engine (`Backward.swift`) alone reduces broadcast gradients back to each input's shape and
/// accumulates them, so those rules live in one place.
enum GraphNode {
  /// One input x; the rule maps (g, x) to ∂L/∂x.
  case unary(String, Tensor, (_ g: Tensor, _ x: Tensor) -> Tensor?)
  /// Two inputs a, b; the rule maps (g, a, b) to (∂L/∂a, ∂L/∂b).
  case binary(String, Tensor, Tensor, (_ g: Tensor, _ a: Tensor, _ b: Tensor) -> (Tensor?, Tensor?))
  /// Two inputs and a number the rule needs (a loss's scale): kept in the node, so that the rule
  /// captures nothing and recording the operation allocates no closure context.
  case binaryScaled(
    String, Tensor, Tensor, Double,
    (_ g: Tensor, _ a: Tensor, _ b: Tensor, _ scale: Double) -> (Tensor?, Tensor?))
  /// Three inputs (fused operations such as `linear`).
  case ternary(
    String, Tensor, Tensor, Tensor,
    (_ g: Tensor, _ a: Tensor, _ b: Tensor, _ c: Tensor) -> (Tensor?, Tensor?, Tensor?))
  /// Any number of inputs; the rule maps g to one gradient per input.
  case many(String, [Tensor], (_ g: Tensor) -> [Tensor?])
  /// A node whose rule, saved values and inputs a backward pass without `retainGraph` freed.
  case released(String)

  var name: String {
    switch self {
    case .unary(let name, _, _), .binary(let name, _, _, _), .binaryScaled(let name, _, _, _, _),
      .ternary(let name, _, _, _, _),
      .many(let name, _, _), .released(let name):
      name
    }
  }

  var inputCount: Int {
    switch self {
    case .unary: 1
    case .binary, .binaryScaled: 2
    case .ternary: 3
    case .many(_, let inputs, _): inputs.count
    case .released: 0
    }
  }

  func input(_ index: Int) -> Tensor {
    switch self {
    case .unary(_, let x, _): x
    case .binary(_, let a, let b, _), .binaryScaled(_, let a, let b, _, _): index == 0 ? a : b
    case .ternary(_, let a, let b, let c, _): index == 0 ? a : (index == 1 ? b : c)
    case .many(_, let inputs, _): inputs[index]
    case .released: preconditionFailure("a released node has no inputs")
    }
  }

  var isReleased: Bool {
    if case .released = self { return true }
    return false
  }
}

extension Tensor {
  /// An operation's result with one input: records `rule` when grad mode is on and the input
  /// requires grad, otherwise returns a leaf that does not require grad.
  @inline(__always)
  static func result(
    shape: [Int], scalars: [Double], name: String, input x: Tensor,
    rule: @escaping (_ g: Tensor, _ x: Tensor) -> Tensor?
  ) -> Tensor {
    guard GradMode.isEnabled && x.requiresGrad else {
      return Tensor(shape: shape, scalars: scalars)
    }
    let tensor = Tensor(shape: shape, scalars: scalars, node: .unary(name, x, rule))
    tensor.link(x)
    return tensor
  }

  /// An operation's result with two inputs.
  @inline(__always)
  static func result(
    shape: [Int], scalars: [Double], name: String, inputs a: Tensor, _ b: Tensor,
    rule: @escaping (_ g: Tensor, _ a: Tensor, _ b: Tensor) -> (Tensor?, Tensor?)
  ) -> Tensor {
    guard GradMode.isEnabled && (a.requiresGrad || b.requiresGrad) else {
      return Tensor(shape: shape, scalars: scalars)
    }
    let tensor = Tensor(shape: shape, scalars: scalars, node: .binary(name, a, b, rule))
    tensor.link(a)
    tensor.link(b)
    return tensor
  }

  /// An operation's result with two inputs and a number its rule needs.
  @inline(__always)
  static func result(
    shape: [Int], scalars: [Double], name: String, inputs a: Tensor, _ b: Tensor, scale: Double,
    rule: @escaping (_ g: Tensor, _ a: Tensor, _ b: Tensor, _ scale: Double) -> (Tensor?, Tensor?)
  ) -> Tensor {
    guard GradMode.isEnabled && (a.requiresGrad || b.requiresGrad) else {
      return Tensor(shape: shape, scalars: scalars)
    }
    let tensor = Tensor(
      shape: shape, scalars: scalars, node: .binaryScaled(name, a, b, scale, rule))
    tensor.link(a)
    tensor.link(b)
    return tensor
  }

  /// An operation's result with three inputs.
  @inline(__always)
  static func result(
    shape: [Int], scalars: [Double], name: String, inputs a: Tensor, _ b: Tensor, _ c: Tensor,
    rule:
      @escaping (_ g: Tensor, _ a: Tensor, _ b: Tensor, _ c: Tensor) -> (
        Tensor?, Tensor?, Tensor?
      )
  ) -> Tensor {
    guard GradMode.isEnabled && (a.requiresGrad || b.requiresGrad || c.requiresGrad) else {
      return Tensor(shape: shape, scalars: scalars)
    }
    let tensor = Tensor(shape: shape, scalars: scalars, node: .ternary(name, a, b, c, rule))
    tensor.link(a)
    tensor.link(b)
    tensor.link(c)
    return tensor
  }

  /// An operation's result with any number of inputs.
  static func result(
    shape: [Int], scalars: [Double], name: String, inputs: [Tensor],
    rule: @escaping (_ g: Tensor) -> [Tensor?]
  ) -> Tensor {
    guard GradMode.isEnabled && inputs.contains(where: { $0.requiresGrad }) else {
      return Tensor(shape: shape, scalars: scalars)
    }
    let tensor = Tensor(shape: shape, scalars: scalars, node: .many(name, inputs, rule))
    for input in inputs { tensor.link(input) }
    return tensor
  }
}
