import Autograd

/// A fully connected layer, `y = X·W + b` (PyTorch: `torch.nn.Linear`).
///
/// `W` has shape `[inputFeatures, outputFeatures]` and `b` shape `[outputFeatures]`, so a batch
/// `X` of shape `[rows, inputFeatures]` maps to `[rows, outputFeatures]` by one matrix product
/// and a broadcast sum. PyTorch stores the weight transposed (`[out, in]`); here it is laid out
/// as the coefficients of a linear regression, one column per output.
///
/// Parameters, in order: `weight`, then `bias` (absent when the layer has no bias).
///
/// ```swift
/// let layer = Linear(inputFeatures: 3, outputFeatures: 1)           // zeros
/// let seeded = Linear(inputFeatures: 3, outputFeatures: 1, seed: 7)  // U(−1/√3, 1/√3)
/// let y = layer(x)                                                  // [rows, 3] → [rows, 1]
/// ```
public struct Linear: Module {
  public let inputFeatures: Int
  public let outputFeatures: Int
  /// `W`, shape `[inputFeatures, outputFeatures]`.
  public let weight: Tensor
  /// `b`, shape `[outputFeatures]`; nil for a layer without bias.
  public let bias: Tensor?

  /// A layer whose parameters are all zero: the usual start of a convex regression, and the same
  /// on every run.
  public init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true) {
    Self.checkSizes(inputFeatures, outputFeatures)
    self.init(
      checkedWeight: Tensor.zeros([inputFeatures, outputFeatures], requiresGrad: true),
      bias: bias ? Tensor.zeros([outputFeatures], requiresGrad: true) : nil)
  }

  /// A layer drawn from `seed`, PyTorch's default initialization of `nn.Linear`: every element
  /// uniform in `[−k, k)` with `k = 1/√inputFeatures`. One stream drawn from `seed` fills the
  /// weight row by row, then the bias; the same seed gives the same layer.
  public init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true, seed: UInt64) {
    Self.checkSizes(inputFeatures, outputFeatures)
    let bound = 1 / Double(inputFeatures).squareRoot()
    let weightCount = inputFeatures * outputFeatures
    let draws = Tensor.randomUniform(
      [weightCount + (bias ? outputFeatures : 0)], lower: -bound, upper: bound, seed: seed
    ).scalars
    self.init(
      checkedWeight: Tensor(
        shape: [inputFeatures, outputFeatures], scalars: Array(draws[..<weightCount]),
        requiresGrad: true),
      bias: bias ? Tensor(Array(draws[weightCount...]), requiresGrad: true) : nil)
  }

  /// A layer with the given coefficients: `weight` has one row per input feature and one column
  /// per output, `bias` one value per output (nil for no bias). The values are copied into new
  /// parameters that require grad.
  public init(weight: [[Double]], bias: [Double]?) {
    precondition(!weight.isEmpty, "Linear(weight:bias:) needs at least one row of weights")
    let outputs = weight[0].count
    Self.checkSizes(weight.count, outputs)
    if let bias {
      precondition(bias.count == outputs, "bias has \(bias.count) values for \(outputs) outputs")
    }
    self.init(
      checkedWeight: Tensor(weight, requiresGrad: true),
      bias: bias.map { Tensor($0, requiresGrad: true) })
  }

  private init(checkedWeight weight: Tensor, bias: Tensor?) {
    self.inputFeatures = weight.shape[0]
    self.outputFeatures = weight.shape[1]
    self.weight = weight
    self.bias = bias
  }

  private static func checkSizes(_ inputs: Int, _ outputs: Int) {
    precondition(inputs >= 1, "Linear needs at least one input feature, got \(inputs)")
    precondition(outputs >= 1, "Linear needs at least one output, got \(outputs)")
  }

  /// `weight`, then `bias` when the layer has one.
  public var namedParameters: [(name: String, tensor: Tensor)] {
    guard let bias else { return [("weight", weight)] }
    return [("weight", weight), ("bias", bias)]
  }

  /// `x·W + b` for `x` of shape `[rows, inputFeatures]`.
  public func callAsFunction(_ x: Tensor) -> Tensor {
    precondition(
      x.rank == 2 && x.shape[1] == inputFeatures,
      "Linear(\(inputFeatures) → \(outputFeatures)) needs input of shape [rows, "
        + "\(inputFeatures)], got \(x.shape)")
    guard let bias else { return x.matmul(weight) }
    return Tensor.linear(x, weight: weight, bias: bias)
  }
}
