import Foundation

/// What a finished run reports: final metrics, the fitted model, and how close training came to
/// the exact least-squares optimum (for MSE without penalty, where that optimum is the target).
public struct RunSummary: Codable, Sendable {
  public var name: String
  public var status: String
  public var runDirectory: String
  public var epochs: Int
  public var steps: Int
  public var stoppedEarly: Bool
  /// The epoch whose parameters `model` holds: the last one, or the best one when early
  /// stopping ended the run.
  public var modelEpoch: Int
  /// Rows left out of the data for missing or invalid values (`data.missing: "drop-row"`).
  public var droppedRows: Int
  /// That epoch's training loss and validation metrics.
  public var trainLoss: Double
  public var validation: RegressionMetrics?
  public var training: RegressionMetrics
  public var seconds: Double
  public var model: FittedModel
  /// The least-squares coefficients on the training rows ([terms, targets] then intercepts).
  public var leastSquares: LeastSquaresReference?
  /// Whether training reached the optimum of its objective, and how far from it it ended.
  public var verdict: ConvergenceVerdict
  /// `verdict.converged` and `verdict.excessLoss`, at the top level for scripts.
  public var converged: Bool
  public var excessLoss: Double?
  /// The condition number of the standardized design after polynomial expansion (the model's
  /// inputs and the intercept column); nil when not computed (more than
  /// `DesignAnalysis.maximumColumns` terms); infinite for a singular design (`"inf"` in JSON).
  public var conditionNumber: Double?
  /// The terms of the design's weakest direction when it is ill-conditioned (condition number
  /// above 1e8): those nearly collinear.
  public var collinearTerms: [String]

  public struct LeastSquaresReference: Codable, Sendable {
    public var weights: [Double]
    public var intercept: [Double]
    /// Training MSE of the exact optimum.
    public var trainMSE: Double
    /// Trained MSE − optimal MSE on the training rows (≥ 0 up to rounding).
    public var gap: Double
    /// max |trained coefficient − optimal coefficient|.
    public var maxCoefficientDifference: Double
  }

  /// A human-readable table of the coefficients, trained beside the exact optimum.
  public func coefficientTable() -> String {
    var lines: [String] = []
    let targets = model.targets
    for (j, target) in targets.enumerated() {
      lines.append("coefficients for \(target):")
      lines.append(
        "  " + "term".padding(toLength: 14, withPad: " ", startingAt: 0) + "trained".leftPad(18)
          + (leastSquares != nil ? "least squares".leftPad(18) : ""))
      var rows: [(String, Double, Double?)] = [
        ("intercept", model.intercept[j], leastSquares?.intercept[j])
      ]
      for (k, term) in model.terms.enumerated() {
        rows.append(
          (term, model.weights[k * targets.count + j], leastSquares?.weights[k * targets.count + j])
        )
      }
      for (term, trained, optimum) in rows {
        var line = "  " + term.padding(toLength: 14, withPad: " ", startingAt: 0)
        line += String(format: "%.6f", trained).leftPad(18)
        if let optimum { line += String(format: "%.6f", optimum).leftPad(18) }
        lines.append(line)
      }
    }
    if let leastSquares {
      lines.append(
        String(
          format: "training MSE %.6g; exact least-squares optimum %.6g; gap %.3g",
          training.mse, leastSquares.trainMSE, leastSquares.gap))
    }
    if let conditionNumber {
      lines.append(String(format: "condition number of the standardized design: %.3g", conditionNumber))
    }
    lines.append(verdict.message)
    return lines.joined(separator: "\n")
  }
}

extension String {
  func leftPad(_ width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}
