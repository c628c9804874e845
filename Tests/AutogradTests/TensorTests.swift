import Autograd
import SeededRandom
import TestSupport
import XCTest

final class TensorTests: XCTestCase {
  func testInitializersAndFactories() {
    XCTAssertEqual(Tensor(3).shape, [])
    XCTAssertEqual(Tensor([[1, 2, 3], [4, 5, 6]]).shape, [2, 3])
    XCTAssertEqual(Tensor([[1, 2, 3], [4, 5, 6]])[1, 2], 6)
    assertTensor(Tensor.zeros([2, 2]), shape: [2, 2], [0, 0, 0, 0])
    assertTensor(Tensor.ones([3]), shape: [3], [1, 1, 1])
    assertTensor(Tensor.full([2], value: 7), shape: [2], [7, 7])
    assertTensor(Tensor.arange(0, 5), shape: [5], [0, 1, 2, 3, 4])
    assertTensor(Tensor.arange(1, 2, step: 0.25), shape: [4], [1, 1.25, 1.5, 1.75])
  }

  func testSeededRandomTensorsAreReproducible() {
    let a = Tensor.randomNormal([1000], seed: 42)
    let b = Tensor.randomNormal([1000], seed: 42)
    XCTAssertEqual(a.scalars, b.scalars)
    XCTAssertNotEqual(a.scalars, Tensor.randomNormal([1000], seed: 43).scalars)
    // The first SplitMix64 output for seed 0 is a published test vector.
    var rng = SplitMix64(seed: 0)
    XCTAssertEqual(rng.next(), 0xE220_A839_7B1D_CDAF)
    // Sample moments of 1000 standard normals: mean within 4σ/√n ≈ 0.13, variance within 0.2.
    let mean = a.scalars.reduce(0, +) / 1000
    let variance = a.scalars.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 999
    XCTAssertLessThan(Swift.abs(mean), 0.13)
    XCTAssertLessThan(Swift.abs(variance - 1), 0.2)
    let u = Tensor.randomUniform([1000], lower: -1, upper: 3, seed: 5)
    XCTAssertTrue(u.scalars.allSatisfy { $0 >= -1 && $0 < 3 })
  }

  func testShuffleIsAPermutationAndReproducible() {
    var first = SplitMix64(seed: 9)
    var second = SplitMix64(seed: 9)
    var a = Array(0..<100)
    var b = Array(0..<100)
    first.shuffle(&a)
    second.shuffle(&b)
    XCTAssertEqual(a, b)
    XCTAssertNotEqual(a, Array(0..<100))
    XCTAssertEqual(a.sorted(), Array(0..<100))
  }

  func testForwardValuesOfOperations() {
    let x = Tensor([[1, 2], [3, 4]])
    assertTensor(x + Tensor([10, 20]), shape: [2, 2], [11, 22, 13, 24])
    assertTensor(x.matmul(Tensor([1, -1])), shape: [2], [-1, -1])
    assertTensor(Tensor([1, -1]).matmul(x), shape: [2], [-2, -2])
    assertTensor(x.matmul(x), shape: [2, 2], [7, 10, 15, 22])
    assertTensor(x.transposed(), shape: [2, 2], [1, 3, 2, 4])
    assertTensor(x.sum(alongAxis: 0), shape: [2], [4, 6])
    assertTensor(x.mean(alongAxis: 1, keepDims: true), shape: [2, 1], [1.5, 3.5])
    assertTensor(x.sum(), shape: [], [10])
    assertTensor(x.columns(1..<2), shape: [2, 1], [2, 4])
    assertTensor(x.rows(1..<2), shape: [1, 2], [3, 4])
    assertTensor(Tensor.concat([x, x], alongAxis: 1), shape: [2, 4], [1, 2, 1, 2, 3, 4, 3, 4])
    assertTensor(Tensor.stack([Tensor([1, 2]), Tensor([3, 4])]), shape: [2, 2], [1, 2, 3, 4])
    assertTensor(Tensor([-1, 0, 2]).relu(), shape: [3], [0, 0, 2])
    assertTensor(Tensor([1, 5]) .< Tensor(3), shape: [2], [1, 0])
    assertTensor(
      Tensor.where(Tensor([1, 0]), Tensor([1, 2]), Tensor([3, 4])), shape: [2], [1, 4])
    assertTensor(Tensor([4, 9]).sqrt(), shape: [2], [2, 3])
    assertTensor(x.reshaped([-1]), shape: [4], [1, 2, 3, 4])
  }
}
