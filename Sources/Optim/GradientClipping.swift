import Autograd
import Foundation

/// Scales all gradients together so that their global norm is at most `maxNorm`, and returns the
/// norm before clipping (PyTorch: `torch.nn.utils.clip_grad_norm_`).
///
///     ‖g‖ = ‖(‖g₁‖, ‖g₂‖, ...)‖           the p-norm of the per-parameter p-norms
///     clipCoefficient = maxNorm / (‖g‖ + 1e-6)
///     gᵢ ← gᵢ · clipCoefficient             only when clipCoefficient < 1
///
/// For p = 2 the total is √(Σᵢ ‖gᵢ‖²); p = ∞ takes the largest |g|. Parameters without a gradient
/// are ignored; with none the norm is 0. A non-finite norm is returned as is and, as in PyTorch,
/// then scales the gradients to zeros or NaNs: check the result to skip such a step.
///
/// ```swift
/// try loss.backward()
/// let norm = clipGradNorm(model.parameters, maxNorm: 1)
/// optimizer.step()
/// ```
///
/// - Parameters:
///   - maxNorm: the largest norm allowed, ≥ 0.
///   - normType: p > 0, or `.infinity`.
/// - Returns: the global norm of the gradients before clipping.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Double, normType: Double = 2) -> Double {
  precondition(maxNorm >= 0, "clipGradNorm: maxNorm must be ≥ 0, got \(maxNorm)")
  precondition(normType > 0, "clipGradNorm: normType must be > 0, got \(normType)")
  let gradients = parameters.compactMap(\.grad)
  guard !gradients.isEmpty else { return 0 }
  let norms = gradients.map { gradient in
    gradient.scalars.withUnsafeBufferPointer { vectorNorm($0, p: normType) }
  }
  let totalNorm = norms.withUnsafeBufferPointer { vectorNorm($0, p: normType) }
  let clipCoefficient = maxNorm / (totalNorm + 1e-6)
  // PyTorch multiplies by min(coefficient, 1); multiplying by exactly 1 changes nothing, so the
  // gradients are left alone instead. A NaN coefficient fails `< 1` but must still propagate.
  if clipCoefficient < 1 || clipCoefficient.isNaN {
    for gradient in gradients {
      gradient.scalars.withUnsafeMutableBufferPointer { values in
        for i in values.indices { values[i] = values[i] * clipCoefficient }
      }
    }
  }
  return totalNorm
}

/// Clamps every gradient element into [−clipValue, clipValue] and returns the global 2-norm of
/// the gradients before clipping (PyTorch: `torch.nn.utils.clip_grad_value_`, which returns
/// nothing). NaNs stay NaN.
///
///     gᵢ ← min(max(gᵢ, −clipValue), clipValue)
///
/// - Parameter clipValue: the largest magnitude allowed, ≥ 0.
/// - Returns: √(Σᵢ ‖gᵢ‖²) before clipping.
@discardableResult
public func clipGradValue(_ parameters: [Tensor], clipValue: Double) -> Double {
  precondition(clipValue >= 0, "clipGradValue: clipValue must be ≥ 0, got \(clipValue)")
  let gradients = parameters.compactMap(\.grad)
  let norms = gradients.map { gradient in
    gradient.scalars.withUnsafeBufferPointer { vectorNorm($0, p: 2) }
  }
  let totalNorm = norms.withUnsafeBufferPointer { vectorNorm($0, p: 2) }
  for gradient in gradients {
    gradient.scalars.withUnsafeMutableBufferPointer { values in
      for i in values.indices {
        if values[i] > clipValue {
          values[i] = clipValue
        } else if values[i] < -clipValue {
          values[i] = -clipValue
        }
      }
    }
  }
  return totalNorm
}

/// The p-norm (Σ|xᵢ|ᵖ)^(1/p) of a vector, with the usual special cases p = 1, 2, ∞.
func vectorNorm(_ values: UnsafeBufferPointer<Double>, p: Double) -> Double {
  switch p {
  case .infinity:
    var largest = 0.0
    for x in values {
      if x.isNaN { return .nan }
      largest = Swift.max(largest, Swift.abs(x))
    }
    return largest
  case 1:
    var sum = 0.0
    for x in values { sum += Swift.abs(x) }
    return sum
  case 2:
    var sumOfSquares = 0.0
    for x in values { sumOfSquares += x * x }
    return sumOfSquares.squareRoot()
  default:
    var sum = 0.0
    for x in values { sum += pow(Swift.abs(x), p) }
    return pow(sum, 1 / p)
  }
}
