#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// Elementwise arithmetic with NumPy broadcasting. Each operation's forward computation sits next
// to its backward rule. Rules are written with tensor operations, so that when the engine records
// the backward pass (`createGraph`) the gradients can themselves be differentiated; when it does
// not, the same operations run unrecorded. Rules return gradients in the broadcast shape and the
// engine sums them back to each operand's shape.

extension Tensor {
  /// A binary op's value and, when recorded, its rule (given the output gradient and the
  /// operands).
  @inline(__always)
  static func binary(
    _ a: Tensor, _ b: Tensor, name: String, _ op: (Double, Double) -> Double,
    rule: @escaping (_ g: Tensor, _ a: Tensor, _ b: Tensor) -> (Tensor?, Tensor?)
  ) -> Tensor {
    let (shape, values) = broadcastElementwise(
      a.shape, a.scalars, b.shape, b.scalars, operation: name, op)
    return result(shape: shape, scalars: values, name: name, inputs: a, b, rule: rule)
  }

  /// A unary op's value and, when recorded, its rule (given the output gradient and the input).
  @inline(__always)
  static func unary(
    _ x: Tensor, name: String, _ op: (Double) -> Double,
    rule: @escaping (_ g: Tensor, _ x: Tensor) -> Tensor?
  ) -> Tensor {
    let values = [Double](unsafeUninitializedCapacity: x.count) { out, initialized in
      x.scalars.withUnsafeBufferPointer { px in
        for i in 0..<px.count { out[i] = op(px[i]) }
      }
      initialized = x.count
    }
    return result(shape: x.shape, scalars: values, name: name, input: x, rule: rule)
  }

  /// Elementwise `op` on values only, never recorded: masks and constants.
  @inline(__always)
  static func combine(_ a: Tensor, _ b: Tensor, _ op: (Double, Double) -> Double) -> Tensor {
    let (shape, values) = broadcastElementwise(
      a.shape, a.scalars, b.shape, b.scalars, operation: "elementwise", op)
    return Tensor(shape: shape, scalars: values)
  }

  /// Elementwise `op` on values only, never recorded.
  @inline(__always)
  func map(_ op: (Double) -> Double) -> Tensor {
    Tensor(shape: shape, scalars: scalars.map(op))
  }
}

// MARK: - Operators

extension Tensor {
  /// `a + b`; ∂/∂a = g, ∂/∂b = g.
  public static func + (a: Tensor, b: Tensor) -> Tensor {
    binary(a, b, name: "AddBackward", +) { g, _, _ in (g, g) }
  }

  /// `a − b`; ∂/∂a = g, ∂/∂b = −g.
  public static func - (a: Tensor, b: Tensor) -> Tensor {
    binary(a, b, name: "SubBackward", -) { g, _, b in (g, b.requiresGrad ? -g : nil) }
  }

  /// `a · b` elementwise; ∂/∂a = g·b, ∂/∂b = g·a.
  public static func * (a: Tensor, b: Tensor) -> Tensor {
    binary(a, b, name: "MulBackward", *) { g, a, b in
      (a.requiresGrad ? g * b : nil, b.requiresGrad ? g * a : nil)
    }
  }

  /// `a / b` elementwise; ∂/∂a = g/b, ∂/∂b = −g·a/b².
  public static func / (a: Tensor, b: Tensor) -> Tensor {
    binary(a, b, name: "DivBackward", /) { g, a, b in
      (a.requiresGrad ? g / b : nil, b.requiresGrad ? -(g * a) / (b * b) : nil)
    }
  }

  /// `−x`; ∂/∂x = −g.
  public static prefix func - (x: Tensor) -> Tensor {
    unary(x, name: "NegBackward", { -$0 }) { g, _ in -g }
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

// MARK: - Powers, exponentials, absolute value

extension Tensor {
  /// `xᵖ` for a constant exponent; ∂/∂x = g·p·xᵖ⁻¹.
  public func pow(_ exponent: Double) -> Tensor {
    if exponent == 2 { return square() }
    if exponent == 1 { return self * 1 }
    return Tensor.unary(self, name: "PowBackward", { libmPow($0, exponent) }) { g, x in
      // x⁰ is constant: its gradient is 0 even at x = 0, where 0·0⁻¹ would give NaN (PyTorch
      // masks it the same way).
      exponent == 0
        ? Tensor(shape: g.shape, scalars: [Double](repeating: 0, count: g.count))
        : g * x.pow(exponent - 1) * exponent
    }
  }

  /// `xʸ` elementwise with broadcasting; ∂/∂x = g·y·xʸ⁻¹, ∂/∂y = g·xʸ·ln x (0 where x = 0, as
  /// PyTorch masks it).
  public func pow(_ exponent: Tensor) -> Tensor {
    Tensor.binary(self, exponent, name: "PowBackward", libmPow) { g, x, y in
      let gx =
        x.requiresGrad ? Tensor.where(y .== Tensor(0), Tensor(0), g * y * x.pow(y - 1)) : nil
      let gy =
        y.requiresGrad ? Tensor.where(x .== Tensor(0), Tensor(0), g * x.pow(y) * x.log()) : nil
      return (gx, gy)
    }
  }

  /// `x²`; ∂/∂x = 2g·x.
  public func square() -> Tensor {
    Tensor.unary(self, name: "SquareBackward", { $0 * $0 }) { g, x in
      isGradEnabled ? g * x * 2 : Tensor.combine(g, x) { g, x in g * x * 2 }
    }
  }

  /// `√x`; ∂/∂x = g / (2√x).
  public func sqrt() -> Tensor {
    Tensor.unary(self, name: "SqrtBackward", { $0.squareRoot() }) { g, x in g / (x.sqrt() * 2) }
  }

  /// `eˣ`; ∂/∂x = g·eˣ.
  public func exp() -> Tensor {
    Tensor.unary(self, name: "ExpBackward", libmExp) { g, x in g * x.exp() }
  }

  /// `ln x`; ∂/∂x = g / x.
  public func log() -> Tensor {
    Tensor.unary(self, name: "LogBackward", libmLog) { g, x in g / x }
  }

  /// `|x|`; ∂/∂x = g·sign(x), 0 at x = 0 (PyTorch's choice).
  public func abs() -> Tensor {
    Tensor.unary(self, name: "AbsBackward", { Swift.abs($0) }) { g, x in g * x.sign() }
  }

  /// −1, 0 or 1 by the sign of each element; its derivative is zero, so nothing is recorded.
  public func sign() -> Tensor {
    map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
  }
}

/// `xᵖ`, `xʸ`, `ln`, `exp`, `√`, `|x|` as free functions, reading as they do in math.
public func pow(_ x: Tensor, _ exponent: Double) -> Tensor { x.pow(exponent) }
public func pow(_ x: Tensor, _ exponent: Tensor) -> Tensor { x.pow(exponent) }
public func exp(_ x: Tensor) -> Tensor { x.exp() }
public func log(_ x: Tensor) -> Tensor { x.log() }
public func sqrt(_ x: Tensor) -> Tensor { x.sqrt() }
public func abs(_ x: Tensor) -> Tensor { x.abs() }

// libm under names that do not collide with the Tensor functions above.
@inline(__always) func libmPow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
@inline(__always) func libmExp(_ x: Double) -> Double { Glibc.exp(x) }
@inline(__always) func libmLog(_ x: Double) -> Double { Glibc.log(x) }
