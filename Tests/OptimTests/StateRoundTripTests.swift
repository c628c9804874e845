import Autograd
import Foundation
import Optim
import XCTest

/// Saving, restoring into fresh objects and continuing must give the same bits as never saving.
final class StateRoundTripTests: XCTestCase {
  /// Every optimizer configuration the round trip is checked for.
  let optimizers: [(String, ([Tensor]) throws -> any Optimizer)] = [
    ("SGD", { try SGD($0, lr: 1e-3) }),
    ("SGD momentum", { try SGD($0, lr: 2e-4, momentum: 0.9, dampening: 0.1, weightDecay: 0.01) }),
    ("SGD Nesterov", { try SGD($0, lr: 2e-4, momentum: 0.9, nesterov: true) }),
    ("Adam", { try Adam($0, lr: 1e-2, weightDecay: 0.01) }),
    ("Adam AMSGrad", { try Adam($0, lr: 1e-2, amsgrad: true, maximize: true) }),
    ("AdamW", { try AdamW($0, lr: 1e-2) }),
    ("AdamW AMSGrad", { try AdamW($0, lr: 1e-2, amsgrad: true) }),
  ]

  /// Every schedule the round trip is checked for.
  func schedules() throws -> [(String, any LearningRateSchedule)] {
    [
      ("constant", ConstantSchedule()),
      ("step", try StepDecay(stepSize: 4, gamma: 0.5)),
      ("exponential", try ExponentialDecay(gamma: 0.9)),
      ("cosine", try CosineAnnealing(maxSteps: 20, minLearningRate: 1e-4)),
      ("warm-up + cosine", try LinearWarmup(warmupSteps: 5, then: CosineAnnealing(maxSteps: 15))),
    ]
  }

  /// Trains `steps` steps on the Rosenbrock function with a schedule and a plateau monitor on the
  /// loss, optionally saving everything after `saveAfter` steps (through JSON, as a checkpoint
  /// would) and continuing with fresh objects restored from it.
  func train(
    _ makeOptimizer: ([Tensor]) throws -> any Optimizer, schedule: any LearningRateSchedule,
    steps: Int, saveAfter: Int? = nil
  ) throws -> [[Double]] {
    var parameters = Objective.rosenbrock.makeParameters()
    var optimizer = try makeOptimizer(parameters)
    var scheduler = LearningRateScheduler(optimizer: optimizer, schedule: schedule)
    var plateau = try ReduceOnPlateau(optimizer: optimizer, factor: 0.5, patience: 1)
    for step in 0..<steps {
      if step == saveAfter {
        let saved = try roundTripThroughJSON([
          optimizer.stateDict(), scheduler.stateDict(), plateau.stateDict(),
        ])
        let values = parameters.map(\.scalars)
        parameters = Objective.rosenbrock.makeParameters()
        for (parameter, value) in zip(parameters, values) { parameter.scalars = value }
        optimizer = try makeOptimizer(parameters)
        scheduler = LearningRateScheduler(optimizer: optimizer, schedule: schedule)
        plateau = try ReduceOnPlateau(optimizer: optimizer, factor: 0.5, patience: 1)
        try optimizer.load(saved[0])
        try scheduler.load(saved[1])
        try plateau.load(saved[2])
      }
      optimizer.zeroGrad()
      let loss = Objective.rosenbrock.loss(parameters)
      try loss.backward()
      optimizer.step()
      scheduler.step()
      plateau.step(metric: loss.item)
    }
    return parameters.map(\.scalars)
  }

  func roundTripThroughJSON(_ states: [StateDict]) throws -> [StateDict] {
    let encoder = JSONEncoder()
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try decoder.decode([StateDict].self, from: encoder.encode(states))
  }

  func testSaveRestoreContinueEqualsUninterruptedBitForBit() throws {
    for (optimizerName, makeOptimizer) in optimizers {
      for (scheduleName, schedule) in try schedules() {
        let uninterrupted = try train(makeOptimizer, schedule: schedule, steps: 30)
        for saveAfter in [0, 1, 13] {
          let resumed = try train(
            makeOptimizer, schedule: schedule, steps: 30, saveAfter: saveAfter)
          XCTAssertEqual(
            resumed.map { $0.map(\.bitPattern) }, uninterrupted.map { $0.map(\.bitPattern) },
            "\(optimizerName), \(scheduleName), saved after \(saveAfter)")
          XCTAssertTrue(uninterrupted.joined().allSatisfy(\.isFinite), optimizerName)
        }
      }
    }
  }

