import Autograd
import DataIO
import Foundation
import Models
import Optim

/// Trains a linear model (on raw or polynomial terms) as a config describes: the loop of
/// `fit`, with gradient accumulation over micro-batches, schedules, clipping, early stopping
/// and divergence checks. Everything that must survive a restart is in `TrainingState`.
///
/// Gradient accumulation: a batch of R rows and t targets is split into micro-batches; micro-batch
/// m contributes `Σ_{rows in m} ℓ(ŷ, y) / (R·t)` to the batch loss, so the gradients that
/// accumulate in `.grad` over the micro-batches add up to the gradient of the batch's mean loss,
/// whatever the micro-batch size (up to rounding). The optimizer steps once per batch.
///
/// With the MSE loss, each micro-batch's loss is one fused node
/// (`Tensor.linearSquaredErrorSum`) that reads the rows in place, in the data set's storage when
/// it is in memory, and computes loss and gradient in one pass: no batch is copied, and each row
/// is read once. Other losses go through `model(x)` and the loss function.
public final class Trainer {
  /// The config as given (`"lr": "auto"` stays `"auto"`: it is what checkpoints compare).
  public let config: TrainingConfig
  /// The optimizer's settings with `"auto"` values resolved from `analysis`.
  public let optimizerSettings: OptimizerConfig
  /// The design's spectrum and the exact minimum of the MSE objective (nil beyond
  /// `DesignAnalysis.maximumColumns` terms).
  public let analysis: DesignAnalysis?
  public let data: PreparedData
  public let model: Linear
  /// `model.parameters`, listed once (a module builds that array anew on every call).
  private let parameters: [Tensor]
  public let optimizer: any Optimizer
  public let scheduler: LearningRateScheduler
  public let plateau: ReduceOnPlateau?
  public let loader: BatchLoader
  /// Whether micro-batch losses are fused `linearSquaredErrorSum` nodes (MSE).
  let fusesLoss: Bool
  /// The training rows when they are in memory and the fused loss reads them in place; the
  /// loader then hands out row indices only.
  private let rowsInPlace: InMemoryDataset?
  public internal(set) var state = TrainingState()
  private let loss: Loss
  /// λ of the trained objective: `loss.l2`, times the target scale s for MAE (whose loss scales
  /// by s where the penalty scales by s², so that the minimizer is the one in original units).
  let trainedL2: Double
  /// The factor from the trained objective to the original units: s² for MSE and Huber, s for
  /// MAE (1 without target scaling).
  public let objectiveScale: Double
  /// Epochs without relative progress after which a non-MSE run stops (`training.tolerance`):
  /// 10 with mini-batches, as scikit-learn's `n_iter_no_change` (each epoch many steps); with
  /// full batches, where an epoch is one step, 100 or 3·√κ steps if more (at most 1000), since
  /// momentum on a design of condition κ swings over about √κ steps and full-batch subgradient
  /// steps on MAE oscillate before they descend.
  public var epochsWithoutProgressLimit: Int {
    guard loader.batchesPerEpoch == 1 else { return 10 }
    guard let analysis else { return 100 }
    let kappa = analysis.largestCurvature / max(analysis.smallestCurvature, 1e-300)
    return max(100, min(1000, Int((3 * kappa.squareRoot()).rounded(.up))))
  }

  /// Called after each optimizer step (checkpoints hook in here) and after each epoch.
  public var afterStep: ((Trainer) throws -> Void)?
  public var afterEpoch: ((Trainer, EpochRecord) throws -> Void)?
  /// Polled between steps; when it returns true the run stops after the current step.
  public var shouldStop: () -> Bool = { false }

  public init(config: TrainingConfig, data: PreparedData) throws {
    self.config = config
    self.data = data
    model = Linear(
      inputFeatures: data.termCount, outputFeatures: data.targetCount, bias: config.model.bias)
    fusesLoss = config.loss.kind == .mse
    rowsInPlace = fusesLoss ? data.training as? InMemoryDataset : nil
    let scale = data.targetScale
    switch config.loss.kind {
    case .mse: (loss, trainedL2, objectiveScale) = (.mse, config.loss.l2, scale * scale)
    case .mae: (loss, trainedL2, objectiveScale) = (.mae, config.loss.l2 * scale, scale)
    case .huber:
      // Huber(δ) of s·r is s²·Huber(δ/s) of r.
      (loss, trainedL2, objectiveScale) = (
        .huber(delta: config.loss.delta / scale), config.loss.l2, scale * scale
      )
    }
    analysis = try DesignAnalysis(data: data.training, bias: config.model.bias, l2: trainedL2)
    // `"batchSize": "all"` is one step per epoch over the rows in file order: shuffling would
    // change nothing but the summation order and the memory access pattern.
    let rows = max(data.training.rowCount, 1)
    let fullBatch = config.training.batchSize == TrainingOptions.allRows
    let batchSize = min(config.training.batchSize, rows)
    loader = try BatchLoader(
      dataset: data.training,
      options: LoaderOptions(
        batchSize: batchSize, microBatchSize: min(config.training.microBatchSize, batchSize),
        shuffle: config.data.shuffle && !fullBatch, seed: config.training.seed,
        readsRows: rowsInPlace == nil))
    optimizerSettings = try Self.resolve(
      config, analysis: analysis, fullBatch: batchSize >= rows)
    var resolved = config
    resolved.optimizer = optimizerSettings
    let factory = OptimizerFactory(
      config: resolved, totalSteps: loader.batchesPerEpoch * config.training.epochs)
    parameters = model.parameters
    optimizer = try factory.makeOptimizer(model)
    scheduler = LearningRateScheduler(optimizer: optimizer, schedule: try factory.makeSchedule())
    plateau = try factory.makePlateau(optimizer)
  }

