import CKernels

// A linear model's squared error over rows of a data set, fused into one pass (like the fused
// linear-plus-loss kernels of large-model training): each row is read once, its prediction,
// error and contribution to the gradient computed while it is in cache. The rows stay where
// they are, in the data set's storage, so training copies no batch; the gradient is computed
// during the forward pass and the backward rule only scales it.

extension Tensor {
  /// `scale · Σ_{r ∈ rows} ‖x_r·W + b − y_r‖²`, where x_r and y_r are row r of the row-major
  /// matrices `inputs` [·, W.rows] and `targets` [·, W.columns]: a mean squared error (or a
  /// micro-batch's share of one) of `linear(x, weight:, bias:)` on the rows `rows`, without
  /// materializing x.
  ///
  ///     ∂/∂W = 2·scale·Σ_r x_rᵀ·e_r     ∂/∂b = 2·scale·Σ_r e_r     (e_r = x_r·W + b − y_r)
  ///
  /// The data are constants (no gradient). When the result is recorded, those gradients are
  /// computed here, in the same pass as the loss, and backward multiplies them by the incoming
  /// gradient. A backward pass that is itself recorded (`createGraph`) recomputes them with
  /// differentiable operations on the gathered rows instead, so higher derivatives are exact.
  ///
  /// - Precondition: `weight` is [inputs, outputs], `bias` (if any) [outputs], `inputs` and
  ///   `targets` hold whole rows, and every index of `rows` is a row of both.
  public static func linearSquaredErrorSum(
    inputs: [Double], targets: [Double], rows: ArraySlice<Int>, weight: Tensor, bias: Tensor?,
    scale: Double
  ) -> Tensor {
    precondition(weight.rank == 2, "linearSquaredErrorSum: weight \(weight.shape) is not 2-D")
    let (inputCount, outputCount) = (weight.shape[0], weight.shape[1])
    if let bias {
      precondition(
        bias.rank == 1 && bias.shape[0] == outputCount,
        "linearSquaredErrorSum: bias \(bias.shape) should be [\(outputCount)]")
    }
    precondition(
      inputCount > 0 && outputCount > 0 && inputs.count % inputCount == 0
        && targets.count % outputCount == 0
        && inputs.count / inputCount == targets.count / outputCount,
      "linearSquaredErrorSum: \(inputs.count) inputs and \(targets.count) targets are not whole "
        + "rows of \(inputCount) and \(outputCount)")
    let rowCount = inputs.count / inputCount

    let recording =
      GradMode.isEnabled && (weight.requiresGrad || (bias?.requiresGrad ?? false))
    let weightCount = inputCount * outputCount
    // ∂L/∂W (row-major, weightCount values) then ∂L/∂b (outputCount values) in one buffer, the
    // only allocation besides the result and its node.
    var saved = recording ? [Double](repeating: 0, count: weightCount + outputCount) : []
    var loss = 0.0
    inputs.withUnsafeBufferPointer { x in
      targets.withUnsafeBufferPointer { y in
        rows.withUnsafeBufferPointer { rows in
          weight.scalars.withUnsafeBufferPointer { w in
            saved.withUnsafeMutableBufferPointer { gradient in
              // No gradient wanted: NULL, never an empty array's address (the kernel would
              // write into Swift's shared empty-array storage).
              let gw = recording ? gradient.baseAddress : nil
              let gb = recording && bias != nil ? gradient.baseAddress! + weightCount : nil
              let badRow = (bias?.scalars).withUnsafeOptionalBufferPointer { b in
                fit_linear_squared_error(
                  x.baseAddress, y.baseAddress, rowCount, rows.baseAddress, rows.count,
                  inputCount, outputCount, w.baseAddress, b, &loss, gw, gb)
              }
              precondition(
                badRow < 0,
                "linearSquaredErrorSum: row index \(rows[max(badRow, 0)]) is outside "
                  + "0..<\(rowCount)")
            }
          }
        }
      }
    }
    let value = scale * loss
    guard recording else { return Tensor(shape: [], scalars: [value]) }

    // The saved gradients, scaled once: ∂L/∂W and ∂L/∂b for an incoming gradient of 1.
    let factor = 2 * scale
    for i in saved.indices { saved[i] *= factor }
    let gradient = saved
    let recomputed = { (g: Tensor, w: Tensor, b: Tensor?) -> (Tensor?, Tensor?) in
      let x = Tensor(shape: [rows.count, inputCount], scalars: gathered(inputs, inputCount, rows))
      let y = Tensor(
        shape: [rows.count, outputCount], scalars: gathered(targets, outputCount, rows))
      let prediction = b.map { Tensor.linear(x, weight: w, bias: $0) } ?? x.matmul(w)
      let gp = (prediction - y) * factor * g
      let (_, gw) = matrixMatrixBackward(gp, x, w)
      return (gw, b.map { _ in gp.sum(alongAxis: 0) })
    }
    /// g times the saved values `range` for `parameter`: added straight into its gradient
    /// buffer when the engine accumulates there (nil returned), else as a new tensor.
    func share(of range: Range<Int>, for parameter: Tensor, times g: Tensor) -> Tensor? {
      guard parameter.requiresGrad else { return nil }
      let s = g.scalars[0]
      if let direct = parameter.directGradient() {
        direct.scalars.withUnsafeMutableBufferPointer { target in
          gradient.withUnsafeBufferPointer { source in
            if s == 1 {
              for i in 0..<target.count { target[i] += source[range.lowerBound + i] }
            } else {
              for i in 0..<target.count { target[i] += s * source[range.lowerBound + i] }
            }
          }
        }
        return nil
      }
      let values = gradient[range]
      return Tensor(shape: parameter.shape, scalars: s == 1 ? Array(values) : values.map { s * $0 })
    }
    guard let bias else {
      return result(shape: [], scalars: [value], name: "LinearMseLossBackward", input: weight) {
        g, w in
        if isGradEnabled { return recomputed(g, w, nil).0 }
        return share(of: 0..<weightCount, for: w, times: g)
      }
    }
    return result(
      shape: [], scalars: [value], name: "LinearMseLossBackward", inputs: weight, bias
    ) { g, w, b in
      if isGradEnabled { return recomputed(g, w, b) }
      return (
        share(of: 0..<weightCount, for: w, times: g),
        share(of: weightCount..<(weightCount + outputCount), for: b, times: g)
      )
    }
  }

  /// The rows `rows` of a row-major matrix `width` wide, one after another.
  static func gathered(_ matrix: [Double], _ width: Int, _ rows: ArraySlice<Int>) -> [Double] {
    var out: [Double] = []
    out.reserveCapacity(rows.count * width)
    for r in rows { out += matrix[(r * width)..<((r + 1) * width)] }
    return out
  }
}

extension Optional where Wrapped == [Double] {
  /// The elements' address for a C call, or NULL for nil.
  fileprivate func withUnsafeOptionalBufferPointer<R>(
    _ body: (UnsafePointer<Double>?) -> R
  ) -> R {
    guard let self else { return body(nil) }
    return self.withUnsafeBufferPointer { body($0.baseAddress) }
  }
}
