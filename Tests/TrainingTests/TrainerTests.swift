import Autograd
import DataIO
import Foundation
import Models
import SeededRandom
import TestSupport
import XCTest

@testable import Training

final class TrainerTests: XCTestCase {
  /// A config over the shipped linear data, with overrides.
  func config(_ overrides: [String] = []) throws -> TrainingConfig {
    let root = FitProcess.packageRoot.path
    return try TrainingConfig.parse(
      """
      {"version": 1, "data": {"path": "data/linear.csv", "targets": ["y"]},
       "optimizer": {"kind": "sgd", "lr": 0.01},
       "training": {"epochs": 2, "batchSize": 300, "microBatchSize": 64, "seed": 5},
       "output": {"dir": "/tmp/unused"}}
      """, baseDirectory: root, overrides: overrides, workingDirectory: root)
  }

  func randomize(_ trainer: Trainer, seed: UInt64) {
    for (i, p) in trainer.model.parameters.enumerated() {
      p.scalars = Tensor.randomNormal(p.shape, seed: seed + UInt64(i)).scalars
    }
  }

  /// Micro-batches of 64 (the last one partial) accumulate the same gradient as the whole batch,
  /// within 1e-12 absolute in float64, for every batch of an epoch including the final partial
  /// one (1600 training rows in batches of 300: the last has 100 rows).
  func testAccumulatedGradientEqualsTheFullBatchGradient() throws {
    for loss in ["mse", "mae", "huber"] {
      let micro = try Trainer(
        config: try config(["loss=\"\(loss)\"", "loss.l2=0.01"]),
        data: try PreparedData.load(config()))
      let whole = try Trainer(
        config: try config(["loss=\"\(loss)\"", "loss.l2=0.01", "training.microBatchSize=300"]),
        data: try PreparedData.load(config()))
      var batches = 0
      var sawPartial = false
      while let batch = try micro.loader.nextBatch() {
        let full = try XCTUnwrap(try whole.loader.nextBatch())
        XCTAssertEqual(batch.rowIndices, full.rowIndices)
        sawPartial = sawPartial || batch.rows < 300
        randomize(micro, seed: UInt64(batches) * 10)
        randomize(whole, seed: UInt64(batches) * 10)
        micro.model.parameters.forEach { $0.grad = nil }
        whole.model.parameters.forEach { $0.grad = nil }
        let microLoss = try micro.accumulateGradients(on: batch)
        let wholeLoss = try whole.accumulateGradients(on: full)
        XCTAssertEqual(microLoss, wholeLoss, accuracy: 1e-12)
        for (a, b) in zip(micro.model.parameters, whole.model.parameters) {
          assertClose(
            a.grad!.scalars, b.grad!.scalars, tolerance: 1e-12, "\(loss) batch \(batches)")
        }
        batches += 1
      }
      XCTAssertEqual(batches, 6)
      XCTAssertTrue(sawPartial)
    }
  }

  /// The same config and seed give bit-identical parameters and metrics.
  /// The MSE objective is one fused node per micro-batch reading the rows in place (the loader
  /// hands out indices only); it equals the model and loss functions on the gathered rows.
  func testFusedMSEEqualsTheModelAndLossFunctionsOnTheGatheredRows() throws {
    for (shuffle, micro) in [(true, 64), (false, 300), (true, 300)] {
      let trainer = try Trainer(
        config: try config([
          "data.shuffle=\(shuffle)", "training.microBatchSize=\(micro)", "loss.l2=0.01",
        ]),
        data: try PreparedData.load(config()))
      XCTAssertTrue(trainer.fusesLoss)
      let memory = try XCTUnwrap(trainer.data.training as? InMemoryDataset)
      for step in 0..<trainer.loader.batchesPerEpoch {
        let batch = try XCTUnwrap(try trainer.loader.nextBatch())
        XCTAssertTrue(batch.features.isEmpty, "rows are read in place, not copied")
        randomize(trainer, seed: UInt64(step))
        trainer.model.parameters.forEach { $0.grad = nil }
        let loss = try trainer.accumulateGradients(on: batch)

        let rows = try memory.rows(at: batch.rowIndices)
        let x = Tensor(shape: [batch.rows, memory.featureCount], scalars: rows.features)
        let y = Tensor(shape: [batch.rows, memory.targetCount], scalars: rows.targets)
        let reference =
          Tensor.squaredErrorSum(trainer.model(x), y, scale: 1 / Double(batch.rows))
          + l2Penalty(trainer.model, lambda: 0.01)
        let gradients = try reference.gradients(withRespectTo: trainer.model.parameters)
        let label = "shuffle \(shuffle), micro-batches of \(micro), batch \(step)"
        XCTAssertEqual(loss, reference.item, accuracy: 1e-12, label)
        for (parameter, expected) in zip(trainer.model.parameters, gradients) {
          assertClose(parameter.grad!.scalars, expected.scalars, tolerance: 1e-12, label)
        }
      }
    }
  }

