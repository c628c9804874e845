/// Per-feature mean and standard deviation, for `x' = (x − mean) / std`, like scikit-learn's
/// `StandardScaler` (and, with `fit(_:centering: false)`, its `with_mean=False`, which only
/// scales): the population standard deviation `√(Σ(x − mean)² / n)`, and a feature that never
/// varies (std 0) keeps std 1 so that it is centred but not divided by zero.
///
/// `fit` makes one streaming pass with Welford's update, numerically stable without holding
/// the data:
///
///     n ← n + 1;  δ = x − mean;  mean ← mean + δ / n;  M2 ← M2 + δ · (x − mean)
///     std = √(M2 / n)
///
/// ```swift
/// let scaling = try Standardization.fit(split.training)
/// scaling.apply(to: &batch.features)
/// ```
public struct Standardization: Codable, Equatable, Sendable {
  public var mean: [Double]
  public var std: [Double]

  public init(mean: [Double], std: [Double]) {
    precondition(mean.count == std.count, "mean and std must have one entry per feature")
    self.mean = mean
    self.std = std
  }

  /// Statistics of the features of `dataset`, read `blockRows` rows at a time.
  ///
  /// Without `centering` the mean is left at zero, so that `x' = x / std` only scales (like
  /// `StandardScaler(with_mean=False)`): a model without an intercept must not be centred, or
  /// its predictions in the original units would gain one (`−Σ wₖ meanₖ / stdₖ`).
  public static func fit(
    _ dataset: any Dataset, centering: Bool = true, blockRows: Int = 65_536
  ) throws -> Standardization {
    guard dataset.rowCount > 0 else {
      throw DataIOError.invalidRequest(
        source: dataset.source, message: "cannot compute feature statistics of zero rows")
    }
    let (mean, m2, n) = try runningMoments(
      dataset, columns: dataset.featureCount, blockRows: blockRows, \.features)
    let columns = dataset.featureCount
    let std = m2.map { m2 -> Double in
      let deviation = (m2 / n).squareRoot()
      return deviation == 0 ? 1 : deviation
    }
    return Standardization(
      mean: centering ? mean : [Double](repeating: 0, count: columns), std: std)
  }

  /// Scaling of the targets of `dataset`: each centred on its mean (with `centering`), all
  /// divided by one common scale s = √(mean over targets of their variances) (1 when every
  /// target is constant), so that a residual r in the scaled units is s·r in the original ones
  /// for every target and every loss maps back by one factor (s² for squared errors, s for
  /// absolute ones).
  public static func fitTargets(
    _ dataset: any Dataset, centering: Bool = true, blockRows: Int = 65_536
  ) throws -> Standardization {
    let columns = dataset.targetCount
    let (mean, m2, n) = try runningMoments(
      dataset, columns: columns, blockRows: blockRows, \.targets)
    // Without centring the scale is the root mean square, the spread about the origin that a
    // model without intercept fits.
    let spread =
      centering
      ? m2.reduce(0, +) / (n * Double(columns))
      : zip(m2, mean).map { $0 / n + $1 * $1 }.reduce(0, +) / Double(columns)
    let scale = spread > 0 && spread.isFinite ? spread.squareRoot() : 1
    return Standardization(
      mean: centering ? mean : [Double](repeating: 0, count: columns),
      std: [Double](repeating: scale, count: columns))
  }

  /// Welford's running mean and sum of squared deviations M2 of each column of the row-major
  /// values `part` picks from every block (features or targets), and the row count.
  static func runningMoments(
    _ dataset: any Dataset, columns: Int, blockRows: Int, _ part: KeyPath<RowBlock, [Double]>
  ) throws -> (mean: [Double], m2: [Double], n: Double) {
    var mean = [Double](repeating: 0, count: columns)
    var m2 = [Double](repeating: 0, count: columns)
    var n = 0.0
    for start in stride(from: 0, to: dataset.rowCount, by: blockRows) {
      let block = try dataset.rows(start..<min(start + blockRows, dataset.rowCount))
      let values = block[keyPath: part]
      for row in 0..<block.rows {
        n += 1
        for column in 0..<columns {
          let x = values[row * columns + column]
          let delta = x - mean[column]
          mean[column] += delta / n
          m2[column] += delta * (x - mean[column])
        }
      }
    }
    return (mean, m2, n)
  }

  /// Standardizes row-major features in place.
  public func apply(to features: inout [Double]) {
    let columns = mean.count
    precondition(columns > 0 && features.count % columns == 0, "features must be whole rows")
    for index in features.indices {
      let column = index % columns
      features[index] = (features[index] - mean[column]) / std[column]
    }
  }

  /// Undoes `apply`: `x = x' · std + mean`.
  public func invert(_ features: inout [Double]) {
    let columns = mean.count
    precondition(columns > 0 && features.count % columns == 0, "features must be whole rows")
    for index in features.indices {
      let column = index % columns
      features[index] = features[index] * std[column] + mean[column]
    }
  }
}
