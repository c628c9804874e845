// Piecewise functions and the comparisons a loss needs (Huber, MAE, clipping). Comparisons give
// masks of 0 and 1 and are never recorded: their derivative is zero almost everywhere.

infix operator .< : ComparisonPrecedence
infix operator .<= : ComparisonPrecedence
infix operator .> : ComparisonPrecedence
infix operator .>= : ComparisonPrecedence
infix operator .== : ComparisonPrecedence

extension Tensor {
  /// 1 where `a < b`, else 0 (`torch.lt`).
  public static func .< (a: Tensor, b: Tensor) -> Tensor { combine(a, b) { $0 < $1 ? 1 : 0 } }
  /// 1 where `a ≤ b`, else 0 (`torch.le`).
  public static func .<= (a: Tensor, b: Tensor) -> Tensor { combine(a, b) { $0 <= $1 ? 1 : 0 } }
  /// 1 where `a > b`, else 0 (`torch.gt`).
  public static func .> (a: Tensor, b: Tensor) -> Tensor { combine(a, b) { $0 > $1 ? 1 : 0 } }
  /// 1 where `a ≥ b`, else 0 (`torch.ge`).
  public static func .>= (a: Tensor, b: Tensor) -> Tensor { combine(a, b) { $0 >= $1 ? 1 : 0 } }
  /// 1 where `a = b`, else 0 (`torch.eq`).
  public static func .== (a: Tensor, b: Tensor) -> Tensor { combine(a, b) { $0 == $1 ? 1 : 0 } }

  public static func .< (a: Tensor, b: Double) -> Tensor { a .< Tensor(b) }
  public static func .<= (a: Tensor, b: Double) -> Tensor { a .<= Tensor(b) }
  public static func .> (a: Tensor, b: Double) -> Tensor { a .> Tensor(b) }
  public static func .>= (a: Tensor, b: Double) -> Tensor { a .>= Tensor(b) }

  /// Whether every element is finite (no NaN, no ±∞): the divergence check of a training loop.
  public var isFinite: Bool { scalars.allSatisfy { $0.isFinite } }
}

extension Tensor {
  /// `max(x, 0)`; ∂/∂x = g where x > 0, else 0.
  public func relu() -> Tensor {
    Tensor.unary(self, name: "ReluBackward", { $0 > 0 || $0.isNaN ? $0 : 0 }) { g, x in
      g * x.map { $0 > 0 ? 1 : 0 }
    }
  }

  /// `x` limited to `[lower, upper]` (`torch.clamp`); ∂/∂x = g inside the closed interval, else 0.
  public func clamped(min lower: Double = -.infinity, max upper: Double = .infinity) -> Tensor {
    precondition(lower <= upper, "clamped(min: \(lower), max: \(upper)): min exceeds max")
    return Tensor.unary(
      self, name: "ClampBackward", { $0.isNaN ? $0 : Swift.min(Swift.max($0, lower), upper) }
    ) {
      g, x in g * x.map { $0 >= lower && $0 <= upper ? 1 : 0 }
    }
  }

  /// Elementwise maximum with broadcasting (`torch.maximum`). The gradient goes to the larger
  /// operand, and is split in half between the two where they are equal, as PyTorch does.
  public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
    binary(a, b, name: "MaximumBackward", { nanPropagating($0, $1, Swift.max) }) { g, a, b in
      (
        g * combine(a, b) { a, b in a > b ? 1 : (a == b ? 0.5 : 0) },
        g * combine(a, b) { a, b in b > a ? 1 : (a == b ? 0.5 : 0) }
      )
    }
  }

  /// Elementwise minimum with broadcasting (`torch.minimum`); ties split the gradient in half.
  public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
    binary(a, b, name: "MinimumBackward", { nanPropagating($0, $1, Swift.min) }) { g, a, b in
      (
        g * combine(a, b) { a, b in a < b ? 1 : (a == b ? 0.5 : 0) },
        g * combine(a, b) { a, b in b < a ? 1 : (a == b ? 0.5 : 0) }
      )
    }
  }

  /// `condition ? a : b` elementwise, all three broadcast together (`torch.where`). The gradient
  /// flows to `a` where the condition is non-zero and to `b` elsewhere; the mask gets none.
  public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
    let shape = checkedBroadcastShape(
      checkedBroadcastShape(condition.shape, a.shape, "where"), b.shape, "where")
    let mask = noGrad { condition.broadcasted(to: shape) }.map { $0 != 0 ? 1 : 0 }
    let left = a.broadcasted(to: shape)
    let right = b.broadcasted(to: shape)
    let values = (0..<mask.count).map {
      mask.scalars[$0] != 0 ? left.scalars[$0] : right.scalars[$0]
    }
    return result(shape: shape, scalars: values, name: "WhereBackward", inputs: left, right) {
      g, _, _ in (g * mask, g * (1 - mask))
    }
  }
}

/// Elementwise maximum of two tensors.
public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { Tensor.maximum(a, b) }
/// Elementwise minimum of two tensors.
public func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { Tensor.minimum(a, b) }
/// `max(x, 0)` elementwise.
public func relu(_ x: Tensor) -> Tensor { x.relu() }

/// `f(a, b)`, or NaN when either is NaN: `torch.maximum` and `torch.minimum` propagate NaN,
/// where `Swift.max` and `Swift.min` return the other operand (and so depend on the order).
@inline(__always)
func nanPropagating(_ a: Double, _ b: Double, _ f: (Double, Double) -> Double) -> Double {
  a.isNaN || b.isNaN ? .nan : f(a, b)
}
