#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// Elementwise arithmetic with NumPy broadcasting. Each operation's forward computation sits next
// to its backward rule; rules return gradients in the broadcast shape and the engine sums them
// back to each operand's shape.

extension Tensor {
  /// A binary op's value and, when recorded, its rule. `rule` gets the output gradient and the
  /// operands' saved values (copy-on-write snapshots, so in-place updates cannot change them).
  @inline(__always)
  static func binary(
    _ a: Tensor, _ b: Tensor, name: String, _ op: (Double, Double) -> Double,
    rule: @escaping (_ g: Tensor, _ a: Tensor, _ b: Tensor, _ out: Tensor) -> [Tensor?]
  ) -> Tensor {
    let (shape, values) = broadcastElementwise(
      a.shape, a.scalars, b.shape, b.scalars, operation: name, op)
    guard recordsGraph(a, b) else { return Tensor(shape: shape, scalars: values) }
    let savedA = a.detached()
    let savedB = b.detached()
    return result(shape: shape, scalars: values, name: name, inputs: [a, b]) { g in
      rule(g, savedA, savedB, Tensor(shape: shape, scalars: values))
    }
  }

  /// A unary op's value and, when recorded, its rule (given the output gradient, the saved
  /// input and the saved output).
  @inline(__always)
  static func unary(
    _ x: Tensor, name: String, _ op: (Double) -> Double,
    rule: @escaping (_ g: Tensor, _ x: Tensor, _ out: Tensor) -> Tensor
  ) -> Tensor {
    let values = [Double](unsafeUninitializedCapacity: x.count) { out, initialized in
      x.scalars.withUnsafeBufferPointer { px in
        for i in 0..<px.count { out[i] = op(px[i]) }
      }
      initialized = x.count
    }
    guard recordsGraph(x) else { return Tensor(shape: x.shape, scalars: values) }
    let saved = x.detached()
    let shape = x.shape
    return result(shape: shape, scalars: values, name: name, inputs: [x]) { g in
      [rule(g, saved, Tensor(shape: shape, scalars: values))]
    }
  }

  /// Elementwise `op` on values only, never recorded: the building block of backward rules.
  @inline(__always)
  static func combine(_ a: Tensor, _ b: Tensor, _ op: (Double, Double) -> Double) -> Tensor {
    let (shape, values) = broadcastElementwise(
      a.shape, a.scalars, b.shape, b.scalars, operation: "backward", op)
    return Tensor(shape: shape, scalars: values)
  }

  /// Elementwise `op` of three same-shape or broadcastable tensors, values only.
  @inline(__always)
  static func combine(
    _ a: Tensor, _ b: Tensor, _ c: Tensor, _ op: (Double, Double, Double) -> Double
  ) -> Tensor {
    if a.shape == b.shape && b.shape == c.shape {
      let values = [Double](unsafeUninitializedCapacity: a.count) { out, initialized in
        for i in 0..<a.count { out[i] = op(a.scalars[i], b.scalars[i], c.scalars[i]) }
        initialized = a.count
      }
      return Tensor(shape: a.shape, scalars: values)
    }
    let shape = checkedBroadcastShape(
      checkedBroadcastShape(a.shape, b.shape, "backward"), c.shape, "backward")
    let a = noGrad { a.broadcasted(to: shape) }
    let b = noGrad { b.broadcasted(to: shape) }
    let c = noGrad { c.broadcasted(to: shape) }
    return combine(a, b, c, op)
  }

  /// Elementwise `op` on values only.
  @inline(__always)
  func map(_ op: (Double) -> Double) -> Tensor {
    Tensor(shape: shape, scalars: scalars.map(op))
  }
}

// MARK: - Operators

extension Tensor {
  /// `a + b`; ∂/∂a = g, ∂/∂b = g.
  public static func + (a: Tensor, b: Tensor) -> Tensor {
    binary(a, b, name: "AddBackward", +) { g, _, _, _ in [g, g] }
  }

  /// `a − b`; ∂/∂a = g, ∂/∂b = −g.
  public static func - (a: Tensor, b: Tensor) -> Tensor {
    binary(a, b, name: "SubBackward", -) { g, _, _, _ in [g, g.map { -$0 }] }
  }

  /// `a · b` elementwise; ∂/∂a = g·b, ∂/∂b = g·a.
  public static func * (a: Tensor, b: Tensor) -> Tensor {
    binary(a, b, name: "MulBackward", *) { g, a, b, _ in
      [combine(g, b, *), combine(g, a, *)]
    }
  }

  /// `a / b` elementwise; ∂/∂a = g/b, ∂/∂b = −g·a/b².
  public static func / (a: Tensor, b: Tensor) -> Tensor {
    binary(a, b, name: "DivBackward", /) { g, a, b, _ in
      [combine(g, b, /), combine(g, a, b) { g, a, b in -g * a / (b * b) }]
    }
  }

