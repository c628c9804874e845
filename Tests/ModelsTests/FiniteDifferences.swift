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
  for input in inputs { input.grad = nil }
  try function().backward()
  for (position, input) in inputs.enumerated() {
    let analytic = input.grad?.scalars ?? [Double](repeating: 0, count: input.count)
    var numeric = [Double](repeating: 0, count: input.count)
    for i in 0..<input.count {
      let original = input.scalars[i]
      input.scalars[i] = original + h
      let up = noGrad { function().item }
      input.scalars[i] = original - h
      let down = noGrad { function().item }
      input.scalars[i] = original
      numeric[i] = (up - down) / (2 * h)
    }
    assertClose(
      analytic, numeric, tolerance: tolerance, "gradient of input \(position)", file: file,
      line: line)
  }
}
