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
  static func linearBackward(
    _ g: Tensor, _ x: Tensor, _ w: Tensor, _ b: Tensor
  ) -> (Tensor?, Tensor?, Tensor?) {
    let (gx, gw) = matrixMatrixBackward(g, x, w)
    guard b.requiresGrad else { return (gx, gw, nil) }
    if isGradEnabled { return (gx, gw, g.sum(alongAxis: 0)) }
    return (gx, gw, Tensor(shape: b.shape, scalars: columnSums(g)))
  }

  /// Σ_rows G for a [rows, columns] matrix. Each column is summed from the first row to the last,
  /// the order `sum(alongAxis: 0)` adds in, so both give the same bits; but in a register, one
  /// column at a time, since adding into the output element by element makes every addition
  /// wait for the previous one's store.
  static func columnSums(_ g: Tensor) -> [Double] {
    let (rows, columns) = (g.shape[0], g.shape[1])
    return [Double](unsafeUninitializedCapacity: columns) { out, initialized in
      g.scalars.withUnsafeBufferPointer { g in
        for j in 0..<columns {
          var total = 0.0
          for r in 0..<rows { total += g[r * columns + j] }
          out[j] = total
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
    var total = 0.0
    prediction.scalars.withUnsafeBufferPointer { p in
      target.scalars.withUnsafeBufferPointer { t in
        for i in 0..<p.count {
          let residual = p[i] - t[i]
          total += residual * residual
        }
      }
    }
    return result(
      shape: [], scalars: [scale * total], name: "MseLossBackward", inputs: prediction, target
    ) { g, p, t in
      if isGradEnabled {
        let gp = (p - t) * (2 * scale) * g
        return (p.requiresGrad ? gp : nil, t.requiresGrad ? -gp : nil)
      }
      let factor = 2 * scale * g.scalars[0]
      let gp = combine(p, t) { p, t in factor * (p - t) }
      return (p.requiresGrad ? gp : nil, t.requiresGrad ? gp.map { -$0 } : nil)
    }
  }
}
