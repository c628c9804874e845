import Autograd
import Foundation
import TestSupport
import XCTest

final class GradientDescentTests: XCTestCase {
  /// x ← x − lr·2x multiplies x by (1 − 2·lr) = 0.98 each step.
  func testMinimizingXSquaredFollowsTheClosedForm() throws {
    let x = Tensor([2], requiresGrad: true)
    for _ in 0..<100 {
      x.zeroGrad()
      try x.square().sum().backward()
      noGrad { x.scalars[0] -= 0.01 * x.grad!.scalars[0] }
    }
    assertClose(x.scalars[0], 2 * Foundation.pow(0.98, 100), tolerance: 1e-12)
  }

  /// y = w·x + b on x = [1, 2, 3], y = [4, 5, 6] has the exact fit w = 1, b = 3.
  func testFittingALineConvergesToTheExactSolution() throws {
    let x = Tensor([1, 2, 3])
    let y = Tensor([4, 5, 6])
    let w = Tensor(0, requiresGrad: true)
    let b = Tensor(0, requiresGrad: true)
    for _ in 0..<5000 {
      w.zeroGrad()
      b.zeroGrad()
      let loss = (w * x + b - y).square().mean()
      try loss.backward()
      noGrad {
        w.scalars[0] -= 0.1 * w.grad!.scalars[0]
        b.scalars[0] -= 0.1 * b.grad!.scalars[0]
      }
    }
    assertClose(w.item, 1, tolerance: 1e-9)
    assertClose(b.item, 3, tolerance: 1e-9)
  }

  /// The same fit as a matrix product, checked against the normal equations' solution.
  func testLinearRegressionThroughMatmulMatchesLeastSquares() throws {
    let features = Tensor([[1, 0.5], [2, -1], [3, 4], [4, 2], [5, 1]])
    let targets = Tensor([[2.9], [1.2], [10.1], [8.3], [8.8]])
    let weight = Tensor.zeros([2, 1], requiresGrad: true)
    let bias = Tensor.zeros([1], requiresGrad: true)
    for _ in 0..<20000 {
      weight.zeroGrad()
      bias.zeroGrad()
      try (features.matmul(weight) + bias - targets).square().mean().backward()
      noGrad {
        for i in 0..<2 { weight.scalars[i] -= 0.02 * weight.grad!.scalars[i] }
        bias.scalars[0] -= 0.02 * bias.grad!.scalars[0]
      }
    }
    // Normal equations for [1, x0, x1], solved by hand (Cramer's rule) in Double.
    let rows = [[1, 1, 0.5], [1, 2, -1], [1, 3, 4], [1, 4, 2], [1, 5, 1]]
    let t = [2.9, 1.2, 10.1, 8.3, 8.8]
    var a = [[Double]](repeating: [0, 0, 0], count: 3)
    var c = [0.0, 0, 0]
    for (r, v) in zip(rows, t) {
      for i in 0..<3 {
        c[i] += r[i] * v
        for j in 0..<3 { a[i][j] += r[i] * r[j] }
      }
    }
    func det(_ m: [[Double]]) -> Double {
      m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1]
        * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    }
    let d = det(a)
    let solution = (0..<3).map { k -> Double in
      var m = a
      for i in 0..<3 { m[i][k] = c[i] }
      return det(m) / d
    }
    assertClose(bias.item, solution[0], tolerance: 1e-8)
    assertClose(weight.scalars, [solution[1], solution[2]], tolerance: 1e-8)
  }
}
