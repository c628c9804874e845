import CBLAS
import DataIO

extension RunSummary.LeastSquaresReference {
  /// The exact least-squares fit on the training rows (raw terms, before standardization), the
  /// optimum that training with MSE is heading for, and the trained model's distance from it.
  ///
  /// In memory the design [terms, 1] goes to LAPACK's SVD solver whole. Streamed, the R of a
  /// QR factorization of [design | targets] is updated block by block (`StreamingQR`) and the
  /// small triangular problem goes to the same solver: as accurate as in memory on
  /// ill-conditioned designs (the normal equations would square the condition number), and
  /// bounded in memory.
  /// - Returns: nil when there are fewer rows than coefficients.
  init?(data: PreparedData, model: FittedModel, bias: Bool) throws {
    let raw = data.rawTraining
    let rows = raw.rowCount
    let terms = data.termCount
    let targets = data.targetCount
    let columns = terms + (bias ? 1 : 0)
    guard rows >= columns else { return nil }
    let solution: [Double]
    if let memory = raw as? InMemoryDataset {
      solution = try LeastSquares.solve(
        design: Self.design(memory.features, rows: rows, terms: terms, bias: bias), rows: rows,
        columns: columns, targets: memory.targets, rightHandSides: targets)
    } else {
      var qr = StreamingQR(columns: columns + targets)
      try Self.forEachBlock(of: raw) { block in
        let design = Self.design(block.features, rows: block.rows, terms: terms, bias: bias)
        try qr.add(rows: block.rows, left: design, right: block.targets)
      }
      solution = try qr.solve(leftColumns: columns)
    }
    let weights = Array(solution[..<(terms * targets)])
    let intercept =
      bias ? Array(solution[(terms * targets)...]) : [Double](repeating: 0, count: targets)
    let optimum = try Self.meanSquaredError(raw, weights, intercept)
    let trained = try Self.meanSquaredError(raw, model.weights, model.intercept)
    let difference =
      zip(model.weights + model.intercept, weights + intercept).map { Swift.abs($0 - $1) }.max()
      ?? 0
    self.init(
      weights: weights, intercept: intercept, trainMSE: optimum, gap: trained - optimum,
      maxCoefficientDifference: difference)
  }

  /// AᵀA ([columns, columns], both triangles), AᵀT ([columns, targets]) and Σ T² of the design
  /// A = [terms, 1] of `data`, accumulated block by block (BLAS `dsyrk`/`dgemm`), so a streamed
  /// data set is never held whole.
  static func normalEquations(of data: any Dataset, bias: Bool) throws -> (
    gram: [Double], moment: [Double], targetSquares: Double
  ) {
    let terms = data.featureCount
    let targets = data.targetCount
    let columns = terms + (bias ? 1 : 0)
    var gram = [Double](repeating: 0, count: columns * columns)
    var moment = [Double](repeating: 0, count: columns * targets)
    var targetSquares = 0.0
    try forEachBlock(of: data) { block in
      let a = design(block.features, rows: block.rows, terms: terms, bias: bias)
      let n = Int32(block.rows)
      cblas_dsyrk(
        CblasRowMajor, CblasUpper, CblasTrans, Int32(columns), n, 1, a, Int32(columns), 1,
        &gram, Int32(columns))
      cblas_dgemm(
        CblasRowMajor, CblasTrans, CblasNoTrans, Int32(columns), Int32(targets), n, 1, a,
        Int32(columns), block.targets, Int32(targets), 1, &moment, Int32(targets))
      for value in block.targets { targetSquares += value * value }
    }
    for i in 0..<columns { for j in 0..<i { gram[i * columns + j] = gram[j * columns + i] } }
    return (gram, moment, targetSquares)
  }

  /// Row-major [rows, terms (+ 1)] with a column of ones for the intercept.
  static func design(_ features: [Double], rows: Int, terms: Int, bias: Bool) -> [Double] {
    guard bias else { return features }
    var design = [Double](repeating: 1, count: rows * (terms + 1))
    for r in 0..<rows {
      for k in 0..<terms { design[r * (terms + 1) + k] = features[r * terms + k] }
    }
    return design
  }

  /// Mean over rows and targets of (Σₖ wₖⱼ·termₖ + bⱼ − yⱼ)².
  static func meanSquaredError(_ data: any Dataset, _ w: [Double], _ b: [Double]) throws -> Double {
    let terms = data.featureCount
    let targets = data.targetCount
    var total = 0.0
    try forEachBlock(of: data) { block in
      for r in 0..<block.rows {
        for j in 0..<targets {
          var prediction = b[j]
          for k in 0..<terms { prediction += w[k * targets + j] * block.features[r * terms + k] }
          let residual = prediction - block.targets[r * targets + j]
          total += residual * residual
        }
      }
    }
    return total / Double(data.rowCount * targets)
  }

  static func forEachBlock(
    of data: any Dataset, rows blockRows: Int = 65_536, _ body: (RowBlock) throws -> Void
  ) throws {
    for start in stride(from: 0, to: data.rowCount, by: blockRows) {
      try body(try data.rows(start..<min(start + blockRows, data.rowCount)))
    }
  }
}
