import SeededRandom

/// An n-dimensional array of `Double`s that can record the operations producing it, so that
/// `backward()` can compute gradients by the chain rule (PyTorch: `torch.Tensor`).
///
/// Storage is one contiguous row-major `[Double]` (`scalars`); `shape` gives its dimensions, and a
/// shape of `[]` is a scalar. A `Tensor` is a reference type, as in PyTorch: parameters are shared
/// between a model, its optimizer and the graph, and an optimizer updates them in place.
///
/// ```swift
/// let x = Tensor([1, 2, 3], requiresGrad: true)
/// let y = (x * x).sum()
/// try y.backward()
/// x.grad!.scalars   // [2, 4, 6]
/// ```
public final class Tensor {
  /// The dimensions, outermost first. `[]` for a scalar.
  public private(set) var shape: [Int]

  /// The elements in row-major order; as many as the shape holds (checked on every write).
  /// Writing to them changes the tensor in place, like writing `.data` in PyTorch: a recorded
  /// graph that used this tensor reads its values when `backward()` runs, so change a tensor
  /// only after the backward passes that need its old values (as an optimizer step does).
  public var scalars: [Double] {
    get { storage }
    set {
      storage = newValue
      checkCount()
    }
    // In place (an optimizer's update, `withUnsafeMutableBufferPointer`): no copy, then the
    // same check.
    _modify {
      yield &storage
      checkCount()
    }
  }

  /// The elements; `scalars` is this with its count checked against the shape on every write.
  private var storage: [Double]

  @inline(__always)
  private func checkCount() {
    precondition(
      storage.count == shape.reduce(1, *),
      "\(storage.count) scalars for a tensor of shape \(shape)")
  }

  /// Whether operations on this tensor are recorded for differentiation (`requires_grad`).
  /// Only a leaf's flag can be changed; a recorded result always requires grad.
  public var requiresGrad: Bool {
    didSet {
      precondition(
        isLeaf || requiresGrad,
        "requiresGrad can only be changed on a leaf tensor; use detach() for a non-leaf")
    }
  }

  /// The accumulated gradient of the last `backward()` calls with respect to this tensor
  /// (`.grad`). Set on leaves that require grad, and on non-leaves that called `retainGrad()`.
  public var grad: Tensor?

  /// How this tensor was made; nil for a leaf.
  var node: GraphNode?

  /// Whether a recorded operation made this tensor (`!isLeaf`). Fixed at creation: a leaf never
  /// gains a node, and a non-leaf keeps one (a released node still names its operation).
  let isRecorded: Bool

  /// Whether a backward pass without `retainGraph` has released this tensor's node.
  var isGraphReleased = false

  /// For the backward pass's walk along a chain (`reverseTopologicalOrder`): the one non-leaf
  /// among this operation's inputs, nil when all are leaves, and `hasSeveralRecordedInputs`
  /// when two differ. Set once when the operation is recorded, so the walk reads two fields
  /// instead of copying the node. Unowned: the node holds the input strongly, and releasing the
  /// node clears this first.
  unowned(unsafe) var chainInput: Tensor?
  var hasSeveralRecordedInputs = false

  /// Whether `backward()` stores this non-leaf's gradient in `grad` (set by `retainGrad()`).
  public private(set) var retainsGrad = false

  // Engine bookkeeping for one backward sweep: the gradient gathered so far for a non-leaf, and
  // the number of the traversal that last visited this tensor.
  var pendingGrad: Tensor?
  var visitMark: UInt64 = 0

  /// Creates a tensor from its row-major elements and shape.
  public init(shape: [Int], scalars: [Double], requiresGrad: Bool = false) {
    precondition(shape.allSatisfy { $0 >= 0 }, "shape \(shape) has a negative dimension")
    precondition(
      shape.reduce(1, *) == scalars.count,
      "shape \(shape) needs \(shape.reduce(1, *)) elements, got \(scalars.count)")
    self.shape = shape
    self.storage = scalars
    self.requiresGrad = requiresGrad
    self.isRecorded = false
  }