  /// Two targets go through the fused node's many-output path: its gradient equals the model
  /// and loss functions', and training recovers both targets' coefficients (a = 2·x0 − x1 + 1,
  /// b = −0.5·x0 + 3·x1 − 2, exact data: within 0.01 after training).
  func testTwoTargetsTrainAndMatchTheUnfusedGradient() throws {
    let folder = try temporaryDirectory(for: self)
    var generator = SplitMix64(seed: 8)
    var lines = ["x0,x1,a,b"]
    for _ in 0..<400 {
      let (x0, x1) = (generator.nextDouble() * 4 - 2, generator.nextDouble() * 4 - 2)
      lines.append("\(x0),\(x1),\(2 * x0 - x1 + 1),\(-0.5 * x0 + 3 * x1 - 2)")
    }
    try lines.joined(separator: "\n").write(
      to: folder.appendingPathComponent("two.csv"), atomically: true, encoding: .utf8)
    let config = try TrainingConfig.parse(
      """
      {"version": 1, "data": {"path": "two.csv", "targets": ["a", "b"], "standardize": false},
       "optimizer": {"kind": "adam", "lr": 0.05},
       "training": {"epochs": 150, "batchSize": 64, "microBatchSize": 16, "seed": 2},
       "output": {"dir": "/tmp/unused"}}
      """, baseDirectory: folder.path)
    let trainer = try Trainer(config: config, data: try PreparedData.load(config))
    let batch = try XCTUnwrap(try trainer.loader.nextBatch())
    randomize(trainer, seed: 1)
    trainer.model.parameters.forEach { $0.grad = nil }
    let loss = try trainer.accumulateGradients(on: batch)
    let memory = try XCTUnwrap(trainer.data.training as? InMemoryDataset)
    let rows = try memory.rows(at: batch.rowIndices)
    let reference = Tensor.squaredErrorSum(
      trainer.model(Tensor(shape: [batch.rows, 2], scalars: rows.features)),
      Tensor(shape: [batch.rows, 2], scalars: rows.targets), scale: 1 / Double(batch.rows * 2))
    XCTAssertEqual(loss, reference.item, accuracy: 1e-12)
    let gradients = try reference.gradients(withRespectTo: trainer.model.parameters)
    for (parameter, expected) in zip(trainer.model.parameters, gradients) {
      assertClose(parameter.grad!.scalars, expected.scalars, tolerance: 1e-12)
    }

    let fresh = try Trainer(config: config, data: try PreparedData.load(config))
    try fresh.run()
    // W is [inputs, targets] row-major: [[2, −0.5], [−1, 3]]; b = [1, −2].
    assertClose(fresh.model.weight.scalars, [2, -0.5, -1, 3], tolerance: 0.01)
    assertClose(fresh.model.bias!.scalars, [1, -2], tolerance: 0.01)
  }

  func testTrainingIsDeterministic() throws {
    func train() throws -> ([[Double]], [Double]) {
      let c = try config(["data.shuffle=true", "optimizer.kind=\"adam\"", "optimizer.lr=0.05"])
      let trainer = try Trainer(config: c, data: try PreparedData.load(c))
      try trainer.run()
      return (trainer.model.parameters.map(\.scalars), trainer.state.history.map(\.trainLoss))
    }
    let (firstParameters, firstLosses) = try train()
    let (secondParameters, secondLosses) = try train()
    XCTAssertEqual(firstParameters, secondParameters)
    XCTAssertEqual(firstLosses, secondLosses)
  }

