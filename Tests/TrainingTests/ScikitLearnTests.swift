import Foundation
import TestSupport
import XCTest

@testable import Training

/// What `loss.l2` and `loss.delta` are in scikit-learn's terms, as README states it: fit's
/// objective, in the targets' units, is the mean loss over n training rows × k targets plus
/// λ·Σw², w the coefficients of the (standardized) input terms, so
///
/// - MSE with `loss.l2 = λ` is `Ridge(alpha = n·k·λ)` on the same inputs;
/// - Huber with `loss.delta = δ` is a fixed δ in the targets' units, where
///   `HuberRegressor(epsilon = ε, alpha = α)` fits a scale σ with the coefficients and switches
///   at ε·σ: its coefficients are fit's with δ = ε·σ and λ = α·σ/(2n), σ its `scale_`.
///
/// Each test trains to the tolerance rule's limit and compares the coefficients, in the original
/// units, with scikit-learn's on data the Python side writes.
final class ScikitLearnTests: XCTestCase {
  /// The largest of |a − b| / |b| over the coefficients.
  func largestRelativeDifference(_ a: [Double], _ b: [Double]) -> Double {
    XCTAssertEqual(a.count, b.count)
    return zip(a, b).map { Swift.abs($0 - $1) / Swift.abs($1) }.max() ?? .nan
  }

  /// scikit-learn's coefficients ([terms, targets] row-major, as `model.json`) and intercepts,
  /// from the JSON the script prints.
  func coefficients(_ json: String) throws -> (weights: [Double], intercept: [Double]) {
    let object = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    return (
      try XCTUnwrap(object["weights"] as? [Double]), try XCTUnwrap(object["intercept"] as? [Double])
    )
  }

  /// Trains a config of `members` whose paths are relative to `folder`, into `folder/run`.
  func train(_ members: String, in folder: URL, run: String) throws -> RunSummary {
    let text = #"{\#(members), "output": {"dir": "\#(run)"}}"#
    let config = try TrainingConfig.parse(text, baseDirectory: folder.path)
    return try TrainingRun(config: config, reporter: Reporter(style: .quiet)).run()
  }

  /// Three features on scales 100, 0.01 and 1, two targets on scales 1 and 1000, 300 training
  /// rows and a validation file of 100 more (which n must not count). λ = 0.1 shrinks the
  /// coefficients by a quarter to a half, so a wrong factor in α shows.
  func testL2IsRidgeWithAlphaOfTrainingRowsTimesTargetsTimesLambda() throws {
    try Python.requireScikitLearn()
    let folder = try FitProcess.temporaryDirectory(self)
    let lambda = 0.1
    let script = """
      import json, sys
      import numpy as np
      from sklearn.linear_model import Ridge
      from sklearn.preprocessing import StandardScaler
      folder, lam = sys.argv[1], float(sys.argv[2])
      rng = np.random.default_rng(17)
      def table(n):
          X = np.column_stack([rng.normal(5, 100, n), rng.normal(0, 1e-2, n), rng.normal(-3, 1, n)])
          y1 = 3 + 0.02 * X[:, 0] + 50 * X[:, 1] - 1.5 * X[:, 2] + rng.normal(0, 1, n)
          y2 = 1000 * (1 - 0.01 * X[:, 0] + 20 * X[:, 1] + 0.5 * X[:, 2] + rng.normal(0, 1, n))
          return X, np.column_stack([y1, y2])
      for name, n in [("train", 300), ("val", 100)]:
          X, Y = table(n)
          np.savetxt(f"{folder}/{name}.csv", np.column_stack([X, Y]), delimiter=",",
                     header="a,b,c,y1,y2", comments="", fmt="%.17g")
          if name == "train":
              train = (X, Y)
      X, Y = train
      n, k = Y.shape
      # On the standardized inputs (StandardScaler: population std), then on the raw ones.
      for scaler in [StandardScaler().fit(X), StandardScaler(with_std=False).fit(X)]:
          def fitted(alpha):
              ridge = Ridge(alpha=alpha, solver="cholesky").fit(scaler.transform(X), Y)
              coef = ridge.coef_ / (1 if scaler.scale_ is None else scaler.scale_)
              intercept = ridge.intercept_ - coef @ scaler.mean_
              return {"weights": coef.T.ravel().tolist(), "intercept": intercept.tolist()}
          print(json.dumps(fitted(n * k * lam)))
          print(json.dumps(fitted(n * lam)))
      """
    let output = try Python.run(script, [folder.path, "\(lambda)"]).split(separator: "\n")
      .map(String.init)
    for (index, standardize) in [true, false].enumerated() {
      let ridge = try coefficients(output[2 * index])
      let ridgeWithoutK = try coefficients(output[2 * index + 1])
      let summary = try train(
        """
        "data": {"path": "train.csv", "targets": ["y1", "y2"], "standardize": \(standardize),
                 "validation": {"path": "val.csv"}},
        "loss": {"kind": "mse", "l2": \(lambda)}, "training": {"tolerance": 1e-12}
        """, in: folder, run: "standardize-\(standardize)")
      XCTAssertTrue(summary.converged, summary.verdict.message)
      XCTAssertEqual(summary.verdict.reference, "exact ridge")
      let trained = summary.model.weights + summary.model.intercept
      let difference = largestRelativeDifference(trained, ridge.weights + ridge.intercept)
      // Measured: 6e-7 standardized (condition number about 1), 4e-6 raw (about 1e4): the
      // stopping rule ends within 1e-12 relative of the minimum of the loss, which fixes the
      // coefficients only to about √(1e-12 · κ).
      XCTAssertLessThan(difference, standardize ? 1e-5 : 1e-4, "standardize \(standardize)")
      XCTAssertGreaterThan(
        largestRelativeDifference(trained, ridgeWithoutK.weights + ridgeWithoutK.intercept), 1e-2,
        "alpha = n·λ is another model")
    }
  }