  func testStateHoldsPyTorchsNamesByParameterPosition() throws {
    let parameters = Objective.quadratic.makeParameters()
    let optimizer = try Adam(parameters, amsgrad: true)
    parameters[1].grad = Tensor(shape: [1, 3], scalars: [1, 2, 3])
    optimizer.step()
    let state = optimizer.stateDict()
    XCTAssertEqual(state.kind, "Adam")
    XCTAssertEqual(state.scalars["param.1.step"], 1)
    XCTAssertNil(state.scalars["param.0.step"], "a parameter without a grad has no state yet")
    XCTAssertEqual(state.arrays["param.1.shape"], [1, 3])
    XCTAssertEqual(state.arrays["param.1.exp_avg"]?.count, 3)
    XCTAssertEqual(state.arrays["param.1.exp_avg_sq"]?.count, 3)
    XCTAssertEqual(state.arrays["param.1.max_exp_avg_sq"]?.count, 3)
    XCTAssertEqual(state.scalars["group.0.lr"], 1e-3)
    XCTAssertEqual(state.scalars["betas.1"], 0.999)
  }

  func testLoadingRejectsStateThatDoesNotFitAndChangesNothing() throws {
    let source = Objective.quadratic.makeParameters()
    let saver = try Adam(source, lr: 0.1)
    for parameter in source { parameter.grad = Tensor.ones(parameter.shape) }
    saver.step()
    let state = saver.stateDict()

    func loadError(_ state: StateDict, into optimizer: any Optimizer) -> String? {
      do {
        try optimizer.load(state)
        return nil
      } catch {
        return "\(error)"
      }
    }
    let target = try Adam(Objective.quadratic.makeParameters(), lr: 0.1)
    XCTAssertEqual(
      loadError(state, into: try SGD(Objective.quadratic.makeParameters(), lr: 0.1)),
      "cannot load saved state: kind: state was saved by Adam, cannot load it into SGD")

    var shorter = state
    shorter.arrays["param.0.exp_avg"]?.removeLast()
    XCTAssertEqual(
      loadError(shorter, into: target),
      "cannot load saved state: param.0.exp_avg: has 2 elements, expected 3")

    let reshaped = [Tensor.zeros([3]), Tensor.zeros([3, 1])]
    XCTAssertEqual(
      loadError(state, into: try Adam(reshaped, lr: 0.1)),
      "cannot load saved state: param.1.shape: saved for shape [1.0, 3.0], the parameter has "
        + "shape [3, 1]")

    XCTAssertEqual(
      loadError(state, into: try Adam(Objective.quadratic.makeParameters(), lr: 0.1, eps: 1e-6)),
      "cannot load saved state: eps: saved with 1e-08, this object has 1e-06")

    var missing = state
    missing.arrays["param.1.exp_avg_sq"] = nil
    XCTAssertEqual(
      loadError(missing, into: target), "cannot load saved state: param.1.exp_avg_sq: missing")

    XCTAssertNil(target.parameterStates[0], "a failed load changes nothing")
    XCTAssertNil(loadError(state, into: target))
    XCTAssertEqual(target.parameterStates[0]?.step, 1)
  }

  func testSchedulerRejectsAStateForAnotherNumberOfGroups() throws {
    let optimizer = try SGD([Tensor([1.0], requiresGrad: true)], lr: 0.1)
    let scheduler = LearningRateScheduler(optimizer: optimizer, schedule: ConstantSchedule())
    var state = scheduler.stateDict()
    state.arrays["base_lrs"] = [0.1, 0.2]
    XCTAssertThrowsError(try scheduler.load(state)) { error in
      XCTAssertEqual(
        "\(error)", "cannot load saved state: base_lrs: has 2 elements, expected 1")
    }
  }
}
