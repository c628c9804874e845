import CBLAS

// Matrix products through OpenBLAS, and the transpose. The backward rules of a product are
// products too, so they go through BLAS with transpose flags instead of materialized transposes.

extension Tensor {
  /// The matrix product (`torch.matmul`) of 2-D × 2-D ([m, k]·[k, n] → [m, n], `dgemm`),
  /// 2-D × 1-D ([m, k]·[k] → [m], `dgemv`), 1-D × 2-D ([k]·[k, n] → [n]) and 1-D × 1-D (the dot
  /// product, a scalar).
  ///
  /// For C = A·B the rule is ∂/∂A = G·Bᵀ and ∂/∂B = Aᵀ·G; for y = A·v it is ∂/∂A = g ⊗ v (outer
  /// product) and ∂/∂v = Aᵀ·g.
  public func matmul(_ other: Tensor) -> Tensor {
    let a = self
    let b = other
    switch (a.rank, b.rank) {
    case (2, 2):
      let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
      precondition(
        b.shape[0] == k, "matmul: shapes \(a.shape) and \(b.shape) do not fit ([m, k]·[k, n])")
      let values = gemm(
        a.scalars, transposed: false, b.scalars, transposed: false, m: m, n: n, k: k)
      return Tensor.result(
        shape: [m, n], scalars: values, name: "MmBackward", inputs: a, b,
        rule: Tensor.matrixMatrixBackward)
    case (2, 1):
      let (m, k) = (a.shape[0], a.shape[1])
      precondition(
        b.shape[0] == k, "matmul: shapes \(a.shape) and \(b.shape) do not fit ([m, k]·[k])")
      let values = gemv(a.scalars, rows: m, columns: k, transposed: false, b.scalars)
      return Tensor.result(
        shape: [m], scalars: values, name: "MvBackward", inputs: a, b,
        rule: Tensor.matrixVectorBackward)
    case (1, 2):
      let (k, n) = (b.shape[0], b.shape[1])
      precondition(
        a.shape[0] == k, "matmul: shapes \(a.shape) and \(b.shape) do not fit ([k]·[k, n])")
      let values = gemv(b.scalars, rows: k, columns: n, transposed: true, a.scalars)
      return Tensor.result(
        shape: [n], scalars: values, name: "VmBackward", inputs: a, b,
        rule: Tensor.vectorMatrixBackward)
    case (1, 1):
      precondition(a.shape == b.shape, "matmul: vectors of shapes \(a.shape) and \(b.shape) differ")
      return (a * b).sum()
    default:
      preconditionFailure("matmul supports 1-D and 2-D operands, got \(a.shape) and \(b.shape)")
    }
  }

  /// C = A·B: ∂/∂A = G·Bᵀ, ∂/∂B = Aᵀ·G; by BLAS with transpose flags unless the backward pass
  /// is being recorded. When the engine allows (`directGradient`), an operand's share is added
  /// by BLAS straight into its gradient buffer (beta = 1) and nil returned for it.
  static func matrixMatrixBackward(_ g: Tensor, _ a: Tensor, _ b: Tensor) -> (Tensor?, Tensor?) {
    if isGradEnabled { return (g.matmul(b.transposed()), a.transposed().matmul(g)) }
    let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
    return (
      share(of: a, g, b, transposed: (false, true), m: m, n: k, k: n),
      share(of: b, a, g, transposed: (true, false), m: k, n: n, k: m)
    )
  }

  /// `operand`'s share op(x)·op(y) of a product's gradient: added into its gradient buffer
  /// when the engine allows (nil returned), else a new tensor; nil when it needs none.
  private static func share(
    of operand: Tensor, _ x: Tensor, _ y: Tensor, transposed: (a: Bool, b: Bool),
    m: Int, n: Int, k: Int
  ) -> Tensor? {
    if let sink = operand.directGradient() {
      sink.addProduct(x, y, transposed: transposed, m: m, n: n, k: k)
      return nil
    }
    guard operand.requiresGrad else { return nil }
    let fresh = Tensor(shape: operand.shape, scalars: [Double](repeating: 0, count: m * n))
    fresh.addProduct(x, y, transposed: transposed, m: m, n: n, k: k)
    return fresh
  }

  /// `self += op(a)·op(b)` in place, op(a) [m, k] and op(b) [k, n] (`addMatrixProduct`).
  func addProduct(
    _ a: Tensor, _ b: Tensor, transposed: (a: Bool, b: Bool), m: Int, n: Int, k: Int
  ) {
    a.scalars.withUnsafeBufferPointer { a in
      b.scalars.withUnsafeBufferPointer { b in
        scalars.withUnsafeMutableBufferPointer { c in
          guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else { return }
          addMatrixProduct(
            a, transposed: transposed.a, b, transposed: transposed.b, into: c, m: m, n: n, k: k)
        }
      }
    }
  }

  /// y = A·v: ∂/∂A = g ⊗ v, ∂/∂v = Aᵀ·g.
  static func matrixVectorBackward(_ g: Tensor, _ a: Tensor, _ v: Tensor) -> (Tensor?, Tensor?) {
    let (m, k) = (a.shape[0], a.shape[1])
    if isGradEnabled {
      return (g.reshaped([m, 1]).matmul(v.reshaped([1, k])), a.transposed().matmul(g))
    }
    let ga = a.requiresGrad ? Tensor(shape: a.shape, scalars: outer(g.scalars, v.scalars)) : nil
    let gv =
      v.requiresGrad
      ? Tensor(
        shape: v.shape, scalars: gemv(a.scalars, rows: m, columns: k, transposed: true, g.scalars))
      : nil
    return (ga, gv)
  }

