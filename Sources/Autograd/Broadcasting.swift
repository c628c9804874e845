/// Shapes that cannot be combined, named both, as PyTorch's "The size of tensor a (3) must match
/// the size of tensor b (4) at non-singleton dimension 1".
public struct ShapeError: Error, Equatable, CustomStringConvertible {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

extension Tensor {
  /// The shape NumPy broadcasting gives two shapes: align them at the right; each pair of
  /// dimensions must be equal or one of them 1, and the result takes the larger.
  public static func broadcastShape(_ a: [Int], _ b: [Int]) throws(ShapeError) -> [Int] {
    if a == b { return a }
    let rank = max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for axis in 0..<rank {
      let da = axis < rank - a.count ? 1 : a[axis - (rank - a.count)]
      let db = axis < rank - b.count ? 1 : b[axis - (rank - b.count)]
      guard da == db || da == 1 || db == 1 else {
        throw ShapeError(
          "shapes \(a) and \(b) cannot be broadcast together: dimension \(axis) is \(da) in one "
            + "and \(db) in the other")
      }
      result[axis] = max(da, db)
    }
    return result
  }

  /// `broadcastShape` for operators, which cannot throw: a mismatch is a programmer error.
  static func checkedBroadcastShape(_ a: [Int], _ b: [Int], _ operation: String) -> [Int] {
    do {
      return try broadcastShape(a, b)
    } catch {
      fatalError("\(operation): \(error.message)")
    }
  }

  /// Strides of `shape` seen from a broadcast shape `target`: 0 along broadcast dimensions.
  static func broadcastStrides(of shape: [Int], in target: [Int]) -> [Int] {
    let natural = strides(of: shape)
    let offset = target.count - shape.count
    return (0..<target.count).map { axis in
      axis < offset || shape[axis - offset] == 1 ? 0 : natural[axis - offset]
    }
  }

  /// Visits every index of `shape` in row-major order, passing the linear index and the matching
  /// offsets into two operands laid out with `stridesA` and `stridesB`.
  @inline(__always)
  static func forEachBroadcastOffset(
    _ shape: [Int], _ stridesA: [Int], _ stridesB: [Int], _ body: (Int, Int, Int) -> Void
  ) {
    let total = shape.reduce(1, *)
    guard total > 0 else { return }
    guard let last = shape.indices.last else {
      body(0, 0, 0)
      return
    }
    let inner = shape[last]
    let innerA = stridesA[last]
    let innerB = stridesB[last]
    var counter = [Int](repeating: 0, count: shape.count)
    var baseA = 0
    var baseB = 0
    var linear = 0
    while linear < total {
      var oa = baseA
      var ob = baseB
      for _ in 0..<inner {
        body(linear, oa, ob)
        linear += 1
        oa += innerA
        ob += innerB
      }
      // Advance the odometer over the outer dimensions.
      var axis = last - 1
      while axis >= 0 {
        counter[axis] += 1
        baseA += stridesA[axis]
        baseB += stridesB[axis]
        if counter[axis] < shape[axis] { break }
        baseA -= stridesA[axis] * shape[axis]
        baseB -= stridesB[axis] * shape[axis]
        counter[axis] = 0
        axis -= 1
      }
    }
  }

