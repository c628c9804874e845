/// The figures a regression run reports on a data set: mean squared error, its root, mean
/// absolute error and the coefficient of determination R², as scikit-learn's `metrics` computes
/// them (`mean_squared_error`, `mean_absolute_error`, `r2_score` with uniform averaging over
/// targets).
///
///     MSE = (1/nt) Σᵢⱼ (ŷᵢⱼ − yᵢⱼ)²        MAE = (1/nt) Σᵢⱼ |ŷᵢⱼ − yᵢⱼ|
///     R²ⱼ = 1 − Σᵢ (ŷᵢⱼ − yᵢⱼ)² / Σᵢ (yᵢⱼ − ȳⱼ)²,   R² = mean over targets j
///
/// A target with zero variance gets R²ⱼ = 1 when predicted exactly and 0 otherwise, as in
/// scikit-learn.
public struct RegressionMetrics: Equatable, Sendable, Codable {
  public var mse: Double
  public var rmse: Double
  public var mae: Double
  public var r2: Double
  public var rows: Int

  public init(mse: Double, rmse: Double, mae: Double, r2: Double, rows: Int) {
    self.mse = mse
    self.rmse = rmse
    self.mae = mae
    self.r2 = r2
    self.rows = rows
  }

  /// Metrics of row-major predictions against targets, both [rows, targets].
  public init(predictions: [Double], targets: [Double], targetCount: Int) {
    precondition(predictions.count == targets.count, "predictions and targets differ in size")
    precondition(targetCount > 0 && targets.count % targetCount == 0, "bad target count")
    let rows = targets.count / targetCount
    var squared = 0.0
    var absolute = 0.0
    var residualPerTarget = [Double](repeating: 0, count: targetCount)
    var meanPerTarget = [Double](repeating: 0, count: targetCount)
    for i in 0..<targets.count {
      let residual = predictions[i] - targets[i]
      squared += residual * residual
      absolute += Swift.abs(residual)
      residualPerTarget[i % targetCount] += residual * residual
      meanPerTarget[i % targetCount] += targets[i]
    }
    for j in 0..<targetCount { meanPerTarget[j] /= Double(max(rows, 1)) }
    var totalPerTarget = [Double](repeating: 0, count: targetCount)
    for i in 0..<targets.count {
      let deviation = targets[i] - meanPerTarget[i % targetCount]
      totalPerTarget[i % targetCount] += deviation * deviation
    }
    let r2PerTarget = (0..<targetCount).map { j -> Double in
      if totalPerTarget[j] == 0 { return residualPerTarget[j] == 0 ? 1 : 0 }
      return 1 - residualPerTarget[j] / totalPerTarget[j]
    }
    let n = Double(max(targets.count, 1))
    self.init(
      mse: squared / n, rmse: (squared / n).squareRoot(), mae: absolute / n,
      r2: r2PerTarget.reduce(0, +) / Double(targetCount), rows: rows)
  }
}
