import Autograd
import SeededRandom
import TestSupport
import XCTest

/// Every operation's backward rule against central finite differences on random inputs,
/// including broadcast shapes. Tolerance: relative error ≤ 1e-6 (see `GradCheckResult`).
final class GradCheckTests: XCTestCase {
  var generator = SplitMix64(seed: 7)

  func random(_ shape: [Int], _ lower: Double = -2, _ upper: Double = 2) -> Tensor {
    Tensor.randomUniform(shape, lower: lower, upper: upper, generator: &generator)
  }

  func check(
    _ name: String, _ inputs: [Tensor], file: StaticString = #filePath, line: UInt = #line,
    _ f: @escaping ([Tensor]) -> Tensor
  ) throws {
    let result = try gradCheck(of: f, at: inputs)
    XCTAssertGreaterThan(result.checked, 0, name, file: file, line: line)
    XCTAssertLessThanOrEqual(
      result.maxRelativeError, 1e-6, "\(name): \(result)", file: file, line: line)
  }

  func testArithmeticWithBroadcasting() throws {
    let shapes: [([Int], [Int])] = [
      ([3, 4], [3, 4]), ([3, 4], [4]), ([3, 1], [1, 4]), ([2, 3, 4], [3, 1]), ([], [2, 2]),
    ]
    for (sa, sb) in shapes {
      try check("add \(sa) \(sb)", [random(sa), random(sb)]) { $0[0] + $0[1] }
      try check("sub \(sa) \(sb)", [random(sa), random(sb)]) { $0[0] - $0[1] }
      try check("mul \(sa) \(sb)", [random(sa), random(sb)]) { $0[0] * $0[1] }
      try check("div \(sa) \(sb)", [random(sa), random(sb, 0.5, 2)]) { $0[0] / $0[1] }
    }
    try check("neg", [random([3])]) { -$0[0] }
    try check("scalars", [random([3])]) { 2 * $0[0] + 1 - 3 / ($0[0] * $0[0] + 1) }
  }

  /// NaN goes through maximum, minimum, relu and clamp as through PyTorch's (Swift's max and
  /// min drop it, depending on the order); x⁰'s gradient is 0 even at x = 0.
  func testNaNPropagatesAndAZeroPowerHasAZeroGradient() throws {
    let nan = Tensor([.nan]), one = Tensor([1.0])
    for result in [
      maximum(one, nan), maximum(nan, one), minimum(one, nan), minimum(nan, one), nan.relu(),
      nan.clamped(min: 0, max: 1),
    ] {
      XCTAssertTrue(result.scalars[0].isNaN, "\(result.gradFunction ?? "") \(result.scalars)")
    }
    let x = Tensor([0.0, 2.0], requiresGrad: true)
    try x.pow(0).sum().backward()
    XCTAssertEqual(x.grad?.scalars, [0, 0])
    let y = Tensor([0.0, 2.0], requiresGrad: true)
    try y.pow(Tensor([0.0, 0.0])).sum().backward()
    XCTAssertEqual(y.grad?.scalars, [0, 0])
  }

  func testPowersExponentialsAndAbsoluteValue() throws {
    try check("pow scalar", [random([5], 0.5, 2)]) { $0[0].pow(3.5) }
    try check("pow tensor", [random([2, 3], 0.5, 2), random([3], -1, 2)]) { $0[0].pow($0[1]) }
    try check("square", [random([4])]) { $0[0].square() }
    try check("sqrt", [random([4], 0.5, 3)]) { $0[0].sqrt() }
    try check("exp", [random([4])]) { $0[0].exp() }
    try check("log", [random([4], 0.5, 3)]) { $0[0].log() }
    try check("abs", [Tensor([-1.5, 0.7, 2])]) { $0[0].abs() }
  }

  func testPiecewiseFunctions() throws {
    let x = Tensor([-1.5, -0.3, 0.4, 2])
    try check("relu", [x]) { $0[0].relu() }
    try check("clamp", [x]) { $0[0].clamped(min: -1, max: 1) }
    try check("maximum", [random([2, 3]), random([3])]) { maximum($0[0], $0[1]) }
    try check("minimum", [random([2, 3]), random([3])]) { minimum($0[0], $0[1]) }
    try check("where", [random([3, 2]), random([2])]) {
      Tensor.where($0[0] .> Tensor(0), $0[0] * 3, $0[1].square())
    }
  }

  func testReductions() throws {
    try check("sum", [random([3, 4])]) { $0[0].sum() }
    try check("mean", [random([3, 4])]) { $0[0].mean() }
    for axis in [0, 1, -1] {
      for keep in [false, true] {
        try check("sum axis \(axis) \(keep)", [random([2, 3, 4])]) {
          $0[0].sum(alongAxis: axis, keepDims: keep).square()
        }
        try check("mean axis \(axis) \(keep)", [random([2, 3, 4])]) {
          $0[0].mean(alongAxis: axis, keepDims: keep).square()
        }
      }
    }
  }

  func testLinearAlgebra() throws {
    try check("matmul 2x2", [random([3, 4]), random([4, 2])]) { $0[0].matmul($0[1]) }
    try check("matmul 2x1", [random([3, 4]), random([4])]) { $0[0].matmul($0[1]) }
    try check("matmul 1x2", [random([4]), random([4, 2])]) { $0[0].matmul($0[1]) }
    try check("matmul 1x1", [random([4]), random([4])]) { $0[0].matmul($0[1]) }
    try check("transpose", [random([2, 3])]) { $0[0].transposed() * Tensor([1, 2]) }
  }

