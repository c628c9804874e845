import Autograd
import SeededRandom
import TestSupport
import XCTest

/// `Tensor.linearSquaredErrorSum` against its unfused definition
/// `scale · Σ ((x·W + b − y)²)` built from `linear` and elementwise operations, with finite
/// differences, and with the exact Hessian 2·scale·[x 1]ᵀ[x 1].
final class LinearSquaredErrorTests: XCTestCase {
  var generator = SplitMix64(seed: 21)

  func random(_ shape: [Int]) -> Tensor {
    Tensor.randomUniform(shape, lower: -2, upper: 2, generator: &generator)
  }

  /// A data set of `rows` rows, and the rows a batch takes from it (shuffled, 11 of them, so
  /// that every kernel loop has a remainder).
  func data(rows: Int = 17, inputs: Int, outputs: Int) -> (x: Tensor, y: Tensor, rows: [Int]) {
    (random([rows, inputs]), random([rows, outputs]), [16, 3, 0, 9, 9, 12, 5, 1, 14, 7, 2])
  }

  /// The unfused objective on the gathered rows.
  func unfused(
    _ x: Tensor, _ y: Tensor, _ rows: [Int], _ w: Tensor, _ b: Tensor?, scale: Double
  ) -> Tensor {
    let (inputs, outputs) = (w.shape[0], w.shape[1])
    let xs = Tensor(
      shape: [rows.count, inputs],
      scalars: rows.flatMap { x.scalars[($0 * inputs)..<(($0 + 1) * inputs)] })
    let ys = Tensor(
      shape: [rows.count, outputs],
      scalars: rows.flatMap { y.scalars[($0 * outputs)..<(($0 + 1) * outputs)] })
    let prediction = b.map { Tensor.linear(xs, weight: w, bias: $0) } ?? xs.matmul(w)
    return (prediction - ys).square().sum() * scale
  }

  func testValueAndGradientsEqualTheUnfusedDefinition() throws {
    for (inputs, outputs, hasBias) in [(19, 1, true), (19, 1, false), (5, 3, true), (5, 3, false)] {
      let (x, y, rows) = data(inputs: inputs, outputs: outputs)
      let w = random([inputs, outputs])
      let b = hasBias ? random([outputs]) : nil
      w.requiresGrad = true
      b?.requiresGrad = true
      let fused = Tensor.linearSquaredErrorSum(
        inputs: x.scalars, targets: y.scalars, rows: rows[...], weight: w, bias: b, scale: 0.3)
      XCTAssertEqual(fused.gradFunction, "LinearMseLossBackward")
      try fused.backward()
      let (fusedW, fusedB) = (w.grad!.scalars, b?.grad?.scalars)
      w.grad = nil
      b?.grad = nil
      let reference = unfused(x, y, rows, w, b, scale: 0.3)
      try reference.backward()
      let label = "\(inputs) inputs, \(outputs) outputs, bias \(hasBias)"
      XCTAssertEqual(fused.item, reference.item, accuracy: 1e-12 * abs(reference.item), label)
      assertClose(fusedW, w.grad!.scalars, tolerance: 1e-12, label)
      if let b { assertClose(fusedB!, b.grad!.scalars, tolerance: 1e-12, label) }
    }
  }

  func testGradCheckAndAnIncomingGradientOtherThanOne() throws {
    let (x, y, rows) = data(inputs: 4, outputs: 2)
    let loss = { (p: [Tensor]) in
      Tensor.linearSquaredErrorSum(
        inputs: x.scalars, targets: y.scalars, rows: rows[...], weight: p[0], bias: p[1],
        scale: 0.1)
    }
    // exp(L) makes the gradient arriving at the fused node e^L rather than 1.
    let result = try gradCheck(of: { try! loss($0).exp() }, at: [random([4, 2]), random([2])])
    XCTAssertLessThanOrEqual(result.maxRelativeError, 1e-6, "\(result)")
  }

  func testTheHessianIsExact() throws {
    // L(W) = s·Σ_r (x_r·W + b − y_r)² for one output: ∂²L/∂W² = 2·s·Σ_r x_rᵀ·x_r.
    let (x, y, rows) = data(inputs: 3, outputs: 1)
    let b = Tensor([0.25])
    let h = try hessian(
      of: {
        Tensor.linearSquaredErrorSum(
          inputs: x.scalars, targets: y.scalars, rows: rows[...], weight: $0, bias: b, scale: 0.5)
      }, at: random([3, 1]))
    var expected = [Double](repeating: 0, count: 9)
    for r in rows {
      for i in 0..<3 { for j in 0..<3 { expected[i * 3 + j] += 2 * 0.5 * x[r, i] * x[r, j] } }
    }
    XCTAssertEqual(h.shape, [3, 1, 3, 1])
    assertClose(h.scalars, expected, tolerance: 1e-12)
  }

  func testRetainGraphAccumulatesTwiceAndNoGradRecordsNothing() throws {
    let (x, y, rows) = data(inputs: 3, outputs: 1)
    let (w, b) = (random([3, 1]), random([1]))
    w.requiresGrad = true
    b.requiresGrad = true
    let loss = Tensor.linearSquaredErrorSum(
      inputs: x.scalars, targets: y.scalars, rows: rows[...], weight: w, bias: b, scale: 1)
    try loss.backward(retainGraph: true)
    let once = w.grad!.scalars
    try loss.backward()
    assertClose(w.grad!.scalars, once.map { 2 * $0 }, tolerance: 0)
    let quiet = noGrad {
      Tensor.linearSquaredErrorSum(
        inputs: x.scalars, targets: y.scalars, rows: rows[...], weight: w, bias: b, scale: 1)
    }
    XCTAssertTrue(quiet.isLeaf)
    XCTAssertFalse(quiet.requiresGrad)
    XCTAssertEqual(quiet.item, loss.item)
  }