  /// The optimizer settings with `"auto"` resolved: the SGD family's rate 1/L and, with full
  /// batches, the momentum of the design's condition number; Adam's rate 0.01.
  static func resolve(
    _ config: TrainingConfig, analysis: DesignAnalysis?, fullBatch: Bool
  ) throws -> OptimizerConfig {
    var o = config.optimizer
    if o.autoLR {
      if o.isSGDFamily {
        guard let analysis else {
          throw TrainingError.badConfig(
            "optimizer.lr: \"auto\" needs the design's Gram matrix, which fit forms for up to "
              + "\(DesignAnalysis.maximumColumns) terms; this model has more: give a number")
        }
        o.lr = analysis.automaticLearningRate
      } else {
        o.lr = 0.01
      }
      if config.schedule.minLR >= o.lr && config.schedule.minLR > 0 {
        throw TrainingError.badConfig(
          "schedule.minLR: \(config.schedule.minLR) is not below the automatic optimizer.lr "
            + "(\(o.lr))")
      }
    }
    if o.autoMomentum {
      o.momentum = fullBatch ? (analysis?.automaticMomentum ?? 0.9) : 0.9
      if o.momentum <= 0 { o.momentum = 0 }
      if o.momentum == 0 { o.nesterov = false }
    }
    return o
  }

  public var isFinished: Bool {
    state.stoppedEarly || state.converged || loader.position.epoch >= config.training.epochs
  }

  /// Runs epochs until the budget is spent, early stopping triggers, or `shouldStop` says so.
  /// - Returns: whether the run reached its end (false when stopped by `shouldStop`).
  @discardableResult
  public func run() throws -> Bool {
    while !isFinished {
      guard try runEpoch() else { return false }
      if shouldStop() && !isFinished { return false }
    }
    return true
  }

  /// Continues the current epoch to its end; false if `shouldStop` interrupted it.
  func runEpoch() throws -> Bool {
    let epoch = loader.position.epoch
    let clock = ContinuousClock()
    let start = clock.now
    // A resumed run starts mid-epoch: its rows per second count only the rows trained here.
    let rowsBefore = state.epochRows
    while let batch = try loader.nextBatch() {
      let batchLoss = try step(on: batch)
      state.epochLossSum += batchLoss * Double(batch.rows)
      state.epochRows += batch.rows
      try afterStep?(self)
      if shouldStop() && loader.position.batchIndex < loader.batchesPerEpoch { return false }
    }
    let elapsed = clock.now - start
    let seconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    let record = EpochRecord(
      epoch: epoch + 1, step: state.step,
      trainLoss: objectiveScale * state.epochLossSum / Double(max(state.epochRows, 1)),
      validation: try validationMetrics(), learningRate: optimizer.learningRate,
      rowsPerSecond: Double(state.epochRows - rowsBefore) / max(seconds, 1e-9))
    state.epochLossSum = 0
    state.epochRows = 0
    state.history.append(record)
    plateau?.step(metric: record.monitoredLoss)
    updateEarlyStopping(record)
    updateConvergence(record)
    try afterEpoch?(self, record)
    return true
  }

  /// One optimizer step on a batch, accumulating gradients over its micro-batches.
  /// - Returns: the batch's mean loss.
  func step(on batch: Batch) throws -> Double {
    optimizer.zeroGrad()
    let total = try accumulateGradients(on: batch)
    guard total.isFinite else {
      throw TrainingError.diverged(step: state.step + 1, epoch: batch.epoch + 1, what: "the loss")
    }
    guard parameters.allSatisfy({ $0.grad?.isFinite ?? true }) else {
      throw TrainingError.diverged(step: state.step + 1, epoch: batch.epoch + 1, what: "a gradient")
    }
    if let clipValue = config.training.clipValue {
      clipGradValue(parameters, clipValue: clipValue)
    }
    if let clipNorm = config.training.clipNorm { clipGradNorm(parameters, maxNorm: clipNorm) }
    optimizer.step()
    scheduler.step()
    state.step += 1
    return total
  }

