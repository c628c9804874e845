import Autograd

/// What `measureAdamStep` found: Adam's step time next to the time the same memory traffic takes.
public struct AdamStepMeasurement: Sendable, CustomStringConvertible {
  /// Parameters updated per step.
  public var parameterCount: Int
  /// Median time of one `Adam.step()`, per parameter.
  public var nanosecondsPerParameter: Double
  /// Bytes one element's update moves: reads θ, g, m, v and writes θ, m, v (7 × 8 bytes).
  public var bytesPerParameter: Int
  /// Median time, per element, of a loop with exactly that traffic and trivial arithmetic
  /// (θ += s·g, m += g, v += g): the memory-bandwidth bound on this machine.
  public var boundNanosecondsPerParameter: Double

  /// The bandwidth the bound loop reached, in GB/s.
  public var bandwidthGigabytesPerSecond: Double {
    Double(bytesPerParameter) / boundNanosecondsPerParameter
  }

  /// How many times slower than the bound Adam's step is (the goal is ≤ 2).
  public var ratioToBound: Double { nanosecondsPerParameter / boundNanosecondsPerParameter }

  public var description: String {
    func format(_ x: Double) -> String { String(Double(Int(x * 1000)) / 1000) }
    return
      "Adam step on \(parameterCount) parameters: \(format(nanosecondsPerParameter)) ns/param; "
      + "memory bound (\(bytesPerParameter) B/param at \(format(bandwidthGigabytesPerSecond)) GB/s): "
      + "\(format(boundNanosecondsPerParameter)) ns/param; ratio \(format(ratioToBound))"
  }
}

/// Times `Adam.step()` over one parameter of `parameterCount` elements (after one warm-up step,
/// which allocates the moments) and a loop with the same memory traffic, each the median of
/// `repetitions` runs. For `make bench`; build in release to get meaningful numbers.
public func measureAdamStep(parameterCount: Int = 1_000_000, repetitions: Int = 21)
  -> AdamStepMeasurement
{
  precondition(parameterCount > 0 && repetitions > 0)
  let parameter = Tensor.randomNormal([parameterCount], seed: 1, requiresGrad: true)
  parameter.grad = Tensor.randomNormal([parameterCount], seed: 2)
  let optimizer = try! Adam([parameter], lr: 1e-3)
  optimizer.step()
  let adamTime = medianNanoseconds(repetitions) { optimizer.step() }

  var values = [Double](repeating: 1, count: parameterCount)
  let gradient = [Double](repeating: 1e-9, count: parameterCount)
  var first = [Double](repeating: 0, count: parameterCount)
  var second = [Double](repeating: 0, count: parameterCount)
  let boundTime = medianNanoseconds(repetitions) {
    values.withUnsafeMutableBufferPointer { p in
      gradient.withUnsafeBufferPointer { g in
        first.withUnsafeMutableBufferPointer { m in
          second.withUnsafeMutableBufferPointer { v in
            for i in 0..<parameterCount {
              p[i] += -1e-3 * g[i]
              m[i] += g[i]
              v[i] += g[i]
            }
          }
        }
      }
    }
  }
  return AdamStepMeasurement(
    parameterCount: parameterCount,
    nanosecondsPerParameter: adamTime / Double(parameterCount), bytesPerParameter: 7 * 8,
    boundNanosecondsPerParameter: boundTime / Double(parameterCount))
}

/// The median wall time of `repetitions` runs of `body`, in nanoseconds.
private func medianNanoseconds(_ repetitions: Int, _ body: () -> Void) -> Double {
  let clock = ContinuousClock()
  var times: [Double] = []
  for _ in 0..<repetitions {
    let duration = clock.measure(body)
    let (seconds, attoseconds) = duration.components
    times.append(Double(seconds) * 1e9 + Double(attoseconds) / 1e9)
  }
  return times.sorted()[times.count / 2]
}