  /// Coefficients in original units predict the same as the model on standardized terms.
  func testOriginalUnitsPredictLikeTheStandardizedModel() throws {
    let c = try config(["model={\"kind\": \"polynomial\", \"degree\": 2}", "data.standardize=true"])
    let data = try PreparedData.load(c)
    let trainer = try Trainer(config: c, data: data)
    randomize(trainer, seed: 3)
    let fitted = trainer.fittedModel()
    XCTAssertEqual(
      fitted.terms, ["x0", "x1", "x2", "x0^2", "x0 x1", "x0 x2", "x1^2", "x1 x2", "x2^2"])
    let raw = try PreparedData.readDataset(path: c.data.path, config: c.data)
    let rows = try raw.rows(0..<50)
    let fromOriginal = fitted.predict(rows: rows.features)
    var terms = data.expansion!.expand(rows: rows.features, inputFeatures: 3)
    data.standardization!.apply(to: &terms)
    let fromModel = noGrad { trainer.model(Tensor(shape: [50, 9], scalars: terms)) }
    // The model predicts scaled targets (data.standardize scales them too).
    var predicted = fromModel.scalars
    data.unscaleTargets(&predicted)
    assertClose(fromOriginal, predicted, tolerance: 1e-9)
  }

  /// A model without a bias stays one through the origin when its inputs are standardized: the
  /// terms are scaled but not centred (centring would give it an intercept in the original
  /// units). Data y = 2·x0 − x1 + 0.5·x2 exactly, with x in [1, 5] (far from zero mean): the
  /// saved intercept is exactly 0 and the coefficients are recovered within 0.01.
  func testAModelWithoutBiasIsScaledButNotCentred() throws {
    let folder = try temporaryDirectory(for: self)
    var generator = SplitMix64(seed: 4)
    var lines = ["x0,x1,x2,y"]
    for _ in 0..<500 {
      let x = (0..<3).map { _ in generator.nextDouble() * 4 + 1 }
      lines.append("\(x[0]),\(x[1]),\(x[2]),\(2 * x[0] - x[1] + 0.5 * x[2])")
    }
    try lines.joined(separator: "\n").write(
      to: folder.appendingPathComponent("origin.csv"), atomically: true, encoding: .utf8)
    let config = try TrainingConfig.parse(
      """
      {"version": 1, "data": {"path": "origin.csv", "targets": ["y"]},
       "model": {"kind": "linear", "bias": false},
       "optimizer": {"kind": "adam", "lr": 0.05},
       "training": {"epochs": 150, "batchSize": 64, "seed": 3},
       "output": {"dir": "/tmp/unused"}}
      """, baseDirectory: folder.path)
    let data = try PreparedData.load(config)
    XCTAssertEqual(data.standardization?.mean, [0, 0, 0])
    let trainer = try Trainer(config: config, data: data)
    try trainer.run()
    let fitted = trainer.fittedModel()
    XCTAssertEqual(fitted.intercept, [0])
    assertClose(fitted.weights, [2, -1, 0.5], tolerance: 0.01)
  }

