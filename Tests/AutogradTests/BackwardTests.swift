import Autograd
import TestSupport
import XCTest

final class BackwardTests: XCTestCase {
  func testSumOfSquaresGivesTwiceTheInput() throws {
    let x = Tensor([1, 2, 3], requiresGrad: true)
    try (x * x).sum().backward()
    assertTensor(x.grad, shape: [3], [2, 4, 6])
  }

  func testZeroGradKeepsTheBufferAndZeroesIt() throws {
    let x = Tensor([1, 2, 3], requiresGrad: true)
    try x.square().sum().backward()
    let buffer = x.grad
    x.zeroGrad()
    assertTensor(x.grad, shape: [3], [0, 0, 0])
    XCTAssertTrue(buffer === x.grad, "zeroGrad keeps the same gradient tensor")
    x.grad = nil
    XCTAssertNil(x.grad)
  }

  func testGradientsAccumulateAcrossBackwardCalls() throws {
    let x = Tensor([1], requiresGrad: true)
    try x.square().sum().backward()
    try x.square().sum().backward()
    assertTensor(x.grad, shape: [1], [4])
  }

  func testLeavesAndNonLeaves() throws {
    let x = Tensor([1, 2], requiresGrad: true)
    let y = Tensor([3, 4], requiresGrad: true)
    let z = x * y
    let loss = z.sum()
    XCTAssertTrue(x.isLeaf)
    XCTAssertTrue(y.isLeaf)
    XCTAssertFalse(z.isLeaf)
    XCTAssertFalse(loss.isLeaf)
    try loss.backward()
    XCTAssertNil(z.grad, "a non-leaf does not keep its gradient without retainGrad")
    assertTensor(x.grad, shape: [2], [3, 4])
    assertTensor(y.grad, shape: [2], [1, 2])
  }

  func testNonLeafKeepsGradWithRetainGrad() throws {
    let x = Tensor([1, 2], requiresGrad: true)
    let z = x * Tensor([3, 4])
    z.retainGrad()
    try (z * z).sum().backward()
    assertTensor(z.grad, shape: [2], [6, 16])  // ∂(z²)/∂z = 2z
    assertTensor(x.grad, shape: [2], [18, 64])  // 2z · 3, 2z · 4
  }

  func testTensorsThatDoNotRequireGradGetNone() throws {
    let x = Tensor([1, 2], requiresGrad: true)
    let c = Tensor([5, 6])
    try (x * c).sum().backward()
    XCTAssertNil(c.grad)
    XCTAssertTrue((c * c).isLeaf, "an op on inputs that do not require grad makes a leaf")
    XCTAssertFalse((c * c).requiresGrad)
  }

  func testBackwardOnNonScalarWithoutSeedThrows() {
    let x = Tensor([1, 2], requiresGrad: true)
    XCTAssertThrowsError(try (x * 2).backward()) { error in
      XCTAssertEqual(error as? AutogradError, .nonScalarOutput(shape: [2]))
      XCTAssertTrue("\(error)".contains("grad can be implicitly created only for scalar outputs"))
    }
  }

  func testBackwardWithSeedIsTheVectorJacobianProduct() throws {
    let x = Tensor([1, 2, 3], requiresGrad: true)
    let y = x.square()
    try y.backward(gradient: Tensor([1, 10, 100]))
    assertTensor(x.grad, shape: [3], [2, 40, 600])
  }

  func testSeedOfTheWrongShapeThrows() {
    let x = Tensor([1, 2, 3], requiresGrad: true)
    XCTAssertThrowsError(try (x * 2).backward(gradient: Tensor([1, 2]))) { error in
      XCTAssertEqual(error as? AutogradError, .seedShapeMismatch(output: [3], seed: [2]))
    }
  }

  func testSecondBackwardThroughReleasedGraphThrows() throws {
    let x = Tensor([1, 2], requiresGrad: true)
    let loss = (x * x).sum()
    try loss.backward()
    XCTAssertThrowsError(try loss.backward()) { error in
      guard case .graphReleased = error as? AutogradError else {
        return XCTFail("expected graphReleased, got \(error)")
      }
      XCTAssertTrue("\(error)".contains("backward through the graph a second time"))
    }
    assertTensor(x.grad, shape: [2], [2, 4], tolerance: 0)
  }