  /// `−x`; ∂/∂x = −g.
  public static prefix func - (x: Tensor) -> Tensor {
    unary(x, name: "NegBackward", { -$0 }) { g, _, _ in g.map { -$0 } }
  }

  public static func + (a: Tensor, b: Double) -> Tensor { a + Tensor(b) }
  public static func + (a: Double, b: Tensor) -> Tensor { Tensor(a) + b }
  public static func - (a: Tensor, b: Double) -> Tensor { a - Tensor(b) }
  public static func - (a: Double, b: Tensor) -> Tensor { Tensor(a) - b }
  public static func * (a: Tensor, b: Double) -> Tensor { a * Tensor(b) }
  public static func * (a: Double, b: Tensor) -> Tensor { Tensor(a) * b }
  public static func / (a: Tensor, b: Double) -> Tensor { a / Tensor(b) }
  public static func / (a: Double, b: Tensor) -> Tensor { Tensor(a) / b }
}

// MARK: - Powers

extension Tensor {
  /// `xᵖ` for a constant exponent; ∂/∂x = g·p·xᵖ⁻¹.
  public func pow(_ exponent: Double) -> Tensor {
    if exponent == 2 { return square() }
    return Tensor.unary(self, name: "PowBackward", { Foundation_pow($0, exponent) }) { g, x, _ in
      Tensor.combine(g, x) { g, x in g * exponent * Foundation_pow(x, exponent - 1) }
    }
  }

  /// `xʸ` elementwise with broadcasting; ∂/∂x = g·y·xʸ⁻¹, ∂/∂y = g·xʸ·ln x (0 where x = 0 and
  /// y ≥ 0, as PyTorch masks it).
  public func pow(_ exponent: Tensor) -> Tensor {
    Tensor.binary(self, exponent, name: "PowBackward", Foundation_pow) { g, x, y, out in
      let gx = Tensor.combine(g, x, y) { g, x, y in g * y * Foundation_pow(x, y - 1) }
      let gy = Tensor.combine(g, out, x) { g, out, x in x == 0 ? 0 : g * out * Foundation_log(x) }
      return [gx, gy]
    }
  }

  /// `x²`; ∂/∂x = 2g·x.
  public func square() -> Tensor {
    Tensor.unary(self, name: "SquareBackward", { $0 * $0 }) { g, x, _ in
      Tensor.combine(g, x) { g, x in 2 * g * x }
    }
  }

  /// `√x`; ∂/∂x = g / (2√x).
  public func sqrt() -> Tensor {
    Tensor.unary(self, name: "SqrtBackward", { $0.squareRoot() }) { g, _, out in
      Tensor.combine(g, out) { g, s in g / (2 * s) }
    }
  }

  /// `eˣ`; ∂/∂x = g·eˣ.
  public func exp() -> Tensor {
    Tensor.unary(self, name: "ExpBackward", Foundation_exp) { g, _, out in
      Tensor.combine(g, out, *)
    }
  }

  /// `ln x`; ∂/∂x = g / x.
  public func log() -> Tensor {
    Tensor.unary(self, name: "LogBackward", Foundation_log) { g, x, _ in Tensor.combine(g, x, /) }
  }

  /// `|x|`; ∂/∂x = g·sign(x), 0 at x = 0 (PyTorch's choice).
  public func abs() -> Tensor {
    Tensor.unary(self, name: "AbsBackward", { Swift.abs($0) }) { g, x, _ in
      Tensor.combine(g, x) { g, x in x > 0 ? g : (x < 0 ? -g : 0) }
    }
  }

  /// −1, 0 or 1 by the sign of each element; its derivative is zero, so nothing is recorded.
  public func sign() -> Tensor {
    map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
  }
}

/// `xᵖ`, `xʸ`, `ln`, `exp` as free functions, reading as they do in math.
public func pow(_ x: Tensor, _ exponent: Double) -> Tensor { x.pow(exponent) }
public func pow(_ x: Tensor, _ exponent: Tensor) -> Tensor { x.pow(exponent) }
public func exp(_ x: Tensor) -> Tensor { x.exp() }
public func log(_ x: Tensor) -> Tensor { x.log() }
public func sqrt(_ x: Tensor) -> Tensor { x.sqrt() }
public func abs(_ x: Tensor) -> Tensor { x.abs() }

// libm under names that do not collide with the Tensor functions above.
@inline(__always) func Foundation_pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
@inline(__always) func Foundation_exp(_ x: Double) -> Double { Glibc.exp(x) }
@inline(__always) func Foundation_log(_ x: Double) -> Double { Glibc.log(x) }
