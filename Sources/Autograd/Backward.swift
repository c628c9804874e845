import CGradMode
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A fresh number per graph traversal, so a tensor's `visitMark` tells whether the current
/// traversal has seen it without a set of visited nodes.
private let traversalCounter = Atomic<UInt64>(0)

extension Tensor {
  nonisolated(unsafe) static let unitSeed = Tensor(1)

  /// Computes the gradient of this scalar with respect to every leaf that requires grad, and
  /// *adds* it to their `grad` (`loss.backward()`).
  ///
  /// The chain rule in reverse topological order: the seed ∂L/∂L = 1 flows to each operation's
  /// inputs through its backward rule, gradients reaching a tensor by several paths are summed,
  /// and gradients of broadcast operands are summed back to the operand's shape.
  ///
  /// - Parameters:
  ///   - retainGraph: keep the graph's saved values so that a second backward through it is
  ///     possible; by default they are released, and a second backward throws.
  ///   - createGraph: record the backward pass itself, so that the gradients can be
  ///     differentiated again (higher derivatives, `hessian`). Implies `retainGraph`.
  /// - Throws: `AutogradError.nonScalarOutput` when this tensor has more than one element,
  ///   `.graphReleased` for a second backward without `retainGraph`.
  public func backward(retainGraph: Bool = false, createGraph: Bool = false) throws {
    guard count == 1 else { throw AutogradError.nonScalarOutput(shape: shape) }
    try backward(
      gradient: try implicitSeed(), retainGraph: retainGraph,
      createGraph: createGraph)
  }

  /// The vector–Jacobian product: accumulates `gradientᵀ · ∂self/∂leaf` into every leaf's `grad`
  /// (`output.backward(gradient)`). `gradient` has this tensor's shape.
  public func backward(
    gradient seed: Tensor, retainGraph: Bool = false, createGraph: Bool = false
  ) throws {
    _ = try propagate(seed: seed, retainGraph: retainGraph, createGraph: createGraph, capture: nil)
  }

  /// The gradients of this tensor with respect to `inputs`, returned instead of accumulated into
  /// any `grad` (`torch.autograd.grad`). An input this tensor does not depend on gets zeros.
  public func gradients(
    withRespectTo inputs: [Tensor], seed: Tensor? = nil, retainGraph: Bool = false,
    createGraph: Bool = false
  ) throws -> [Tensor] {
    let seed = try seed ?? implicitSeed()
    let found = try propagate(
      seed: seed, retainGraph: retainGraph, createGraph: createGraph, capture: inputs)
    return zip(inputs, found).map { input, grad in
      guard let grad else { return Tensor.zeros(input.shape) }
      // The shared unit seed itself (asked for ∂y/∂y) must not reach the caller, who may write.
      return grad === Tensor.unitSeed ? Tensor(shape: grad.shape, scalars: grad.scalars) : grad
    }
  }

  /// ∂L/∂L = 1 in this tensor's one-element shape. For shape [] (every loss) a shared tensor,
  /// which is safe because the engine never writes into a gradient it is given.
  private func implicitSeed() throws -> Tensor {
    guard count == 1 else { throw AutogradError.nonScalarOutput(shape: shape) }
    return shape.isEmpty ? Tensor.unitSeed : Tensor(shape: shape, scalars: [1])
  }

  /// The engine. With `capture == nil` gradients accumulate into leaves' (and retaining
  /// non-leaves') `grad`; otherwise they are summed per captured tensor and returned, and no
  /// `grad` is touched.
  private func propagate(
    seed: Tensor, retainGraph: Bool, createGraph: Bool, capture: [Tensor]?
  ) throws -> [Tensor?] {
    guard seed.shape == shape else {
      throw AutogradError.seedShapeMismatch(output: shape, seed: seed.shape)
    }
    guard requiresGrad else { throw AutogradError.doesNotRequireGrad }
    var sweep = GradientSweep(capture: capture, createGraph: createGraph)
    guard !isLeaf else {
      sweep.deliver(seed, to: self)
      return sweep.captured
    }
    // The order lives in this thread's scratch array, reused from call to call.
    let scratch = TraversalScratch.current
    var order = scratch.order.take()
    defer { scratch.order.giveBack(&order) }
    try reverseTopologicalOrder(into: &order, scratch: scratch)
    let keepGraph = retainGraph || createGraph
    pendingGrad = seed
    // The rules record only when the backward pass itself is recorded; and they may add a
    // leaf's gradient into its buffer directly only when that is where gradients go.
    let inPlace = capture == nil && !createGraph
    let wasInPlace = fit_backward_in_place()
    fit_set_backward_in_place(inPlace)
    defer { fit_set_backward_in_place(wasInPlace) }
    GradMode.with(createGraph) { sweep.run(order, keepGraph: keepGraph) }
    return sweep.captured
  }

