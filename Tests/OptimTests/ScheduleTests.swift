import Autograd
import Foundation
import Optim
import TestSupport
import XCTest

final class ScheduleTests: XCTestCase {
  func rates(_ schedule: some LearningRateSchedule, base: Double = 1, steps: Int) -> [Double] {
    (0..<steps).map { schedule.learningRate(atStep: $0, baseLearningRate: base) }
  }

  func testConstantKeepsTheBaseRate() {
    XCTAssertEqual(rates(ConstantSchedule(), base: 0.3, steps: 4), [0.3, 0.3, 0.3, 0.3])
  }

  func testStepDecayMultipliesByGammaEveryStepSizeSteps() throws {
    let schedule = try StepDecay(stepSize: 3, gamma: 0.5)
    XCTAssertEqual(rates(schedule, base: 0.8, steps: 7), [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2])
  }

  func testExponentialDecayMultipliesByGammaEveryStep() throws {
    let schedule = try ExponentialDecay(gamma: 0.5)
    XCTAssertEqual(rates(schedule, base: 2, steps: 4), [2, 1, 0.5, 0.25])
  }

  func testCosineAnnealingGoesFromTheBaseToTheMinimumInHalfACosine() throws {
    let schedule = try CosineAnnealing(maxSteps: 4, minLearningRate: 0.1)
    let expected = (0...4).map { 0.1 + 0.9 * (1 + cos(Double.pi * Double($0) / 4)) / 2 }
    assertClose(rates(schedule, steps: 5), expected, tolerance: 1e-15)
    assertClose(schedule.learningRate(atStep: 2, baseLearningRate: 1), 0.55, tolerance: 1e-15)
    assertClose(schedule.learningRate(atStep: 4, baseLearningRate: 1), 0.1, tolerance: 1e-15)
  }

  func testLinearWarmupRampsThenStartsTheNextScheduleFromItsStepZero() throws {
    let schedule = try LinearWarmup(warmupSteps: 4, then: StepDecay(stepSize: 2, gamma: 0.1))
    assertClose(
      rates(schedule, steps: 8), [0.25, 0.5, 0.75, 1, 1, 1, 0.1, 0.1], tolerance: 1e-15)
  }

  func testSchedulerSetsEachGroupFromItsOwnBaseRate() throws {
    let a = Tensor([1.0], requiresGrad: true)
    let b = Tensor([1.0], requiresGrad: true)
    let optimizer = try SGD(
      groups: [
        ParameterGroup(name: "a", parameters: [a]),
        ParameterGroup(name: "b", parameters: [b], learningRate: 0.4),
      ], lr: 0.1)
    let scheduler = LearningRateScheduler(
      optimizer: optimizer, schedule: try LinearWarmup(warmupSteps: 2))
    XCTAssertEqual(optimizer.parameterGroups.map(\.learningRate), [0.05, 0.2])
    scheduler.step()
    XCTAssertEqual(optimizer.parameterGroups.map(\.learningRate), [0.1, 0.4])
    XCTAssertEqual(scheduler.position, 1)
    XCTAssertEqual(scheduler.learningRates, [0.1, 0.4])
  }

  func testSchedulerChangesTheStepTheOptimizerTakes() throws {
    let x = Tensor([0.0], requiresGrad: true)
    let optimizer = try SGD([x], lr: 1)
    let scheduler = LearningRateScheduler(
      optimizer: optimizer, schedule: try ExponentialDecay(gamma: 0.5))
    for _ in 0..<3 {
      x.grad = Tensor([-1.0])
      optimizer.step()
      scheduler.step()
    }
    XCTAssertEqual(x.scalars, [1 + 0.5 + 0.25])
  }

  /// A rate changed by something else (a plateau cut) stays until the schedule itself moves:
  /// after the warm-up a constant schedule never writes again; a step decay writes at its
  /// boundaries only.
  func testSchedulerLeavesARateAloneUntilTheScheduleMoves() throws {
    let x = Tensor([0.0], requiresGrad: true)
    let optimizer = try SGD([x], lr: 1)
    let warm = LearningRateScheduler(
      optimizer: optimizer, schedule: try LinearWarmup(warmupSteps: 2))
    XCTAssertEqual(optimizer.learningRate, 0.5)
    warm.step()
    XCTAssertEqual(optimizer.learningRate, 1)
    optimizer.learningRate = 0.1  // as ReduceOnPlateau does
    for _ in 0..<3 { warm.step() }
    XCTAssertEqual(optimizer.learningRate, 0.1)

    let decay = LearningRateScheduler(
      optimizer: optimizer, schedule: try StepDecay(stepSize: 2, gamma: 0.5))
    XCTAssertEqual(optimizer.learningRate, 0.1)  // the base is the rate it found
    optimizer.learningRate = 0.04
    decay.step()
    XCTAssertEqual(optimizer.learningRate, 0.04)
    decay.step()
    XCTAssertEqual(optimizer.learningRate, 0.05)
  }
}
