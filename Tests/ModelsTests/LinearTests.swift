import Autograd
import Models
import TestSupport
import XCTest

final class LinearTests: XCTestCase {
  func testZeroInitialisedLayerHasNamedParametersInOrder() {
    let layer = Linear(inputFeatures: 3, outputFeatures: 2)
    XCTAssertEqual(layer.namedParameters.map(\.name), ["weight", "bias"])
    assertTensor(layer.weight, shape: [3, 2], [0, 0, 0, 0, 0, 0])
    assertTensor(layer.bias, shape: [2], [0, 0])
    XCTAssertTrue(layer.parameters.allSatisfy(\.requiresGrad))
    XCTAssertTrue(layer.parameters[0] === layer.weight)
    XCTAssertEqual(layer.parameterCount, 8)
  }

  func testLayerWithoutBiasHasOnlyWeight() {
    let layer = Linear(inputFeatures: 2, outputFeatures: 1, bias: false)
    XCTAssertEqual(layer.namedParameters.map(\.name), ["weight"])
    XCTAssertNil(layer.bias)
    let x = Tensor([[1, 2]])
    assertTensor(layer(x), shape: [1, 1], [0])
  }

  func testForwardIsInputTimesWeightPlusBias() {
    let layer = Linear(weight: [[1, 2], [3, 4], [5, 6]], bias: [0.5, -1])
    let x = Tensor([[1, 0, -1], [2, 1, 0.5]])
    // Row 1: [1−5, 2−6] + b = [−3.5, −5]; row 2: [2+3+2.5, 4+4+3] + b = [8, 10].
    assertTensor(layer(x), shape: [2, 2], [-3.5, -5, 8, 10], tolerance: 1e-12)
  }

  func testSeededInitialisationIsReproducibleAndBounded() {
    let a = Linear(inputFeatures: 4, outputFeatures: 3, seed: 42)
    let b = Linear(inputFeatures: 4, outputFeatures: 3, seed: 42)
    let c = Linear(inputFeatures: 4, outputFeatures: 3, seed: 43)
    XCTAssertEqual(a.weight.scalars, b.weight.scalars)
    XCTAssertEqual(a.bias!.scalars, b.bias!.scalars)
    XCTAssertNotEqual(a.weight.scalars, c.weight.scalars)
    let bound = 1 / 4.0.squareRoot()
    for value in a.weight.scalars + a.bias!.scalars {
      XCTAssertTrue(value >= -bound && value < bound, "\(value) outside [−\(bound), \(bound))")
    }
    XCTAssertNotEqual(a.bias!.scalars, Array(a.weight.scalars.prefix(3)))
  }

  func testGradientsMatchFiniteDifferences() throws {
    let layer = Linear(inputFeatures: 3, outputFeatures: 2, seed: 1)
    let x = Tensor.randomNormal([5, 3], seed: 2, requiresGrad: true)
    let target = Tensor.randomNormal([5, 2], seed: 3)
    try assertGradientsMatchFiniteDifferences(of: layer.parameters + [x]) {
      meanSquaredError(layer(x), target)
    }
  }

  func testLoadReplacesValuesInPlaceByName() throws {
    let layer = Linear(inputFeatures: 2, outputFeatures: 1)
    let weight = layer.weight
    try layer.load([("bias", [3]), ("weight", [1, 2])])
    XCTAssertTrue(layer.weight === weight)
    assertTensor(layer.weight, shape: [2, 1], [1, 2])
    assertTensor(layer.bias, shape: [1], [3])
  }

  func testLoadRejectsUnknownMissingAndMiscountedParameters() {
    let layer = Linear(inputFeatures: 2, outputFeatures: 1)
    XCTAssertThrowsError(try layer.load([("weight", [1, 2]), ("bias", [0]), ("scale", [1])])) {
      XCTAssertEqual(
        "\($0)", "unknown parameter `scale`; this model has: weight, bias")
    }
    XCTAssertThrowsError(try layer.load([("weight", [1, 2])])) {
      XCTAssertEqual("\($0)", "no values for parameter `bias`")
    }
    XCTAssertThrowsError(try layer.load([("weight", [1, 2, 3]), ("bias", [0])])) {
      XCTAssertEqual("\($0)", "parameter `weight` of shape [2, 1] needs 2 values, got 3")
    }
    assertTensor(layer.weight, shape: [2, 1], [0, 0])
  }

  func testZeroGradClearsEveryParameter() throws {
    let layer = Linear(inputFeatures: 1, outputFeatures: 1)
    try meanSquaredError(layer(Tensor([[2]])), Tensor([[1]])).backward()
    XCTAssertNotEqual(layer.weight.grad!.scalars, [0])
    layer.zeroGrad()
    XCTAssertEqual(layer.weight.grad!.scalars, [0])
    XCTAssertEqual(layer.bias!.grad!.scalars, [0])
  }
}
