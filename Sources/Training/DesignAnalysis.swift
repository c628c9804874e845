import CBLAS
import DataIO

/// What the design matrix the model trains on tells before training: its conditioning, the
/// curvature of the MSE objective (which sets `"lr": "auto"` and `"momentum": "auto"`), and the
/// objective's exact minimum, against which every epoch and the final model are judged.
///
/// With A = [Z, 1] the training rows as the model sees them (terms standardized, a column of
/// ones for the intercept), T the (scaled) targets, n rows and t targets, the trainer minimizes
/// per target column j
///
///     J(θⱼ) = (1/(n·t)) ‖A·θⱼ − Tⱼ‖² + λ‖wⱼ‖²       (the intercept is not penalized)
///
/// whose Hessian H = (2/(n·t))·AᵀA + 2λ·D (D: identity on the weights, 0 on the intercept) is
/// the same for every target. Everything here comes from G = AᵀA, AᵀT and TᵀT, accumulated in
/// one pass over the rows (`LeastSquaresReference.normalEquations`), and from the eigenvalues
/// of the small matrix H (LAPACK `dsyev`).
///
/// The exact minimum θ* solves the normal equations by that eigendecomposition (directions
/// with eigenvalues below 1e-13·λmax are left at zero: the minimum-norm solution of a singular
/// design). The excess of any θ over it is computed as the quadratic form
/// ½(θ − θ*)ᵀH(θ − θ*) rather than as a difference of two losses, so it keeps its relative
/// accuracy down to the last digits even when the excess is 1e-12 of the loss.
public struct DesignAnalysis: Sendable {
  /// Beyond this many columns the d × d matrices are not formed (their pass would cost more than
  /// many epochs); `"lr": "auto"` then needs an explicit rate.
  public static let maximumColumns = 2048

  /// Columns of A: the terms, plus one for the intercept.
  public let columns: Int
  public let terms: Int
  public let targets: Int
  public let rows: Int
  public let bias: Bool
  /// λ of the objective (in the trained units).
  public let l2: Double
  /// Eigenvalues of H, ascending.
  public let eigenvalues: [Double]
  /// √(λmax/λmin) of AᵀA: the condition number of the standardized design (∞ when singular).
  public let conditionNumber: Double
  /// The terms that carry the eigenvector of AᵀA's smallest eigenvalue (|loading| ≥ 0.1,
  /// largest first): the combination that is nearly zero when the design is ill-conditioned.
  public let collinearTerms: [Int]
  /// θ*, [columns, targets] row-major (the intercept's row last when there is one).
  public let optimum: [Double]
  /// J(θ*), summed over targets as the trainer's objective (mean over rows and targets).
  public let optimumObjective: Double
  /// J(0): the objective of the model before training (for the relative floor of an exact fit).
  public let initialObjective: Double
  /// H, [columns, columns] row-major.
  let hessian: [Double]

  /// The largest eigenvalue of H: the objective's curvature L, so that 1/L is the largest step
  /// gradient descent takes safely.
  public var largestCurvature: Double { eigenvalues.last ?? 0 }
  /// The smallest eigenvalue of H (0 for a singular design without penalty).
  public var smallestCurvature: Double { max(eigenvalues.first ?? 0, 0) }

  /// `lr: "auto"` for the SGD family: 1/L, the rate at which gradient descent on a quadratic
  /// with curvature at most L converges from any start.
  public var automaticLearningRate: Double { largestCurvature > 0 ? 1 / largestCurvature : 1 }

  /// `momentum: "auto"`: (√κ − 1)/(√κ + 1) with κ = L/μ, the momentum with which Nesterov's
  /// method at rate 1/L contracts the error by about (1 − 1/√κ) per step on a quadratic
  /// (Nesterov 2004, §2.2). κ is capped at 1e12 so that a singular design (μ = 0) keeps a
  /// momentum below 1; the directions it cannot resolve barely change the loss.
  public var automaticMomentum: Double {
    let kappa = min(largestCurvature / max(smallestCurvature, largestCurvature * 1e-12), 1e12)
    let root = kappa.squareRoot()
    return (root - 1) / (root + 1)
  }