  /// A scalar tensor (shape `[]`).
  public convenience init(_ value: Double, requiresGrad: Bool = false) {
    self.init(shape: [], scalars: [value], requiresGrad: requiresGrad)
  }

  /// A vector (shape `[n]`).
  public convenience init(_ values: [Double], requiresGrad: Bool = false) {
    self.init(shape: [values.count], scalars: values, requiresGrad: requiresGrad)
  }

  /// A matrix from its rows (shape `[rows.count, rows[0].count]`).
  public convenience init(_ rows: [[Double]], requiresGrad: Bool = false) {
    let columns = rows.first?.count ?? 0
    precondition(
      rows.allSatisfy { $0.count == columns }, "rows of a matrix must all have \(columns) elements")
    self.init(
      shape: [rows.count, columns], scalars: rows.flatMap { $0 }, requiresGrad: requiresGrad)
  }

  /// The result of a recorded operation. Internal: only ops create non-leaves.
  init(shape: [Int], scalars: [Double], node: GraphNode) {
    self.shape = shape
    self.storage = scalars
    self.requiresGrad = true
    self.node = node
    self.isRecorded = true
  }

  /// Notes one input of the operation that made this tensor, for `chainInput`.
  @inline(__always)
  func link(_ input: Tensor) {
    guard input.isRecorded else { return }
    if let existing = chainInput {
      if existing !== input { hasSeveralRecordedInputs = true }
    } else {
      chainInput = input
    }
  }

  /// Drops the node's rule, saved values and inputs after a backward pass (the name stays, for
  /// the error a second backward gives).
  func releaseGraph(name: String) {
    chainInput = nil
    isGraphReleased = true
    node = .released(name)
  }
}

// MARK: - Properties

extension Tensor {
  /// Number of dimensions.
  public var rank: Int { shape.count }

  /// Number of elements.
  public var count: Int { scalars.count }

  /// True for tensors made by the user, by an operation in no-grad mode, or by an operation none
  /// of whose inputs requires grad (`is_leaf`).
  public var isLeaf: Bool { !isRecorded }

  /// The name of the recorded operation that made this tensor, as PyTorch prints its `grad_fn`
  /// (`MulBackward`, `MmBackward`, ...); nil for a leaf.
  public var gradFunction: String? { node?.name }

  /// The only element of a one-element tensor (`item()`).
  public var item: Double {
    precondition(count == 1, "item needs a tensor of one element, shape is \(shape)")
    return scalars[0]
  }

  /// Asks `backward()` to keep this non-leaf's gradient in `grad` (`retain_grad()`).
  /// On a leaf it does nothing: leaves that require grad always keep theirs.
  public func retainGrad() {
    guard !isLeaf else { return }
    retainsGrad = true
  }

  /// Sets the gradient to zeros, keeping its buffer (`zero_grad(set_to_none=False)`).
  /// To drop the gradient instead, assign `grad = nil`.
  public func zeroGrad() {
    guard let grad else { return }
    // A gradient with history (from `createGraph`) may be an input of that graph: it is
    // replaced by zeros rather than written into, as PyTorch detaches it first.
    guard grad.isLeaf else {
      self.grad = Tensor(shape: grad.shape, scalars: [Double](repeating: 0, count: grad.count))
      return
    }
    grad.scalars.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
  }

  /// The same values with no history: a leaf that does not require grad (`detach()`).
  /// The storage is shared copy-on-write, so this costs no copy.
  public func detached() -> Tensor {
    Tensor(shape: shape, scalars: scalars)
  }

  /// Same as `detached()`, in PyTorch's spelling.
  public func detach() -> Tensor { detached() }

