import Autograd
import SeededRandom
import TestSupport
import XCTest

/// `matmul`'s and `linear`'s backward add a leaf's share straight into its `grad` buffer when the
/// engine is accumulating (the fast path of a training step). Every way gradients can flow must
/// still give what the returned-gradient path gives: accumulation across calls, the returned
/// gradients of `gradients(withRespectTo:)` (no `grad` touched), a recorded backward, and copies
/// of a gradient taken before the call.
final class DirectAccumulationTests: XCTestCase {
  var generator = SplitMix64(seed: 5)

  func parameters() -> (x: Tensor, w: Tensor, b: Tensor) {
    let x = Tensor.randomUniform([6, 3], lower: -1, upper: 1, generator: &generator)
    let w = Tensor.randomUniform([3, 2], lower: -1, upper: 1, generator: &generator)
    let b = Tensor.randomUniform([2], lower: -1, upper: 1, generator: &generator)
    w.requiresGrad = true
    b.requiresGrad = true
    return (x, w, b)
  }

  /// ∂/∂W and ∂/∂b of Σ (x·W + b)², from the formula: 2·xᵀ·(x·W + b) and 2·Σ_rows (x·W + b).
  func expected(_ x: Tensor, _ w: Tensor, _ b: Tensor) -> (w: [Double], b: [Double]) {
    let p = noGrad { x.matmul(w) + b }
    var gw = [Double](repeating: 0, count: 6)
    var gb = [Double](repeating: 0, count: 2)
    for r in 0..<6 {
      for o in 0..<2 {
        gb[o] += 2 * p[r, o]
        for i in 0..<3 { gw[i * 2 + o] += 2 * x[r, i] * p[r, o] }
      }
    }
    return (gw, gb)
  }

  func loss(_ x: Tensor, _ w: Tensor, _ b: Tensor) -> Tensor {
    Tensor.linear(x, weight: w, bias: b).square().sum()
  }

  func testASecondBackwardAddsIntoTheExistingGradient() throws {
    let (x, w, b) = parameters()
    let (gw, gb) = expected(x, w, b)
    try loss(x, w, b).backward()  // no grad yet: the engine's path
    let first = w.grad!
    try loss(x, w, b).backward()  // a grad of the right shape: added in place
    XCTAssertTrue(w.grad === first, "the gradient buffer is kept")
    assertClose(w.grad!.scalars, gw.map { 2 * $0 }, tolerance: 1e-12)
    assertClose(b.grad!.scalars, gb.map { 2 * $0 }, tolerance: 1e-12)
    w.zeroGrad()
    b.zeroGrad()
    try loss(x, w, b).backward()
    assertClose(w.grad!.scalars, gw, tolerance: 1e-12)
    assertClose(b.grad!.scalars, gb, tolerance: 1e-12)
  }

  func testReturnedGradientsLeaveGradAlone() throws {
    let (x, w, b) = parameters()
    let (gw, gb) = expected(x, w, b)
    w.grad = Tensor(shape: [3, 2], scalars: Array(repeating: 7, count: 6))
    b.grad = Tensor([7, 7])
    let returned = try loss(x, w, b).gradients(withRespectTo: [w, b])
    assertClose(returned[0].scalars, gw, tolerance: 1e-12)
    assertClose(returned[1].scalars, gb, tolerance: 1e-12)
    XCTAssertEqual(w.grad!.scalars, Array(repeating: 7, count: 6))
    XCTAssertEqual(b.grad!.scalars, [7, 7])
  }

  func testARecordedBackwardKeepsItsHistory() throws {
    let (x, w, b) = parameters()
    let (gw, _) = expected(x, w, b)
    w.grad = Tensor.zeros([3, 2])
    try loss(x, w, b).backward(createGraph: true)
    XCTAssertFalse(w.grad!.isLeaf, "a recorded gradient is a graph, not a plain buffer")
    assertClose(w.grad!.scalars, gw, tolerance: 1e-12)
  }

  func testACopyOfTheGradientTakenBeforeIsNotChanged() throws {
    let (x, w, b) = parameters()
    try loss(x, w, b).backward()
    let before = w.grad!.scalars
    let alias = w.grad!.detached()  // shares the storage, copy on write
    try loss(x, w, b).backward()
    XCTAssertEqual(alias.scalars, before)
    assertClose(w.grad!.scalars, before.map { 2 * $0 }, tolerance: 1e-12)
  }
  func testMatmulAddsBothOperandsSharesIntoTheirGradients() throws {
    // L = Σ (A·B)²: ∂L/∂A = 2·P·Bᵀ, ∂L/∂B = 2·Aᵀ·P with P = A·B. Shapes with one output column
    // and with one inner dimension take BLAS's matrix–vector and transposed paths.
    for (m, k, n) in [(4, 3, 2), (4, 3, 1), (4, 1, 2)] {
      let a = Tensor.randomUniform([m, k], lower: -1, upper: 1, generator: &generator)
      let b = Tensor.randomUniform([k, n], lower: -1, upper: 1, generator: &generator)
      a.requiresGrad = true
      b.requiresGrad = true
      let p = noGrad { a.matmul(b) }
      var ga = [Double](repeating: 0, count: m * k)
      var gb = [Double](repeating: 0, count: k * n)
      for r in 0..<m {
        for i in 0..<k {
          for o in 0..<n {
            ga[r * k + i] += 2 * p[r, o] * b[i, o]
            gb[i * n + o] += 2 * a[r, i] * p[r, o]
          }
        }
      }
      try a.matmul(b).square().sum().backward()  // no grads yet: returned and kept
      try a.matmul(b).square().sum().backward()  // added in place
      let label = "\(m)×\(k)·\(k)×\(n)"
      assertClose(a.grad!.scalars, ga.map { 2 * $0 }, tolerance: 1e-12, label)
      assertClose(b.grad!.scalars, gb.map { 2 * $0 }, tolerance: 1e-12, label)
    }
  }
}