  /// Appends the non-leaf tensors reachable from this one to `order`, each *before* all tensors
  /// it depends on (this one first), which is the order a backward sweep visits them in.
  /// Throws before anything is changed if part of the graph was already released.
  ///
  /// Most graphs a training step builds are chains (loss ← prediction ← ...), where each node
  /// has at most one non-leaf input; then the reachable non-leaves are exactly that path, and
  /// walking it is the order. Anything else takes a depth-first search.
  func reverseTopologicalOrder(into order: inout [Tensor], scratch: TraversalScratch) throws {
    var current = self
    while true {
      guard !current.isGraphReleased else {
        throw AutogradError.graphReleased(operation: current.node!.name)
      }
      guard !current.hasSeveralRecordedInputs else {
        order.emptyKeepingCapacity()
        try depthFirstOrder(into: &order, scratch: scratch)
        return
      }
      order.append(current)
      guard let next = current.chainInput else { return }
      current = next
    }
  }

  /// The general case of `reverseTopologicalOrder`: a post-order depth-first search (inputs
  /// before the tensors using them), reversed.
  private func depthFirstOrder(into order: inout [Tensor], scratch: TraversalScratch) throws {
    let mark = traversalCounter.wrappingAdd(1, ordering: .relaxed).newValue
    // Iterative depth-first search. Two parallel stacks (the tensor, and the next of its inputs
    // to visit) rather than a stack of tuples, which costs a generic metadata lookup per call.
    // The stacks are this thread's, reused from call to call, so a backward pass allocates none.
    var pending = scratch.pending.take()
    var nextInput = scratch.nextInput.take()
    defer {
      scratch.pending.giveBack(&pending)
      scratch.nextInput.giveBack(&nextInput)
    }
    pending.append(self)
    nextInput.append(0)
    visitMark = mark
    while let tensor = pending.popLast() {
      let next = nextInput.removeLast()
      guard !tensor.isGraphReleased else {
        throw AutogradError.graphReleased(operation: tensor.node!.name)
      }
      let node = tensor.node!
      var index = next
      var descended = false
      while index < node.inputCount {
        let input = node.input(index)
        index += 1
        if input.isRecorded, input.visitMark != mark {
          input.visitMark = mark
          pending.append(tensor)
          nextInput.append(index)
          pending.append(input)
          nextInput.append(0)
          descended = true
          break
        }
      }
      if !descended { order.append(tensor) }
    }
    order.reverse()
  }

  /// `grad += g` (gradients accumulate, as in PyTorch): in place when a plain buffer exists,
  /// or as a recorded addition when the backward pass itself is being recorded.
  func accumulateGrad(_ g: Tensor, recorded: Bool = false) {
    if let grad {
      if recorded || !grad.isLeaf {
        self.grad = grad + g
      } else {
        grad.addInPlace(g)
      }
    } else {
      // With a recorded graph keep `g` itself when it carries history; otherwise a new tensor
      // sharing `g`'s storage copy-on-write: `g` may be the engine's seed, the caller's, or a
      // tensor a rule passed through, and `grad` is written into later (zeroGrad, addInPlace).
      grad = recorded && !g.isLeaf ? g : Tensor(shape: g.shape, scalars: g.scalars)
    }
  }

  /// For a rule during a backward pass that adds into `grad`: this leaf's gradient buffer, into
  /// which the rule may add its contribution itself (returning nil for this input) instead of
  /// returning a new tensor for the engine to add. The same sum, without making and freeing a
  /// tensor per parameter per step. Nil when the engine must receive the gradient: when it is
  /// returned to the caller (`gradients(withRespectTo:)`) or recorded (`createGraph`), when this
  /// is not a leaf that requires grad, or when it has no plain gradient of its shape yet.
  func directGradient() -> Tensor? {
    guard fit_backward_in_place(), isLeaf, requiresGrad, let grad, grad.isLeaf,
      !grad.requiresGrad, grad.shape == shape
    else { return nil }
    return grad
  }

  /// `self += other` for equal shapes, in place.
  func addInPlace(_ other: Tensor) {
    precondition(shape == other.shape, "cannot add shape \(other.shape) into \(shape)")
    addInPlace(other.scalars)
  }

  /// `self += values` elementwise, for as many values as this tensor has elements.
  func addInPlace(_ values: [Double]) {
    precondition(values.count == count, "cannot add \(values.count) values into shape \(shape)")
    values.withUnsafeBufferPointer { source in
      scalars.withUnsafeMutableBufferPointer { target in
        for i in 0..<target.count { target[i] += source[i] }
      }
    }
  }
}

/// One backward sweep's state: where gradients go (`grad`, or the captured list of
/// `gradients(withRespectTo:)`), and the walk itself.
private struct GradientSweep {
  let capture: [Tensor]?
  let createGraph: Bool
  var captured: [Tensor?]

