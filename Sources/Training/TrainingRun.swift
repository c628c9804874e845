import Foundation

/// One `fit` run from a config to its run folder: prepares the data, trains, and writes
/// `config.json`, `metrics.csv` (a row per epoch, flushed as it goes), `loss.svg` and
/// `model.json` into `output.dir`.
public final class TrainingRun {
  public let config: TrainingConfig
  public let reporter: Reporter
  public let runDirectory: URL
  public private(set) var trainer: Trainer?

  /// Set from a signal handler: the run stops after the current step.
  public let stopRequest = StopRequest()

  public init(config: TrainingConfig, reporter: Reporter) {
    self.config = config
    self.reporter = reporter
    runDirectory = URL(fileURLWithPath: config.output.dir, isDirectory: true)
  }

  /// Trains to the end (or until stopped) and returns the summary.
  public func run() throws -> RunSummary {
    let clock = ContinuousClock()
    let start = clock.now
    let data = try PreparedData.load(config)
    let trainer = try Trainer(config: config, data: data)
    self.trainer = trainer
    try createRunDirectory()
    try AtomicFile.write(Data(config.renderedJSON().utf8), to: file("config.json"))
    let metrics = try MetricsLog(url: file("metrics.csv"), keepingEpochs: 0)
    reporter.info(
      "training \(config.name): \(data.training.rowCount) training rows, "
        + "\(data.validation?.rowCount ?? 0) validation rows, \(data.termCount) terms, "
        + "\(trainer.loader.batchesPerEpoch) steps per epoch")

    let epochs = config.training.epochs
    trainer.afterStep = { [reporter] trainer in
      let state = trainer.state
      reporter.progress(
        epoch: trainer.loader.position.epoch + 1, epochs: epochs,
        batch: trainer.loader.position.batchIndex, batches: trainer.loader.batchesPerEpoch,
        rows: state.epochRows, loss: state.epochLossSum / Double(max(state.epochRows, 1)))
    }
    trainer.afterEpoch = { [reporter, weak self] trainer, record in
      try metrics.append(record)
      reporter.epoch(record, of: epochs)
      try self?.writePlot(trainer.state.history)
    }
    trainer.shouldStop = { [stopRequest] in stopRequest.isSet }
    let finished = try trainer.run()
    if !finished {
      throw TrainingError.interrupted(step: trainer.state.step, checkpoint: nil)
    }
    if trainer.state.stoppedEarly {
      reporter.info(
        "early stopping after epoch \(trainer.state.history.count): no improvement for "
          + "\(trainer.state.epochsWithoutImprovement) epochs (best epoch \(trainer.state.bestEpoch))")
    }
    let model = trainer.fittedModel()
    try AtomicFile.write(try model.jsonData(), to: file("model.json"))
    let elapsed = clock.now - start
    return RunSummary(
      name: config.name, status: "ok", runDirectory: runDirectory.path,
      epochs: trainer.state.history.count, steps: trainer.state.step,
      stoppedEarly: trainer.state.stoppedEarly,
      trainLoss: trainer.state.history.last?.trainLoss ?? .nan,
      validation: trainer.state.history.last?.validation,
      training: trainer.metrics(on: data.training),
      seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
      model: model, leastSquares: try leastSquaresReference(data: data, model: model))
  }

  func file(_ name: String) -> URL { runDirectory.appendingPathComponent(name) }

  func createRunDirectory() throws {
    do {
      try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
    } catch {
      throw OutputError.cannotCreate(runDirectory.path, reason: error.localizedDescription)
    }
  }

  func writePlot(_ history: [EpochRecord]) throws {
    var series = [
      LossPlot.Series(
        label: "train loss", color: "#1f77b4",
        points: history.map { (Double($0.epoch), $0.trainLoss) })
    ]
    if history.contains(where: { $0.validation != nil }) {
      series.append(
        LossPlot.Series(
          label: "validation MSE", color: "#d62728",
          points: history.compactMap { r in r.validation.map { (Double(r.epoch), $0.mse) } }))
    }
    let plot = LossPlot(title: "\(config.name): loss by epoch", series: series)
    try AtomicFile.write(Data(plot.svg().utf8), to: file("loss.svg"))
  }

  /// The exact least-squares fit on the training rows, for MSE without penalty: the optimum
  /// training is heading for.
  func leastSquaresReference(data: PreparedData, model: FittedModel) throws
    -> RunSummary.LeastSquaresReference?
  {
    guard config.loss.kind == .mse, config.loss.l2 == 0 else { return nil }
    let rows = data.training.rowCount
    let terms = data.termCount
    let targets = data.targetCount
    let bias = config.model.bias
    let columns = terms + (bias ? 1 : 0)
    guard rows >= columns else { return nil }
    var design = [Double](repeating: 1, count: rows * columns)
    for r in 0..<rows {
      for k in 0..<terms { design[r * columns + k] = data.rawTrainingTerms[r * terms + k] }
    }
    let solution = try LeastSquares.solve(
      design: design, rows: rows, columns: columns, targets: data.training.targets,
      rightHandSides: targets)
    let weights = Array(solution[..<(terms * targets)])
    let intercept = bias ? Array(solution[(terms * targets)...]) : [Double](repeating: 0, count: targets)
    func mse(_ w: [Double], _ b: [Double]) -> Double {
      var total = 0.0
      for r in 0..<rows {
        for j in 0..<targets {
          var prediction = b[j]
          for k in 0..<terms { prediction += w[k * targets + j] * data.rawTrainingTerms[r * terms + k] }
          let residual = prediction - data.training.targets[r * targets + j]
          total += residual * residual
        }
      }
      return total / Double(rows * targets)
    }
    let optimum = mse(weights, intercept)
    let trained = mse(model.weights, model.intercept)
    let difference = zip(model.weights + model.intercept, weights + intercept)
      .map { Swift.abs($0 - $1) }.max() ?? 0
    return .init(
      weights: weights, intercept: intercept, trainMSE: optimum, gap: trained - optimum,
      maxCoefficientDifference: difference)
  }
}

/// A flag a signal handler sets and the training loop polls between steps.
public final class StopRequest: @unchecked Sendable {
  private let lock = NSLock()
  private var flag = false
  public init() {}
  public var isSet: Bool { lock.withLock { flag } }
  public func set() { lock.withLock { flag = true } }
}
