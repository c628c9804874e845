/// A small, fast, seedable pseudo-random generator whose whole state is one `UInt64`.
///
/// SplitMix64 (Steele, Lea & Flood, 2014; the seeding generator of `java.util.SplittableRandom`
/// and of xoshiro): `state += 0x9E3779B97F4A7C15`, then the output is `state` passed through two
/// xor-shift-multiply rounds. It passes BigCrush, and because the state is a single integer a
/// training run can save it in a checkpoint and restore it exactly.
///
/// Everything built on it here (`nextDouble`, `nextNormal`, `nextIndex`, `shuffle`) is written out
/// in this file rather than taken from the standard library, whose algorithms may change between
/// Swift releases: the same seed must give the same numbers on every machine and every toolchain.
///
/// ```swift
/// var rng = SplitMix64(seed: 42)
/// let u = rng.nextDouble()        // uniform in [0, 1)
/// var order = Array(0..<10)
/// rng.shuffle(&order)             // the same permutation for seed 42, always
/// ```
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
  /// The complete state. Saving it and assigning it back later resumes the same stream.
  public var state: UInt64

  public init(seed: UInt64) { state = seed }

  @inlinable
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [0, 1): the top 53 bits scaled by 2⁻⁵³, so every value is exactly representable.
  @inlinable
  public mutating func nextDouble() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// A standard normal deviate by the Box–Muller transform (one of the pair; the other is
  /// discarded so that the state advances by exactly two words per call).
  @inlinable
  public mutating func nextNormal() -> Double {
    let u1 = 1.0 - nextDouble()  // (0, 1], so log(u1) is finite
    let u2 = nextDouble()
    let radius = (-2.0 * _log(u1)).squareRoot()
    return radius * _cos(2.0 * Double.pi * u2)
  }

  /// Uniform in `0..<bound` without modulo bias (Lemire's multiply-and-reject method).
  @inlinable
  public mutating func nextIndex(below bound: Int) -> Int {
    precondition(bound > 0, "bound must be positive, got \(bound)")
    let range = UInt64(bound)
    var product = next().multipliedFullWidth(by: range)
    if product.low < range {
      let threshold = (0 &- range) % range
      while product.low < threshold {
        product = next().multipliedFullWidth(by: range)
      }
    }
    return Int(product.high)
  }

  /// Fisher–Yates shuffle in place, from the last element down.
  @inlinable
  public mutating func shuffle<C: MutableCollection & RandomAccessCollection>(_ items: inout C)
  where C.Index == Int {
    guard items.count > 1 else { return }
    let start = items.startIndex
    for i in stride(from: items.count - 1, to: 0, by: -1) {
      let j = nextIndex(below: i + 1)
      items.swapAt(start + i, start + j)
    }
  }
}
