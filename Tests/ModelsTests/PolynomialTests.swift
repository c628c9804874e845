import Autograd
import Models
import TestSupport
import XCTest

final class PolynomialTests: XCTestCase {
  func testForwardIsTheLinearLayerOnTheExpansion() throws {
    let model = Polynomial(inputFeatures: 2, degree: 2)
    XCTAssertEqual(model.namedParameters.map(\.name), ["weight", "bias"])
    XCTAssertEqual(model.linear.weight.shape, [5, 1])
    // y = 1 + x0 − 2·x1 + 0.5·x0² + 3·x0·x1 − x1²
    try model.load([("weight", [1, -2, 0.5, 3, -1]), ("bias", [1])])
    let x = Tensor([[2, 3], [-1, 0.5]])
    // Row 1: 1 + 2 − 6 + 2 + 18 − 9 = 8; row 2: 1 − 1 − 1 + 0.5 − 1.5 − 0.25 = −2.25.
    assertTensor(model(x), shape: [2, 1], [8, -2.25], tolerance: 1e-12)
    XCTAssertEqual(
      model.featureNames(inputNames: ["a", "b"]), ["a", "b", "a^2", "a b", "b^2"])
  }

  func testInteractionOnlyAndSeveralOutputs() {
    let model = Polynomial(inputFeatures: 3, degree: 3, interactionOnly: true, outputs: 2)
    XCTAssertEqual(model.linear.weight.shape, [7, 2])
    XCTAssertEqual(model.outputFeatures, 2)
    assertTensor(model(Tensor([[1, 2, 3]])), shape: [1, 2], [0, 0])
  }

  func testGradientsMatchFiniteDifferences() throws {
    let model = Polynomial(inputFeatures: 2, degree: 3, seed: 9)
    let x = Tensor.randomNormal([6, 2], seed: 10)
    let y = Tensor.randomNormal([6, 1], seed: 11)
    try assertGradientsMatchFiniteDifferences(of: model.parameters) {
      huberLoss(model(x), y, delta: 0.5)
    }
  }

  func testPenaltyLeavesTheBiasOut() {
    let model = Polynomial(inputFeatures: 1, degree: 2)
    XCTAssertEqual(model.penalizedParameters.count, 1)
    XCTAssertTrue(model.penalizedParameters[0] === model.linear.weight)
  }
}
