import Autograd
import TestSupport
import XCTest

/// Checks the gradients `backward()` gives every tensor in `inputs` against central differences
/// `(f(x + h) − f(x − h)) / 2h`, whose error is O(h²) plus rounding of order ε/h; with h = 1e-6
/// and values of order one both stay far below `tolerance`.
func assertGradientsMatchFiniteDifferences(
  of inputs: [Tensor], tolerance: Double = 1e-6, step h: Double = 1e-6,
  file: StaticString = #filePath, line: UInt = #line, _ function: () -> Tensor
) throws {
  let results = try gradCheck(parameters: inputs, step: h, of: function)
  for (position, result) in results.enumerated() {
    XCTAssertLessThanOrEqual(
      result.maxAbsoluteError, tolerance, "gradient of input \(position): \(result)", file: file,
      line: line)
  }
}