  /// Adds the gradient of the batch's objective into the parameters' `grad`, one micro-batch at
  /// a time, and returns the batch's objective.
  public func accumulateGradients(on batch: Batch) throws -> Double {
    if fusesLoss { return try accumulateFusedGradients(on: batch) }
    let parts = batch.microBatchSize >= batch.rows ? [batch] : batch.microBatches
    var total = 0.0
    for part in parts {
      let x = Tensor(shape: [part.rows, batch.featureCount], scalars: part.features)
      let y = Tensor(shape: [part.rows, batch.targetCount], scalars: part.targets)
      let objective = objective(prediction: model(x), target: y, batchRows: batch.rows)
      total += objective.item
      try objective.backward()
    }
    return total
  }

  /// `accumulateGradients` for the MSE loss: one fused node per micro-batch over the rows where
  /// they are (the data set's storage, or the batch's own copy when the data are streamed; the
  /// same rows in the same order give the same bits either way).
  func accumulateFusedGradients(on batch: Batch) throws -> Double {
    let (inputs, targets, rows): ([Double], [Double], [Int])
    if let memory = rowsInPlace {
      (inputs, targets, rows) = (memory.features, memory.targets, batch.rowIndices)
    } else {
      (inputs, targets, rows) = (batch.features, batch.targets, Array(0..<batch.rows))
    }
    var total = 0.0
    for start in stride(from: 0, to: rows.count, by: batch.microBatchSize) {
      let part = rows[start..<min(start + batch.microBatchSize, rows.count)]
      let objective = fusedObjective(
        inputs: inputs, targets: targets, rows: part, batchRows: batch.rows)
      total += objective.item
      try objective.backward()
    }
    return total
  }

  /// The fused MSE objective of the rows `rows` of row-major `inputs` and `targets`, as one
  /// micro-batch of a batch of `batchRows` rows: their summed squared error over
  /// (batch rows × targets), plus their share of the L2 penalty.
  func fusedObjective(
    inputs: [Double], targets: [Double], rows: ArraySlice<Int>, batchRows: Int
  ) -> Tensor {
    let objective = Tensor.linearSquaredErrorSum(
      inputs: inputs, targets: targets, rows: rows, weight: model.weight, bias: model.bias,
      scale: 1 / Double(batchRows * data.targetCount))
    return withPenaltyShare(objective, rows: rows.count, batchRows: batchRows)
  }

  /// `objective` plus the L2 penalty's share of `rows` out of `batchRows` (nothing without one).
  private func withPenaltyShare(_ objective: Tensor, rows: Int, batchRows: Int) -> Tensor {
    guard trainedL2 > 0 else { return objective }
    let share = Double(rows) / Double(batchRows)
    return objective + l2Penalty(model, lambda: trainedL2) * share
  }

  /// The objective training differentiates, on all the rows of `block` taken as one batch: the
  /// fused node for MSE, the model and the loss function otherwise. `fit gradcheck` checks it.
  public func objective(on block: RowBlock) -> Tensor {
    if fusesLoss {
      return fusedObjective(
        inputs: block.features, targets: block.targets, rows: Array(0..<block.rows)[...],
        batchRows: block.rows)
    }
    let x = Tensor(shape: [block.rows, data.termCount], scalars: block.features)
    let y = Tensor(shape: [block.rows, data.targetCount], scalars: block.targets)
    return objective(prediction: model(x), target: y, batchRows: block.rows)
  }

  /// A micro-batch's part of the batch objective: its summed loss over (batch rows × targets),
  /// plus its share (rows / batch rows) of the L2 penalty, so the parts add up to the batch's
  /// mean loss plus the penalty.
  func objective(prediction: Tensor, target: Tensor, batchRows: Int) -> Tensor {
    let scale = 1 / Double(batchRows * target.shape[1])
    let objective = loss.sum(prediction, target, scaledBy: scale)
    return withPenaltyShare(objective, rows: prediction.shape[0], batchRows: batchRows)
  }

  /// MSE, RMSE, MAE and R² of the model on the validation rows, in the targets' units.
  public func validationMetrics() throws -> RegressionMetrics? {
    guard let validation = data.validation else { return nil }
    return try metrics(on: validation)
  }

