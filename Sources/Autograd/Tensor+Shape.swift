// Reshaping, slicing and joining. None of these compute anything: their backward rules put the
// gradient back where each element came from (slicing and joining are each other's rule).

extension Tensor {
  /// The same elements in a new shape with the same count; one dimension may be −1 and is then
  /// inferred (`reshape`). ∂/∂x = g reshaped back.
  public func reshaped(_ newShape: [Int]) -> Tensor {
    var resolved = newShape
    if let inferred = newShape.firstIndex(of: -1) {
      let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element)
        .reduce(1, *)
      precondition(
        known > 0 && count % known == 0, "cannot reshape shape \(shape) into \(newShape)")
      resolved[inferred] = count / known
    }
    precondition(
      resolved.reduce(1, *) == count && resolved.allSatisfy { $0 >= 0 },
      "cannot reshape shape \(shape) (\(count) elements) into \(newShape)")
    if resolved == shape { return self }
    let original = shape
    return Tensor.result(
      shape: resolved, scalars: scalars, name: "ReshapeBackward", input: self
    ) { g, _ in g.reshaped(original) }
  }

  /// Same as `reshaped(_:)`, in PyTorch's spelling.
  public func reshape(_ newShape: [Int]) -> Tensor { reshaped(newShape) }

  /// The elements `range` along `axis` (`x.narrow(axis, start, length)`), copied.
  /// ∂/∂x is g padded with zeros back to the original extent.
  public func slice(alongAxis axis: Int, _ range: Range<Int>) -> Tensor {
    let axis = normalizedAxis(axis)
    precondition(
      range.lowerBound >= 0 && range.upperBound <= shape[axis],
      "slice \(range) along axis \(axis) out of bounds for shape \(shape)")
    if range.count == shape[axis] { return self }
    let outer = shape[..<axis].reduce(1, *)
    let inner = shape[(axis + 1)...].reduce(1, *)
    let rowWidth = shape[axis] * inner
    let width = range.count * inner
    let start = range.lowerBound * inner
    var values = [Double]()
    values.reserveCapacity(outer * width)
    scalars.withUnsafeBufferPointer { x in
      for o in 0..<outer {
        values.append(contentsOf: x[(o * rowWidth + start)..<(o * rowWidth + start + width)])
      }
    }
    var outShape = shape
    outShape[axis] = range.count
    let original = shape
    return Tensor.result(shape: outShape, scalars: values, name: "SliceBackward", input: self) {
      g, _ in
      var before = original
      before[axis] = range.lowerBound
      var after = original
      after[axis] = original[axis] - range.upperBound
      let parts = [Tensor.zeros(before), g, Tensor.zeros(after)].filter { $0.shape[axis] > 0 }
      return Tensor.concat(parts, alongAxis: axis)
    }
  }

  /// The rows `range` of a tensor of rank ≥ 1 (`x[a:b]`).
  public func rows(_ range: Range<Int>) -> Tensor {
    precondition(rank >= 1, "rows(_:) needs rank ≥ 1, shape is \(shape)")
    return slice(alongAxis: 0, range)
  }

  /// The columns `range` of a matrix (`x[:, a:b]`).
  public func columns(_ range: Range<Int>) -> Tensor {
    precondition(rank == 2, "columns(_:) needs a matrix, shape is \(shape)")
    return slice(alongAxis: 1, range)
  }

  /// Joins tensors along an existing axis (`torch.cat`); all other dimensions must agree.
  /// ∂/∂xᵢ is the slice of g that came from xᵢ.
  public static func concat(_ tensors: [Tensor], alongAxis axis: Int = 0) -> Tensor {
    precondition(!tensors.isEmpty, "concat needs at least one tensor")
    let first = tensors[0]
    let axis = first.normalizedAxis(axis)
    for t in tensors {
      var a = t.shape
      var b = first.shape
      precondition(
        a.count == b.count, "concat: shapes \(first.shape) and \(t.shape) differ in rank")
      a[axis] = 0
      b[axis] = 0
      precondition(
        a == b, "concat along axis \(axis): shapes \(first.shape) and \(t.shape) do not match")
    }
    if tensors.count == 1 { return first }
    let outer = first.shape[..<axis].reduce(1, *)
    let inner = first.shape[(axis + 1)...].reduce(1, *)
    let widths = tensors.map { $0.shape[axis] * inner }
    var values = [Double]()
    values.reserveCapacity(outer * widths.reduce(0, +))
    for o in 0..<outer {
      for (t, w) in zip(tensors, widths) {
        values.append(contentsOf: t.scalars[(o * w)..<((o + 1) * w)])
      }
    }
    var outShape = first.shape
    let extents = tensors.map { $0.shape[axis] }
    outShape[axis] = extents.reduce(0, +)
    return result(shape: outShape, scalars: values, name: "CatBackward", inputs: tensors) { g in
      var start = 0
      return extents.map { extent in
        defer { start += extent }
        return g.slice(alongAxis: axis, start..<(start + extent))
      }
    }
  }

  /// Joins same-shape tensors along a new axis (`torch.stack`).
  public static func stack(_ tensors: [Tensor], alongAxis axis: Int = 0) -> Tensor {
    precondition(!tensors.isEmpty, "stack needs at least one tensor")
    let shape = tensors[0].shape
    precondition(axis >= 0 && axis <= shape.count, "stack: axis \(axis) out of range for \(shape)")
    for t in tensors {
      precondition(t.shape == shape, "stack: shapes \(shape) and \(t.shape) differ")
    }
    var expanded = shape
    expanded.insert(1, at: axis)
    return concat(tensors.map { $0.reshaped(expanded) }, alongAxis: axis)
  }
}
