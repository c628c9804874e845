import SeededRandom
import TestSupport
import Training
import XCTest

/// `RobustReference` against independent optima (scipy's HiGHS linear program for least
/// absolute deviations, L-BFGS-B polished by Newton steps for Huber) and against exact cases.
final class RobustReferenceTests: XCTestCase {
  /// 200 rows of 3 standard normal features, y = x·(1.5, −2, 0.5) + 40 + Cauchy noise / 2:
  /// heavy tails, and an intercept far from 0.
  static func heavyTailed(rows: Int = 200, seed: UInt64 = 12) -> (x: [Double], y: [Double]) {
    var random = SplitMix64(seed: seed)
    let w = [1.5, -2, 0.5]
    var x = [Double]()
    var y = [Double]()
    for _ in 0..<rows {
      let row = (0..<3).map { _ in random.nextNormal() }
      x += row
      let noise = 0.5 * random.nextNormal() / random.nextNormal()
      y.append(zip(row, w).reduce(40) { $0 + $1.0 * $1.1 } + noise)
    }
    return (x, y)
  }

  /// Runs a Python optimizer on (x, y) with 3 terms and an intercept; it prints the objective
  /// and the coefficients (w₁, w₂, w₃, b), one per line.
  func python(_ script: String, _ x: [Double], _ y: [Double], _ extra: [String] = []) throws
    -> [Double]
  {
    let prelude = """
      import sys
      import numpy as np
      x = np.array([float(v) for v in sys.argv[1].split(",")]).reshape(-1, 3)
      y = np.array([float(v) for v in sys.argv[2].split(",")])
      n = len(y)
      A = np.hstack([x, np.ones((n, 1))])

      """
    let arguments = [x, y].map { $0.map { "\($0)" }.joined(separator: ",") }
    let output = try Python.run(prelude + script, arguments + extra)
    return output.split(separator: "\n").map { Double($0)! }
  }

  func testMAEMatchesTheLinearProgramOfLeastAbsoluteDeviations() throws {
    let (x, y) = Self.heavyTailed()
    // min Σ (u + v)/n subject to Aθ + u − v = y, u, v ≥ 0, θ free.
    let expected = try python(
      """
      from scipy.optimize import linprog
      p = A.shape[1]
      c = np.concatenate([np.zeros(p), np.ones(2 * n) / n])
      equality = np.hstack([A, np.eye(n), -np.eye(n)])
      bounds = [(None, None)] * p + [(0, None)] * (2 * n)
      result = linprog(c, A_eq=equality, b_eq=y, bounds=bounds, method="highs",
                       options=dict(primal_feasibility_tolerance=1e-10,
                                    dual_feasibility_tolerance=1e-10))
      assert result.status == 0, result.message
      theta = result.x[:p]
      r = A @ theta - y
      print(repr(float(np.abs(r).mean())))
      for v in theta: print(repr(float(v)))
      """, x, y)
    let reference = try RobustReference(
      features: x, rows: 200, terms: 3, targets: y, targetCount: 1, bias: true, loss: .mae,
      l2: 0)
    XCTAssertTrue(reference.converged)
    // The LAD optimum is a vertex (4 zero residuals), which the final Newton steps reach up to
    // the smoothing ε ≤ 1e-10 × the mean absolute residual. Measured: 4e-14 relative in the
    // objective, 2e-11 in the coefficients (HiGHS's own tolerances are 1e-10).
    assertClose(reference.objective / expected[0], 1, tolerance: 1e-7)
    assertClose(reference.weights + reference.intercept, Array(expected[1...]), tolerance: 1e-8)
  }

  /// Huber's optimum by L-BFGS-B, then Newton steps with backtracking: the objective is
  /// piecewise quadratic, so once the set of residuals inside δ is right a Newton step is exact.
  static let huberScript = """
    from scipy.optimize import minimize
    delta, lam = float(sys.argv[3]), float(sys.argv[4])
    p = A.shape[1]
    D = np.diag([1.0] * (p - 1) + [0.0])
    def f(t):
        r = A @ t - y
        a = np.abs(r)
        return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta)).mean() \\
            + lam * t[:-1] @ t[:-1]
    def g(t):
        return A.T @ np.clip(A @ t - y, -delta, delta) / n + 2 * lam * D @ t
    t = minimize(f, np.zeros(p), jac=g, method="L-BFGS-B",
                 options=dict(ftol=1e-16, gtol=1e-13, maxiter=20000)).x
    for _ in range(50):
        inside = (np.abs(A @ t - y) <= delta).astype(float)
        H = A.T @ (A * inside[:, None]) / n + 2 * lam * D
        step = np.linalg.lstsq(H, g(t), rcond=None)[0]
        s = 1.0
        while f(t - s * step) > f(t) and s > 1e-12: s /= 2
        if f(t - s * step) <= f(t): t = t - s * step
    assert np.abs(g(t)).max() < 1e-10, np.abs(g(t)).max()
    print(repr(float(f(t))))
    for v in t: print(repr(float(v)))
    """

