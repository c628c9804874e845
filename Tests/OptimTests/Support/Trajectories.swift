import Autograd
import Optim
import XCTest

/// Runs `optimizer` for `steps` steps on `objective`'s parameters through the autograd engine
/// (zeroGrad, backward, step) and returns the final parameter values.
func runOptimizer(
  _ makeOptimizer: ([Tensor]) throws -> any Optimizer, on objective: Objective, steps: Int
) throws -> [[Double]] {
  let parameters = objective.makeParameters()
  let optimizer = try makeOptimizer(parameters)
  for _ in 0..<steps {
    optimizer.zeroGrad()
    try objective.loss(parameters).backward()
    optimizer.step()
  }
  return parameters.map(\.scalars)
}

/// Runs the plain-loop reference for `steps` steps, taking gradients from the autograd engine.
func runReference(
  _ reference: some ReferenceOptimizer, on objective: Objective, steps: Int
) throws -> [[Double]] {
  var reference = reference
  var values = objective.initialValues
  for _ in 0..<steps {
    let gradients = try objective.gradient(at: values)
    reference.step(&values, gradients: gradients)
  }
  return values
}

/// Asserts that `optimizer` and `reference` follow the same trajectory: after 1, 10, 100 and
/// `steps` steps every parameter element agrees to `relativeTolerance` · max(|expected|, 1).
func assertSameTrajectory(
  _ makeOptimizer: ([Tensor]) throws -> any Optimizer, _ reference: some ReferenceOptimizer,
  on objective: Objective, steps: Int = 1000, relativeTolerance: Double = 1e-12,
  file: StaticString = #filePath, line: UInt = #line
) throws {
  for count in [1, 10, 100, steps] {
    let actual = try runOptimizer(makeOptimizer, on: objective, steps: count)
    let expected = try runReference(reference, on: objective, steps: count)
    assertRelativelyClose(
      actual, expected, relativeTolerance: relativeTolerance,
      "\(objective.name) after \(count) steps", file: file, line: line)
  }
}

/// Asserts elementwise agreement within `relativeTolerance` · max(|expected|, 1), reporting the
/// first element that differs.
func assertRelativelyClose(
  _ actual: [[Double]], _ expected: [[Double]], relativeTolerance: Double, _ message: String = "",
  file: StaticString = #filePath, line: UInt = #line
) {
  XCTAssertEqual(actual.map(\.count), expected.map(\.count), message, file: file, line: line)
  for (p, (a, e)) in zip(actual, expected).enumerated() {
    for i in a.indices where !(abs(a[i] - e[i]) <= relativeTolerance * max(abs(e[i]), 1)) {
      XCTFail(
        "parameter \(p) element \(i): \(a[i]) vs reference \(e[i]) \(message)", file: file,
        line: line)
      return
    }
  }
}
