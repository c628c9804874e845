import Autograd
import Models
import TestSupport
import XCTest

final class LossTests: XCTestCase {
  // Residuals p − t of these: [0.5, −2, 1, −0.25].
  let prediction = Tensor([[1.5], [-1], [3], [0.75]])
  let target = Tensor([[1], [1], [2], [1]])

  func testMeanSquaredError() {
    // (0.25 + 4 + 1 + 0.0625) / 4 = 1.328125
    assertClose(meanSquaredError(prediction, target).item, 1.328125, tolerance: 1e-15)
    assertClose(
      meanSquaredError(prediction, target, reduction: .sum).item, 5.3125, tolerance: 1e-15)
  }

  func testMeanAbsoluteError() {
    // (0.5 + 2 + 1 + 0.25) / 4 = 0.9375
    assertClose(meanAbsoluteError(prediction, target).item, 0.9375, tolerance: 1e-15)
    assertClose(
      meanAbsoluteError(prediction, target, reduction: .sum).item, 3.75, tolerance: 1e-15)
  }

  func testHuberIsQuadraticInsideDeltaAndLinearOutside() {
    // δ = 1: 0.5·0.25 = 0.125; 1·(2 − 0.5) = 1.5; |r| = δ: 0.5·1 = 0.5 (both pieces agree);
    // 0.5·0.0625 = 0.03125. Sum 2.15625, mean 0.5390625.
    assertClose(huberLoss(prediction, target).item, 0.5390625, tolerance: 1e-15)
    assertClose(
      huberLoss(prediction, target, reduction: .sum).item, 2.15625, tolerance: 1e-15)
    // δ = 0.4: only −0.25 is inside. 0.4·(0.5 − 0.2) = 0.12; 0.4·1.8 = 0.72; 0.4·0.8 = 0.32;
    // 0.5·0.0625 = 0.03125. Sum 1.19125.
    assertClose(
      huberLoss(prediction, target, delta: 0.4, reduction: .sum).item, 1.19125,
      tolerance: 1e-15)
  }

  func testHuberGradientIsResidualInsideAndClippedOutside() throws {
    let p = Tensor([[1.5], [-1], [3], [0.75]], requiresGrad: true)
    try huberLoss(p, target, reduction: .sum).backward()
    // r inside δ, δ·sign(r) outside; at |r| = δ both give 1.
    assertTensor(p.grad, shape: [4, 1], [0.5, -1, 1, -0.25], tolerance: 1e-15)
  }

  func testLossGradientsMatchFiniteDifferences() throws {
    let p = Tensor.randomNormal([5, 2], seed: 21, requiresGrad: true)
    let t = Tensor.randomNormal([5, 2], seed: 22)
    for loss in [Loss.mse, .mae, .huber(delta: 0.7), .huber(delta: 2)] {
      try assertGradientsMatchFiniteDifferences(of: [p]) { loss(p, t) }
      try assertGradientsMatchFiniteDifferences(of: [p]) { loss(p, t, reduction: .sum) }
    }
  }

  func testLossEnumDispatchesToTheFunctions() {
    assertClose(Loss.mse(prediction, target).item, 1.328125, tolerance: 1e-15)
    assertClose(Loss.mae(prediction, target).item, 0.9375, tolerance: 1e-15)
    assertClose(Loss.huber(delta: 1)(prediction, target).item, 0.5390625, tolerance: 1e-15)
  }

  func testSumOfMicroBatchesScaledByBatchSizeEqualsTheMean() throws {
    let p = Tensor.randomNormal([6, 1], seed: 31, requiresGrad: true)
    let t = Tensor.randomNormal([6, 1], seed: 32)
    try Loss.mse(p, t).backward()
    let whole = p.grad!.scalars
    p.grad = nil
    for range in [0..<2, 2..<6] {
      try (Loss.mse(p.rows(range), t.rows(range), reduction: .sum) / 6).backward()
    }
    assertClose(p.grad!.scalars, whole, tolerance: 1e-15)
  }

  func testL2PenaltySumsSquaresOfWeightsOnly() throws {
    let layer = Linear(weight: [[1], [-2]], bias: [10])
    // λ·(1 + 4) with λ = 0.1; the bias is not penalized.
    assertClose(l2Penalty(layer, lambda: 0.1).item, 0.5, tolerance: 1e-15)
    assertClose(l2Penalty(layer.parameters, lambda: 0.1).item, 10.5, tolerance: 1e-12)
    try l2Penalty(layer, lambda: 0.1).backward()
    assertTensor(layer.weight.grad, shape: [2, 1], [0.2, -0.4], tolerance: 1e-15)
    XCTAssertNil(layer.bias!.grad)
    XCTAssertEqual(l2Penalty(layer, lambda: 0).item, 0)
  }
}
