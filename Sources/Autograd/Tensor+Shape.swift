// Reshaping, slicing and joining. None of these compute anything: their backward rules put the
// gradient back where each element came from.

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
    let original = shape
    return Tensor.result(
      shape: resolved, scalars: scalars, name: "ReshapeBackward", inputs: [self]
    ) { g in [Tensor(shape: original, scalars: g.scalars)] }
  }

  /// Same as `reshaped(_:)`, in PyTorch's spelling.
  public func reshape(_ newShape: [Int]) -> Tensor { reshaped(newShape) }

  /// The rows `range` of a tensor of rank ≥ 1 (`x[a:b]`), copied.
  public func rows(_ range: Range<Int>) -> Tensor {
    precondition(rank >= 1, "rows(_:) needs rank ≥ 1, shape is \(shape)")
    precondition(
      range.lowerBound >= 0 && range.upperBound <= shape[0],
      "rows \(range) out of bounds for shape \(shape)")
    let rowSize = shape.dropFirst().reduce(1, *)
    let values = Array(scalars[(range.lowerBound * rowSize)..<(range.upperBound * rowSize)])
    var outShape = shape
    outShape[0] = range.count
    let original = shape
    return Tensor.result(shape: outShape, scalars: values, name: "SliceBackward", inputs: [self]) {
      g in
      var full = [Double](repeating: 0, count: original.reduce(1, *))
      full.replaceSubrange((range.lowerBound * rowSize)..<(range.upperBound * rowSize), with: g.scalars)
      return [Tensor(shape: original, scalars: full)]
    }
  }

  /// The columns `range` of a matrix (`x[:, a:b]`), copied.
  public func columns(_ range: Range<Int>) -> Tensor {
    precondition(rank == 2, "columns(_:) needs a matrix, shape is \(shape)")
    precondition(
      range.lowerBound >= 0 && range.upperBound <= shape[1],
      "columns \(range) out of bounds for shape \(shape)")
    let (rows, columns) = (shape[0], shape[1])
    let width = range.count
    var values = [Double](repeating: 0, count: rows * width)
    for r in 0..<rows {
      for c in 0..<width { values[r * width + c] = scalars[r * columns + range.lowerBound + c] }
    }
    return Tensor.result(
      shape: [rows, width], scalars: values, name: "SliceBackward", inputs: [self]
    ) { g in
      var full = [Double](repeating: 0, count: rows * columns)
      for r in 0..<rows {
        for c in 0..<width { full[r * columns + range.lowerBound + c] = g.scalars[r * width + c] }
      }
      return [Tensor(shape: [rows, columns], scalars: full)]
    }
  }

  /// Joins tensors along an existing axis (`torch.cat`); all other dimensions must agree.
  public static func concat(_ tensors: [Tensor], alongAxis axis: Int = 0) -> Tensor {
    precondition(!tensors.isEmpty, "concat needs at least one tensor")
    let first = tensors[0]
    let axis = first.normalizedAxis(axis)
    for t in tensors {
      var a = t.shape
      var b = first.shape
      precondition(a.count == b.count, "concat: shapes \(first.shape) and \(t.shape) differ in rank")
      a[axis] = 0
      b[axis] = 0
      precondition(
        a == b, "concat along axis \(axis): shapes \(first.shape) and \(t.shape) do not match")
    }
    let outer = first.shape[..<axis].reduce(1, *)
    let inner = first.shape[(axis + 1)...].reduce(1, *)
    let widths = tensors.map { $0.shape[axis] * inner }
    let totalWidth = widths.reduce(0, +)
    var values = [Double]()
    values.reserveCapacity(outer * totalWidth)
    for o in 0..<outer {
      for (t, w) in zip(tensors, widths) { values.append(contentsOf: t.scalars[(o * w)..<((o + 1) * w)]) }
    }
    var outShape = first.shape
    outShape[axis] = tensors.map { $0.shape[axis] }.reduce(0, +)
    let shapes = tensors.map(\.shape)
    return result(shape: outShape, scalars: values, name: "CatBackward", inputs: tensors) { g in
      var parts = widths.map { w in [Double](repeating: 0, count: outer * w) }
      for o in 0..<outer {
        var start = o * totalWidth
        for (i, w) in widths.enumerated() {
          parts[i].replaceSubrange((o * w)..<((o + 1) * w), with: g.scalars[start..<(start + w)])
          start += w
        }
      }
      return zip(shapes, parts).map { Tensor(shape: $0, scalars: $1) }
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
