import Foundation
import Models

/// A trained model as `model.json` stores it: coefficients in the original units of the inputs,
/// so that it predicts from raw data without the training run's standardization.
///
///     ŷⱼ = interceptⱼ + Σₖ weights[k][j] · termₖ(x)
///
/// where the terms are the inputs themselves (linear) or their polynomial terms in
/// scikit-learn's `PolynomialFeatures` order (`x0`, `x1`, `x0^2`, `x0 x1`, ...).
public struct FittedModel: Codable, Equatable, Sendable {
  public var format = "fit-model"
  public var version = 1
  public var name: String
  public var kind: String
  public var degree: Int
  public var interactionOnly: Bool
  /// The raw input columns, in order.
  public var inputs: [String]
  /// The model's terms, in order.
  public var terms: [String]
  public var targets: [String]
  /// [terms, targets], row-major.
  public var weights: [Double]
  /// One per target.
  public var intercept: [Double]

  public init(
    name: String, kind: String, degree: Int, interactionOnly: Bool, inputs: [String],
    terms: [String], targets: [String], weights: [Double], intercept: [Double]
  ) {
    self.name = name
    self.kind = kind
    self.degree = degree
    self.interactionOnly = interactionOnly
    self.inputs = inputs
    self.terms = terms
    self.targets = targets
    self.weights = weights
    self.intercept = intercept
  }

  /// Predictions [rows, targets] for raw input rows [rows, inputs].
  public func predict(rows: [Double]) -> [Double] {
    let termValues =
      kind == "polynomial"
      ? PolynomialFeatures(degree: degree, interactionOnly: interactionOnly).expand(
        rows: rows, inputFeatures: inputs.count)
      : rows
    let n = termValues.count / max(terms.count, 1)
    var out = [Double](repeating: 0, count: n * targets.count)
    for r in 0..<n {
      for j in 0..<targets.count {
        var value = intercept[j]
        for k in 0..<terms.count {
          value += weights[k * targets.count + j] * termValues[r * terms.count + k]
        }
        out[r * targets.count + j] = value
      }
    }
    return out
  }

  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(self)
  }
}
