import Autograd

/// Polynomial regression: `PolynomialFeatures` followed by a `Linear` layer (scikit-learn:
/// `make_pipeline(PolynomialFeatures(degree, include_bias=False), LinearRegression())`).
///
/// The intercept is the linear layer's bias, so the expansion has no column of ones.
///
/// Parameters, in order: `weight` (`[expandedFeatures, outputs]`, one row per column of
/// `features.featureNames(...)`), then `bias` (`[outputs]`). They carry the linear layer's names
/// unprefixed, since the expansion has no parameters of its own.
///
/// ```swift
/// let model = Polynomial(inputFeatures: 2, degree: 2)   // x0, x1, x0^2, x0 x1, x1^2 → y
/// let y = model(x)                                      // [rows, 2] → [rows, 1]
/// ```
public struct Polynomial: Module {
  public let inputFeatures: Int
  public let features: PolynomialFeatures
  public let linear: Linear
  /// `features.combinations(inputFeatures:)`, listed once.
  private let combinations: [[Int]]

  /// A polynomial of `degree` in `inputFeatures` variables with `outputs` outputs. Its
  /// coefficients start at zero, or drawn from `seed` as `Linear(...seed:)` draws them.
  public init(
    inputFeatures: Int, degree: Int, interactionOnly: Bool = false, outputs: Int = 1,
    bias: Bool = true, seed: UInt64? = nil
  ) {
    let features = PolynomialFeatures(degree: degree, interactionOnly: interactionOnly)
    let combinations = features.combinations(inputFeatures: inputFeatures)
    let expanded = combinations.count
    self.inputFeatures = inputFeatures
    self.features = features
    self.combinations = combinations
    if let seed {
      self.linear = Linear(
        inputFeatures: expanded, outputFeatures: outputs, bias: bias, seed: seed)
    } else {
      self.linear = Linear(inputFeatures: expanded, outputFeatures: outputs, bias: bias)
    }
  }

  public var degree: Int { features.degree }
  public var outputFeatures: Int { linear.outputFeatures }

  /// The names of the expanded columns, which are the rows of `weight`.
  public func featureNames(inputNames: [String]) -> [String] {
    precondition(
      inputNames.count == inputFeatures,
      "\(inputNames.count) names for \(inputFeatures) input features")
    return features.featureNames(inputNames: inputNames)
  }

  /// `weight`, then `bias` when there is one: the linear layer's parameters.
  public var namedParameters: [(name: String, tensor: Tensor)] { linear.namedParameters }

  public func callAsFunction(_ x: Tensor) -> Tensor {
    precondition(
      x.rank == 2 && x.shape[1] == inputFeatures,
      "Polynomial in \(inputFeatures) variables needs input of shape [rows, \(inputFeatures)], "
        + "got \(x.shape)")
    return linear(features.expand(x, combinations))
  }
}
