import DataIO
import Foundation

/// One `fit` run from a config to its run folder: prepares the data, trains, and writes
/// `config.json`, `metrics.csv` (a row per epoch, flushed as it goes), `loss.svg` and
/// `model.json` into `output.dir`, with checkpoints in `output.dir/checkpoints/` (see
/// `CheckpointFolder` and `docs/checkpoints.md`). It holds the folder's lock while it runs, and
/// can resume from a checkpoint bit for bit.
public final class TrainingRun {
  public let config: TrainingConfig
  public let reporter: Reporter
  public let runDirectory: URL
  public private(set) var trainer: Trainer?

  /// Set from a signal handler: the run stops after the current step (see `StopRequest` for
  /// what happens outside the training loop).
  public let stopRequest = StopRequest()
  /// Where to continue from; nil trains from the start.
  public let resume: ResumeSource?
  /// Stop (as if interrupted, writing a checkpoint) once this many optimizer steps are done;
  /// `--verify-resume` uses it.
  public var stopAtStep: Int?
  /// The checkpoint the run resumed from, once `run()` has restored it.
  public private(set) var resumedFrom: URL?

  /// Where a resumed run continues from.
  public enum ResumeSource: Equatable, Sendable {
    /// The run folder's latest valid checkpoint (`--resume`).
    case latest
    /// A given checkpoint file (`--resume PATH`).
    case file(String)
  }

  public init(config: TrainingConfig, reporter: Reporter, resume: ResumeSource? = nil) {
    self.config = config
    self.reporter = reporter
    self.resume = resume
    runDirectory = URL(fileURLWithPath: config.output.dir, isDirectory: true)
  }

