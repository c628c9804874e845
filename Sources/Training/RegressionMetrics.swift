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
    var accumulator = Accumulator(targetCount: targetCount)
    accumulator.add(predictions: predictions, targets: targets)
    self = accumulator.metrics
  }
}

extension RegressionMetrics {
  /// The same figures accumulated block by block: sums of squared and absolute residuals, and
  /// per target Welford's running mean and M2 of the targets, so that R² = 1 − SS_res/SS_tot is
  /// exact to rounding without a second pass.
  public struct Accumulator {
    let targetCount: Int
    var rows = 0
    var squared = 0.0
    var absolute = 0.0
    var residualPerTarget: [Double]
    var meanPerTarget: [Double]
    var m2PerTarget: [Double]

    public init(targetCount: Int) {
      self.targetCount = targetCount
      residualPerTarget = Array(repeating: 0, count: targetCount)
      meanPerTarget = Array(repeating: 0, count: targetCount)
      m2PerTarget = Array(repeating: 0, count: targetCount)
    }

    public mutating func add(predictions: [Double], targets: [Double]) {
      precondition(predictions.count == targets.count && targets.count % targetCount == 0)
      for start in stride(from: 0, to: targets.count, by: targetCount) {
        rows += 1
        let n = Double(rows)
        for j in 0..<targetCount {
          let y = targets[start + j]
          let residual = predictions[start + j] - y
          squared += residual * residual
          absolute += Swift.abs(residual)
          residualPerTarget[j] += residual * residual
          let delta = y - meanPerTarget[j]
          meanPerTarget[j] += delta / n
          m2PerTarget[j] += delta * (y - meanPerTarget[j])
        }
      }
    }

    public var metrics: RegressionMetrics {
      let n = Double(max(rows * targetCount, 1))
      let r2 = (0..<targetCount).map { j -> Double in
        if m2PerTarget[j] == 0 { return residualPerTarget[j] == 0 ? 1 : 0 }
        return 1 - residualPerTarget[j] / m2PerTarget[j]
      }
      return RegressionMetrics(
        mse: squared / n, rmse: (squared / n).squareRoot(), mae: absolute / n,
        r2: r2.reduce(0, +) / Double(targetCount), rows: rows)
    }
  }
}
