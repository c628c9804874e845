import Autograd
import Foundation
import Optim
import TestSupport
import XCTest

final class ClippingTests: XCTestCase {
  func testNormClippingScalesAllGradientsToTheMaximumAndReturnsTheNormBefore() {
    let a = Tensor([0.0, 0.0], requiresGrad: true)
    let b = Tensor([0.0], requiresGrad: true)
    a.grad = Tensor([3.0, 0.0])
    b.grad = Tensor([4.0])
    let norm = clipGradNorm([a, b], maxNorm: 1)
    XCTAssertEqual(norm, 5)
    let coefficient = 1 / (5 + 1e-6)
    assertTensor(a.grad, shape: [2], [3 * coefficient, 0])
    assertTensor(b.grad, shape: [1], [4 * coefficient])
  }

  func testNormBelowTheMaximumLeavesGradientsUnchanged() {
    let a = Tensor([0.0, 0.0], requiresGrad: true)
    a.grad = Tensor([0.3, -0.4])
    assertClose(clipGradNorm([a], maxNorm: 1), 0.5, tolerance: 1e-15)
    XCTAssertEqual(a.grad?.scalars, [0.3, -0.4])
  }

  func testInfinityAndOneNorms() {
    let a = Tensor([0.0, 0.0], requiresGrad: true)
    let b = Tensor([0.0], requiresGrad: true)
    a.grad = Tensor([3.0, -6.0])
    b.grad = Tensor([4.0])
    XCTAssertEqual(clipGradNorm([a, b], maxNorm: 100, normType: .infinity), 6)
    XCTAssertEqual(clipGradNorm([a, b], maxNorm: 100, normType: 1), 13)
    assertClose(
      clipGradNorm([a, b], maxNorm: 100, normType: 3), pow(27 + 216 + 64, 1 / 3), tolerance: 1e-13)
  }

  func testParametersWithoutGradientsAreIgnored() {
    let a = Tensor([1.0], requiresGrad: true)
    XCTAssertEqual(clipGradNorm([a], maxNorm: 1), 0)
    XCTAssertNil(a.grad)
  }

  func testValueClippingClampsEachElementAndReturnsTheNormBefore() {
    let a = Tensor([0.0, 0.0, 0.0, 0.0], requiresGrad: true)
    a.grad = Tensor([3.0, -4.0, 0.5, .nan])
    let norm = clipGradValue([a], clipValue: 1)
    XCTAssertTrue(norm.isNaN)
    XCTAssertEqual(Array(a.grad!.scalars.prefix(3)), [1, -1, 0.5])
    XCTAssertTrue(a.grad!.scalars[3].isNaN)
    a.grad = Tensor([3.0, -4.0, 0.5, 0])
    assertClose(clipGradValue([a], clipValue: 10), (9 + 16 + 0.25).squareRoot(), tolerance: 1e-14)
  }
}
