/// What `gradCheck` found: the worst disagreement between analytic and numerical derivatives.
public struct GradCheckResult: CustomStringConvertible, Sendable {
  /// max |analytic − numeric| over every derivative checked.
  public var maxAbsoluteError: Double
  /// max |analytic − numeric| / max(1, |analytic|, |numeric|): relative for large derivatives,
  /// absolute for derivatives below 1, so that near-zero derivatives do not give meaningless
  /// ratios of rounding noise.
  public var maxRelativeError: Double
  /// How many derivatives were compared.
  public var checked: Int

  /// Nothing compared yet.
  public init() {
    maxAbsoluteError = 0
    maxRelativeError = 0
    checked = 0
  }

  /// Counts one derivative, computed both ways.
  mutating func record(analytic: Double, numeric: Double) {
    let error = Swift.abs(analytic - numeric)
    maxAbsoluteError = max(maxAbsoluteError, error)
    maxRelativeError = max(
      maxRelativeError, error / max(1, Swift.abs(analytic), Swift.abs(numeric)))
    checked += 1
  }

  /// Whether the worst relative error is within `tolerance`.
  public func passes(tolerance: Double) -> Bool { maxRelativeError <= tolerance }

  public var description: String {
    "gradCheck: \(checked) derivatives, max abs error \(maxAbsoluteError), "
      + "max rel error \(maxRelativeError)"
  }
}

/// Compares the analytic derivatives of `f` (every output element with respect to every input
/// element) with central finite differences (`torch.autograd.gradcheck`):
///
///     ∂fᵢ/∂xⱼ ≈ (fᵢ(x + h·eⱼ) − fᵢ(x − h·eⱼ)) / 2h
///
/// whose error is O(h²) from truncation plus O(ε·|f|/h) from rounding; h = 1e-6 balances the two
/// near 1e-10 for well-scaled functions.
///
/// ```swift
/// let result = try gradCheck(of: { ($0[0] * $0[1]).sum() }, at: [a, b])
/// result.passes(tolerance: 1e-6)
/// ```
public func gradCheck(
  of f: ([Tensor]) throws -> Tensor, at inputs: [Tensor], step h: Double = 1e-6
) throws -> GradCheckResult {
  var result = GradCheckResult()
  for (k, x) in inputs.enumerated() {
    func partial(_ xk: Tensor) throws -> Tensor {
      var arguments = inputs.map { $0.detached() }
      arguments[k] = xk
      return try f(arguments)
    }
    let analytic = try jacobian(of: partial, at: x)
    let outputCount = analytic.count / max(x.count, 1)
    for j in 0..<x.count {
      var plus = x.scalars
      var minus = x.scalars
      plus[j] += h
      minus[j] -= h
      let fPlus = try noGrad { try partial(Tensor(shape: x.shape, scalars: plus)) }
      let fMinus = try noGrad { try partial(Tensor(shape: x.shape, scalars: minus)) }
      for i in 0..<outputCount {
        result.record(
          analytic: analytic.scalars[i * x.count + j],
          numeric: (fPlus.scalars[i] - fMinus.scalars[i]) / (2 * h))
      }
    }
  }
  return result
}

/// `gradCheck` for tensors that a closure reads rather than takes as arguments, such as a
/// model's parameters: the analytic gradient of `objective()` (a scalar) with respect to each
/// tensor, from one backward pass, against central differences made by perturbing each element
/// in place and restoring it. One result per tensor, in order. Each tensor's `grad` is left as
/// it was.
public func gradCheck(
  parameters: [Tensor], step h: Double = 1e-6, of objective: () throws -> Tensor
) throws -> [GradCheckResult] {
  let savedGrads = parameters.map(\.grad)
  defer { for (parameter, grad) in zip(parameters, savedGrads) { parameter.grad = grad } }
  for parameter in parameters { parameter.grad = nil }
  try withGrad { try objective().backward() }
  return try parameters.map { parameter in
    var result = GradCheckResult()
    for j in 0..<parameter.count {
      let original = parameter.scalars[j]
      parameter.scalars[j] = original + h
      let plus = try noGrad { try objective().item }
      parameter.scalars[j] = original - h
      let minus = try noGrad { try objective().item }
      parameter.scalars[j] = original
      result.record(
        analytic: parameter.grad?.scalars[j] ?? 0, numeric: (plus - minus) / (2 * h))
    }
    return result
  }
}
