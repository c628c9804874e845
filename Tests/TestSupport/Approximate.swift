import Autograd
import XCTest

/// Asserts that two arrays have the same length and agree elementwise within `tolerance`
/// (absolute), reporting the first index that does not, at the caller's file and line.
public func assertClose(
  _ actual: [Double], _ expected: [Double], tolerance: Double, _ message: String = "",
  file: StaticString = #filePath, line: UInt = #line
) {
  guard actual.count == expected.count else {
    XCTFail(
      "count \(actual.count) != expected \(expected.count) \(message)", file: file, line: line)
    return
  }
  for i in actual.indices where !(Swift.abs(actual[i] - expected[i]) <= tolerance) {
    XCTFail(
      "element \(i): \(actual[i]) differs from \(expected[i]) by \(Swift.abs(actual[i] - expected[i])) "
        + "> \(tolerance) \(message)", file: file, line: line)
    return
  }
}

/// Asserts a scalar is within `tolerance` of the expected value.
public func assertClose(
  _ actual: Double, _ expected: Double, tolerance: Double, _ message: String = "",
  file: StaticString = #filePath, line: UInt = #line
) {
  assertClose([actual], [expected], tolerance: tolerance, message, file: file, line: line)
}

/// Asserts a tensor's shape and values.
public func assertTensor(
  _ tensor: Tensor?, shape: [Int], _ expected: [Double], tolerance: Double = 0,
  file: StaticString = #filePath, line: UInt = #line
) {
  guard let tensor else {
    XCTFail("tensor is nil", file: file, line: line)
    return
  }
  XCTAssertEqual(tensor.shape, shape, "shape", file: file, line: line)
  assertClose(tensor.scalars, expected, tolerance: tolerance, file: file, line: line)
}
