import Autograd
import Optim
import TestSupport
import XCTest

final class AdamWTests: XCTestCase {
  func testDefaultWeightDecayIsOneHundredth() throws {
    let optimizer = try AdamW([Tensor([1.0], requiresGrad: true)])
    XCTAssertEqual(optimizer.parameterGroups[0].weightDecay, 1e-2)
    XCTAssertEqual(optimizer.learningRate, 1e-3)
  }

  func testAdamWFollowsTheDocumentedFormula() throws {
    for objective in [Objective.quadratic, .rosenbrock] {
      try assertSameTrajectory(
        { try AdamW($0, lr: 1e-2) }, ReferenceAdam(lr: 1e-2, weightDecay: 1e-2, decoupled: true),
        on: objective)
    }
  }

  func testAMSGradAndMaximizeFollowTheDocumentedFormula() throws {
    try assertSameTrajectory(
      { try AdamW($0, lr: 5e-3, weightDecay: 0.1, amsgrad: true) },
      ReferenceAdam(lr: 5e-3, weightDecay: 0.1, decoupled: true, amsgrad: true), on: .rosenbrock)
    try assertSameTrajectory(
      { try AdamW($0, lr: 5e-3, betas: (0.85, 0.95), weightDecay: 0.02, maximize: true) },
      ReferenceAdam(
        lr: 5e-3, beta1: 0.85, beta2: 0.95, weightDecay: 0.02, decoupled: true, maximize: true),
      on: Objective.quadratic.negated)
  }

  func testDecayShrinksTheParameterBeforeTheAdamStep() throws {
    let x = Tensor([10.0], requiresGrad: true)
    let optimizer = try AdamW([x], lr: 0.1, weightDecay: 0.5)
    x.grad = Tensor([0.0])
    optimizer.step()
    // A zero gradient gives a zero Adam step: only θ ← θ (1 − γλ) remains.
    XCTAssertEqual(x.scalars, [10 * (1 - 0.1 * 0.5)])
  }
}