  /// Trains to the end (or until stopped) and returns the summary.
  public func run() throws -> RunSummary {
    let clock = ContinuousClock()
    let start = clock.now
    stopRequest.enter("loading the data")
    let data = try PreparedData.load(config)
    try stopIfRequested(step: 0, checkpoint: nil)
    stopRequest.enter("analysing the data")
    let trainer = try Trainer(config: config, data: data)
    self.trainer = trainer
    try stopIfRequested(step: 0, checkpoint: nil)
    stopRequest.enter("preparing the run folder")
    try createRunDirectory()
    let lock = try CheckpointRunLock(runDirectory: runDirectory)
    defer { withExtendedLifetime(lock) {} }
    let checkpoints = CheckpointFolder(
      runDirectory: runDirectory, keepLast: config.output.keepLast)
    if let resume {
      try restore(trainer, from: resume, folder: checkpoints)
    } else if !checkpoints.checkpoints().isEmpty {
      reporter.info(
        "note: \(checkpoints.url.path) holds checkpoints of an earlier run; this run starts "
          + "afresh and replaces them as it writes its own (use --resume to continue instead)")
    }
    stopRequest.record(
      step: trainer.state.step, checkpoint: resumedFrom.map { (trainer.state.step, $0) })
    try stopIfRequested(step: trainer.state.step, checkpoint: resumedFrom?.path)
    try AtomicFile.write(Data(config.renderedJSON().utf8), to: file("config.json"))
    let metrics = try openMetrics(history: trainer.state.history)
    if !trainer.state.history.isEmpty { try writePlot(trainer.state.history) }
    if data.droppedRows > 0 {
      reporter.info(
        "\(data.droppedRows) rows left out for missing, non-numeric or non-finite values "
          + "(data.missing \"drop-row\")")
    }
    if let index = data.rowIndexColumn { reporter.info("note: " + index.note) }
    if data.inputNames.contains("") {
      reporter.info(
        "warning: \(config.data.path) has a column without a name, trained as a feature (its "
          + "values are not the row numbers 0..n−1 or 1..n of an index, which would be left "
          + "out); to leave it out, set \"data\": {\"exclude\": [\"\"]}")
    }
    if let analysis = trainer.analysis, analysis.conditionNumber > Self.illConditioned {
      reporter.info(Self.conditioningWarning(analysis, terms: data.termNames))
    }
    reporter.info(
      "training \(config.name): \(data.training.rowCount) training rows, "
        + "\(data.validation?.rowCount ?? 0) validation rows, \(data.termCount) terms, "
        + "\(trainer.loader.batchesPerEpoch) steps per epoch")

    let epochs = config.training.epochs
    let every = config.output.checkpointEvery
    var lastSaved: (step: Int, url: URL)? = resumedFrom.map { (trainer.state.step, $0) }
    var lastSaveTime = clock.now
    var lastPlotTime = clock.now - .seconds(1)
    // When the trainer last handed control back: a step that took longer than a stop waits for
    // (`StopRequest.gracePeriod`) is followed by a checkpoint, so that an interrupt during the
    // next, which cannot wait for it, loses only that step.
    var lastProgress = clock.now
    var slowStepUnsaved = false
    func save(_ trainer: Trainer, isBest: Bool) throws {
      let url = try checkpoints.save(Checkpoint(of: trainer), isBest: isBest)
      lastSaved = (trainer.state.step, url)
      lastSaveTime = clock.now
      slowStepUnsaved = false
    }
    trainer.afterStep = { [reporter, stopRequest] trainer in
      let state = trainer.state
      reporter.progress(
        epoch: trainer.loader.position.epoch + 1, epochs: epochs,
        batch: trainer.loader.position.batchIndex, batches: trainer.loader.batchesPerEpoch,
        rows: state.epochRows, loss: state.epochLossSum / Double(max(state.epochRows, 1)))
      let slow = clock.now - lastProgress >= StopRequest.gracePeriod
      let stepDue = every.steps.map { state.step % $0 == 0 } ?? false
      // A checkpoint due at an epoch's last step waits for the epoch's end (`afterEpoch`), so
      // that it holds the finished epoch.
      if trainer.loader.position.batchIndex < trainer.loader.batchesPerEpoch {
        if stepDue || slow { try save(trainer, isBest: false) }
      } else if slow {
        slowStepUnsaved = true
      }
      stopRequest.record(step: state.step, checkpoint: lastSaved)
      lastProgress = clock.now
    }
    trainer.afterEpoch = { [reporter, stopRequest, weak self] trainer, record in
      try metrics.append(record)
      reporter.epoch(record, of: epochs)
      // At most once a second while training (each plot reads the whole history); the finished
      // run's plot is always written.
      if Self.seconds(clock.now - lastPlotTime) >= 1 {
        try self?.writePlot(trainer.state.history, durable: false)
        lastPlotTime = clock.now
      }
      let isBest = trainer.state.bestEpoch == record.epoch
      let epochDue = every.epochs.map { record.epoch % $0 == 0 } ?? false
      let stepDue = every.steps.map { trainer.state.step % $0 == 0 } ?? false
      let timeDue = every.seconds.map { Self.seconds(clock.now - lastSaveTime) >= $0 } ?? false
      // Early stopping reads the best epoch's parameters back from its checkpoint, so each new
      // best is saved then; otherwise a best epoch is marked when a checkpoint is due anyway
      // (full-batch runs improve at nearly every one of thousands of epochs).
      let bestDue = isBest && trainer.config.training.earlyStopping != nil
      if bestDue || epochDue || stepDue || timeDue || slowStepUnsaved {
        try save(trainer, isBest: isBest)
      }
      stopRequest.record(step: trainer.state.step, checkpoint: lastSaved)
      lastProgress = clock.now
    }
    let stopAtStep = stopAtStep
    trainer.shouldStop = { [stopRequest, unowned trainer] in
      stopRequest.isSet || stopAtStep.map { trainer.state.step >= $0 } ?? false
    }
    stopRequest.record(step: trainer.state.step, checkpoint: lastSaved)
    stopRequest.enter("training", stopsBetweenSteps: true)
    lastProgress = clock.now
    let finished = try trainer.run()
    if let last = trainer.state.history.last { reporter.finished(last, of: epochs) }
    if lastSaved?.step != trainer.state.step {
      try save(trainer, isBest: finished && trainer.state.bestEpoch == trainer.state.history.count)
    }
    stopRequest.record(step: trainer.state.step, checkpoint: lastSaved)
    if !finished {
      if !trainer.state.history.isEmpty { try writePlot(trainer.state.history) }
      throw TrainingError.interrupted(step: trainer.state.step, checkpoint: lastSaved?.url.path)
    }
    // The training is saved; what follows reads every row again (metrics, the reference optima),
    // which an interrupt does not wait for.
    let saved = (step: trainer.state.step, checkpoint: lastSaved?.url.path)
    stopRequest.enter("writing the results")
    var modelEpoch = trainer.state.history.count
    if trainer.state.stoppedEarly {
      reporter.info(
        "early stopping after epoch \(trainer.state.history.count): no improvement for "
          + "\(trainer.state.epochsWithoutImprovement) epochs (best epoch \(trainer.state.bestEpoch))"
      )
      if try restoreBest(trainer, from: checkpoints) { modelEpoch = trainer.state.bestEpoch }
    }
    if !trainer.state.history.isEmpty { try writePlot(trainer.state.history) }
    let model = trainer.fittedModel()
    try AtomicFile.write(try model.jsonData(), to: file("model.json"))
    try stopIfRequested(saved)
    stopRequest.enter("computing the training metrics")
    let trainingMetrics = try trainer.metrics(on: data.training)
    try stopIfRequested(saved)
    stopRequest.enter("computing the least-squares optimum")
    let leastSquares =
      config.loss.kind == .mse && config.loss.l2 == 0
      ? try RunSummary.LeastSquaresReference(data: data, model: model, bias: config.model.bias)
      : nil
    try stopIfRequested(saved)
    stopRequest.enter("computing the robust optimum")
    let robust = try Self.robustReference(trainer)
    try stopIfRequested(saved)
    stopRequest.enter("writing the summary")
    let verdict = ConvergenceVerdict.judge(
      trainer, robustOptimum: robust?.optimum, objective: robust?.objective,
      leastSquares: leastSquares.map { (trainingMetrics.mse, $0.trainMSE) })
    // The verdict is the last line of the summary the command prints (and in `--json`).
    let elapsed = clock.now - start
    let record = modelEpoch >= 1 ? trainer.state.history[modelEpoch - 1] : nil
    let analysis = trainer.analysis
    let summary = RunSummary(
      name: config.name, status: "ok", runDirectory: runDirectory.path,
      epochs: trainer.state.history.count, steps: trainer.state.step,
      stoppedEarly: trainer.state.stoppedEarly, modelEpoch: modelEpoch,
      droppedRows: data.droppedRows,
      trainLoss: record?.trainLoss ?? .nan,
      validation: record?.validation,
      training: trainingMetrics,
      seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
      model: model,
      leastSquares: leastSquares,
      verdict: verdict, converged: verdict.converged, excessLoss: verdict.excessLoss,
      conditionNumber: analysis?.conditionNumber,
      collinearTerms: analysis.map { a in
        a.conditionNumber > Self.illConditioned ? a.collinearTerms.map { data.termNames[$0] } : []
      } ?? [])
    lastSummary = summary
    if config.training.requireConvergence && !verdict.converged {
      throw TrainingError.notConverged(verdict.message)
    }
    return summary
  }