  /// Row-major strides of a shape, in elements.
  static func strides(of shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var running = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
      strides[axis] = running
      running *= shape[axis]
    }
    return strides
  }

  /// The element at a multi-dimensional index.
  public subscript(index: Int...) -> Double {
    precondition(index.count == rank, "index \(index) does not match shape \(shape)")
    var offset = 0
    for (axis, i) in index.enumerated() {
      precondition(i >= 0 && i < shape[axis], "index \(index) out of range for shape \(shape)")
      offset = offset * shape[axis] + i
    }
    return scalars[offset]
  }
}

// MARK: - Factories

extension Tensor {
  /// A tensor of zeros.
  public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
    full(shape, value: 0, requiresGrad: requiresGrad)
  }

  /// A tensor of ones.
  public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
    full(shape, value: 1, requiresGrad: requiresGrad)
  }

  /// A tensor with every element equal to `value`.
  public static func full(_ shape: [Int], value: Double, requiresGrad: Bool = false) -> Tensor {
    Tensor(
      shape: shape, scalars: [Double](repeating: value, count: shape.reduce(1, *)),
      requiresGrad: requiresGrad)
  }

  /// `start, start + step, ...` up to but excluding `end` (`torch.arange`).
  public static func arange(
    _ start: Double = 0, _ end: Double, step: Double = 1, requiresGrad: Bool = false
  ) -> Tensor {
    precondition(step != 0, "arange step must not be zero")
    let count = max(0, Int(((end - start) / step).rounded(.up)))
    let values = (0..<count).map { start + Double($0) * step }
    return Tensor(shape: [count], scalars: values, requiresGrad: requiresGrad)
  }

  /// Independent normal samples with the given mean and standard deviation.
  public static func randomNormal(
    _ shape: [Int], mean: Double = 0, standardDeviation: Double = 1,
    generator: inout SplitMix64, requiresGrad: Bool = false
  ) -> Tensor {
    let count = shape.reduce(1, *)
    var values = [Double](repeating: 0, count: count)
    for i in 0..<count { values[i] = mean + standardDeviation * generator.nextNormal() }
    return Tensor(shape: shape, scalars: values, requiresGrad: requiresGrad)
  }

  /// Normal samples from a fresh generator seeded with `seed`.
  public static func randomNormal(
    _ shape: [Int], mean: Double = 0, standardDeviation: Double = 1, seed: UInt64,
    requiresGrad: Bool = false
  ) -> Tensor {
    var generator = SplitMix64(seed: seed)
    return randomNormal(
      shape, mean: mean, standardDeviation: standardDeviation, generator: &generator,
      requiresGrad: requiresGrad)
  }

  /// Independent uniform samples in `[lower, upper)`.
  public static func randomUniform(
    _ shape: [Int], lower: Double = 0, upper: Double = 1, generator: inout SplitMix64,
    requiresGrad: Bool = false
  ) -> Tensor {
    let count = shape.reduce(1, *)
    var values = [Double](repeating: 0, count: count)
    for i in 0..<count { values[i] = lower + (upper - lower) * generator.nextDouble() }
    return Tensor(shape: shape, scalars: values, requiresGrad: requiresGrad)
  }

  /// Uniform samples from a fresh generator seeded with `seed`.
  public static func randomUniform(
    _ shape: [Int], lower: Double = 0, upper: Double = 1, seed: UInt64, requiresGrad: Bool = false
  ) -> Tensor {
    var generator = SplitMix64(seed: seed)
    return randomUniform(
      shape, lower: lower, upper: upper, generator: &generator, requiresGrad: requiresGrad)
  }
}

extension Tensor: CustomStringConvertible {
  public var description: String {
    let values = count <= 12 ? "\(scalars)" : "\(Array(scalars.prefix(12)))…"
    var text = "Tensor(shape: \(shape), \(values)"
    if let gradFunction {
      text += ", gradFunction: \(gradFunction)"
    } else if requiresGrad {
      text += ", requiresGrad: true"
    }
    return text + ")"
  }
}
