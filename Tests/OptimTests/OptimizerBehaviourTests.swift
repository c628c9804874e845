import Autograd
import Optim
import TestSupport
import XCTest

final class OptimizerBehaviourTests: XCTestCase {
  func testParametersWithoutAGradAreSkippedAndKeepNoState() throws {
    let a = Tensor([1.0, 2.0], requiresGrad: true)
    let b = Tensor([3.0], requiresGrad: true)
    let optimizer = try Adam([a, b], lr: 0.1)
    b.grad = Tensor([1.0])
    optimizer.step()
    XCTAssertEqual(a.scalars, [1, 2])
    XCTAssertNil(optimizer.parameterStates[0])
    XCTAssertEqual(optimizer.parameterStates[1]?.step, 1)
  }

  func testZeroGradZeroesEveryGradientInPlace() throws {
    let a = Tensor([1.0, 2.0], requiresGrad: true)
    let b = Tensor([3.0], requiresGrad: true)
    let optimizer = try SGD(
      groups: [
        ParameterGroup(name: "a", parameters: [a]), ParameterGroup(name: "b", parameters: [b]),
      ], lr: 0.1)
    try ((a * a).sum() + b.sum()).backward()
    optimizer.zeroGrad()
    XCTAssertEqual(a.grad?.scalars, [0, 0])
    XCTAssertEqual(b.grad?.scalars, [0])
  }

  func testGroupsKeepTheirOwnLearningRateAndWeightDecay() throws {
    let a = Tensor([1.0], requiresGrad: true)
    let b = Tensor([1.0], requiresGrad: true)
    let optimizer = try SGD(
      groups: [
        ParameterGroup(name: "decayed", parameters: [a]),
        ParameterGroup(name: "fast", parameters: [b], learningRate: 0.5, weightDecay: 0),
      ], lr: 0.1, weightDecay: 1)
    XCTAssertEqual(optimizer.parameterGroups.map(\.learningRate), [0.1, 0.5])
    XCTAssertEqual(optimizer.parameterGroups.map(\.weightDecay), [1, 0])
    a.grad = Tensor([1.0])
    b.grad = Tensor([1.0])
    optimizer.step()
    XCTAssertEqual(a.scalars, [1 - 0.1 * (1 + 1)])
    XCTAssertEqual(b.scalars, [1 - 0.5])
    optimizer.learningRate = 0.01
    XCTAssertEqual(optimizer.parameterGroups.map(\.learningRate), [0.01, 0.01])
  }

  func testStepRecordsNothingInTheGraph() throws {
    let x = Tensor([1.0], requiresGrad: true)
    let optimizer = try SGD([x], lr: 0.1)
    try x.square().sum().backward()
    optimizer.step()
    XCTAssertTrue(x.isLeaf)
    XCTAssertTrue(x.requiresGrad)
  }

  /// The base address of an array's storage, without keeping a reference to it.
  func address(_ body: () -> UnsafeBufferPointer<Double>?) -> Int {
    Int(bitPattern: body()?.baseAddress)
  }

  func testStepsUpdateStorageInPlaceWithoutCopying() throws {
    let x = Tensor.randomNormal([1000], seed: 1, requiresGrad: true)
    let optimizer = try Adam([x], amsgrad: true)
    x.grad = Tensor.ones([1000])
    optimizer.step()
    func addresses() -> [Int] {
      [
        x.scalars.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) },
        optimizer.parameterStates[0]!.firstMoment.withUnsafeBufferPointer {
          Int(bitPattern: $0.baseAddress)
        },
        optimizer.parameterStates[0]!.secondMoment.withUnsafeBufferPointer {
          Int(bitPattern: $0.baseAddress)
        },
        optimizer.parameterStates[0]!.maxSecondMoment!.withUnsafeBufferPointer {
          Int(bitPattern: $0.baseAddress)
        },
      ]
    }
    let before = addresses()
    let valuesBefore = x.scalars.map { $0 }  // a copy: holding x.scalars itself would share it
    for _ in 0..<5 { optimizer.step() }
    XCTAssertEqual(addresses(), before)
    XCTAssertNotEqual(x.scalars, valuesBefore)

    let y = Tensor.randomNormal([1000], seed: 2, requiresGrad: true)
    let sgd = try SGD([y], lr: 0.1, momentum: 0.9)
    y.grad = Tensor.ones([1000])
    sgd.step()
    let sgdBefore = [
      y.scalars.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) },
      sgd.parameterStates[0]!.momentumBuffer!.withUnsafeBufferPointer {
        Int(bitPattern: $0.baseAddress)
      },
    ]
    for _ in 0..<5 { sgd.step() }
    XCTAssertEqual(
      [
        y.scalars.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) },
        sgd.parameterStates[0]!.momentumBuffer!.withUnsafeBufferPointer {
          Int(bitPattern: $0.baseAddress)
        },
      ], sgdBefore)
  }

  func testAnyOptimizerCanBeDrivenThroughTheProtocol() throws {
    let makers: [([Tensor]) throws -> any Optimizer] = [
      { try SGD($0, lr: 0.05, momentum: 0.9) }, { try Adam($0, lr: 0.05) },
      { try AdamW($0, lr: 0.05, weightDecay: 0) },
    ]
    for make in makers {
      let final = try runOptimizer(make, on: .quadratic, steps: 2000)
      assertClose(
        final.flatMap { $0 }, [1.0, -2.0, 0.25, 0.0, 1.5, -0.75], tolerance: 1e-4,
        "\(type(of: try make([Tensor([0.0], requiresGrad: true)])))")
    }
  }
}

extension OptimizerBehaviourTests {
  func testAdamBenchmarkMeasuresSomething() {
    let measurement = measureAdamStep(parameterCount: 1000, repetitions: 3)
    XCTAssertEqual(measurement.bytesPerParameter, 56)
    XCTAssertGreaterThan(measurement.nanosecondsPerParameter, 0)
    XCTAssertGreaterThan(measurement.boundNanosecondsPerParameter, 0)
  }
}
