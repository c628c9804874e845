import Autograd
import Foundation
import Models
import Training

/// Gradient accumulation, as `accum.py` measures it: an effective batch of 4096 rows as 16
/// micro-batches of 256 against one batch of 4096, SGD lr 0.01, float64, lin_1m_32 in memory.
///
/// Step time: `Trainer` with `batchSize` 4096 and `microBatchSize` 256 (or 4096); the time of a
/// step is the interval between consecutive `afterStep` calls (so it includes the loader's
/// batch), the figure the median over the first `steps` steps of an epoch, the value the median
/// over `reps` runs. Gradient: at 20 random points (w, b ~ N(0, 1)) on 20 random 4096-row
/// windows, the gradient accumulated over 16 micro-batches of the Trainer's objective
/// (Σ loss / 4096 per micro-batch) against the gradient of one 4096-row pass: max abs difference
/// over w and b, and that relative to the largest gradient component.
enum AccumulationBenchmark {
  static let (effective, micro, steps, points) = (4096, 256, 200, 20)

  static func run(_ options: Options) throws {
    let path = options.file("lin_1m_32_contig.h5").path
    let data = try LinearData(hdf5: URL(fileURLWithPath: path))
    gradientCheck(data)
    let prepared = try PreparedData.load(
      EpochBenchmark.config(data: path, optimizer: "sgd", batchSize: effective))
    for (microBatch, tag) in [(micro, "16x\(micro)"), (effective, "1x\(effective)")] {
      let config = try EpochBenchmark.config(
        data: path, optimizer: "sgd", batchSize: effective, microBatchSize: microBatch)
      var runs: [Double] = []
      for _ in 0..<options.reps {
        let trainer = try Trainer(config: config, data: prepared)
        var stamps: [Double] = []
        stamps.reserveCapacity(steps + 1)
        trainer.afterStep = { _ in stamps.append(now()) }
        trainer.shouldStop = { stamps.count >= steps }
        stamps.append(now())
        _ = try trainer.run()
        let perStep = zip(stamps.dropFirst(), stamps).map { ($0 - $1) * 1e3 }
        runs.append(median(perStep))
      }
      result("accum_step/sgd/float64/\(tag)/1m_32", runs, unit: "ms/eff_step")
    }
  }

  static func gradientCheck(_ data: LinearData) {
    let d = data.columns
    let draws = Tensor.randomUniform([points], seed: 11).scalars
    var maxDifference = 0.0
    var maxRelative = 0.0
    for point in 0..<points {
      let start = Int(draws[point] * Double(data.rows / effective)) * effective
      let weights = Tensor.randomNormal([d + 1], seed: UInt64(100 + point)).scalars
      let model = Linear(weight: weights[..<d].map { [$0] }, bias: [weights[d]])
      func gradient(microBatch: Int) -> [Double] {
        model.zeroGrad()
        for part in stride(from: start, to: start + effective, by: microBatch) {
          let x = Tensor(
            shape: [microBatch, d],
            scalars: Array(data.features[(part * d)..<((part + microBatch) * d)]))
          let y = Tensor(
            shape: [microBatch, 1], scalars: Array(data.targets[part..<(part + microBatch)]))
          let objective =
            meanSquaredError(model(x), y, reduction: .sum) * (1 / Double(effective))
          try! objective.backward()
        }
        return model.weight.grad!.scalars + model.bias!.grad!.scalars
      }
      let accumulated = gradient(microBatch: micro)
      let full = gradient(microBatch: effective)
      let difference = zip(accumulated, full).map { Swift.abs($0 - $1) }.max()!
      let scale = full.map { Swift.abs($0) }.max()!
      maxDifference = max(maxDifference, difference)
      maxRelative = max(maxRelative, difference / scale)
    }
    result(
      "accum_grad_maxdiff/float64/4096=16x256", [maxDifference], unit: "abs",
      ["rel_to_max_grad": maxRelative])
  }
}