  /// The model's metrics on prepared rows, read in blocks so that a streamed data set is never
  /// held whole.
  public func metrics(on dataset: any Dataset) throws -> RegressionMetrics {
    var accumulator = RegressionMetrics.Accumulator(targetCount: dataset.targetCount)
    try RunSummary.LeastSquaresReference.forEachBlock(of: dataset) { block in
      let predictions = noGrad {
        model(Tensor(shape: [block.rows, dataset.featureCount], scalars: block.features))
      }
      var scaledPredictions = predictions.scalars
      var targets = block.targets
      data.unscaleTargets(&scaledPredictions)
      data.unscaleTargets(&targets)
      accumulator.add(predictions: scaledPredictions, targets: targets)
    }
    return accumulator.metrics
  }

  private func updateEarlyStopping(_ record: EpochRecord) {
    let monitored = record.monitoredLoss
    let minDelta = config.training.earlyStopping?.minDelta ?? 0
    if monitored < state.bestLoss - minDelta {
      state.bestLoss = monitored
      state.bestEpoch = record.epoch
      state.epochsWithoutImprovement = 0
    } else {
      state.epochsWithoutImprovement += 1
    }
    if let patience = config.training.earlyStopping?.patience,
      state.epochsWithoutImprovement >= patience
    {
      state.stoppedEarly = true
    }
  }

  /// Stops a run whose training objective has reached `training.tolerance`: with MSE, when the
  /// model is within that fraction of the exact minimum (`DesignAnalysis.relativeExcess`, exact
  /// and free: a d × d quadratic form); with other losses, when `epochsWithoutProgressLimit`
  /// epochs in a row have not lowered the best epoch loss by that fraction of it.
  private func updateConvergence(_ record: EpochRecord) {
    let tolerance = config.training.tolerance
    // Weight decay adds to the objective a term the training loss does not show, so neither
    // rule can judge it: such a run trains its epochs.
    guard optimizerSettings.weightDecay == 0 else { return }
    // A decaying schedule is the user's plan for the rate; the no-progress rule would end it
    // before the rate decays (the MSE rule, which measures the distance itself, still applies).
    if fusesLoss, let excess = relativeExcess() {
      if excess <= tolerance { state.converged = true }
      return
    }
    guard config.schedule.kind == .constant else { return }
    if record.trainLoss < state.bestTrainLoss - tolerance * Swift.abs(state.bestTrainLoss)
      || !state.bestTrainLoss.isFinite
    {
      state.bestTrainLoss = record.trainLoss
      state.epochsWithoutProgress = 0
    } else {
      state.epochsWithoutProgress += 1
      if state.epochsWithoutProgress >= epochsWithoutProgressLimit { state.converged = true }
    }
  }

  /// The MSE objective's excess over its exact minimum at the current parameters, relative to
  /// that minimum (nil without an analysis, or for other losses).
  public func relativeExcess() -> Double? {
    guard config.loss.kind == .mse, let analysis else { return nil }
    return analysis.relativeExcess(
      weights: model.weight.scalars,
      intercept: model.bias?.scalars ?? [Double](repeating: 0, count: data.targetCount))
  }

  /// The fitted coefficients in the original units of the raw terms.
  public func fittedModel() -> FittedModel {
    let bias = model.bias?.scalars ?? [Double](repeating: 0, count: data.targetCount)
    let (weights, intercept) = data.originalUnits(weights: model.weight.scalars, bias: bias)
    return FittedModel(
      name: config.name, kind: config.model.kind.rawValue,
      degree: config.model.kind == .polynomial ? config.model.degree : 1,
      interactionOnly: config.model.interactionOnly, inputs: data.inputNames,
      terms: data.termNames, targets: data.targetNames, weights: weights, intercept: intercept)
  }
}

/// Everything about a run's progress besides parameters, optimizer and loader state.
public struct TrainingState: Equatable, Sendable {
  public var step = 0
  public var history: [EpochRecord] = []
  public var bestLoss = Double.infinity
  public var bestEpoch = 0
  public var epochsWithoutImprovement = 0
  public var stoppedEarly = false
  /// The loss summed over the current epoch's batches so far (weighted by rows).
  public var epochLossSum = 0.0
  public var epochRows = 0
  /// Whether `training.tolerance` ended the run (MSE: the objective within that fraction of its
  /// minimum; other losses: no progress for `Trainer.epochsWithoutProgressLimit` epochs).
  public var converged = false
  /// The lowest epoch training loss so far and the epochs since it last improved by the
  /// tolerance (the rule for losses other than MSE).
  public var bestTrainLoss = Double.infinity
  public var epochsWithoutProgress = 0
  public init() {}

  /// The step that ended the best epoch (its checkpoint's step), if there is a best epoch.
  public var bestEpochStep: Int? {
    bestEpoch >= 1 && bestEpoch <= history.count ? history[bestEpoch - 1].step : nil
  }
}