  /// Throws `TrainingError.interrupted` if a stop was requested: checked between the phases
  /// outside the training loop, so that a run stopped there starts no more work (the command
  /// line ends the process at once in those phases; a caller of the library relies on this).
  func stopIfRequested(step: Int, checkpoint: String?) throws {
    if stopRequest.isSet { throw TrainingError.interrupted(step: step, checkpoint: checkpoint) }
  }

  func stopIfRequested(_ saved: (step: Int, checkpoint: String?)) throws {
    try stopIfRequested(step: saved.step, checkpoint: saved.checkpoint)
  }

  /// Up to this many values (rows × terms) the MAE and Huber verdicts solve the objective by
  /// IRLS (`RobustReference`), whose dozens of weighted least-squares solves would otherwise
  /// cost more than the training.
  static let robustReferenceLimit = 4_000_000

  /// For MAE and Huber on in-memory training rows: the objective's minimum by IRLS and the
  /// objective at the trained parameters, both in the trained units; nil otherwise.
  static func robustReference(_ trainer: Trainer) throws -> (optimum: Double, objective: Double)?
  {
    let data = trainer.data
    guard trainer.config.loss.kind != .mse,
      let rows = data.training as? InMemoryDataset,
      rows.rowCount * max(rows.featureCount, 1) <= robustReferenceLimit
    else { return nil }
    let loss: RobustLoss =
      trainer.config.loss.kind == .mae
      ? .mae : .huber(delta: trainer.config.loss.delta / data.targetScale)
    let reference = try RobustReference(
      features: rows.features, rows: rows.rowCount, terms: rows.featureCount,
      targets: rows.targets, targetCount: rows.targetCount, bias: trainer.config.model.bias,
      loss: loss, l2: trainer.trainedL2)
    let objective = RobustReference.objective(
      features: rows.features, rows: rows.rowCount, terms: rows.featureCount,
      targets: rows.targets, targetCount: rows.targetCount,
      weights: trainer.model.weight.scalars,
      intercept: trainer.model.bias?.scalars ?? [Double](repeating: 0, count: rows.targetCount),
      loss: loss, l2: trainer.trainedL2)
    return (min(reference.objective, objective), objective)
  }

  /// The summary of the last run, also when `requireConvergence` turned it into an error.
  public private(set) var lastSummary: RunSummary?