  func testBackwardIntoAReleasedPartOfAChainThrowsBeforeAnyGradientMoves() throws {
    // y's node is freed by the first backward; a second graph through y must stop at y before
    // the leaf w (an input of the new, unreleased node) receives anything.
    let x = Tensor([1, 2], requiresGrad: true)
    let w = Tensor([5, 7], requiresGrad: true)
    let y = x * 2
    try y.sum().backward()
    XCTAssertThrowsError(try (y * w).sum().backward()) { error in
      guard case .graphReleased(let operation) = error as? AutogradError else {
        return XCTFail("expected graphReleased, got \(error)")
      }
      XCTAssertEqual(operation, "MulBackward")
    }
    XCTAssertNil(w.grad)
    assertTensor(x.grad, shape: [2], [2, 2], tolerance: 0)
  }

  func testAChainWhoseLinkUsesOneInputTwiceSumsBothPaths() throws {
    // z = (3x)·(3x): one non-leaf input used twice is still a chain; ∂z/∂x = 18x.
    let x = Tensor([1, -2], requiresGrad: true)
    let y = x * 3
    try (y * y).sum().backward()
    assertTensor(x.grad, shape: [2], [18, -36], tolerance: 0)
  }

  func testADiamondAfterAChainGetsEveryPath() throws {
    // loss = Σ (a + b) with a = 2y, b = y², y = x + 1: the chain loss ← sum ← add meets two
    // recorded inputs, so the rest is sorted depth-first; ∂/∂x = 2 + 2y.
    let x = Tensor([0, 1, 2], requiresGrad: true)
    let y = x + 1
    try ((y * 2) + y * y).sum().backward()
    assertTensor(x.grad, shape: [3], [4, 6, 8], tolerance: 0)
  }

  func testRetainGraphAllowsASecondBackward() throws {
    let x = Tensor([1, 2], requiresGrad: true)
    let loss = (x * x).sum()
    try loss.backward(retainGraph: true)
    try loss.backward()
    assertTensor(x.grad, shape: [2], [4, 8])
  }

  func testBackwardOnTensorThatDoesNotRequireGradThrows() {
    XCTAssertThrowsError(try Tensor(3).backward()) { error in
      XCTAssertEqual(error as? AutogradError, .doesNotRequireGrad)
    }
  }

  func testGradientsThroughSharedSubexpressionsAdd() throws {
    // y = x·x + x·x: the gradient reaches x along four paths, 4x in total.
    let x = Tensor([3], requiresGrad: true)
    let s = x * x
    try (s + s).sum().backward()
    assertTensor(x.grad, shape: [1], [12])
  }

  func testNoGradRecordsNothing() {
    let x = Tensor([1, 2], requiresGrad: true)
    let inside = noGrad { x * 2 }
    XCTAssertFalse(inside.requiresGrad)
    XCTAssertTrue(inside.isLeaf)
    let outside = x * 2
    XCTAssertTrue(outside.requiresGrad)
    XCTAssertFalse(isGradEnabled == false)
    withNoGrad { XCTAssertFalse(isGradEnabled) }
    XCTAssertTrue(isGradEnabled)
  }

  func testDetachKeepsValuesAndDropsHistory() {
    let x = Tensor([1, 2], requiresGrad: true)
    let y = (x * 3).detached()
    XCTAssertEqual(y.scalars, [3, 6])
    XCTAssertTrue(y.isLeaf)
    XCTAssertFalse(y.requiresGrad)
  }

  func testGradModeIsPerThread() {
    // One thread sits inside noGrad while another records: neither sees the other's mode.
    let insideNoGrad = DispatchSemaphore(value: 0)
    let otherThreadDone = DispatchSemaphore(value: 0)
    let recorded = LockedBox(false)
    let thread = Thread {
      let x = Tensor([1], requiresGrad: true)
      insideNoGrad.wait()
      recorded.value = (x * 2).requiresGrad
      otherThreadDone.signal()
    }
    noGrad {
      thread.start()
      insideNoGrad.signal()
      otherThreadDone.wait()
      XCTAssertFalse(isGradEnabled)
    }
    XCTAssertTrue(recorded.value, "the other thread kept grad mode on")
  }

