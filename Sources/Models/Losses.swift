import Autograd

// Regression losses built from Tensor operations, so their gradients come from the operations'
// own backward rules. Each compares a prediction with a target of the same shape, elementwise;
// the shapes must be equal, because broadcasting [rows, 1] against [rows] would silently compare
// every prediction with every target.

/// How a loss combines its elementwise terms (PyTorch's `reduction=`).
public enum Reduction: String, Sendable, Equatable, CaseIterable {
  /// The mean over all elements (rows × outputs): the usual training loss.
  case mean
  /// The sum over all elements. A trainer that accumulates gradients over micro-batches sums
  /// each micro-batch's loss and scales it by `1 / (batch rows × outputs)`, which gives the same
  /// gradient as the mean over the whole batch, however the batch is split.
  case sum
}

/// Mean squared error, `mean((p − t)²)` (`torch.nn.MSELoss`).
public func meanSquaredError(
  _ prediction: Tensor, _ target: Tensor, reduction: Reduction = .mean
) -> Tensor {
  checkShapes(prediction, target, "meanSquaredError")
  // One fused node rather than a subtraction, a square and a reduction.
  let scale = reduction == .mean ? 1 / Double(max(prediction.count, 1)) : 1
  return Tensor.squaredErrorSum(prediction, target, scale: scale)
}

/// Mean absolute error, `mean(|p − t|)` (`torch.nn.L1Loss`). Its gradient at `p = t` is 0.
public func meanAbsoluteError(
  _ prediction: Tensor, _ target: Tensor, reduction: Reduction = .mean
) -> Tensor {
  checkShapes(prediction, target, "meanAbsoluteError")
  return reduce((prediction - target).abs(), reduction)
}

/// The Huber loss (`torch.nn.HuberLoss(delta=δ)`): with `r = p − t`, each term is
///
///     ½·r²            where |r| ≤ δ
///     δ·(|r| − ½·δ)   elsewhere
///
/// quadratic near the target and linear beyond δ, so outliers pull with a bounded force. The two
/// pieces and their slopes (`r` and `δ·sign r`) agree at `|r| = δ`.
public func huberLoss(
  _ prediction: Tensor, _ target: Tensor, delta: Double = 1.0, reduction: Reduction = .mean
) -> Tensor {
  precondition(delta > 0, "huberLoss needs delta > 0, got \(delta)")
  checkShapes(prediction, target, "huberLoss")
  let residual = prediction - target
  let absolute = residual.abs()
  let quadratic = 0.5 * residual.square()
  let linear = delta * (absolute - 0.5 * delta)
  let isSmall = noGrad { absolute .<= delta }
  return reduce(Tensor.where(isSmall, quadratic, linear), reduction)
}

/// The ridge penalty `λ·Σ w²` over every element of every tensor in `parameters`.
///
/// Every tensor given is penalized, so pass `model.penalizedParameters` (all but the biases) to
/// leave the intercept free, as ridge regression does, or use `l2Penalty(_:lambda:)` on the
/// model. With `λ = 0` the result is a constant 0 and records nothing.
public func l2Penalty(_ parameters: [Tensor], lambda: Double) -> Tensor {
  precondition(lambda >= 0, "l2Penalty needs lambda ≥ 0, got \(lambda)")
  guard lambda > 0, !parameters.isEmpty else { return Tensor(0) }
  let sumOfSquares = parameters.map { $0.square().sum() }.reduce(Tensor(0), +)
  return lambda * sumOfSquares
}

/// The ridge penalty `λ·Σ w²` over the model's weights, biases excluded
/// (`model.penalizedParameters`).
public func l2Penalty(_ model: some Module, lambda: Double) -> Tensor {
  l2Penalty(model.penalizedParameters, lambda: lambda)
}

/// A regression loss chosen at run time, as a config names it.
///
/// ```swift
/// let loss = Loss.huber(delta: 1.0)
/// let value = loss(model(x), y)                    // mean over the batch
/// let part = loss(model(xs), ys, reduction: .sum)  // for micro-batch accumulation
/// ```
public enum Loss: Sendable, Equatable {
  /// `meanSquaredError`.
  case mse
  /// `meanAbsoluteError`.
  case mae
  /// `huberLoss(delta:)`.
  case huber(delta: Double)

  public func callAsFunction(
    _ prediction: Tensor, _ target: Tensor, reduction: Reduction = .mean
  ) -> Tensor {
    switch self {
    case .mse: meanSquaredError(prediction, target, reduction: reduction)
    case .mae: meanAbsoluteError(prediction, target, reduction: reduction)
    case .huber(let delta): huberLoss(prediction, target, delta: delta, reduction: reduction)
    }
  }

  /// `scale ·` the sum of the elementwise terms: a micro-batch's share of a batch's mean loss
  /// (scale = 1 / (batch rows × outputs)), in one node for MSE.
  public func sum(_ prediction: Tensor, _ target: Tensor, scaledBy scale: Double) -> Tensor {
    switch self {
    case .mse:
      checkShapes(prediction, target, "meanSquaredError")
      return Tensor.squaredErrorSum(prediction, target, scale: scale)
    case .mae, .huber: return self(prediction, target, reduction: .sum) * scale
    }
  }
}

private func checkShapes(_ prediction: Tensor, _ target: Tensor, _ name: String) {
  precondition(
    prediction.shape == target.shape,
    "\(name): prediction of shape \(prediction.shape) and target of shape \(target.shape) "
      + "differ; reshape one so they match")
}

private func reduce(_ terms: Tensor, _ reduction: Reduction) -> Tensor {
  switch reduction {
  case .mean: terms.mean()
  case .sum: terms.sum()
  }
}