  /// y = vᵀ·B: ∂/∂v = B·g, ∂/∂B = v ⊗ g.
  static func vectorMatrixBackward(_ g: Tensor, _ v: Tensor, _ b: Tensor) -> (Tensor?, Tensor?) {
    let (k, n) = (b.shape[0], b.shape[1])
    if isGradEnabled {
      return (b.matmul(g), v.reshaped([k, 1]).matmul(g.reshaped([1, n])))
    }
    let gv =
      v.requiresGrad
      ? Tensor(
        shape: v.shape, scalars: gemv(b.scalars, rows: k, columns: n, transposed: false, g.scalars))
      : nil
    let gb = b.requiresGrad ? Tensor(shape: b.shape, scalars: outer(v.scalars, g.scalars)) : nil
    return (gv, gb)
  }

  /// The transpose of a matrix (`x.T`); ∂/∂x = gᵀ.
  public func transposed() -> Tensor {
    precondition(rank == 2, "transposed() needs a matrix, shape is \(shape)")
    let (rows, columns) = (shape[0], shape[1])
    let values = Tensor.transpose(scalars, rows: rows, columns: columns)
    return Tensor.result(
      shape: [columns, rows], scalars: values, name: "TransposeBackward", input: self
    ) { g, _ in g.transposed() }
  }

  /// `transposed()`, in PyTorch's spelling.
  public var T: Tensor { transposed() }

  static func transpose(_ x: [Double], rows: Int, columns: Int) -> [Double] {
    [Double](unsafeUninitializedCapacity: x.count) { out, initialized in
      x.withUnsafeBufferPointer { source in
        for r in 0..<rows {
          for c in 0..<columns { out[c * rows + r] = source[r * columns + c] }
        }
      }
      initialized = x.count
    }
  }
}

/// The matrix product of two tensors.
public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor { a.matmul(b) }

// MARK: - BLAS

/// op(A)·op(B) for row-major A and B, where op(A) is [m, k] and op(B) is [k, n].
func gemm(
  _ a: [Double], transposed transA: Bool, _ b: [Double], transposed transB: Bool,
  m: Int, n: Int, k: Int
) -> [Double] {
  [Double](unsafeUninitializedCapacity: m * n) { out, initialized in
    if k == 0 {
      out.initialize(repeating: 0)
    } else if m > 0 && n > 0 {
      cblas_dgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), 1, a, Int32(transA ? m : k), b, Int32(transB ? k : n),
        0, out.baseAddress, Int32(n))
    }
    initialized = m * n
  }
}

/// C += op(A)·op(B) for row-major matrices, op(A) [m, k], op(B) [k, n] and C [m, n], where op
/// transposes when asked; through `gemv` when n is 1 and B is not transposed (the common
/// [rows, in]·[in, 1] of a model with one target, and its backward), which OpenBLAS runs
/// without the setup and buffer allocation `dgemm` makes for the transposed case. BLAS adds
/// into C itself (beta = 1): a bias placed in C first, or a gradient already there, costs no
/// second pass.
func addMatrixProduct(
  _ a: UnsafePointer<Double>, transposed transA: Bool = false, _ b: UnsafePointer<Double>,
  transposed transB: Bool = false, into c: UnsafeMutablePointer<Double>, m: Int, n: Int, k: Int
) {
  guard m > 0 && n > 0 && k > 0 else { return }
  if n == 1 && !transB {
    // A·b is a matrix–vector product; A is stored [m, k], or [k, m] when transposed.
    cblas_dgemv(
      CblasRowMajor, transA ? CblasTrans : CblasNoTrans, Int32(transA ? k : m),
      Int32(transA ? m : k), 1, a, Int32(transA ? m : k), b, 1, 1, c, 1)
  } else {
    cblas_dgemm(
      CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), 1, a, Int32(transA ? m : k), b, Int32(transB ? k : n), 1, c,
      Int32(n))
  }
}

/// A·x, or Aᵀ·x when `transposed`, for a row-major [rows, columns] matrix A.
func gemv(_ a: [Double], rows: Int, columns: Int, transposed: Bool, _ x: [Double]) -> [Double] {
  let length = transposed ? columns : rows
  return [Double](unsafeUninitializedCapacity: length) { out, initialized in
    out.initialize(repeating: 0)
    if rows > 0 && columns > 0 {
      cblas_dgemv(
        CblasRowMajor, transposed ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns), 1, a,
        Int32(columns), x, 1, 0, out.baseAddress, 1)
    }
    initialized = length
  }
}

/// The outer product u ⊗ v, a row-major [u.count, v.count] matrix.
func outer(_ u: [Double], _ v: [Double]) -> [Double] {
  [Double](unsafeUninitializedCapacity: u.count * v.count) { out, initialized in
    for i in 0..<u.count {
      let ui = u[i]
      for j in 0..<v.count { out[i * v.count + j] = ui * v[j] }
    }
    initialized = u.count * v.count
  }
}
