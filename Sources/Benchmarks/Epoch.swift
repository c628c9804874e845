import Autograd
import Foundation
import Models
import Optim
import Training

/// One epoch over the in-memory lin_1m_32 (1 000 000 × 32, float64), as `epoch_throughput.py`
/// times it: batches of consecutive rows in file order, no shuffling, the last batch partial,
/// SGD (lr 0.01) and Adam (lr 1e-3) from zero parameters, MSE.
///
/// `impl=fit_swift` is `fit`'s own loop: a `Trainer` built from a config parsed by
/// `TrainingConfig.parse` (no validation split, no standardization, no shuffling), whose
/// `PreparedData` is loaded once from lin_1m_32_contig.h5 before timing. The timed part is
/// `Trainer.run()` for one epoch: BatchLoader batches, the fused MSE node per batch
/// (`Tensor.linearSquaredErrorSum`, reading the rows in place), `backward()`, the checks for
/// finite values, and the optimizer step. One untimed epoch runs before all of them.
///
/// `impl=fit_swift_loop` is the engine's general path, for comparison: each batch is copied out
/// of the in-memory arrays into tensors and run through `Linear`, `meanSquaredError` (summed,
/// then scaled), `backward()` and the optimizer. The gap between the two is what fusing the loss
/// and reading rows in place gain.
enum EpochBenchmark {
  static let batchSizes = [256, 4096]
  static let optimizers = ["sgd", "adam"]

  static func run(_ options: Options) throws {
    let path = options.file("lin_1m_32_contig.h5").path
    let reference = try LinearData(hdf5: URL(fileURLWithPath: path))
    let prepared = try PreparedData.load(config(data: path, optimizer: "sgd", batchSize: 256))
    precondition(
      prepared.training.rowCount == reference.rows, "the whole file should be training data")
    // One untimed epoch first, so that growing the heap and starting OpenBLAS's threads are not
    // charged to whichever configuration happens to run first.
    _ = try Trainer(
      config: config(data: path, optimizer: "sgd", batchSize: 4096), data: prepared
    ).run()
    for batchSize in batchSizes {
      for optimizer in optimizers {
        let name = "epoch/\(optimizer)/float64/b\(batchSize)/1m_32"
        let config = try config(data: path, optimizer: optimizer, batchSize: batchSize)
        var times: [Double] = []
        var trainer: Trainer!
        for _ in 0..<options.reps {
          trainer = try Trainer(config: config, data: prepared)
          times.append(try seconds { try trainer.run() })
          precondition(trainer.state.step == (reference.rows + batchSize - 1) / batchSize)
        }
        report(
          name, times, reference: reference, weights: trainer.model.weight.scalars,
          bias: trainer.model.bias!.scalars[0], impl: ourImplementation)

        var loopTimes: [Double] = []
        var model: Linear!
        for _ in 0..<options.reps {
          model = Linear(inputFeatures: reference.columns, outputFeatures: 1)
          let optimizer: any Optimizer =
            optimizer == "sgd"
            ? try SGD(model.parameters, lr: 0.01) : try Adam(model.parameters, lr: 1e-3)
          loopTimes.append(
            try seconds {
              try epochLoop(reference, batchSize: batchSize, model: model, optimizer: optimizer)
            })
        }
        report(
          name, loopTimes, reference: reference, weights: model.weight.scalars,
          bias: model.bias!.scalars[0], impl: "fit_swift_loop")
      }
    }
  }

  static func report(
    _ name: String, _ times: [Double], reference: LinearData, weights: [Double], bias: Double,
    impl: String
  ) {
    result(
      name, times, unit: "s/epoch", impl: impl,
      [
        "werr": reference.weightError(weights),
        "mse": reference.meanSquaredError(weights: weights, bias: bias),
      ])
    result(
      name.replacingOccurrences(of: "epoch/", with: "epoch_rows/"),
      times.map { Double(reference.rows) / $0 }, unit: "rows/s", impl: impl)
  }

  /// The config of one timed epoch, through the same parser as `fit --config`.
  static func config(
    data path: String, optimizer: String, batchSize: Int, microBatchSize: Int? = nil
  ) throws -> TrainingConfig {
    let lr = optimizer == "sgd" ? "0.01" : "0.001"
    let micro = microBatchSize.map { ", \"microBatchSize\": \($0)" } ?? ""
    let json = """
      {
        "version": 1,
        "name": "bench",
        "data": {"path": "\(path)", "validation": {"fraction": 0}, "shuffle": false,
                 "standardize": false},
        "model": {"kind": "linear", "bias": true},
        "loss": "mse",
        "optimizer": {"kind": "\(optimizer)", "lr": \(lr)},
        "training": {"epochs": 1, "batchSize": \(batchSize)\(micro)},
        "output": {"dir": "/tmp/fit-bench-run"}
      }
      """
    return try TrainingConfig.parse(json, file: "<fit-bench>", baseDirectory: "/tmp")
  }

  /// One epoch in the Trainer's loop structure, minus the loader: batches copied out of the
  /// in-memory arrays in file order.
  static func epochLoop(
    _ data: LinearData, batchSize: Int, model: Linear, optimizer: any Optimizer
  ) throws {
    let d = data.columns
    for start in stride(from: 0, to: data.rows, by: batchSize) {
      let end = min(start + batchSize, data.rows)
      let x = Tensor(
        shape: [end - start, d], scalars: Array(data.features[(start * d)..<(end * d)]))
      let y = Tensor(shape: [end - start, 1], scalars: Array(data.targets[start..<end]))
      optimizer.zeroGrad()
      let objective = meanSquaredError(model(x), y, reduction: .sum) * (1 / Double(end - start))
      try objective.backward()
      optimizer.step()
    }
  }
}
