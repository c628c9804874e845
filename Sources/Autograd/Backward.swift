import Synchronization

/// A fresh number per graph traversal, so a tensor's `visitMark` tells whether the current
/// traversal has seen it without a set of visited nodes.
private let traversalCounter = Atomic<UInt64>(0)

extension Tensor {
  /// Computes the gradient of this scalar with respect to every leaf that requires grad, and
  /// *adds* it to their `grad` (`loss.backward()`).
  ///
  /// The chain rule in reverse topological order: the seed ∂L/∂L = 1 flows to each operation's
  /// inputs through its backward rule, gradients reaching a tensor by several paths are summed,
  /// and gradients of broadcast operands are summed back to the operand's shape.
  ///
  /// - Parameter retainGraph: keep the graph's saved values so that a second backward through it
  ///   is possible; by default they are released, and a second backward throws.
  /// - Throws: `AutogradError.nonScalarOutput` when this tensor has more than one element,
  ///   `.graphReleased` for a second backward without `retainGraph`.
  public func backward(retainGraph: Bool = false) throws {
    guard count == 1 else { throw AutogradError.nonScalarOutput(shape: shape) }
    try backward(gradient: Tensor(shape: shape, scalars: [1]), retainGraph: retainGraph)
  }

  /// The vector–Jacobian product: accumulates `gradientᵀ · ∂self/∂leaf` into every leaf's `grad`
  /// (`output.backward(gradient)`). `gradient` has this tensor's shape.
  public func backward(gradient seed: Tensor, retainGraph: Bool = false) throws {
    guard seed.shape == shape else {
      throw AutogradError.seedShapeMismatch(output: shape, seed: seed.shape)
    }
    guard requiresGrad else { throw AutogradError.doesNotRequireGrad }
    guard !isLeaf else {
      accumulateGrad(seed)
      return
    }
    let order = try topologicalOrder()
    pendingGrad = seed
    for tensor in order.reversed() {
      let function = tensor.gradFunction!
      let rule = function.rule!
      if !retainGraph { function.rule = nil }
      guard let outputGrad = tensor.pendingGrad else { continue }
      tensor.pendingGrad = nil
      if tensor.retainsGrad { tensor.accumulateGrad(outputGrad) }
      let inputGrads = rule(outputGrad)
      for (input, inputGrad) in zip(function.inputs, inputGrads) {
        guard input.requiresGrad, let inputGrad else { continue }
        let reduced = inputGrad.summed(toShape: input.shape)
        if input.isLeaf {
          input.accumulateGrad(reduced)
        } else if let pending = input.pendingGrad {
          pending.addInPlace(reduced)
        } else {
          input.pendingGrad = Tensor(shape: reduced.shape, scalars: reduced.scalars)
        }
      }
    }
  }

  /// The non-leaf tensors reachable from this one, each after all tensors it depends on.
  /// Throws before anything is changed if part of the graph was already released.
  func topologicalOrder() throws -> [Tensor] {
    let mark = traversalCounter.wrappingAdd(1, ordering: .relaxed).newValue
    var order: [Tensor] = []
    // Iterative depth-first search: (tensor, next input to visit).
    var stack: [(Tensor, Int)] = [(self, 0)]
    visitMark = mark
    while let (tensor, next) = stack.popLast() {
      let function = tensor.gradFunction!
      guard function.rule != nil else {
        throw AutogradError.graphReleased(operation: function.name)
      }
      var index = next
      var descended = false
      while index < function.inputs.count {
        let input = function.inputs[index]
        index += 1
        if input.gradFunction != nil, input.visitMark != mark {
          input.visitMark = mark
          stack.append((tensor, index))
          stack.append((input, 0))
          descended = true
          break
        }
      }
      if !descended { order.append(tensor) }
    }
    return order
  }

  /// `grad += g`, in place when a buffer exists (gradients accumulate, as in PyTorch).
  func accumulateGrad(_ g: Tensor) {
    if let grad {
      grad.addInPlace(g)
    } else {
      // A new tensor sharing `g`'s storage copy-on-write: `g` may be referenced elsewhere.
      grad = Tensor(shape: g.shape, scalars: g.scalars)
    }
  }

  /// `self += other` for equal shapes, in place.
  func addInPlace(_ other: Tensor) {
    precondition(shape == other.shape, "cannot add shape \(other.shape) into \(shape)")
    other.scalars.withUnsafeBufferPointer { source in
      scalars.withUnsafeMutableBufferPointer { target in
        for i in 0..<target.count { target[i] += source[i] }
      }
    }
  }
}
