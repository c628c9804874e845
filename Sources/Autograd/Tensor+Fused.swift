// Fused operations: what a regression model computes at every step, as single graph nodes with
// their own backward rules (like PyTorch's `addmm` and `mse_loss`), instead of three or four
// elementary operations each. Fewer nodes mean fewer tensors made and freed per step, which is
// most of the engine's cost at the small sizes regression works at.

extension Tensor {
  /// `x·W + b` for a batch `x` [rows, in], weights `W` [in, out] and bias `b` [out], added to
  /// every row (`torch.addmm`, and `torch.nn.functional.linear` with W transposed).
  ///
  ///     ∂/∂x = G·Wᵀ     ∂/∂W = xᵀ·G     ∂/∂b = Σ_rows G
  public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor) -> Tensor {
    precondition(
      x.rank == 2 && weight.rank == 2 && x.shape[1] == weight.shape[0],
      "linear: input \(x.shape) and weight \(weight.shape) do not fit ([rows, in]·[in, out])")
    let (rows, inputs, outputs) = (x.shape[0], x.shape[1], weight.shape[1])
    precondition(
      bias.rank == 1 && bias.shape[0] == outputs,
      "linear: bias \(bias.shape) should be [\(outputs)]")
    // Every row starts as the bias, and BLAS adds the product into it.
    let values = [Double](unsafeUninitializedCapacity: rows * outputs) { out, initialized in
      guard rows * outputs > 0, let out = out.baseAddress else { return }
      bias.scalars.withUnsafeBufferPointer { b in
        if outputs == 1 {
          out.initialize(repeating: b[0], count: rows)
        } else {
          for r in 0..<rows { (out + r * outputs).initialize(from: b.baseAddress!, count: outputs) }
        }
      }
      initialized = rows * outputs
      guard inputs > 0 else { return }
      x.scalars.withUnsafeBufferPointer { x in
        weight.scalars.withUnsafeBufferPointer { w in
          addMatrixProduct(
            x.baseAddress!, w.baseAddress!, into: out, m: rows, n: outputs, k: inputs)
        }
      }
    }
    return result(
      shape: [rows, outputs], scalars: values, name: "AddmmBackward", inputs: x, weight, bias,
      rule: linearBackward)
  }

  /// The product's part is `matmul`'s rule; the bias gets the column sums of G.
  /// When the engine allows (`directGradient`), W's and b's shares are added straight into
  /// their gradient buffers: by `matrixMatrixBackward` for W, here for b's column sums.
  static func linearBackward(
    _ g: Tensor, _ x: Tensor, _ w: Tensor, _ b: Tensor
  ) -> (Tensor?, Tensor?, Tensor?) {
    let (gx, gw) = matrixMatrixBackward(g, x, w)
    guard b.requiresGrad else { return (gx, gw, nil) }
    if isGradEnabled { return (gx, gw, g.sum(alongAxis: 0)) }
    let sums = columnSums(g)
    if let sink = b.directGradient() {
      sink.addInPlace(sums)
      return (gx, gw, nil)
    }
    return (gx, gw, Tensor(shape: b.shape, scalars: sums))
  }

  /// Σ_rows G for a [rows, columns] matrix, one column at a time in four running sums (rows
  /// r mod 4), so that no addition waits for the previous one: adding into the output element
  /// by element made every addition wait for the last one's store.
  static func columnSums(_ g: Tensor) -> [Double] {
    let (rows, columns) = (g.shape[0], g.shape[1])
    return [Double](unsafeUninitializedCapacity: columns) { out, initialized in
      g.scalars.withUnsafeBufferPointer { g in
        for j in 0..<columns {
          var sums: (Double, Double, Double, Double) = (0, 0, 0, 0)
          var r = 0
          while r + 4 <= rows {
            sums.0 += g[r * columns + j]
            sums.1 += g[(r + 1) * columns + j]
            sums.2 += g[(r + 2) * columns + j]
            sums.3 += g[(r + 3) * columns + j]
            r += 4
          }
          while r < rows {
            sums.0 += g[r * columns + j]
            r += 1
          }
          out[j] = (sums.0 + sums.1) + (sums.2 + sums.3)
        }
      }
      initialized = columns
    }
  }

  /// `scale · Σᵢ (pᵢ − tᵢ)²` over same-shape tensors: the mean squared error with
  /// `scale = 1/n` (`torch.nn.functional.mse_loss`), or a micro-batch's share of a batch's mean.
  ///
  ///     ∂/∂p = 2·scale·(p − t)·g     ∂/∂t = −∂/∂p
  public static func squaredErrorSum(
    _ prediction: Tensor, _ target: Tensor, scale: Double = 1
  ) -> Tensor {
    precondition(
      prediction.shape == target.shape,
      "squaredErrorSum: prediction \(prediction.shape) and target \(target.shape) differ")
    // Four running sums, so that each addition does not wait for the one before it.
    var sums: (Double, Double, Double, Double) = (0, 0, 0, 0)
    prediction.scalars.withUnsafeBufferPointer { p in
      target.scalars.withUnsafeBufferPointer { t in
        let n = p.count
        var i = 0
        while i + 4 <= n {
          let (r0, r1, r2, r3) = (
            p[i] - t[i], p[i + 1] - t[i + 1], p[i + 2] - t[i + 2], p[i + 3] - t[i + 3]
          )
          sums.0 += r0 * r0
          sums.1 += r1 * r1
          sums.2 += r2 * r2
          sums.3 += r3 * r3
          i += 4
        }
        while i < n {
          let residual = p[i] - t[i]
          sums.0 += residual * residual
          i += 1
        }
      }
    }
    let total = (sums.0 + sums.1) + (sums.2 + sums.3)
    return result(
      shape: [], scalars: [scale * total], name: "MseLossBackward", inputs: prediction, target,
      scale: scale, rule: squaredErrorSumBackward)
  }

  /// ∂/∂p = 2·scale·(p − t)·g, ∂/∂t = −∂/∂p.
  static func squaredErrorSumBackward(
    _ g: Tensor, _ p: Tensor, _ t: Tensor, _ scale: Double
  ) -> (Tensor?, Tensor?) {
    if isGradEnabled {
      let gp = (p - t) * (2 * scale) * g
      return (p.requiresGrad ? gp : nil, t.requiresGrad ? -gp : nil)
    }
    let factor = 2 * scale * g.scalars[0]
    let values = [Double](unsafeUninitializedCapacity: p.count) { out, initialized in
      p.scalars.withUnsafeBufferPointer { p in
        t.scalars.withUnsafeBufferPointer { t in
          for i in 0..<p.count { out[i] = factor * (p[i] - t[i]) }
        }
      }
      initialized = p.count
    }
    let gp = Tensor(shape: p.shape, scalars: values)
    return (p.requiresGrad ? gp : nil, t.requiresGrad ? gp.map { -$0 } : nil)
  }
}
