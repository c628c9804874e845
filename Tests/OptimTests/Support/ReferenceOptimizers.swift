import Foundation

/// Plain-loop reimplementations of the update rules as PyTorch's documentation writes them, over
/// arrays of `Double`, one parameter after another. They share no code with `Optim`.
protocol ReferenceOptimizer {
  mutating func step(_ parameters: inout [[Double]], gradients: [[Double]])
}

/// PyTorch's documented SGD: g ← ±∇ + λθ; b ← g (t = 1) or μb + (1 − τ)g; g ← g + μb or b;
/// θ ← θ − γg.
struct ReferenceSGD: ReferenceOptimizer {
  var lr: Double
  var momentum = 0.0
  var dampening = 0.0
  var weightDecay = 0.0
  var nesterov = false
  var maximize = false
  var buffers: [[Double]] = []

  mutating func step(_ parameters: inout [[Double]], gradients: [[Double]]) {
    let isFirstStep = buffers.isEmpty
    if isFirstStep { buffers = parameters.map { Array(repeating: 0, count: $0.count) } }
    for p in parameters.indices {
      for i in parameters[p].indices {
        var g = maximize ? -gradients[p][i] : gradients[p][i]
        g += weightDecay * parameters[p][i]
        if momentum != 0 {
          buffers[p][i] = isFirstStep ? g : momentum * buffers[p][i] + (1 - dampening) * g
          g = nesterov ? g + momentum * buffers[p][i] : buffers[p][i]
        }
        parameters[p][i] -= lr * g
      }
    }
  }
}

/// PyTorch's Adam and AdamW, one element at a time, in either of two forms:
///
/// - `.pytorch`: the operations of PyTorch 2.x's `_single_tensor_adam(w)` in its order:
///   `m.lerp_(g, 1 − β₁)`, `v.mul_(β₂).addcmul_(g, g, 1 − β₂)`,
///   `denom = sqrt(v) / sqrt(1 − β₂ᵗ) + ε`, `θ.addcdiv_(m, denom, −γ / (1 − β₁ᵗ))`.
/// - `.textbook`: the documented math, m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ),
///   θ ← θ − γ m̂ / (√v̂ + ε). It agrees with the first to rounding, which Adam can amplify near a
///   minimum where g changes sign, so it is compared only where the trajectory is stable.
struct ReferenceAdam: ReferenceOptimizer {
  enum Form { case pytorch, textbook }
  var lr = 1e-3
  var beta1 = 0.9
  var beta2 = 0.999
  var eps = 1e-8
  var weightDecay = 0.0
  var decoupled = false
  var amsgrad = false
  var maximize = false
  var form = Form.pytorch
  var t = 0
  var m: [[Double]] = []
  var v: [[Double]] = []
  var vMax: [[Double]] = []

  mutating func step(_ parameters: inout [[Double]], gradients: [[Double]]) {
    if m.isEmpty {
      m = parameters.map { Array(repeating: 0, count: $0.count) }
      (v, vMax) = (m, m)
    }
    t += 1
    let biasCorrection1 = 1 - pow(beta1, Double(t))
    let biasCorrection2 = 1 - pow(beta2, Double(t))
    for p in parameters.indices {
      for i in parameters[p].indices {
        if decoupled { parameters[p][i] *= 1 - lr * weightDecay }
        var g = maximize ? -gradients[p][i] : gradients[p][i]
        if !decoupled { g += weightDecay * parameters[p][i] }
        switch form {
        case .pytorch:
          let w = 1 - beta1
          m[p][i] = w < 0.5 ? m[p][i] + w * (g - m[p][i]) : g - (g - m[p][i]) * (1 - w)
          v[p][i] = v[p][i] * beta2 + (1 - beta2) * g * g
          vMax[p][i] = max(vMax[p][i], v[p][i])
          let denominator =
            (amsgrad ? vMax[p][i] : v[p][i]).squareRoot()
            / biasCorrection2.squareRoot() + eps
          parameters[p][i] += -(lr / biasCorrection1) * m[p][i] / denominator
        case .textbook:
          m[p][i] = beta1 * m[p][i] + (1 - beta1) * g
          v[p][i] = beta2 * v[p][i] + (1 - beta2) * g * g
          vMax[p][i] = max(vMax[p][i], v[p][i])
          let mHat = m[p][i] / biasCorrection1
          let vHat = (amsgrad ? vMax[p][i] : v[p][i]) / biasCorrection2
          parameters[p][i] -= lr * mHat / (vHat.squareRoot() + eps)
        }
      }
    }
  }
}