  /// Analyses the training rows `data` (features as the model sees them).
  /// - Returns: nil when the design has more than `maximumColumns` columns.
  public init?(data: any Dataset, bias: Bool, l2: Double) throws {
    let terms = data.featureCount
    let targets = data.targetCount
    let columns = terms + (bias ? 1 : 0)
    guard columns <= Self.maximumColumns, data.rowCount > 0 else { return nil }
    let (gram, moment, targetSquares) = try RunSummary.LeastSquaresReference.normalEquations(
      of: data, bias: bias)
    let n = Double(data.rowCount)
    let t = Double(targets)
    let scale = 2 / (n * t)
    var hessian = gram.map { $0 * scale }
    for k in 0..<terms { hessian[k * columns + k] += 2 * l2 }
    let (gramEigenvalues, _) = try Self.eigen(gram, order: columns, vectors: false)
    let (values, vectors) = try Self.eigen(hessian, order: columns, vectors: true)

    // θ* = H⁺·g with g = (2/(n·t))·AᵀT, through H = V·diag(λ)·Vᵀ.
    let cutoff = (values.last ?? 0) * 1e-13
    var optimum = [Double](repeating: 0, count: columns * targets)
    for (e, value) in values.enumerated() where value > cutoff {
      let vector = (0..<columns).map { vectors[e * columns + $0] }
      for j in 0..<targets {
        var projection = 0.0
        for c in 0..<columns { projection += vector[c] * moment[c * targets + j] * scale }
        let coefficient = projection / value
        for c in 0..<columns { optimum[c * targets + j] += coefficient * vector[c] }
      }
    }
    // J(θ*) = (TᵀT − 2θ*ᵀAᵀT + θ*ᵀGθ*)/(n·t) + λ‖w*‖², which at the minimum is
    // (TᵀT − θ*ᵀAᵀT)/(n·t) (stationarity: (G + n·t·λ·D)θ* = AᵀT); clamped at 0 against rounding.
    var explained = 0.0
    for c in 0..<columns {
      for j in 0..<targets { explained += optimum[c * targets + j] * moment[c * targets + j] }
    }
    let smallest = gramEigenvalues.first ?? 0
    let largest = gramEigenvalues.last ?? 0
    self.columns = columns
    self.terms = terms
    self.targets = targets
    self.rows = data.rowCount
    self.bias = bias
    self.l2 = l2
    self.eigenvalues = values
    self.hessian = hessian
    self.optimum = optimum
    optimumObjective = max((targetSquares - explained) / (n * t), 0)
    initialObjective = targetSquares / (n * t)
    conditionNumber = smallest > largest * 1e-300 ? (largest / smallest).squareRoot() : .infinity
    // The eigenvector of AᵀA's smallest eigenvalue is H's first one too when λ = 0; with a
    // penalty H's is the one of interest anyway (what the penalty leaves barely determined).
    let weakest = (0..<terms).map { Swift.abs(vectors[$0]) }
    collinearTerms = weakest.indices.filter { weakest[$0] >= 0.1 }
      .sorted { weakest[$0] > weakest[$1] }
  }

  /// ½(θ − θ*)ᵀH(θ − θ*) summed over targets: how far the objective at θ is above its minimum.
  /// - Parameters:
  ///   - weights: [terms, targets] row-major, as `Linear.weight` holds them.
  ///   - intercept: [targets] (ignored without bias).
  public func excessObjective(weights: [Double], intercept: [Double]) -> Double {
    var delta = [Double](repeating: 0, count: columns * targets)
    for k in 0..<terms {
      for j in 0..<targets { delta[k * targets + j] = weights[k * targets + j] - optimum[k * targets + j] }
    }
    if bias {
      for j in 0..<targets {
        delta[terms * targets + j] = intercept[j] - optimum[terms * targets + j]
      }
    }
    var total = 0.0
    for j in 0..<targets {
      for r in 0..<columns {
        var row = 0.0
        for c in 0..<columns { row += hessian[r * columns + c] * delta[c * targets + j] }
        total += delta[r * targets + j] * row
      }
    }
    return max(total / 2, 0)
  }

  /// The objective's excess relative to its minimum, with a floor of 1e-12 of the untrained
  /// objective so that an exact fit (minimum 0) still has a finite ratio.
  public func relativeExcess(weights: [Double], intercept: [Double]) -> Double {
    excessObjective(weights: weights, intercept: intercept)
      / max(optimumObjective, initialObjective * 1e-12, .leastNormalMagnitude)
  }

  /// Eigenvalues (ascending) and, when asked, eigenvectors (row e of the result is the e-th
  /// vector) of a symmetric row-major matrix, by LAPACK `dsyev`.
  static func eigen(_ matrix: [Double], order: Int, vectors: Bool) throws -> (
    values: [Double], vectors: [Double]
  ) {
    // Symmetric, so row-major is column-major; dsyev returns eigenvectors as columns of the
    // column-major result, which read row-major are its rows.
    var a = matrix
    var n = Int32(order)
    var lda = Int32(max(order, 1))
    var values = [Double](repeating: 0, count: order)
    var jobz: CChar = vectors ? 86 : 78  // "V" or "N"
    var uplo: CChar = 85  // "U"
    var info: Int32 = 0
    var lwork: Int32 = -1
    var size = 0.0
    dsyev_(&jobz, &uplo, &n, &a, &lda, &values, &size, &lwork, &info)
    lwork = Int32(max(size, 1))
    var work = [Double](repeating: 0, count: Int(lwork))
    dsyev_(&jobz, &uplo, &n, &a, &lda, &values, &work, &lwork, &info)
    guard info == 0 else { throw LeastSquares.Failure(info: info, routine: "dsyev") }
    return (values, a)
  }
}