  /// A folder with training rows y = 2x and validation rows y = −2x, so that validation only
  /// gets worse after the first epoch, and a config over them: SGD, no shuffling, with the JSON
  /// members `rest` (schedule, training, output).
  func opposingValidation(_ rest: String) throws -> (folder: URL, config: TrainingConfig) {
    let folder = try temporaryDirectory(for: self)
    let xs = (0..<40).map { Double($0) / 40 }
    try (["x,y"] + xs.map { "\($0),\(2 * $0)" }).joined(separator: "\n").write(
      to: folder.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
    try (["x,y"] + xs.prefix(10).map { "\($0),\(-2 * $0)" }).joined(separator: "\n").write(
      to: folder.appendingPathComponent("val.csv"), atomically: true, encoding: .utf8)
    let config = try TrainingConfig.parse(
      """
      {"version": 1,
       "data": {"path": "train.csv", "targets": ["y"], "validation": {"path": "val.csv"},
                "shuffle": false, "standardize": false},
       "optimizer": {"kind": "sgd", "lr": 0.1}, \(rest)}
      """, baseDirectory: folder.path)
    return (folder, config)
  }

  /// The plateau schedule's cuts last: validation targets opposite to the training ones keep the
  /// validation loss above the first epoch's, so with patience 0 each later epoch halves the rate
  /// (the record shows the rate the epoch trained with). The per-step scheduler used to write
  /// the base rate back at the next step.
  func testPlateauReductionsPersist() throws {
    let (_, config) = try opposingValidation(
      #""schedule": {"kind": "plateau", "patience": 0, "factor": 0.5}, "#
        + #""training": {"epochs": 5, "batchSize": 10}, "output": {"dir": "/tmp/unused"}"#)
    let trainer = try Trainer(config: config, data: try PreparedData.load(config))
    try trainer.run()
    let validation = trainer.state.history.map { $0.validation!.mse }
    XCTAssertTrue(validation.dropFirst().allSatisfy { $0 > validation[0] }, "\(validation)")
    XCTAssertEqual(trainer.state.history.map(\.learningRate), [0.1, 0.1, 0.05, 0.025, 0.0125])
    XCTAssertEqual(trainer.optimizer.learningRate, 0.00625)
  }

  /// Early stopping writes the best epoch's model, not the last one's: validation targets
  /// opposite to the training ones make epoch 1 the best, so patience 2 stops after epoch 3 and
  /// model.json must predict the validation rows exactly as well as epoch 1 did.
  func testEarlyStoppingKeepsTheBestEpochsParameters() throws {
    let (folder, config) = try opposingValidation(
      #""training": {"epochs": 10, "batchSize": 10, "earlyStopping": {"patience": 2}}, "#
        + #""output": {"dir": "run"}"#)
    let summary = try TrainingRun(config: config, reporter: Reporter(style: .quiet)).run()
    XCTAssertTrue(summary.stoppedEarly)
    XCTAssertEqual(summary.epochs, 3)
    XCTAssertEqual(summary.modelEpoch, 1)
    let metrics = try String(
      contentsOf: folder.appendingPathComponent("run/metrics.csv"), encoding: .utf8)
    let firstEpoch = metrics.split(separator: "\n")[1].split(separator: ",")
    let bestValidationMSE = try XCTUnwrap(Double(String(firstEpoch[3])))
    let model = try FittedModel.load(from: folder.appendingPathComponent("run/model.json"))
    let validation = try PreparedData.readDataset(
      path: folder.appendingPathComponent("val.csv").path, config: config.data)
    let predictions = model.predict(rows: validation.features)
    let mse =
      zip(predictions, validation.targets).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
      / Double(validation.rowCount)
    assertClose(mse, bestValidationMSE, tolerance: 1e-12)
    XCTAssertEqual(summary.validation?.mse, bestValidationMSE)
  }

  /// NaN in an HDF5 file is refused when it is read, naming the data set, row and column; a
  /// validation file's CSV columns are taken by name (their order and extra columns do not
  /// matter).
  func testDataChecksNanInHDF5AndTakesValidationColumnsByName() throws {
    let folder = try temporaryDirectory(for: self)
    do {
      let file = try HDF5File(url: folder.appendingPathComponent("nan.h5"), mode: .create)
      try file.write([1, 2, 3, 4, .nan, 6], shape: [3, 2], to: "/X")
      try file.write([1, 2, 3], shape: [3], to: "/y")
    }
    let nanConfig = try TrainingConfig.parse(
      #"{"version": 1, "data": {"path": "nan.h5"}, "output": {"dir": "/tmp/unused"}}"#,
      baseDirectory: folder.path)
    XCTAssertThrowsError(try PreparedData.load(nanConfig)) {
      XCTAssertEqual(
        "\($0)",
        "\(folder.path)/nan.h5 data set /X: row 2, column 0 (0-based) is NaN or infinite; only "
          + "finite values can be trained on")
    }

    var generator = SplitMix64(seed: 6)
    let rows = (0..<30).map { _ in (generator.nextDouble(), generator.nextDouble()) }
    try (["a,b,y"] + rows.map { "\($0.0),\($0.1),\($0.0 - 2 * $0.1)" }).joined(separator: "\n")
      .write(to: folder.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
    try (["y,note,b,a"] + rows.map { "\($0.0 - 2 * $0.1),text,\($0.1),\($0.0)" })
      .joined(separator: "\n")
      .write(to: folder.appendingPathComponent("shuffled.csv"), atomically: true, encoding: .utf8)
    func validation(_ file: String) throws -> [Double] {
      let config = try TrainingConfig.parse(
        """
        {"version": 1, "data": {"path": "train.csv", "targets": ["y"],
                                "validation": {"path": "\(file)"}},
         "training": {"epochs": 3, "batchSize": 8}, "output": {"dir": "/tmp/unused"}}
        """, baseDirectory: folder.path)
      let trainer = try Trainer(config: config, data: try PreparedData.load(config))
      try trainer.run()
      return trainer.state.history.map { $0.validation!.mse }
    }
    XCTAssertEqual(try validation("shuffled.csv"), try validation("train.csv"))
  }

  /// An HDF5 validation file whose named columns are in another order is read by name; a data
  /// set without feature columns is refused; no validation rows leave the data set whole; rows
  /// dropped for bad values are counted.
  func testHDF5ValidationByNameNoFeaturesAndDroppedRows() throws {
    let folder = try temporaryDirectory(for: self)
    func write(_ name: String, columns: [String], rows: [[Double]]) throws {
      let file = try HDF5File(url: folder.appendingPathComponent(name), mode: .create)
      try file.write(rows.flatMap { $0.dropLast() }, shape: [rows.count, columns.count], to: "/X")
      try file.write(rows.map { $0.last! }, shape: [rows.count], to: "/y")
      let names = "[" + columns.map { "\"\($0)\"" }.joined(separator: ",") + "]"
      try file.setAttribute("columns", names, on: "/X")
    }
    var generator = SplitMix64(seed: 9)
    let rows = (0..<40).map { _ -> [Double] in
      let (a, b) = (generator.nextDouble(), generator.nextDouble())
      return [a, b, 3 * a - b]
    }
    try write("train.h5", columns: ["a", "b"], rows: rows)
    try write("ordered.h5", columns: ["a", "b"], rows: rows)
    try write("swapped.h5", columns: ["b", "a"], rows: rows.map { [$0[1], $0[0], $0[2]] })
    func validation(_ file: String) throws -> [Double] {
      let config = try TrainingConfig.parse(
        """
        {"version": 1, "data": {"path": "train.h5", "validation": {"path": "\(file)"}},
         "training": {"epochs": 2, "batchSize": 8}, "output": {"dir": "/tmp/unused"}}
        """, baseDirectory: folder.path)
      let trainer = try Trainer(config: config, data: try PreparedData.load(config))
      try trainer.run()
      return trainer.state.history.map { $0.validation!.mse }
    }
    XCTAssertEqual(try validation("swapped.h5"), try validation("ordered.h5"))

    _ = try Python.run(
      "import h5py, numpy, sys; f = h5py.File(sys.argv[1], 'w'); "
        + "f['X'] = numpy.zeros((3, 0)); f['y'] = [1.0, 2.0, 3.0]; f.close()",
      [folder.appendingPathComponent("none.h5").path])
    let none = try TrainingConfig.parse(
      #"{"version": 1, "data": {"path": "none.h5"}, "output": {"dir": "/tmp/unused"}}"#,
      baseDirectory: folder.path)
    XCTAssertThrowsError(try PreparedData.load(none)) {
      XCTAssertTrue(
        "\($0)".contains("/X: has shape [3, 0]: no columns to read as features"), "\($0)")
    }

    let all = try InMemoryDataset.hdf5(url: folder.appendingPathComponent("train.h5"))
    let whole = try DataSplit.random(all, validationFraction: 0, seed: 1)
    XCTAssertTrue(whole.training is InMemoryDataset, "\(type(of: whole.training))")
    XCTAssertEqual(whole.validation.rowCount, 0)

    try "x,y\n1,2\n2,NA\n3,4\n".write(
      to: folder.appendingPathComponent("gaps.csv"), atomically: true, encoding: .utf8)
    let gaps = try TrainingConfig.parse(
      """
      {"version": 1, "data": {"path": "gaps.csv", "targets": ["y"], "missing": "drop-row",
                              "validation": {"fraction": 0}},
       "output": {"dir": "/tmp/unused"}}
      """, baseDirectory: folder.path)
    XCTAssertEqual(try PreparedData.load(gaps).droppedRows, 1)
  }

  /// Metrics against scikit-learn's definitions, computed by hand.
  func testRegressionMetrics() {
    let m = RegressionMetrics(
      predictions: [2.5, 0, 2, 8], targets: [3, -0.5, 2, 7], targetCount: 1)
    XCTAssertEqual(m.mse, 0.375, accuracy: 1e-15)
    XCTAssertEqual(m.mae, 0.5, accuracy: 1e-15)
    XCTAssertEqual(m.rmse, 0.375.squareRoot(), accuracy: 1e-15)
    XCTAssertEqual(m.r2, 0.9486081370449679, accuracy: 1e-15)  // sklearn's r2_score example
  }

  /// LAPACK's least squares against a system solved by hand: y = 1 + 2x exactly.
  func testLeastSquaresSolvesAnExactSystem() throws {
    let x = try LeastSquares.solve(
      design: [1, 1, 1, 2, 1, 3, 1, 4], rows: 4, columns: 2, targets: [3, 5, 7, 9],
      rightHandSides: 1)
    assertClose(x, [1, 2], tolerance: 1e-12)
  }
}
