import Autograd
import Optim
import XCTest

final class ReduceOnPlateauTests: XCTestCase {
  func makeOptimizer(lr: Double = 1) throws -> SGD {
    try SGD([Tensor([0.0], requiresGrad: true)], lr: lr)
  }

  func testReducesAfterMoreThanPatienceStepsWithoutImprovement() throws {
    let optimizer = try makeOptimizer()
    let plateau = try ReduceOnPlateau(optimizer: optimizer, factor: 0.5, patience: 2)
    var rates: [Double] = []
    for metric in [10.0, 9, 9, 9, 9, 8, 8, 8, 8] {
      plateau.step(metric: metric)
      rates.append(optimizer.learningRate)
    }
    // Bad steps: 0 0 1 2 3→reduce, 0 1 2 3→reduce.
    XCTAssertEqual(rates, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25])
  }

  func testRelativeThresholdIgnoresTinyImprovements() throws {
    let optimizer = try makeOptimizer()
    let plateau = try ReduceOnPlateau(
      optimizer: optimizer, factor: 0.1, patience: 0, threshold: 0.1)
    plateau.step(metric: 100)
    plateau.step(metric: 95)  // not below 100 · 0.9
    XCTAssertEqual(optimizer.learningRate, 0.1)
    XCTAssertEqual(plateau.best, 100)
    plateau.step(metric: 89)
    XCTAssertEqual(plateau.best, 89)
  }

  func testMaxModeWithAbsoluteThreshold() throws {
    let optimizer = try makeOptimizer()
    let plateau = try ReduceOnPlateau(
      optimizer: optimizer, mode: .max, factor: 0.5, patience: 1, threshold: 0.5,
      thresholdMode: .absolute)
    for metric in [1.0, 1.4, 1.45] { plateau.step(metric: metric) }
    XCTAssertEqual(plateau.best, 1)
    XCTAssertEqual(optimizer.learningRate, 0.5)
    plateau.step(metric: 1.6)
    XCTAssertEqual(plateau.best, 1.6)
  }

  func testCooldownSuspendsCountingAndMinimumRateBoundsReductions() throws {
    let optimizer = try makeOptimizer()
    let plateau = try ReduceOnPlateau(
      optimizer: optimizer, factor: 0.1, patience: 0, cooldown: 2, minLearningRate: 0.05)
    var rates: [Double] = []
    for _ in 0..<8 {
      plateau.step(metric: 1)
      rates.append(optimizer.learningRate)
    }
    // First step improves on +∞; then reduce, 2 cooldown steps, reduce (to the floor), ...
    XCTAssertEqual(rates, [1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05])
  }

  func testNaNMetricCountsAsNoImprovement() throws {
    let optimizer = try makeOptimizer()
    let plateau = try ReduceOnPlateau(optimizer: optimizer, patience: 0)
    plateau.step(metric: .nan)
    XCTAssertEqual(plateau.badSteps, 0)
    XCTAssertEqual(optimizer.learningRate, 0.1)
  }
}
