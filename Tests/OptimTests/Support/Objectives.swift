import Autograd

/// A fixed function of several parameter tensors, evaluated through the autograd engine, for
/// running optimizers on.
struct Objective: Sendable {
  var name: String
  /// The shapes and starting values of the parameters.
  var initialShapes: [[Int]]
  var initialValues: [[Double]]
  /// The loss as a recorded computation of the parameters.
  var loss: @Sendable ([Tensor]) -> Tensor

  /// Fresh leaf parameters at the starting values.
  func makeParameters() -> [Tensor] {
    zip(initialShapes, initialValues).map {
      Tensor(shape: $0, scalars: $1, requiresGrad: true)
    }
  }

  /// The gradient at `values`, through the autograd engine on fresh tensors.
  func gradient(at values: [[Double]]) throws -> [[Double]] {
    let parameters = zip(initialShapes, values).map {
      Tensor(shape: $0, scalars: $1, requiresGrad: true)
    }
    try loss(parameters).backward()
    return parameters.map { $0.grad!.scalars }
  }

  /// The same function negated, for running with `maximize`.
  var negated: Objective {
    var objective = self
    objective.name = "−" + name
    let loss = self.loss
    objective.loss = { -loss($0) }
    return objective
  }

  /// Rosenbrock's function in six dimensions, Σᵢ 100 (xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)², over a 2×2 matrix
  /// and a vector of 2 joined into x, started away from the minimum at (1, ..., 1).
  static let rosenbrock = Objective(
    name: "Rosenbrock", initialShapes: [[2, 2], [2]],
    initialValues: [[-1.2, 1.0, -0.5, 0.8], [1.5, -0.3]],
    loss: { parameters in
      let x = Tensor.concat([parameters[0].reshaped([4]), parameters[1]])
      let head = x.rows(0..<5)
      let tail = x.rows(1..<6)
      return (100 * (tail - head.square()).square() + (1 - head).square()).sum()
    })

  /// An ill-conditioned quadratic Σ cᵢ (xᵢ − tᵢ)² with curvatures from 0.1 to 10, over a vector
  /// and a 1×3 matrix.
  static let quadratic = Objective(
    name: "quadratic", initialShapes: [[3], [1, 3]],
    initialValues: [[2.0, -1.0, 0.5], [3.0, 0.0, -2.5]],
    loss: { parameters in
      let x = Tensor.concat([parameters[0], parameters[1].reshaped([3])])
      let curvature = Tensor([0.1, 0.5, 1.0, 2.0, 5.0, 10.0])
      let target = Tensor([1.0, -2.0, 0.25, 0.0, 1.5, -0.75])
      return (curvature * (x - target).square()).sum()
    })
}
