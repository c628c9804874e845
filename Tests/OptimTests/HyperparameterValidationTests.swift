import Autograd
import Optim
import XCTest

final class HyperparameterValidationTests: XCTestCase {
  let parameters = [Tensor([1.0], requiresGrad: true)]

  /// Asserts that `body` throws an error whose description is `message`.
  func assertThrows(
    _ message: String, file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws -> Any
  ) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
      XCTAssertEqual("\(error)", message, file: file, line: line)
    }
  }

  func testNegativeLearningRateIsNamedWithItsValue() {
    assertThrows("invalid learning rate lr = -0.1: expected ≥ 0") {
      try SGD(parameters, lr: -0.1)
    }
    assertThrows("invalid learning rate lr = -0.001: expected ≥ 0") {
      try Adam(parameters, lr: -1e-3)
    }
    assertThrows("invalid learning rate lr = -1.0: expected ≥ 0 in group b") {
      try AdamW(
        groups: [
          ParameterGroup(name: "a", parameters: parameters),
          ParameterGroup(name: "b", parameters: [Tensor([2.0])], learningRate: -1),
        ])
    }
  }

  func testBetasOutsideTheUnitIntervalAreNamedWithTheirValue() {
    assertThrows("invalid beta1 betas.0 = 1.0: expected 0 ≤ beta1 < 1") {
      try Adam(parameters, betas: (1, 0.999))
    }
    assertThrows("invalid beta2 betas.1 = -0.5: expected 0 ≤ beta2 < 1") {
      try AdamW(parameters, betas: (0.9, -0.5))
    }
  }

  func testNonPositiveEpsilonIsNamedWithItsValue() {
    assertThrows("invalid epsilon eps = 0.0: expected > 0") { try Adam(parameters, eps: 0) }
    assertThrows("invalid epsilon eps = -1e-08: expected > 0") { try AdamW(parameters, eps: -1e-8) }
  }

  func testNesterovWithoutMomentumOrWithDampeningIsRejected() {
    assertThrows(
      "invalid nesterov = true: Nesterov momentum requires momentum > 0 and dampening = 0, "
        + "got momentum = 0.0, dampening = 0.0"
    ) { try SGD(parameters, lr: 0.1, nesterov: true) }
    assertThrows(
      "invalid nesterov = true: Nesterov momentum requires momentum > 0 and dampening = 0, "
        + "got momentum = 0.9, dampening = 0.1"
    ) { try SGD(parameters, lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true) }
  }

  func testOtherNegativeHyperparametersAreNamed() {
    assertThrows("invalid momentum = -0.9: expected ≥ 0") {
      try SGD(parameters, lr: 0.1, momentum: -0.9)
    }
    assertThrows("invalid weight decay weight_decay = -0.01: expected ≥ 0") {
      try Adam(parameters, weightDecay: -0.01)
    }
  }

  func testScheduleHyperparametersAreChecked() throws {
    assertThrows("invalid step_size = 0.0: expected ≥ 1") { try StepDecay(stepSize: 0) }
    assertThrows("invalid gamma = -0.5: expected ≥ 0") { try ExponentialDecay(gamma: -0.5) }
    assertThrows("invalid T_max = 0.0: expected ≥ 1") { try CosineAnnealing(maxSteps: 0) }
    assertThrows("invalid warmup_steps = 0.0: expected ≥ 1") { try LinearWarmup(warmupSteps: 0) }
    let optimizer = try SGD(parameters, lr: 0.1)
    assertThrows("invalid factor = 1.0: expected 0 ≤ factor < 1") {
      try ReduceOnPlateau(optimizer: optimizer, factor: 1)
    }
    assertThrows("invalid patience = -1.0: expected ≥ 0") {
      try ReduceOnPlateau(optimizer: optimizer, patience: -1)
    }
  }
}
