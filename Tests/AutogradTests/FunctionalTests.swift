import Autograd
import TestSupport
import XCTest

final class FunctionalTests: XCTestCase {
  func testJacobianOfScalingIsDiagonal() throws {
    let j = try jacobian(of: { $0 * Tensor([2, 3, 4]) }, at: Tensor([1, 1, 1]))
    assertTensor(j, shape: [3, 3], [2, 0, 0, 0, 3, 0, 0, 0, 4])
  }

  func testJacobianOfMatrixVectorProductIsTheMatrix() throws {
    let w = Tensor([[1, 2], [3, 4], [5, 6]])
    let j = try jacobian(of: { w.matmul($0) }, at: Tensor([0.5, -1]))
    assertTensor(j, shape: [3, 2], w.scalars)
  }

  func testJacobianShapeIsOutputThenInput() throws {
    let x = Tensor([[1, 2], [3, 4]])
    let j = try jacobian(of: { $0.sum(alongAxis: 0) }, at: x)
    XCTAssertEqual(j.shape, [2, 2, 2])
    // ∂(column sum c)/∂x[r][k] = 1 when k == c.
    assertClose(j.scalars, [1, 0, 1, 0, 0, 1, 0, 1], tolerance: 0)
  }

  func testGradientDoesNotTouchAnyGrad() throws {
    let w = Tensor([2], requiresGrad: true)
    let x = Tensor([1, 2, 3])
    let g = try gradient(of: { ($0 * $0 * w).sum() }, at: x)
    assertTensor(g, shape: [3], [4, 8, 12])
    XCTAssertNil(w.grad, "a captured parameter's grad is left alone")
    XCTAssertNil(x.grad)
  }

  func testVectorJacobianProduct() throws {
    let (value, product) = try vjp(
      of: { $0.square() }, at: Tensor([1, 2, 3]), v: Tensor([1, 1, 2]))
    XCTAssertEqual(value.scalars, [1, 4, 9])
    assertTensor(product, shape: [3], [2, 4, 12])
  }

  func testJacobianVectorProductMatchesTheFullJacobian() throws {
    let w = Tensor([[1, 2, 0], [0, -1, 3]])
    let f: (Tensor) -> Tensor = { w.matmul($0.exp()) }
    let x = Tensor([0.1, -0.2, 0.3])
    let v = Tensor([1, 2, -1])
    let (value, product) = try jvp(of: f, at: x, v: v)
    let j = try jacobian(of: f, at: x)
    XCTAssertEqual(value.shape, [2])
    let expected = (0..<2).map { i in
      (0..<3).map { k in j.scalars[i * 3 + k] * v.scalars[k] }.reduce(0, +)
    }
    assertTensor(product, shape: [2], expected, tolerance: 1e-14)
  }

  /// f(x) = x₀²·x₁ + x₁³ has the Hessian [[2x₁, 2x₀], [2x₀, 6x₁]].
  func testHessianIsExact() throws {
    let f: (Tensor) -> Tensor = { x in
      let x0 = x.rows(0..<1)
      let x1 = x.rows(1..<2)
      return (x0 * x0 * x1 + x1.pow(3)).sum()
    }
    let h = try hessian(of: f, at: Tensor([1.5, -2]))
    assertTensor(h, shape: [2, 2], [-4, 3, 3, -12], tolerance: 1e-12)
  }

  /// The Hessian of the mean squared error of a linear model is 2/n · XᵀX.
  func testHessianOfLeastSquaresIsTwoXTransposeXOverN() throws {
    let x = Tensor([[1, 2], [3, 5], [-1, 0.5]])
    let y = Tensor([1, 2, 3])
    let h = try hessian(of: { w in (x.matmul(w) - y).square().mean() }, at: Tensor([0.3, -0.7]))
    let xtx: [Double] = [11, 16.5, 16.5, 29.25].map { 2 * $0 / 3 }  // XᵀX by hand
    assertTensor(h, shape: [2, 2], xtx, tolerance: 1e-12)
  }

  func testGradCheckReportsAWrongDerivative() throws {
    // A function whose recorded derivative is deliberately wrong: the detached factor hides
    // half of d(x²)/dx from the engine.
    let result = try gradCheck(of: { $0[0] * $0[0].detached() }, at: [Tensor([1.5, 2])])
    XCTAssertFalse(result.passes(tolerance: 1e-6), "\(result)")
    assertClose(result.maxAbsoluteError, 2, tolerance: 1e-6)  // 2x − x at x = 2
  }
}

final class ParameterGradCheckTests: XCTestCase {
  func testChecksTensorsAClosureReadsAndLeavesTheirGradAlone() throws {
    let w = Tensor([0.5, -1.5], requiresGrad: true)
    let x = Tensor([[1, 2], [3, 4], [5, 6]])
    w.grad = Tensor([7, 7])
    let good = try gradCheck(parameters: [w]) { x.matmul(w).exp().sum() }
    XCTAssertLessThanOrEqual(good[0].maxRelativeError, 1e-6, "\(good[0])")
    XCTAssertEqual(good[0].checked, 2)
    XCTAssertEqual(w.grad?.scalars, [7, 7], "grad restored")
    XCTAssertEqual(w.scalars, [0.5, -1.5], "values restored")
    // A detached factor hides half of the derivative of w² from the engine.
    let bad = try gradCheck(parameters: [w]) { (w * w.detached()).sum() }
    assertClose(bad[0].maxAbsoluteError, 1.5, tolerance: 1e-6)  // |2w − w| at w = −1.5
  }
}
