import Autograd
import Optim
import XCTest

/// A new optimizer written outside `Optim`, to show that conforming is all it takes: sign SGD,
/// θ ← θ − γ · sign(g), counting its steps.
final class SignSGD: ParameterwiseOptimizer {
  struct ParameterState: OptimizerParameterState {
    var step = 0

    init() {}

    func save(into state: inout StateDict, prefix: String) {
      state.scalars[prefix + "step"] = Double(step)
    }

    init?(from state: StateDict, prefix: String, count: Int) throws {
      guard let step = state.scalars[prefix + "step"] else { return nil }
      self.step = Int(step)
    }
  }

  static let kind = "SignSGD"
  var parameterGroups: [ParameterGroup]
  var parameterStates: [ParameterState?]
  var fixedHyperparameters: [(name: String, value: Double)] { [] }

  init(_ parameters: [Tensor], lr: Double) {
    parameterGroups = [ParameterGroup(parameters: parameters, learningRate: lr, weightDecay: 0)]
    parameterStates = Array(repeating: nil, count: parameters.count)
  }

  func makeState(count: Int) -> ParameterState { ParameterState() }

  func update(
    _ parameter: UnsafeMutableBufferPointer<Double>, gradient: UnsafeBufferPointer<Double>,
    state: inout ParameterState, group: ParameterGroup
  ) {
    state.step += 1
    for i in parameter.indices {
      let sign: Double = gradient[i] > 0 ? 1 : gradient[i] < 0 ? -1 : 0
      parameter[i] -= group.learningRate * sign
    }
  }
}

final class PluggableOptimizerTests: XCTestCase {
  func testAConformingTypeGetsStepZeroGradAndStateFromTheBase() throws {
    let x = Tensor([1.0, -1.0, 0.0], requiresGrad: true)
    let optimizer: any Optimizer = SignSGD([x], lr: 0.25)
    try (x * Tensor([2.0, 3.0, 0.0])).sum().backward()
    optimizer.step()
    XCTAssertEqual(x.scalars, [0.75, -1.25, 0])
    optimizer.zeroGrad()
    XCTAssertEqual(x.grad?.scalars, [0, 0, 0])

    let state = optimizer.stateDict()
    XCTAssertEqual(state.kind, "SignSGD")
    XCTAssertEqual(state.scalars["param.0.step"], 1)
    let restored = SignSGD([Tensor([0.0, 0.0, 0.0], requiresGrad: true)], lr: 1)
    try restored.load(state)
    XCTAssertEqual(restored.parameterStates[0]?.step, 1)
    XCTAssertEqual(restored.learningRate, 0.25)
  }
}
