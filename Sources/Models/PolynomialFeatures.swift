import Autograd

/// Expands features into their products up to a degree (scikit-learn:
/// `sklearn.preprocessing.PolynomialFeatures`), with scikit-learn's column order and names.
///
/// For features `x0, x1` and degree 2 the columns are `x0, x1, x0², x0·x1, x1²`: for each degree
/// `d` from 1 (0 with `includeBias`) up to `degree`, every multiset of `d` feature indices in
/// lexicographic order, as Python's `itertools.combinations_with_replacement(range(n), d)` lists
/// them. With `interactionOnly` a feature appears at most once per product
/// (`itertools.combinations`), so `x0², x1²` are left out.
///
/// Unlike scikit-learn, `includeBias` defaults to false: a `Polynomial` model puts its intercept
/// in the linear layer's bias, and a column of ones would duplicate it.
///
/// ```swift
/// let expansion = PolynomialFeatures(degree: 2)
/// expansion.featureNames(inputNames: ["a", "b"])  // ["a", "b", "a^2", "a b", "b^2"]
/// expansion(x)                                    // [rows, 2] → [rows, 5]
/// ```
public struct PolynomialFeatures: Sendable, Equatable {
  public let degree: Int
  public let includeBias: Bool
  public let interactionOnly: Bool

  public init(degree: Int, includeBias: Bool = false, interactionOnly: Bool = false) {
    precondition(degree >= 1, "PolynomialFeatures needs degree ≥ 1, got \(degree)")
    self.degree = degree
    self.includeBias = includeBias
    self.interactionOnly = interactionOnly
  }

  /// The output columns as lists of input feature indices, in order: `[0, 1]` is `x0·x1`, `[]`
  /// the bias column. A feature repeated `k` times is raised to the power `k`.
  public func combinations(inputFeatures: Int) -> [[Int]] {
    precondition(inputFeatures >= 1, "PolynomialFeatures needs at least one input feature")
    var result: [[Int]] = includeBias ? [[]] : []
    for d in 1...degree {
      if interactionOnly && d > inputFeatures { break }
      // The lexicographically first multiset (or set) of size d, then each successor in turn.
      var indices = interactionOnly ? Array(0..<d) : [Int](repeating: 0, count: d)
      while true {
        result.append(indices)
        // The rightmost position that can still grow: its largest value leaves room for the
        // positions after it (strictly increasing values for sets, non-decreasing for multisets).
        var position = d - 1
        func largest(_ position: Int) -> Int {
          interactionOnly ? inputFeatures - d + position : inputFeatures - 1
        }
        while position >= 0 && indices[position] == largest(position) { position -= 1 }
        guard position >= 0 else { break }
        indices[position] += 1
        for later in (position + 1)..<d {
          indices[later] = interactionOnly ? indices[later - 1] + 1 : indices[position]
        }
      }
    }
    return result
  }

  /// The number of output columns for `inputFeatures` inputs.
  public func outputFeatures(inputFeatures: Int) -> Int {
    combinations(inputFeatures: inputFeatures).count
  }

  /// scikit-learn's `get_feature_names_out`: factors in feature order joined by a space, a power
  /// above one written `name^k`, and `1` for the bias column (`"x0^2"`, `"x0 x1"`).
  public func featureNames(inputNames: [String]) -> [String] {
    combinations(inputFeatures: inputNames.count).map { combination in
      guard !combination.isEmpty else { return "1" }
      var factors: [String] = []
      var start = 0
      while start < combination.count {
        var end = start
        while end < combination.count && combination[end] == combination[start] { end += 1 }
        let name = inputNames[combination[start]]
        factors.append(end - start == 1 ? name : "\(name)^\(end - start)")
        start = end
      }
      return factors.joined(separator: " ")
    }
  }

  /// scikit-learn's default names `x0, x1, ...` for `inputFeatures` inputs.
  public func featureNames(inputFeatures: Int) -> [String] {
    featureNames(inputNames: (0..<inputFeatures).map { "x\($0)" })
  }

  /// The expansion of `x` of shape `[rows, n]` into `[rows, outputFeatures(inputFeatures: n)]`.
  ///
  /// The expansion applies to data, which needs no gradient, so it is normally a plain loop over
  /// the values and records nothing. Only when `x` itself requires grad (and grad mode is on) is
  /// it built from `Tensor` operations, so that gradients reach `x`; the values are the same
  /// either way.
  public func callAsFunction(_ x: Tensor) -> Tensor {
    precondition(x.rank == 2, "PolynomialFeatures needs a matrix [rows, features], got \(x.shape)")
    return expand(x, combinations(inputFeatures: x.shape[1]))
  }

  /// The expansion with the columns' combinations already listed, so a model applying it at
  /// every step lists them once.
  func expand(_ x: Tensor, _ combinations: [[Int]]) -> Tensor {
    if x.requiresGrad && isGradEnabled {
      return differentiableExpansion(x, combinations)
    }
    let values = Self.expand(x.scalars, columns: x.shape[1], combinations)
    return Tensor(shape: [x.shape[0], combinations.count], scalars: values)
  }

  /// The expansion of a row-major table of `inputFeatures` columns, as plain values: for a
  /// caller that expands a whole data set once, before making tensors of it.
  public func expand(rows scalars: [Double], inputFeatures: Int) -> [Double] {
    precondition(
      scalars.count % inputFeatures == 0,
      "\(scalars.count) values do not make rows of \(inputFeatures) features")
    return Self.expand(scalars, columns: inputFeatures, combinations(inputFeatures: inputFeatures))
  }

  private static func expand(_ scalars: [Double], columns: Int, _ combinations: [[Int]])
    -> [Double]
  {
    let rows = scalars.count / columns
    let width = combinations.count
    var values = [Double](repeating: 1, count: rows * width)
    scalars.withUnsafeBufferPointer { input in
      values.withUnsafeMutableBufferPointer { output in
        for row in 0..<rows {
          let inputRow = row * columns
          let outputRow = row * width
          for (column, combination) in combinations.enumerated() {
            var product = 1.0
            for index in combination { product *= input[inputRow + index] }
            output[outputRow + column] = product
          }
        }
      }
    }
    return values
  }

  private func differentiableExpansion(_ x: Tensor, _ combinations: [[Int]]) -> Tensor {
    let columns = (0..<x.shape[1]).map { x.columns($0..<($0 + 1)) }
    let expanded = combinations.map { combination -> Tensor in
      guard let first = combination.first else { return Tensor.ones([x.shape[0], 1]) }
      return combination.dropFirst().reduce(columns[first]) { $0 * columns[$1] }
    }
    return Tensor.concat(expanded, alongAxis: 1)
  }
}