  /// Applies `op` elementwise to two broadcast operands.
  @inline(__always)
  static func broadcastElementwise(
    _ aShape: [Int], _ a: [Double], _ bShape: [Int], _ b: [Double], operation: String,
    _ op: (Double, Double) -> Double
  ) -> (shape: [Int], scalars: [Double]) {
    if aShape == bShape {
      let values = [Double](unsafeUninitializedCapacity: a.count) { out, initialized in
        a.withUnsafeBufferPointer { pa in
          b.withUnsafeBufferPointer { pb in
            for i in 0..<pa.count { out[i] = op(pa[i], pb[i]) }
          }
        }
        initialized = a.count
      }
      return (aShape, values)
    }
    // A one-element operand of no higher rank leaves the other's shape: no shape to compute.
    let shape =
      b.count == 1 && bShape.count <= aShape.count
      ? aShape : checkedBroadcastShape(aShape, bShape, operation)
    let count = shape.reduce(1, *)
    if b.count == 1 {
      let s = b[0]
      let values = [Double](unsafeUninitializedCapacity: count) { out, initialized in
        a.withUnsafeBufferPointer { pa in
          if pa.count == count {
            for i in 0..<count { out[i] = op(pa[i], s) }
          } else {  // a is broadcast too (a has one element)
            for i in 0..<count { out[i] = op(pa[0], s) }
          }
        }
        initialized = count
      }
      return (shape, values)
    }
    if a.count == 1 && b.count == count {
      let s = a[0]
      let values = [Double](unsafeUninitializedCapacity: count) { out, initialized in
        b.withUnsafeBufferPointer { pb in
          for i in 0..<count { out[i] = op(s, pb[i]) }
        }
        initialized = count
      }
      return (shape, values)
    }
    let stridesA = broadcastStrides(of: aShape, in: shape)
    let stridesB = broadcastStrides(of: bShape, in: shape)
    let values = [Double](unsafeUninitializedCapacity: count) { out, initialized in
      a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
          forEachBroadcastOffset(shape, stridesA, stridesB) { i, oa, ob in
            out[i] = op(pa[oa], pb[ob])
          }
        }
      }
      initialized = count
    }
    return (shape, values)
  }

  /// This gradient summed over the dimensions along which an operand of shape `target` was
  /// broadcast, so that it has `target`'s shape (the engine applies it to every input gradient).
  /// Recorded when grad mode is on, so that higher derivatives flow through it: its own rule
  /// broadcasts the gradient back.
  func summed(toShape target: [Int]) -> Tensor {
    if shape == target { return self }
    let source = shape
    let targetCount = target.reduce(1, *)
    if targetCount == 1 {
      var total = 0.0
      scalars.withUnsafeBufferPointer { for v in $0 { total += v } }
      return Tensor.result(shape: target, scalars: [total], name: "SumToBackward", input: self) {
        g, _ in g.broadcasted(to: source)
      }
    }
    precondition(
      (try? Tensor.broadcastShape(target, shape)) == shape,
      "a gradient of shape \(shape) cannot be reduced to shape \(target)")
    var values = [Double](repeating: 0, count: targetCount)
    let targetStrides = Tensor.broadcastStrides(of: target, in: shape)
    let ownStrides = Tensor.strides(of: shape)
    scalars.withUnsafeBufferPointer { source in
      values.withUnsafeMutableBufferPointer { out in
        Tensor.forEachBroadcastOffset(shape, ownStrides, targetStrides) { _, from, to in
          out[to] += source[from]
        }
      }
    }
    return Tensor.result(shape: target, scalars: values, name: "SumToBackward", input: self) {
      g, _ in g.broadcasted(to: source)
    }
  }

  /// This tensor repeated along broadcast dimensions to `target` (`expand`, materialized).
  /// Its gradient is the incoming gradient summed back, which the engine does.
  public func broadcasted(to target: [Int]) -> Tensor {
    if shape == target { return self }
    let check = Tensor.checkedBroadcastShape(shape, target, "broadcasted(to:)")
    precondition(check == target, "shape \(shape) cannot be broadcast to \(target)")
    let outShape = target
    let total = target.reduce(1, *)
    var values: [Double]
    if count == 1 {
      values = [Double](repeating: scalars[0], count: total)
    } else {
      values = [Double](repeating: 0, count: total)
      let sourceStrides = Tensor.broadcastStrides(of: shape, in: target)
      let targetStrides = Tensor.strides(of: target)
      scalars.withUnsafeBufferPointer { source in
        values.withUnsafeMutableBufferPointer { out in
          Tensor.forEachBroadcastOffset(target, targetStrides, sourceStrides) { _, to, from in
            out[to] = source[from]
          }
        }
      }
    }
    return Tensor.result(shape: outShape, scalars: values, name: "ExpandBackward", input: self) {
      g, _ in g
    }
  }
}
