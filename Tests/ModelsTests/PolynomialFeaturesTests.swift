import Autograd
import Models
import TestSupport
import XCTest

// Expected orders and names are scikit-learn 1.x's, from
// `PolynomialFeatures(degree=d, include_bias=False, interaction_only=i).get_feature_names_out()`.
final class PolynomialFeaturesTests: XCTestCase {
  func testDegreeTwoOfTwoFeaturesMatchesScikitLearn() {
    let names = PolynomialFeatures(degree: 2).featureNames(inputFeatures: 2)
    XCTAssertEqual(names, ["x0", "x1", "x0^2", "x0 x1", "x1^2"])
  }

  func testDegreeThreeOfTwoFeaturesMatchesScikitLearn() {
    let names = PolynomialFeatures(degree: 3).featureNames(inputFeatures: 2)
    XCTAssertEqual(
      names, ["x0", "x1", "x0^2", "x0 x1", "x1^2", "x0^3", "x0^2 x1", "x0 x1^2", "x1^3"])
  }

  func testDegreeTwoOfThreeFeaturesMatchesScikitLearn() {
    let names = PolynomialFeatures(degree: 2).featureNames(inputFeatures: 3)
    XCTAssertEqual(
      names, ["x0", "x1", "x2", "x0^2", "x0 x1", "x0 x2", "x1^2", "x1 x2", "x2^2"])
  }

  func testDegreeThreeOfThreeFeaturesMatchesScikitLearn() {
    let names = PolynomialFeatures(degree: 3).featureNames(inputFeatures: 3)
    XCTAssertEqual(
      names,
      [
        "x0", "x1", "x2", "x0^2", "x0 x1", "x0 x2", "x1^2", "x1 x2", "x2^2", "x0^3", "x0^2 x1",
        "x0^2 x2", "x0 x1^2", "x0 x1 x2", "x0 x2^2", "x1^3", "x1^2 x2", "x1 x2^2", "x2^3",
      ])
  }

  func testInteractionOnlyMatchesScikitLearn() {
    XCTAssertEqual(
      PolynomialFeatures(degree: 2, interactionOnly: true).featureNames(inputFeatures: 2),
      ["x0", "x1", "x0 x1"])
    XCTAssertEqual(
      PolynomialFeatures(degree: 3, interactionOnly: true).featureNames(inputFeatures: 2),
      ["x0", "x1", "x0 x1"])
    XCTAssertEqual(
      PolynomialFeatures(degree: 2, interactionOnly: true).featureNames(inputFeatures: 3),
      ["x0", "x1", "x2", "x0 x1", "x0 x2", "x1 x2"])
    XCTAssertEqual(
      PolynomialFeatures(degree: 3, interactionOnly: true).featureNames(inputFeatures: 3),
      ["x0", "x1", "x2", "x0 x1", "x0 x2", "x1 x2", "x0 x1 x2"])
  }

  func testBiasColumnComesFirstAndIsNamedOne() {
    let expansion = PolynomialFeatures(degree: 2, includeBias: true)
    XCTAssertEqual(
      expansion.featureNames(inputNames: ["a", "b"]), ["1", "a", "b", "a^2", "a b", "b^2"])
    assertTensor(expansion(Tensor([[2, 3]])), shape: [1, 6], [1, 2, 3, 4, 6, 9])
  }

  func testNamesUseTheGivenInputNames() {
    let names = PolynomialFeatures(degree: 2).featureNames(inputNames: ["size", "age"])
    XCTAssertEqual(names, ["size", "age", "size^2", "size age", "age^2"])
  }

  func testDegreeOneIsTheIdentity() {
    let x = Tensor([[1, 2, 3], [4, 5, 6]])
    assertTensor(PolynomialFeatures(degree: 1)(x), shape: [2, 3], x.scalars)
  }

  func testExpansionValuesFollowTheColumnOrder() {
    // scikit-learn: fit_transform([[2, 3], [-1, 0.5]]) with degree 2, no bias.
    let x = Tensor([[2, 3], [-1, 0.5]])
    let expanded = PolynomialFeatures(degree: 2)(x)
    assertTensor(expanded, shape: [2, 5], [2, 3, 4, 6, 9, -1, 0.5, 1, -0.5, 0.25])
    XCTAssertFalse(expanded.requiresGrad)
    XCTAssertEqual(
      PolynomialFeatures(degree: 2).expand(rows: [2, 3, -1, 0.5], inputFeatures: 2),
      [2, 3, 4, 6, 9, -1, 0.5, 1, -0.5, 0.25])
  }

  func testDifferentiablePathGivesTheSameValuesAndGradients() throws {
    let expansion = PolynomialFeatures(degree: 3)
    let x = Tensor.randomNormal([4, 3], seed: 5, requiresGrad: true)
    let plain = noGrad { expansion(x) }
    let recorded = expansion(x)
    XCTAssertTrue(recorded.requiresGrad)
    assertClose(recorded.scalars, plain.scalars, tolerance: 1e-15)
    let weights = Tensor.randomNormal([4, 19], seed: 6)
    try assertGradientsMatchFiniteDifferences(of: [x]) { (expansion(x) * weights).sum() }
  }

  func testOutputFeatureCountIsTheBinomialCoefficient() {
    // C(n + d, d) − 1 columns without the bias.
    XCTAssertEqual(PolynomialFeatures(degree: 2).outputFeatures(inputFeatures: 4), 14)
    XCTAssertEqual(PolynomialFeatures(degree: 4).outputFeatures(inputFeatures: 3), 34)
    XCTAssertEqual(
      PolynomialFeatures(degree: 5, interactionOnly: true).outputFeatures(inputFeatures: 3), 7)
  }
}