  func testBroadcastGradientsAreReducedToTheOperandShape() throws {
    let x = Tensor([[1, 2, 3], [4, 5, 6]], requiresGrad: true)
    let bias = Tensor([10, 20, 30], requiresGrad: true)
    let scale = Tensor(2, requiresGrad: true)
    try ((x + bias) * scale).sum().backward()
    assertTensor(bias.grad, shape: [3], [4, 4, 4])
    assertTensor(scale.grad, shape: [], [21 + 60 + 60])
    assertTensor(x.grad, shape: [2, 3], [2, 2, 2, 2, 2, 2])
  }
}

/// A value shared between threads in a test.
final class LockedBox<Value>: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: Value
  init(_ value: Value) { stored = value }
  var value: Value {
    get { lock.withLock { stored } }
    set { lock.withLock { stored = newValue } }
  }
  func update(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}

final class SeedTests: XCTestCase {
  /// ∂y/∂y is 1; the tensor handed back is the caller's to change, and changing it changes
  /// nothing for later backward passes.
  func testGradientOfAnOutputWithRespectToItselfIsAFreshOne() throws {
    let x = Tensor([3], requiresGrad: true)
    let y = (x * x).sum()
    let own = try y.gradients(withRespectTo: [y], retainGraph: true)[0]
    XCTAssertEqual(own.scalars, [1])
    own.scalars[0] = 42
    try y.backward()
    XCTAssertEqual(x.grad?.scalars, [6])
  }

  /// With `createGraph`, a rule that passes the seed through (addition, a sum of one element)
  /// used to leave the engine's shared seed, or the caller's, as a leaf's `grad`; zeroing or
  /// adding into that grad then changed every later backward pass in the process.
  func testAGradientNeverAliasesTheSeed() throws {
    let x = Tensor(2.0, requiresGrad: true)
    try (x + 1).backward(createGraph: true)
    XCTAssertEqual(x.grad?.scalars, [1])
    x.zeroGrad()
    try (x + 1).backward()
    XCTAssertEqual(x.grad?.scalars, [1])
    let w = Tensor(5.0, requiresGrad: true)
    try (w * 3).backward()
    XCTAssertEqual(w.grad?.scalars, [3])

    let seed = Tensor(4.0)
    let v = Tensor(1.0, requiresGrad: true)
    try (v + 1).backward(gradient: seed, createGraph: true)
    v.zeroGrad()
    XCTAssertEqual(seed.scalars, [4])
  }

  /// A gradient with history (createGraph) is replaced by zeros, not written into: it may be
  /// an input of the recorded graph.
  func testZeroingAGradientWithHistoryLeavesItsGraphAlone() throws {
    let x = Tensor(3.0, requiresGrad: true)
    try (x * x * x).backward(createGraph: true)  // grad 3x² = 27, with history
    let first = try XCTUnwrap(x.grad)
    XCTAssertFalse(first.isLeaf)
    x.zeroGrad()
    XCTAssertEqual(first.scalars, [27])
    XCTAssertEqual(x.grad?.scalars, [0])
    let second = try first.gradients(withRespectTo: [x])[0]  // 6x = 18
    XCTAssertEqual(second.scalars, [18])
  }
}

final class ConcurrentBackwardTests: XCTestCase {
  /// Trainings on several threads at once each get exactly their own gradients: grad mode, the
  /// traversal marks and the sort's scratch stacks are per thread or per call.
  func testBackwardOnSeveralThreadsAtOnce() {
    let results = LockedBox([Double](repeating: 0, count: 4))
    DispatchQueue.concurrentPerform(iterations: 4) { worker in
      let x = Tensor([Double(worker + 1)], requiresGrad: true)
      for _ in 0..<2000 {
        x.zeroGrad()
        try! (x * x * Double(worker + 1)).sum().backward()
      }
      let value = x.grad!.scalars[0]
      results.update { $0[worker] = value }
    }
    // ∂(k·x²)/∂x = 2k·x with x = k.
    XCTAssertEqual(results.value, [2, 8, 18, 32])
  }
}
