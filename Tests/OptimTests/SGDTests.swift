import Autograd
import Foundation
import Optim
import TestSupport
import XCTest

final class SGDTests: XCTestCase {
  func testPlainSGDOnSquareFromTwoEndsAtTwoTimesPointNineEightToTheHundredth() throws {
    let x = Tensor([2.0], requiresGrad: true)
    let optimizer = try SGD([x], lr: 0.01)
    for _ in 0..<100 {
      optimizer.zeroGrad()
      try x.square().sum().backward()
      optimizer.step()
    }
    // Each step is x ← x − 0.01 · 2x = 0.98 x, rounded once per step: 100 roundings.
    assertClose(x.scalars[0], 2 * pow(0.98, 100), tolerance: 1e-13)
  }

  func testPlainSGDFollowsTheDocumentedFormula() throws {
    for objective in [Objective.quadratic, .rosenbrock] {
      let lr = objective.name == "quadratic" ? 0.05 : 1e-3
      try assertSameTrajectory({ try SGD($0, lr: lr) }, ReferenceSGD(lr: lr), on: objective)
    }
  }

  func testMomentumWithDampeningAndWeightDecayFollowsTheDocumentedFormula() throws {
    try assertSameTrajectory(
      { try SGD($0, lr: 2e-4, momentum: 0.9, dampening: 0.3, weightDecay: 0.01) },
      ReferenceSGD(lr: 2e-4, momentum: 0.9, dampening: 0.3, weightDecay: 0.01),
      on: .rosenbrock)
    try assertSameTrajectory(
      { try SGD($0, lr: 0.01, momentum: 0.5, weightDecay: 0.1) },
      ReferenceSGD(lr: 0.01, momentum: 0.5, weightDecay: 0.1), on: .quadratic)
  }

  func testNesterovFollowsTheDocumentedFormula() throws {
    try assertSameTrajectory(
      { try SGD($0, lr: 2e-4, momentum: 0.9, weightDecay: 1e-3, nesterov: true) },
      ReferenceSGD(lr: 2e-4, momentum: 0.9, weightDecay: 1e-3, nesterov: true),
      on: .rosenbrock)
    try assertSameTrajectory(
      { try SGD($0, lr: 0.01, momentum: 0.8, nesterov: true) },
      ReferenceSGD(lr: 0.01, momentum: 0.8, nesterov: true), on: .quadratic)
  }

  func testMaximizeAscendsAndFollowsTheDocumentedFormula() throws {
    try assertSameTrajectory(
      { try SGD($0, lr: 1e-3, momentum: 0.9, weightDecay: 0.01, maximize: true) },
      ReferenceSGD(lr: 1e-3, momentum: 0.9, weightDecay: 0.01, maximize: true),
      on: Objective.rosenbrock.negated)
    // Maximizing −f must reach f's minimum at (1, ..., 1).
    let final = try runOptimizer(
      { try SGD($0, lr: 1e-3, momentum: 0.9, maximize: true) }, on: Objective.rosenbrock.negated,
      steps: 20_000)
    assertClose(final.flatMap { $0 }, Array(repeating: 1, count: 6), tolerance: 1e-6)
  }

  func testFirstMomentumStepUsesTheGradientAsTheBuffer() throws {
    let x = Tensor([1.0, -2.0], requiresGrad: true)
    let optimizer = try SGD([x], lr: 0.1, momentum: 0.9, dampening: 0.5)
    x.grad = Tensor([4.0, 8.0])
    optimizer.step()
    // b₁ = g (dampening does not apply to the first step), θ = θ − γ b₁.
    XCTAssertEqual(optimizer.parameterStates[0]?.momentumBuffer, [4.0, 8.0])
    assertClose(x.scalars, [1 - 0.4, -2 - 0.8], tolerance: 1e-15)
    optimizer.step()
    // b₂ = 0.9 b₁ + 0.5 g = 1.4 g.
    XCTAssertEqual(
      optimizer.parameterStates[0]?.momentumBuffer, [0.9 * 4 + 0.5 * 4, 0.9 * 8 + 0.5 * 8])
  }

  func testPlainSGDKeepsNoState() throws {
    let x = Tensor([1.0], requiresGrad: true)
    let optimizer = try SGD([x], lr: 0.1)
    x.grad = Tensor([1.0])
    optimizer.step()
    XCTAssertNil(optimizer.parameterStates[0]?.momentumBuffer)
    XCTAssertTrue(optimizer.stateDict().arrays.isEmpty)
  }
}

extension SGDTests {
  func testSGDRepeatsPyTorchsOrderOfOperationsBitForBit() throws {
    try assertSameTrajectory(
      { try SGD($0, lr: 2e-4, momentum: 0.9, dampening: 0.2, weightDecay: 0.01) },
      ReferenceSGD(lr: 2e-4, momentum: 0.9, dampening: 0.2, weightDecay: 0.01), on: .rosenbrock,
      relativeTolerance: 0)
    try assertSameTrajectory(
      { try SGD($0, lr: 2e-4, momentum: 0.9, nesterov: true, maximize: true) },
      ReferenceSGD(lr: 2e-4, momentum: 0.9, nesterov: true, maximize: true),
      on: Objective.rosenbrock.negated, relativeTolerance: 0)
  }
}