  /// Heavy-tailed noise (Student's t, 2 degrees of freedom, times 30) on two features of scales
  /// 100 and 1: `HuberRegressor(epsilon=1.35, alpha=1)` on the standardized features, then fit
  /// with δ = 1.35·σ and λ = σ/(2n). The same δ as sklearn's epsilon is another model.
  func testHuberDeltaIsEpsilonTimesHuberRegressorsScale() throws {
    try Python.requireScikitLearn()
    let folder = try FitProcess.temporaryDirectory(self)
    let script = """
      import json, sys
      import numpy as np
      from sklearn.linear_model import HuberRegressor
      from sklearn.preprocessing import StandardScaler
      folder, epsilon, alpha = sys.argv[1], 1.35, 1.0
      rng = np.random.default_rng(1)
      n = 400
      X = np.column_stack([rng.normal(5, 100, n), rng.normal(-3, 1, n)])
      y = 1000 + 2 * X[:, 0] - 80 * X[:, 1] + 30 * rng.standard_t(2, n)
      np.savetxt(f"{folder}/h.csv", np.column_stack([X, y]), delimiter=",", header="a,b,y",
                 comments="", fmt="%.17g")
      scaler = StandardScaler().fit(X)
      huber = HuberRegressor(epsilon=epsilon, alpha=alpha, tol=1e-12, max_iter=100000)
      huber.fit(scaler.transform(X), y)
      coef = huber.coef_ / scaler.scale_
      print(json.dumps({
          "weights": coef.tolist(), "intercept": [float(huber.intercept_ - coef @ scaler.mean_)],
          "delta": epsilon * huber.scale_, "l2": alpha * huber.scale_ / (2 * n),
          "epsilon": epsilon}))
      """
    let output = try Python.run(script, [folder.path])
    let expected = try coefficients(output)
    let parameters = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    let delta = try XCTUnwrap(parameters["delta"] as? Double)
    let lambda = try XCTUnwrap(parameters["l2"] as? Double)
    let epsilon = try XCTUnwrap(parameters["epsilon"] as? Double)
    func trained(delta: Double, epochs: Int, in name: String) throws -> (RunSummary, Double) {
      let summary = try train(
        """
        "data": {"path": "h.csv", "targets": ["y"], "validation": {"fraction": 0}},
        "loss": {"kind": "huber", "delta": \(delta), "l2": \(lambda)},
        "training": {"tolerance": 1e-14, "epochs": \(epochs)}
        """, in: folder, run: name)
      let difference = largestRelativeDifference(
        summary.model.weights + summary.model.intercept, expected.weights + expected.intercept)
      return (summary, difference)
    }
    let (summary, difference) = try trained(delta: delta, epochs: 10_000, in: "scaled")
    XCTAssertTrue(summary.converged, summary.verdict.message)
    XCTAssertEqual(summary.verdict.reference, "IRLS")
    // Measured: 1.4e-6 (scikit-learn's L-BFGS over coefficients and σ together stops there).
    XCTAssertLessThan(difference, 1e-5)
    // δ = 1.35 in the targets' units, against residuals of about 30: nearly least absolute
    // deviations, whose bounded gradient the same λ outweighs (the slope on `a` is 0.13, not
    // 1.76, after 200 epochs or 6,500).
    XCTAssertGreaterThan(try trained(delta: epsilon, epochs: 200, in: "epsilon").1, 0.5)
  }
}