  func testHuberMatchesAnIndependentOptimizer() throws {
    let (x, y) = Self.heavyTailed(seed: 13)
    for l2 in [0, 0.05] {
      let expected = try python(Self.huberScript, x, y, ["1.0", "\(l2)"])
      let reference = try RobustReference(
        features: x, rows: 200, terms: 3, targets: y, targetCount: 1, bias: true,
        loss: .huber(delta: 1), l2: l2)
      XCTAssertTrue(reference.converged, "l2 \(l2)")
      // Measured: 7e-16 relative in the objective, 6e-12 in the coefficients.
      assertClose(reference.objective / expected[0], 1, tolerance: 1e-9, "l2 \(l2)")
      assertClose(
        reference.weights + reference.intercept, Array(expected[1...]), tolerance: 1e-9,
        "l2 \(l2)")
    }
  }

  func testAnExactLinearRelationIsRecoveredByBothLosses() throws {
    var random = SplitMix64(seed: 7)
    let x = (0..<(50 * 3)).map { _ in random.nextNormal() }
    let w = [0.25, -3, 7]
    let y = (0..<50).map { r in (0..<3).reduce(-12) { $0 + x[r * 3 + $1] * w[$1] } }
    for loss in [RobustLoss.mae, .huber(delta: 0.1)] {
      let reference = try RobustReference(
        features: x, rows: 50, terms: 3, targets: y, targetCount: 1, bias: true, loss: loss,
        l2: 0)
      assertClose(reference.weights + reference.intercept, w + [-12], tolerance: 1e-6, "\(loss)")
      assertClose(reference.objective, 0, tolerance: 1e-12, "\(loss)")
    }
  }

  /// Rows x = 1, 2, 3 with W = 2, b = 0.5 against y = 2, 5, 7.5: residuals 0.5, −0.5, −1.
  func testObjectiveMatchesAHandComputation() {
    func objective(_ loss: RobustLoss) -> Double {
      RobustReference.objective(
        features: [1, 2, 3], rows: 3, terms: 1, targets: [2, 5, 7.5], targetCount: 1,
        weights: [2], intercept: [0.5], loss: loss, l2: 0.1)
    }
    // (0.5 + 0.5 + 1)/3 + 0.1·2².
    assertClose(objective(.mae), 2.0 / 3 + 0.4, tolerance: 1e-15)
    // (0.125 + 0.125 + 0.75·(1 − 0.375))/3 + 0.4.
    assertClose(objective(.huber(delta: 0.75)), 0.71875 / 3 + 0.4, tolerance: 1e-15)
  }

  /// f for two targets is half the sum of each column's f alone with l2 doubled (the mean over
  /// n·2 elements against over n), so the two solutions must agree; the 1e6 column must not
  /// set the other's smoothing or tolerance.
  func testTargetColumnsOnDifferentScalesAreSolvedIndependently() throws {
    let (x, y1) = Self.heavyTailed(seed: 21)
    let y2 = Self.heavyTailed(seed: 22).y.map { $0 * 1e6 }
    let both = zip(y1, y2).flatMap { [$0, $1] }
    for loss in [RobustLoss.mae, .huber(delta: 1)] {
      let joint = try RobustReference(
        features: x, rows: 200, terms: 3, targets: both, targetCount: 2, bias: true, loss: loss,
        l2: 0.01)
      XCTAssertTrue(joint.converged, "\(loss)")
      var halfSum = 0.0
      for (j, y) in [y1, y2].enumerated() {
        let alone = try RobustReference(
          features: x, rows: 200, terms: 3, targets: y, targetCount: 1, bias: true, loss: loss,
          l2: 0.02)
        let scale = j == 0 ? 1.0 : 1e6
        let jointColumn = (0..<3).map { joint.weights[$0 * 2 + j] } + [joint.intercept[j]]
        assertClose(
          jointColumn.map { $0 / scale }, (alone.weights + alone.intercept).map { $0 / scale },
          tolerance: 1e-9, "\(loss) column \(j)")
        halfSum += alone.objective / 2
      }
      assertClose(joint.objective / halfSum, 1, tolerance: 1e-12, "\(loss)")
    }
  }

  /// A duplicated column leaves the fitted values and so the optimum unchanged; the SVD solve
  /// gives finite coefficients whose duplicated pair sums to the single column's.
  func testADuplicatedColumnGivesTheSameOptimum() throws {
    let (x, y) = Self.heavyTailed(seed: 31)
    let duplicated: [Double] = (0..<200).flatMap { (r: Int) -> [Double] in
      [x[r * 3], x[r * 3 + 1], x[r * 3 + 2], x[r * 3 + 2]]
    }
    for loss in [RobustLoss.mae, .huber(delta: 1)] {
      let full = try RobustReference(
        features: x, rows: 200, terms: 3, targets: y, targetCount: 1, bias: true, loss: loss,
        l2: 0)
      let deficient = try RobustReference(
        features: duplicated, rows: 200, terms: 4, targets: y, targetCount: 1, bias: true,
        loss: loss, l2: 0)
      XCTAssertTrue(deficient.weights.allSatisfy { $0.isFinite }, "\(loss)")
      assertClose(deficient.objective / full.objective, 1, tolerance: 1e-9, "\(loss)")
      let w = deficient.weights
      assertClose(
        [w[0], w[1], w[2] + w[3]] + deficient.intercept, full.weights + full.intercept,
        tolerance: 1e-6, "\(loss)")
    }
  }

  func testNoRowsThrows() {
    XCTAssertThrowsError(
      try RobustReference(
        features: [], rows: 0, terms: 2, targets: [], targetCount: 1, bias: true, loss: .mae,
        l2: 0)
    ) { XCTAssertEqual($0 as? RobustReference.Failure, .noRows) }
  }
}