  /// Above this condition number of the standardized design a run warns: gradient methods need
  /// about √κ steps per digit, and the coefficients (not the predictions) are barely determined.
  static let illConditioned = 1e8

  static func conditioningWarning(_ analysis: DesignAnalysis, terms: [String]) -> String {
    let names = analysis.collinearTerms.map { terms[$0] }
    return String(
      format: "warning: the standardized design is ill-conditioned (condition number %.3g)",
      analysis.conditionNumber)
      + (names.isEmpty
        ? "" : "; nearly collinear terms: " + names.joined(separator: ", "))
      + "; coefficients are poorly determined, and training may need many epochs"
  }

  func file(_ name: String) -> URL { runDirectory.appendingPathComponent(name) }

  static func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
  }

  /// Early stopping ends a run `patience` epochs past its best epoch; like scikit-learn's MLP
  /// with `early_stopping` (or Keras' `restore_best_weights`), the model the run writes is then
  /// the best epoch's, read back from its checkpoint (always written at a new best). The `last`
  /// checkpoint keeps the final state, for `--resume` with more patience.
  /// - Returns: whether the parameters were restored (not when the best epoch is the last, or
  ///   its checkpoint cannot be read: a warning then says the model is the final one).
  func restoreBest(_ trainer: Trainer, from folder: CheckpointFolder) throws -> Bool {
    let state = trainer.state
    guard state.bestEpoch < state.history.count, let step = state.bestEpochStep else {
      return false
    }
    let url = folder.url.appendingPathComponent(CheckpointFolder.fileName(step: step))
    do {
      let best = try Checkpoint.read(from: url)
      try trainer.model.load(best.parameters.map { ($0.name, $0.values) })
    } catch {
      folder.warn(
        "cannot read the best epoch's checkpoint \(url.path) (\(error)); model.json holds the "
          + "parameters of the last epoch")
      return false
    }
    reporter.info(
      "model.json holds the parameters of epoch \(state.bestEpoch), the best validation loss")
    return true
  }

  /// Puts a checkpoint's state into `trainer` after checking it belongs to this config.
  func restore(_ trainer: Trainer, from source: ResumeSource, folder: CheckpointFolder) throws {
    let (checkpoint, url): (Checkpoint, URL)
    switch source {
    case .latest:
      (checkpoint, url) = try folder.latestGood()
    case .file(let path):
      // `--resume runs/x/checkpoints/last` (or `best`) follows the pointer, as `fit inspect` does.
      url = CheckpointFolder.resolving(path)
      guard FileManager.default.fileExists(atPath: url.path) else {
        throw CheckpointError.noCheckpoint(folder: path, reason: "the file does not exist")
      }
      checkpoint = try Checkpoint.read(from: url)
    }
    try CheckpointCompatibility.check(
      checkpoint, file: url.path, config: config, data: trainer.data)
    try checkpoint.restore(into: trainer, file: url.path)
    resumedFrom = url
    let position = checkpoint.loader
    reporter.info(
      "resuming from \(url.path): step \(checkpoint.step), epoch \(position.epoch + 1) at batch "
        + "\(position.batchIndex) of \(trainer.loader.batchesPerEpoch)")
  }

  /// `metrics.csv` holding exactly the rows of `history` (the epochs before the resume point;
  /// none for a fresh run), open for appending the next.
  func openMetrics(history: [EpochRecord]) throws -> MetricsLog {
    let lines = [EpochRecord.header] + history.map(\.csvLine)
    try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: file("metrics.csv"))
    return try MetricsLog(url: file("metrics.csv"))
  }

  func createRunDirectory() throws {
    do {
      try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
    } catch {
      throw OutputError.cannotCreate(runDirectory.path, reason: error.localizedDescription)
    }
  }

  /// `loss.svg`. Rewritten after every epoch without flushing it to disk (`durable: false`);
  /// the finished run's plot is flushed.
  func writePlot(_ history: [EpochRecord], durable: Bool = true) throws {
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
    var plot = LossPlot(title: "\(config.name): loss by epoch", series: series)
    // The exact minimum of the training objective, so that the gap to it shows (MSE only: the
    // other losses' optimum is computed after training).
    if config.loss.kind == .mse, let trainer, let analysis = trainer.analysis {
      plot.reference = (
        config.loss.l2 > 0 ? "ridge optimum" : "LS optimum",
        analysis.optimumObjective * trainer.objectiveScale
      )
    }
    try AtomicFile.write(Data(plot.svg().utf8), to: file("loss.svg"), durable: durable)
  }
}
