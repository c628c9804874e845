import Autograd
import Foundation
import Models
import Optim

/// One training step of a linear model with d = 16 on a batch of 32, as `step_latency.py` times
/// it: forward (`Linear`, MSE), `backward()`, and the step of the real optimizer, float64.
///
/// Batches: the 1024 consecutive 32-row slices of the first 32 768 rows of lin_100k_16 (read
/// from lin_100k_16.h5), made into tensors before timing and cycled in order. Timing: after
/// `warmup` steps, `steps` steps in blocks of 100; a run's figure is the median block time / 100,
/// and the value is the median over `reps` runs, each from zero parameters. werr = max|w − w_true|
/// after the last run, which matches the peers' when the optimizers follow the same trajectory.
enum StepLatencyBenchmark {
  static let (features, batchRows, batchCount, block) = (16, 32, 1024, 100)
  static let steps = 20_000
  static let warmup = 2_000

  static func run(_ options: Options) throws {
    let data = try LinearData(hdf5: options.file("lin_100k_16.h5"))
    precondition(data.columns == features && data.rows >= batchRows * batchCount)
    let batches = (0..<batchCount).map { i in
      let rows = (i * batchRows)..<((i + 1) * batchRows)
      return (
        x: Tensor(
          shape: [batchRows, features],
          scalars: Array(data.features[(rows.lowerBound * features)..<(rows.upperBound * features)])
        ),
        y: Tensor(shape: [batchRows, 1], scalars: Array(data.targets[rows]))
      )
    }
    let optimizers: [(String, ([Tensor]) throws -> any Optimizer)] = [
      ("sgd", { try SGD($0, lr: 0.01) }),
      ("momentum", { try SGD($0, lr: 0.01, momentum: 0.9) }),
      ("adam", { try Adam($0, lr: 1e-3) }),
    ]
    for (name, makeOptimizer) in optimizers {
      var runs: [Double] = []
      var model = Linear(inputFeatures: features, outputFeatures: 1)
      for _ in 0..<options.reps {
        model = Linear(inputFeatures: features, outputFeatures: 1)
        let optimizer = try makeOptimizer(model.parameters)
        runs.append(try timeSteps(model: model, optimizer: optimizer, batches: batches))
      }
      result(
        "step_latency/\(name)/float64/d16_b32", runs, unit: "us/step",
        ["werr": data.weightError(model.weight.scalars)])
    }
  }

  /// The median over blocks of one step's time, in µs.
  static func timeSteps(
    model: Linear, optimizer: any Optimizer, batches: [(x: Tensor, y: Tensor)]
  ) throws -> Double {
    func step(_ batch: (x: Tensor, y: Tensor)) throws {
      optimizer.zeroGrad()
      try meanSquaredError(model(batch.x), batch.y).backward()
      optimizer.step()
    }
    for i in 0..<warmup { try step(batches[i % batches.count]) }
    var perStep: [Double] = []
    var k = 0
    for _ in 0..<(steps / block) {
      let start = now()
      for _ in 0..<block {
        try step(batches[k % batches.count])
        k += 1
      }
      perStep.append((now() - start) / Double(block) * 1e6)
    }
    return median(perStep)
  }
}
