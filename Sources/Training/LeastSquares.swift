import CBLAS

/// The exact least-squares solution min ‖A·x − b‖₂ by LAPACK's `dgelsd` (SVD based, so
/// rank-deficient or collinear designs still get the minimum-norm solution), from OpenBLAS.
///
/// Used to report how close training came to the optimum of MSE for linear and polynomial
/// models: the gap between the trained loss and this solution's loss.
public enum LeastSquares {
  public struct Failure: Error, CustomStringConvertible {
    public let info: Int32
    public var routine = "dgelsd"
    public var description: String {
      "least squares (LAPACK \(routine)) failed (info = \(info))"
    }
  }

  /// Solves for `x` ([columns, rightHandSides], row-major) given a row-major design `a`
  /// ([rows, columns]) and right-hand sides `b` ([rows, rightHandSides]). Singular values
  /// below `rcond` × the largest count as zero; −1 means machine precision.
  public static func solve(
    design a: [Double], rows: Int, columns: Int, targets b: [Double], rightHandSides: Int,
    rcond: Double = -1
  ) throws -> [Double] {
    precondition(a.count == rows * columns && b.count == rows * rightHandSides)
    // LAPACK is column-major: transpose A, and lay B out in a max(m, n) × nrhs column-major block.
    var m = Int32(rows)
    var n = Int32(columns)
    var nrhs = Int32(rightHandSides)
    var lda = Int32(max(rows, 1))
    var ldb = Int32(max(rows, columns, 1))
    var columnMajorA = [Double](repeating: 0, count: rows * columns)
    for r in 0..<rows { for c in 0..<columns { columnMajorA[c * rows + r] = a[r * columns + c] } }
    var columnMajorB = [Double](repeating: 0, count: Int(ldb) * rightHandSides)
    for r in 0..<rows {
      for k in 0..<rightHandSides { columnMajorB[k * Int(ldb) + r] = b[r * rightHandSides + k] }
    }
    var singularValues = [Double](repeating: 0, count: max(min(rows, columns), 1))
    var rcond = rcond
    var rank: Int32 = 0
    var info: Int32 = 0
    // Workspace query, then the solve.
    var lwork: Int32 = -1
    var workSize = 0.0
    var iworkSize: Int32 = 0
    dgelsd_(
      &m, &n, &nrhs, &columnMajorA, &lda, &columnMajorB, &ldb, &singularValues, &rcond, &rank,
      &workSize, &lwork, &iworkSize, &info)
    guard info == 0 else { throw Failure(info: info) }
    lwork = Int32(workSize)
    var work = [Double](repeating: 0, count: Int(lwork))
    var iwork = [Int32](repeating: 0, count: max(Int(iworkSize), 1))
    dgelsd_(
      &m, &n, &nrhs, &columnMajorA, &lda, &columnMajorB, &ldb, &singularValues, &rcond, &rank,
      &work, &lwork, &iwork, &info)
    guard info == 0 else { throw Failure(info: info) }
    var x = [Double](repeating: 0, count: columns * rightHandSides)
    for c in 0..<columns {
      for k in 0..<rightHandSides { x[c * rightHandSides + k] = columnMajorB[k * Int(ldb) + c] }
    }
    return x
  }
}
