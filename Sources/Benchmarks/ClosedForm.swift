import Foundation
import Training

/// The least-squares fit of lin_1m_32 with an intercept by `LeastSquares.solve` (LAPACK
/// `dgelsd`, SVD based, through OpenBLAS), as `closed_form.py` times `numpy.linalg.lstsq` (also
/// `gelsd`) on [X, 1]. The design matrix [X, 1] is built before timing, as numpy's `hstack` is;
/// the timed call includes `solve`'s own copy into column-major order. werr = max|w − w_true|,
/// berr = |b − 0.5|.
enum ClosedFormBenchmark {
  static func run(_ options: Options) throws {
    let data = try LinearData(hdf5: options.file("lin_1m_32_contig.h5"))
    let columns = data.columns + 1
    var design = [Double](repeating: 1, count: data.rows * columns)
    for r in 0..<data.rows {
      for c in 0..<data.columns { design[r * columns + c] = data.features[r * data.columns + c] }
    }
    var times: [Double] = []
    var solution: [Double] = []
    for _ in 0..<options.reps {
      times.append(
        try seconds {
          solution = try LeastSquares.solve(
            design: design, rows: data.rows, columns: columns, targets: data.targets,
            rightHandSides: 1)
        })
    }
    result(
      "closed_form/numpy_lstsq/lin_1m_32", times, unit: "s",
      [
        "werr": data.weightError(Array(solution[..<data.columns])),
        "berr": Swift.abs(solution[data.columns] - trueBias),
      ])
  }
}
