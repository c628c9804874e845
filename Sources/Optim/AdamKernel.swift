import CKernels
import Foundation

/// The state of one parameter under Adam or AdamW (PyTorch's `state[p]`): the step count t, the
/// first moment m (`exp_avg`), the second moment v (`exp_avg_sq`) and, with AMSGrad, the running
/// maximum of v (`max_exp_avg_sq`).
public struct AdamParameterState: OptimizerParameterState {
  /// t, the number of steps this parameter has taken.
  public var step: Int
  /// m, the moving average of gradients.
  public var firstMoment: [Double]
  /// v, the moving average of squared gradients.
  public var secondMoment: [Double]
  /// max v over all steps so far; nil unless AMSGrad.
  public var maxSecondMoment: [Double]?

  /// The state before the first step: t = 0 and zero moments.
  public init(count: Int, amsgrad: Bool) {
    step = 0
    firstMoment = Array(repeating: 0, count: count)
    secondMoment = Array(repeating: 0, count: count)
    maxSecondMoment = amsgrad ? Array(repeating: 0, count: count) : nil
  }

  public func save(into state: inout StateDict, prefix: String) {
    state.scalars[prefix + "step"] = Double(step)
    state.arrays[prefix + "exp_avg"] = firstMoment
    state.arrays[prefix + "exp_avg_sq"] = secondMoment
    if let maxSecondMoment { state.arrays[prefix + "max_exp_avg_sq"] = maxSecondMoment }
  }

  public init?(from state: StateDict, prefix: String, count: Int) throws {
    guard state.scalars[prefix + "step"] != nil else { return nil }
    step = try state.count(prefix + "step")
    firstMoment = try state.array(prefix + "exp_avg", count: count)
    secondMoment = try state.array(prefix + "exp_avg_sq", count: count)
    maxSecondMoment = try state.optionalArray(prefix + "max_exp_avg_sq", count: count)
  }
}

/// What Adam and AdamW share besides their update: the β, ε, AMSGrad and maximize settings, how
/// they are saved, and the per-parameter state.
public protocol AdamFamily: ParameterwiseOptimizer where ParameterState == AdamParameterState {
  var hyperparameters: AdamHyperparameters { get }
}

extension AdamFamily {
  /// β₁, the decay of the first moment.
  public var beta1: Double { hyperparameters.beta1 }
  /// β₂, the decay of the second moment.
  public var beta2: Double { hyperparameters.beta2 }
  /// ε, added to the denominator.
  public var eps: Double { hyperparameters.eps }
  /// Whether to divide by the running maximum of the second moment (AMSGrad).
  public var amsgrad: Bool { hyperparameters.amsgrad }
  /// Whether to ascend the objective instead of descending it.
  public var maximize: Bool { hyperparameters.maximize }

  public var fixedHyperparameters: [(name: String, value: Double)] { hyperparameters.saved }

  public func makeState(count: Int) -> AdamParameterState {
    AdamParameterState(count: count, amsgrad: amsgrad)
  }
}

/// The hyper-parameters of Adam and AdamW besides learning rate and weight decay.
public struct AdamHyperparameters: Sendable {
  public private(set) var beta1: Double
  public private(set) var beta2: Double
  public private(set) var eps: Double
  public private(set) var amsgrad: Bool
  public private(set) var maximize: Bool

  /// Checks the ranges PyTorch checks, with eps required positive (a zero eps divides by zero
  /// for a parameter whose gradients have all been zero).
  init(betas: (Double, Double), eps: Double, amsgrad: Bool, maximize: Bool) throws {
    try require(betas.0 >= 0 && betas.0 < 1, "betas.0", betas.0, expected: "0 ≤ beta1 < 1")
    try require(betas.1 >= 0 && betas.1 < 1, "betas.1", betas.1, expected: "0 ≤ beta2 < 1")
    try require(eps > 0, "eps", eps, expected: "> 0")
    (beta1, beta2, self.eps, self.amsgrad, self.maximize) = (
      betas.0, betas.1, eps, amsgrad, maximize
    )
  }

  var saved: [(name: String, value: Double)] {
    [
      ("betas.0", beta1), ("betas.1", beta2), ("eps", eps), ("amsgrad", amsgrad ? 1 : 0),
      ("maximize", maximize ? 1 : 0),
    ]
  }
}