  func testShapeOperations() throws {
    try check("reshape", [random([2, 3])]) { $0[0].reshaped([3, -1]) * Tensor([1, 2]) }
    try check("rows", [random([4, 3])]) { $0[0].rows(1..<3).square() }
    try check("columns", [random([4, 3])]) { $0[0].columns(1..<2).square() }
    try check("slice", [random([2, 5, 2])]) { $0[0].slice(alongAxis: 1, 1..<4).exp() }
    try check("concat", [random([2, 3]), random([2, 2])]) {
      Tensor.concat([$0[0], $0[1]], alongAxis: 1) * Tensor([1, 2, 3, 4, 5])
    }
    try check("stack", [random([3]), random([3])]) {
      Tensor.stack([$0[0], $0[1].square()], alongAxis: 1)
    }
    try check("broadcasted", [random([3, 1])]) { $0[0].broadcasted(to: [2, 3, 4]).exp() }
  }

  /// Second derivatives go through the same rules, recorded: check the gradient as a function.
  func testSecondDerivativesOfEveryUnaryOperation() throws {
    let ops: [(String, (Tensor) -> Tensor)] = [
      ("exp", { $0.exp() }), ("log", { ($0 + 3).log() }), ("sqrt", { ($0 + 3).sqrt() }),
      ("pow", { ($0 + 3).pow(2.5) }), ("square", { $0.square() }), ("div", { 1 / ($0 + 3) }),
      ("mul", { $0 * $0 * $0 }), ("matmul", { Tensor([[1, 2], [3, 4]]).matmul($0).square() }),
    ]
    for (name, op) in ops {
      try check("d² \(name)", [random([2], -1, 1)]) { inputs in
        try! gradient(of: { op($0).sum() }, at: inputs[0], createGraph: true)
      }
    }
  }
}

/// The fused operations against their unfused definitions and finite differences.
final class FusedOperationTests: XCTestCase {
  var generator = SplitMix64(seed: 11)

  func random(_ shape: [Int]) -> Tensor {
    Tensor.randomUniform(shape, lower: -2, upper: 2, generator: &generator)
  }

  func testLinearEqualsMatmulPlusBias() throws {
    let (x, w, b) = (random([5, 3]), random([3, 2]), random([2]))
    assertClose(
      Tensor.linear(x, weight: w, bias: b).scalars, (x.matmul(w) + b).scalars, tolerance: 1e-14)
    let result = try gradCheck(
      of: { Tensor.linear($0[0], weight: $0[1], bias: $0[2]).exp() }, at: [x, w, b])
    XCTAssertLessThanOrEqual(result.maxRelativeError, 1e-6, "\(result)")
    let second = try gradCheck(
      of: { inputs in
        try! gradient(
          of: { Tensor.linear(x, weight: $0, bias: b).square().sum() }, at: inputs[0],
          createGraph: true)
      }, at: [w])
    XCTAssertLessThanOrEqual(second.maxRelativeError, 1e-6, "\(second)")
  }

  func testOneColumnLinearAndOddLengthsTakeTheFastPathsCorrectly() throws {
    // One output column goes through gemv with the bias added by BLAS, 7 rows leave a remainder
    // after the four-way sums of the bias gradient and of the squared errors.
    let (x, w, b, y) = (random([7, 3]), random([3, 1]), random([1]), random([7, 1]))
    assertClose(
      Tensor.linear(x, weight: w, bias: b).scalars, (x.matmul(w) + b).scalars, tolerance: 1e-14)
    let loss = { (inputs: [Tensor]) in
      Tensor.squaredErrorSum(Tensor.linear(x, weight: inputs[0], bias: inputs[1]), y, scale: 0.7)
    }
    let unfused = ((x.matmul(w) + b - y).square().sum() * 0.7).item
    XCTAssertEqual(loss([w, b]).item, unfused, accuracy: 1e-13)
    let result = try gradCheck(of: loss, at: [w, b])
    XCTAssertLessThanOrEqual(result.maxRelativeError, 1e-6, "\(result)")
    // The bias gradient is 2·0.7·Σ residuals, the weight gradient 2·0.7·xᵀ·residuals.
    let (wv, bv) = (w.detached(), b.detached())
    wv.requiresGrad = true
    bv.requiresGrad = true
    try loss([wv, bv]).backward()
    let residuals = (x.matmul(w) + b - y).scalars
    XCTAssertEqual(bv.grad!.item, 1.4 * residuals.reduce(0, +), accuracy: 1e-12)
    for j in 0..<3 {
      let expected = 1.4 * (0..<7).map { x[$0, j] * residuals[$0] }.reduce(0, +)
      XCTAssertEqual(wv.grad![j, 0], expected, accuracy: 1e-12)
    }
  }

  func testSquaredErrorSumEqualsItsDefinition() throws {
    let (p, t) = (random([4, 2]), random([4, 2]))
    let expected = ((p - t).square().sum() * 0.3).item
    XCTAssertEqual(Tensor.squaredErrorSum(p, t, scale: 0.3).item, expected, accuracy: 1e-13)
    let result = try gradCheck(
      of: { Tensor.squaredErrorSum($0[0], $0[1], scale: 0.3) }, at: [p, t])
    XCTAssertLessThanOrEqual(result.maxRelativeError, 1e-6, "\(result)")
    let h = try hessian(of: { Tensor.squaredErrorSum($0, t, scale: 0.5) }, at: p)
    // ∂²/∂p² of 0.5·Σ(p − t)² is the identity.
    let identity = (0..<64).map { $0 / 8 == $0 % 8 ? 1.0 : 0 }
    assertClose(h.scalars, identity, tolerance: 1e-12)
  }
}
