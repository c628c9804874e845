import Optim

/// `Adam.step()` on one parameter of 1 000 000 elements, in ns per parameter, beside the time a
/// loop with the same memory traffic takes (7 × 8 bytes per element; `bound=`): Optim's own
/// `measureAdamStep`, run `reps` times.
enum AdamStepBenchmark {
  static func run(_ options: Options) throws {
    let measurements = (0..<options.reps).map { _ in measureAdamStep(parameterCount: 1_000_000) }
    let bounds = measurements.map(\.boundNanosecondsPerParameter)
    let bound = median(bounds)
    result(
      "optim/adam_step/1m", measurements.map(\.nanosecondsPerParameter), unit: "ns/param",
      [
        "bound": bound, "bound_gb_per_s": 56 / bound,
        "ratio_to_bound": median(measurements.map(\.ratioToBound)),
      ])
  }
}