/// One Adam or AdamW step of one parameter, in place, in PyTorch 2.x's order of operations
/// (`_single_tensor_adam` / `_single_tensor_adamw`; the formulas are in `Adam` and `AdamW`).
///
/// PyTorch's first-moment update `m.lerp_(g, 1 − β₁)` is ATen's `lerp`: with w = 1 − β₁,
/// m + w (g − m) when w < 0.5, else g − (g − m)(1 − w). Its final `addcdiv_` computes
/// θ + ((−step size) · m) / denominator, which is the rounding order used here.
func adamStep(
  _ parameter: UnsafeMutableBufferPointer<Double>, gradient: UnsafeBufferPointer<Double>,
  state: inout AdamParameterState, learningRate: Double, weightDecay: Double,
  decoupledWeightDecay: Bool, hyperparameters h: AdamHyperparameters
) {
  state.step += 1
  let step = Double(state.step)
  let decayFactor = 1 - learningRate * weightDecay
  let l2Penalty = decoupledWeightDecay ? 0 : weightDecay
  let sign: Double = h.maximize ? -1 : 1
  let lerpWeight = 1 - h.beta1
  let oneMinusLerpWeight = 1 - lerpWeight
  let oneMinusBeta2 = 1 - h.beta2
  let biasCorrection1 = 1 - pow(h.beta1, step)
  let biasCorrection2 = 1 - pow(h.beta2, step)
  let stepSize = learningRate / biasCorrection1
  let negativeStepSize = -stepSize
  let biasCorrection2Sqrt = biasCorrection2.squareRoot()
  let (beta2, eps) = (h.beta2, h.eps)
  let decays = decoupledWeightDecay && weightDecay != 0

  // One element's update; every condition is loop-invariant and written as a select, so the loop
  // vectorizes. The AMSGrad variant gets its own loop: its fifth buffer would exceed the
  // vectorizer's budget of run-time aliasing checks.
  @inline(__always)
  func updateElement(
    _ i: Int, _ parameter: UnsafeMutableBufferPointer<Double>,
    _ m: UnsafeMutableBufferPointer<Double>,
    _ v: UnsafeMutableBufferPointer<Double>, maxSecondMoment: (Double) -> Double
  ) {
    let decayed = parameter[i] * decayFactor
    let theta = decays ? decayed : parameter[i]
    let ascentGradient = sign * gradient[i]
    let g = l2Penalty != 0 ? ascentGradient + l2Penalty * theta : ascentGradient
    let nearMoment = m[i] + lerpWeight * (g - m[i])
    let nearGradient = g - (g - m[i]) * oneMinusLerpWeight
    let firstMoment = lerpWeight < 0.5 ? nearMoment : nearGradient
    let secondMoment = v[i] * beta2 + oneMinusBeta2 * g * g
    m[i] = firstMoment
    v[i] = secondMoment
    // v ≥ 0 always, so √|v| = √v; the |·| tells the compiler no errno-setting call is needed,
    // which is what lets the loop vectorize.
    let denominator = abs(maxSecondMoment(secondMoment)).squareRoot() / biasCorrection2Sqrt + eps
    parameter[i] = theta + negativeStepSize * firstMoment / denominator
  }

  state.firstMoment.withUnsafeMutableBufferPointer { m in
    state.secondMoment.withUnsafeMutableBufferPointer { v in
      if state.maxSecondMoment == nil {
        fit_adam_update(
          parameter.baseAddress, gradient.baseAddress, m.baseAddress, v.baseAddress,
          parameter.count, decayFactor, decays ? 1 : 0, l2Penalty, sign, lerpWeight,
          oneMinusLerpWeight, beta2, oneMinusBeta2, negativeStepSize, biasCorrection2Sqrt, eps)
      } else {
        state.maxSecondMoment!.withUnsafeMutableBufferPointer { vMax in
          for i in 0..<parameter.count {
            updateElement(i, parameter, m, v) { secondMoment in
              // torch.maximum propagates a NaN, which Swift.max would drop when it comes second.
              let larger = Swift.max(vMax[i], secondMoment)
              vMax[i] = secondMoment.isNaN ? secondMoment : larger
              return vMax[i]
            }
          }
        }
      }
    }
  }
}
