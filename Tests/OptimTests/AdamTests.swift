import Autograd
import Foundation
import Optim
import TestSupport
import XCTest

final class AdamTests: XCTestCase {
  func testFirstStepMovesEachParameterByTheLearningRateAgainstTheGradientSign() throws {
    let x = Tensor([1.0, -2.0, 0.5, 3.0], requiresGrad: true)
    let optimizer = try Adam([x], lr: 0.01)
    x.grad = Tensor([3.0, -0.25, -40.0, 1e-3])
    optimizer.step()
    // m̂ = g and v̂ = g², so the step is γ g / (|g| + ε) = γ sign(g) up to ε / |g|.
    let expected = [1.0 - 0.01, -2.0 + 0.01, 0.5 + 0.01, 3.0 - 0.01]
    assertClose(x.scalars, expected, tolerance: 0.01 * 1e-8 / 1e-3 * 1.01)
  }

  func testDefaultsArePyTorchs() throws {
    let optimizer = try Adam([Tensor([1.0], requiresGrad: true)])
    XCTAssertEqual(optimizer.learningRate, 1e-3)
    XCTAssertEqual(optimizer.beta1, 0.9)
    XCTAssertEqual(optimizer.beta2, 0.999)
    XCTAssertEqual(optimizer.eps, 1e-8)
    XCTAssertEqual(optimizer.parameterGroups[0].weightDecay, 0)
    XCTAssertFalse(optimizer.amsgrad)
    XCTAssertFalse(optimizer.maximize)
  }

  func testAdamFollowsTheDocumentedFormula() throws {
    for objective in [Objective.quadratic, .rosenbrock] {
      try assertSameTrajectory({ try Adam($0, lr: 1e-2) }, ReferenceAdam(lr: 1e-2), on: objective)
    }
  }

  func testWeightDecayAMSGradAndMaximizeFollowTheDocumentedFormula() throws {
    try assertSameTrajectory(
      { try Adam($0, lr: 5e-3, weightDecay: 0.05) },
      ReferenceAdam(lr: 5e-3, weightDecay: 0.05), on: .rosenbrock)
    try assertSameTrajectory(
      { try Adam($0, lr: 5e-3, amsgrad: true) }, ReferenceAdam(lr: 5e-3, amsgrad: true),
      on: .rosenbrock)
    try assertSameTrajectory(
      {
        try Adam($0, lr: 5e-3, betas: (0.8, 0.99), weightDecay: 0.01, amsgrad: true, maximize: true)
      },
      ReferenceAdam(
        lr: 5e-3, beta1: 0.8, beta2: 0.99, weightDecay: 0.01, amsgrad: true, maximize: true),
      on: Objective.rosenbrock.negated)
  }

  func testSmallBeta1TakesTheOtherLerpBranchAndStillFollowsTheFormula() throws {
    // With 1 − β₁ ≥ 0.5, ATen's lerp computes g − (g − m)(1 − w).
    try assertSameTrajectory(
      { try Adam($0, lr: 1e-2, betas: (0.3, 0.9), eps: 1e-6) },
      ReferenceAdam(lr: 1e-2, beta1: 0.3, beta2: 0.9, eps: 1e-6), on: .quadratic)
  }

  func testAMSGradKeepsTheRunningMaximumOfTheSecondMoment() throws {
    let x = Tensor([0.0], requiresGrad: true)
    let optimizer = try Adam([x], lr: 0.1, betas: (0.9, 0.5), amsgrad: true)
    x.grad = Tensor([2.0])
    optimizer.step()
    x.grad = Tensor([0.0])
    optimizer.step()
    let state = try XCTUnwrap(optimizer.parameterStates[0])
    XCTAssertEqual(state.step, 2)
    XCTAssertEqual(state.secondMoment, [0.5 * 0.5 * 4])
    XCTAssertEqual(state.maxSecondMoment, [0.5 * 4])
  }
}

extension AdamTests {
  func testPyTorchOrderAgreesWithTheTextbookFormulaOnAStableTrajectory() throws {
    for amsgrad in [false, true] {
      try assertSameTrajectory(
        { try Adam($0, lr: 1e-2, weightDecay: 0.01, amsgrad: amsgrad) },
        ReferenceAdam(lr: 1e-2, weightDecay: 0.01, amsgrad: amsgrad, form: .textbook),
        on: .rosenbrock)
    }
    try assertSameTrajectory(
      { try AdamW($0, lr: 1e-2) },
      ReferenceAdam(lr: 1e-2, weightDecay: 1e-2, decoupled: true, form: .textbook),
      on: .rosenbrock)
  }
}

extension AdamTests {
  func testAdamAndAdamWRepeatPyTorchsOrderOfOperationsBitForBit() throws {
    let configurations: [(([Tensor]) throws -> any Optimizer, ReferenceAdam)] = [
      ({ try Adam($0, lr: 1e-2, weightDecay: 0.01) }, ReferenceAdam(lr: 1e-2, weightDecay: 0.01)),
      ({ try Adam($0, lr: 1e-2, amsgrad: true) }, ReferenceAdam(lr: 1e-2, amsgrad: true)),
      (
        { try Adam($0, lr: 1e-2, betas: (0.3, 0.9)) },
        ReferenceAdam(lr: 1e-2, beta1: 0.3, beta2: 0.9)
      ),
      (
        { try AdamW($0, lr: 1e-2, amsgrad: true) },
        ReferenceAdam(lr: 1e-2, weightDecay: 1e-2, decoupled: true, amsgrad: true)
      ),
    ]
    for (makeOptimizer, reference) in configurations {
      try assertSameTrajectory(makeOptimizer, reference, on: .rosenbrock, relativeTolerance: 0)
    }
  }
}