  init(capture: [Tensor]?, createGraph: Bool) {
    self.capture = capture
    self.createGraph = createGraph
    captured = [Tensor?](repeating: nil, count: capture?.count ?? 0)
  }

  /// Delivers a gradient that reached `tensor` for good (a leaf, or a non-leaf being swept).
  mutating func deliver(_ g: Tensor, to tensor: Tensor) {
    if let capture {
      for (i, target) in capture.enumerated() where target === tensor {
        captured[i] = captured[i].map { $0 + g } ?? g
      }
    } else if tensor.isLeaf || tensor.retainsGrad {
      tensor.accumulateGrad(g, recorded: createGraph)
    }
  }

  /// Hands an operation's input its share: reduced to its shape (broadcasting), delivered if it
  /// is a leaf, otherwise added to what it has gathered so far.
  mutating func receive(_ inputGrad: Tensor?, _ input: Tensor) {
    guard input.requiresGrad, let inputGrad else { return }
    let reduced = inputGrad.summed(toShape: input.shape)
    if input.isLeaf {
      deliver(reduced, to: input)
    } else {
      // Never added into in place: a rule may hand one tensor to two inputs, (g, g), so
      // a second gradient makes a new sum (rare: only shared subexpressions get two).
      input.pendingGrad = input.pendingGrad.map { $0 + reduced } ?? reduced
    }
  }

  /// The chain rule over `order` (each tensor before its inputs; the root holds the seed in
  /// `pendingGrad`). Without `keepGraph` each node is released once its rule has run.
  mutating func run(_ order: [Tensor], keepGraph: Bool) {
    for tensor in order {
      let node = tensor.node!
      if !keepGraph { tensor.releaseGraph(name: node.name) }
      guard let outputGrad = tensor.pendingGrad else { continue }
      tensor.pendingGrad = nil
      deliver(outputGrad, to: tensor)
      switch node {
      case .unary(_, let x, let backward):
        receive(backward(outputGrad, x), x)
      case .binary(_, let a, let b, let backward):
        let (ga, gb) = backward(outputGrad, a, b)
        receive(ga, a)
        receive(gb, b)
      case .binaryScaled(_, let a, let b, let scale, let backward):
        let (ga, gb) = backward(outputGrad, a, b, scale)
        receive(ga, a)
        receive(gb, b)
      case .ternary(_, let a, let b, let c, let backward):
        let (ga, gb, gc) = backward(outputGrad, a, b, c)
        receive(ga, a)
        receive(gb, b)
        receive(gc, c)
      case .many(_, let inputs, let backward):
        for (input, inputGrad) in zip(inputs, backward(outputGrad)) { receive(inputGrad, input) }
      case .released:
        preconditionFailure("reverseTopologicalOrder() lets no released node through")
      }
    }
  }
}

/// Per-thread arrays for a backward pass (its order, and the depth-first search's stacks), kept
/// between calls so that a backward pass allocates none.
final class TraversalScratch {
  var order = ReusableArray<Tensor>()
  var pending = ReusableArray<Tensor>()
  var nextInput = ReusableArray<Int>()

  /// This thread's scratch, created on first use and freed with the thread.
  static var current: TraversalScratch {
    if let existing = pthread_getspecific(scratchKey) {
      return Unmanaged<TraversalScratch>.fromOpaque(existing).takeUnretainedValue()
    }
    let scratch = TraversalScratch()
    pthread_setspecific(scratchKey, Unmanaged.passRetained(scratch).toOpaque())
    return scratch
  }
}

/// An array lent out and given back, keeping its capacity between uses. `take()` leaves an empty
/// array behind, so that the one lent out stays uniquely referenced and grows in place; a nested
/// use on the same thread simply starts with a fresh array, and the larger one is kept.
struct ReusableArray<Element> {
  private var kept: [Element] = []

  mutating func take() -> [Element] {
    defer { kept = [] }
    return kept
  }

  mutating func giveBack(_ array: inout [Element]) {
    array.emptyKeepingCapacity()
    if array.capacity > kept.capacity { swap(&array, &kept) }
  }
}

private let scratchKey: pthread_key_t = {
  var key = pthread_key_t()
  pthread_key_create(&key) { pointer in
    guard let pointer else { return }
    Unmanaged<TraversalScratch>.fromOpaque(pointer).release()
  }
  return key
}()

extension Array {
  /// `removeAll(keepingCapacity: true)`, by popping: the library's version goes through an
  /// unspecialized `replaceSubrange` with a generic metadata lookup, a measurable part of a
  /// small backward pass.
  @inline(__always)
  mutating func emptyKeepingCapacity() {
    while popLast() != nil {}
  }
}
