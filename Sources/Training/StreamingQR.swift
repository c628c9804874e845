import CBLAS

/// The triangular factor R of a tall matrix M = QR that arrives in blocks of rows, so that a
/// data set larger than memory gets a least-squares solution as accurate as the in-memory one.
///
/// Each block is stacked under the R so far and the stack is factorized again with Householder
/// reflections (LAPACK `dgeqrf`): QR of [R; Mₖ] gives the R of [M₁; …; Mₖ], because the rows of
/// R carry everything of the earlier blocks that any product Mᵀ·M can see. Unlike the normal
/// equations MᵀM (whose condition number is the square of M's), this never forms MᵀM, so a
/// design with condition number 10⁸ loses 8 digits, not 16.
///
/// With M = [A | B] (design and right-hand sides side by side), R = [R₁₁ R₁₂; 0 R₂₂] and
/// min ‖A·x − B‖ equals min ‖R₁₁·x − R₁₂‖ plus ‖R₂₂‖²: `solve()` hands the small problem to the
/// same SVD solver (`dgelsd`) the in-memory path uses, so rank-deficient designs still get the
/// minimum-norm solution.
struct StreamingQR {
  /// Columns of M.
  let columns: Int
  /// R, column-major [columns, columns]; zero below the diagonal.
  private(set) var r: [Double]
  /// Column-major [(columns + block rows), columns]: R over the block, factorized in place.
  private var stack: [Double] = []
  private var tau: [Double]
  private var work: [Double] = []

  init(columns: Int) {
    precondition(columns > 0)
    self.columns = columns
    r = [Double](repeating: 0, count: columns * columns)
    tau = [Double](repeating: 0, count: columns)
  }

  /// Adds `rows` rows of M given as the row-major left part `a` ([rows, aColumns]) and right
  /// part `b` ([rows, columns − aColumns]).
  mutating func add(rows: Int, left a: [Double], right b: [Double]) throws {
    guard rows > 0 else { return }
    let aColumns = a.count / rows
    let bColumns = columns - aColumns
    precondition(a.count == rows * aColumns && b.count == rows * bColumns)
    let height = columns + rows
    if stack.count < height * columns {
      stack = [Double](repeating: 0, count: height * columns)
    }
    stack.withUnsafeMutableBufferPointer { s in
      for c in 0..<columns {
        let column = c * height
        for i in 0..<columns { s[column + i] = r[c * columns + i] }
        if c < aColumns {
          for i in 0..<rows { s[column + columns + i] = a[i * aColumns + c] }
        } else {
          let k = c - aColumns
          for i in 0..<rows { s[column + columns + i] = b[i * bColumns + k] }
        }
      }
    }
    var m = Int32(height)
    var n = Int32(columns)
    var lda = Int32(height)
    var info: Int32 = 0
    var lwork: Int32 = -1
    var size = 0.0
    dgeqrf_(&m, &n, &stack, &lda, &tau, &size, &lwork, &info)
    guard info == 0 else { throw LeastSquares.Failure(info: info, routine: "dgeqrf") }
    if work.count < Int(size) { work = [Double](repeating: 0, count: max(Int(size), 1)) }
    lwork = Int32(work.count)
    dgeqrf_(&m, &n, &stack, &lda, &tau, &work, &lwork, &info)
    guard info == 0 else { throw LeastSquares.Failure(info: info, routine: "dgeqrf") }
    for c in 0..<columns {
      for i in 0..<columns { r[c * columns + i] = i <= c ? stack[c * height + i] : 0 }
    }
  }

  /// The minimum-norm x ([aColumns, columns − aColumns], row-major) of min ‖A·x − B‖ over every
  /// row added, by `dgelsd` on R₁₁·x = R₁₂.
  func solve(leftColumns aColumns: Int) throws -> [Double] {
    let bColumns = columns - aColumns
    var r11 = [Double](repeating: 0, count: aColumns * aColumns)
    var r12 = [Double](repeating: 0, count: aColumns * bColumns)
    for i in 0..<aColumns {
      for c in 0..<aColumns { r11[i * aColumns + c] = r[c * columns + i] }
      for k in 0..<bColumns { r12[i * bColumns + k] = r[(aColumns + k) * columns + i] }
    }
    return try LeastSquares.solve(
      design: r11, rows: aColumns, columns: aColumns, targets: r12, rightHandSides: bColumns)
  }
}