  func testAGradientOtherThanOneAddsIntoExistingBuffersAsItReturnsThem() throws {
    // With `grad` buffers present, backward adds g·∂L/∂W straight into them; the engine's other
    // path returns g·∂L/∂W as new tensors. Both must give the same bits.
    let (x, y, rows) = data(inputs: 6, outputs: 2)
    for hasBias in [true, false] {
      let w = random([6, 2])
      let b = hasBias ? random([2]) : nil
      w.requiresGrad = true
      b?.requiresGrad = true
      let loss = {
        Tensor.linearSquaredErrorSum(
          inputs: x.scalars, targets: y.scalars, rows: rows[...], weight: w, bias: b, scale: 0.2)
          * 3
      }
      let returned = try loss().gradients(withRespectTo: [w] + (b.map { [$0] } ?? []))
      let before = random([6, 2])
      w.grad = Tensor(shape: [6, 2], scalars: before.scalars)
      b?.grad = Tensor(shape: [2], scalars: [0.5, -1])
      try loss().backward()
      let label = "bias \(hasBias)"
      XCTAssertEqual(
        w.grad!.scalars, zip(before.scalars, returned[0].scalars).map { $0 + $1 }, label)
      if let b { XCTAssertEqual(b.grad!.scalars, [0.5 + returned[1][0], -1 + returned[1][1]]) }
    }
  }

  /// The kernel's documented order of summation (LinearSquaredError.h), written out in Swift:
  /// eight running sums per dot product (element j into sum j mod 8, added pairwise), four per
  /// sum over rows for one output (row k into sum k mod 4), one per output otherwise, and the
  /// gradient's sums row after row. The kernel has a path per width (4, 8, …, 32 keep the row in
  /// registers), and every path must give these bits.
  func documentedSums(
    _ x: [Double], _ y: [Double], _ rows: [Int], inputs n: Int, outputs m: Int, _ w: [Double],
    _ b: [Double]?
  ) -> (loss: Double, gw: [Double], gb: [Double]) {
    var squares = [0.0, 0, 0, 0]
    var errors = [0.0, 0, 0, 0]
    var gw = [Double](repeating: 0, count: n * m)
    var gb = [Double](repeating: 0, count: m)
    for (k, r) in rows.enumerated() {
      for o in 0..<m {
        var s = [Double](repeating: 0, count: 8)
        for j in 0..<n { s[j & 7] += x[r * n + j] * w[j * m + o] }
        let p = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]))
        let e = (b.map { p + $0[o] } ?? p) - y[r * m + o]
        squares[k & 3] += e * e
        if m == 1 { errors[k & 3] += e } else { gb[o] += e }
        for j in 0..<n { gw[j * m + o] += x[r * n + j] * e }
      }
    }
    if m == 1 { gb[0] = (errors[0] + errors[1]) + (errors[2] + errors[3]) }
    return ((squares[0] + squares[1]) + (squares[2] + squares[3]), gw, gb)
  }

  func testEveryWidthGivesTheDocumentedSumsBitForBit() throws {
    let consecutive = Array(3..<40)
    let shuffled = [31, 4, 4, 17, 0, 38, 22, 9, 13, 26, 35, 1, 7]
    for (inputs, outputs) in (1...40).map({ ($0, 1) }) + [(8, 2), (32, 3), (5, 2)] {
      for (rows, hasBias) in [(consecutive, true), (shuffled, false), (shuffled, true)] {
        let (x, y) = (random([40, inputs]), random([40, outputs]))
        let w = random([inputs, outputs])
        let b = hasBias ? random([outputs]) : nil
        w.requiresGrad = true
        b?.requiresGrad = true
        let scale = 0.375
        let fused = Tensor.linearSquaredErrorSum(
          inputs: x.scalars, targets: y.scalars, rows: rows[...], weight: w, bias: b,
          scale: scale)
        try fused.backward()
        // Without a gradient wanted the kernel writes none, and the value is the same.
        let valueOnly = noGrad {
          Tensor.linearSquaredErrorSum(
            inputs: x.scalars, targets: y.scalars, rows: rows[...], weight: w, bias: b,
            scale: scale)
        }
        let expected = documentedSums(
          x.scalars, y.scalars, rows, inputs: inputs, outputs: outputs, w.scalars, b?.scalars)
        let label = "\(inputs) inputs, \(outputs) outputs, \(rows.count) rows, bias \(hasBias)"
        XCTAssertEqual(fused.item.bitPattern, (scale * expected.loss).bitPattern, label)
        XCTAssertEqual(valueOnly.item.bitPattern, fused.item.bitPattern, label)
        XCTAssertEqual(w.grad!.scalars, expected.gw.map { $0 * (2 * scale) }, label)
        if let b { XCTAssertEqual(b.grad!.scalars, expected.gb.map { $0 * (2 * scale) }, label) }
      }
    }
  }
}
