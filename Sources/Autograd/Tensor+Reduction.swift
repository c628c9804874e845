// Sums and means over all elements or along one axis. Their backward rules spread the incoming
// gradient back over the reduced elements.

extension Tensor {
  /// Σ of all elements, a scalar (shape `[]`); ∂/∂xᵢ = g.
  public func sum() -> Tensor {
    var total = 0.0
    scalars.withUnsafeBufferPointer { for v in $0 { total += v } }
    return Tensor.result(shape: [], scalars: [total], name: "SumBackward", input: self) { g, x in
      isGradEnabled ? g.broadcasted(to: x.shape) : Tensor.full(x.shape, value: g.scalars[0])
    }
  }

  /// Mean of all elements, a scalar; ∂/∂xᵢ = g / n.
  public func mean() -> Tensor {
    precondition(count > 0, "mean of an empty tensor")
    var total = 0.0
    scalars.withUnsafeBufferPointer { for v in $0 { total += v } }
    let n = Double(count)
    return Tensor.result(shape: [], scalars: [total / n], name: "MeanBackward", input: self) {
      g, x in
      let n = Double(x.count)
      return isGradEnabled
        ? (g / n).broadcasted(to: x.shape) : Tensor.full(x.shape, value: g.scalars[0] / n)
    }
  }

  /// Σ along `axis` (negative counts from the end); `keepDims` leaves that axis with size 1.
  public func sum(alongAxis axis: Int, keepDims: Bool = false) -> Tensor {
    reduce(alongAxis: axis, keepDims: keepDims, scale: 1, name: "SumBackward")
  }

  /// Mean along `axis` (negative counts from the end); `keepDims` leaves that axis with size 1.
  public func mean(alongAxis axis: Int, keepDims: Bool = false) -> Tensor {
    let resolved = normalizedAxis(axis)
    precondition(shape[resolved] > 0, "mean along an empty axis of shape \(shape)")
    return reduce(
      alongAxis: resolved, keepDims: keepDims, scale: 1 / Double(shape[resolved]),
      name: "MeanBackward")
  }

  /// An axis in `0..<rank`, from a possibly negative one.
  func normalizedAxis(_ axis: Int) -> Int {
    let resolved = axis < 0 ? axis + rank : axis
    precondition(resolved >= 0 && resolved < rank, "axis \(axis) out of range for shape \(shape)")
    return resolved
  }

  /// `scale · Σ` along an axis. Viewing the shape as [outer, n, inner] makes every axis the same
  /// loop.
  private func reduce(alongAxis axis: Int, keepDims: Bool, scale: Double, name: String) -> Tensor {
    let axis = normalizedAxis(axis)
    let outer = shape[..<axis].reduce(1, *)
    let n = shape[axis]
    let inner = shape[(axis + 1)...].reduce(1, *)
    var values = [Double](repeating: 0, count: outer * inner)
    scalars.withUnsafeBufferPointer { x in
      values.withUnsafeMutableBufferPointer { out in
        for o in 0..<outer {
          for k in 0..<n {
            let base = (o * n + k) * inner
            for i in 0..<inner { out[o * inner + i] += x[base + i] }
          }
        }
        if scale != 1 { for i in 0..<out.count { out[i] *= scale } }
      }
    }
    var keptShape = shape
    keptShape[axis] = 1
    var outShape = keptShape
    if !keepDims { outShape.remove(at: axis) }
    let inputShape = shape
    return Tensor.result(shape: outShape, scalars: values, name: name, input: self) { g, _ in
      let expanded = g.reshaped(keptShape).broadcasted(to: inputShape)
      return scale == 1 ? expanded : expanded * scale
    }
  }
}
