import DataIO
import Foundation
import Optim

/// Everything a run needs to continue exactly where it stood after an optimizer step: the
/// model's parameters, the optimizer's, schedule's and plateau's state, the loader's position,
/// the loop's `TrainingState`, and what identifies the run (resolved config, data names,
/// standardization statistics). Saved to and read from HDF5 by `Checkpoint+HDF5.swift`; the
/// layout is documented in `docs/checkpoints.md`.
///
/// Capturing and restoring copy values only, so a restored `Trainer` steps bit for bit as the
/// one that was captured would have (PyTorch: saving `model.state_dict()`,
/// `optimizer.state_dict()` and the sampler's state together).
///
/// ```swift
/// let checkpoint = Checkpoint(of: trainer)
/// try checkpoint.write(to: url)
/// let saved = try Checkpoint.read(from: url)
/// try saved.restore(into: freshTrainer)
/// ```
public struct Checkpoint: Equatable, Sendable {
  /// The value of the root attribute `format`.
  public static let format = "fit-checkpoint"
  /// The layout version this `fit` writes and reads (root attribute `version`).
  public static let currentVersion = 1

  /// A named parameter with its shape and values (row-major).
  public struct Parameter: Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var values: [Double]
  }

  public var version = Checkpoint.currentVersion
  /// The model's parameters, in `namedParameters` order.
  public var parameters: [Parameter]
  public var optimizer: StateDict
  public var scheduler: StateDict
  /// The plateau scheduler's state; nil unless `schedule.kind` is `plateau`.
  public var plateau: StateDict?
  public var loader: LoaderPosition
  public var training: TrainingState
  /// Standardization of the model's input terms; nil when `data.standardize` is off.
  public var standardization: Standardization?
  /// Scaling of the targets (`PreparedData.targetStandardization`); nil when `data.standardize`
  /// is off, and in checkpoints written before targets were scaled.
  public var targetStandardization: Standardization?
  /// The resolved config of the run that wrote it (`TrainingConfig.renderedJSON()`).
  public var configJSON: String
  public var inputNames: [String]
  public var termNames: [String]
  public var targetNames: [String]

  /// The state of `trainer` now (call it between optimizer steps).
  public init(of trainer: Trainer) {
    parameters = trainer.model.namedParameters.map {
      Parameter(name: $0.name, shape: $0.tensor.shape, values: $0.tensor.scalars)
    }
    optimizer = trainer.optimizer.stateDict()
    scheduler = trainer.scheduler.stateDict()
    plateau = trainer.plateau?.stateDict()
    loader = trainer.loader.position
    training = trainer.state
    standardization = trainer.data.standardization
    targetStandardization = trainer.data.targetStandardization
    configJSON = trainer.config.renderedJSON()
    inputNames = trainer.data.inputNames
    termNames = trainer.data.termNames
    targetNames = trainer.data.targetNames
  }

  public init(
    parameters: [Parameter], optimizer: StateDict, scheduler: StateDict, plateau: StateDict?,
    loader: LoaderPosition, training: TrainingState, standardization: Standardization?,
    configJSON: String, inputNames: [String], termNames: [String], targetNames: [String]
  ) {
    self.parameters = parameters
    self.optimizer = optimizer
    self.scheduler = scheduler
    self.plateau = plateau
    self.loader = loader
    self.training = training
    self.standardization = standardization
    self.configJSON = configJSON
    self.inputNames = inputNames
    self.termNames = termNames
    self.targetNames = targetNames
  }

  /// The optimizer steps taken when it was written.
  public var step: Int { training.step }

  /// The resolved config it was written with.
  public func config() throws -> TrainingConfig {
    try TrainingConfig.parse(configJSON, file: "the checkpoint's /config", baseDirectory: "/")
  }

  /// Puts this state into `trainer`, which must have been built from a compatible config (see
  /// `CheckpointCompatibility`). Checks every part before changing anything.
  /// - Throws: `CheckpointError.incompatible` naming what does not fit.
  public func restore(into trainer: Trainer, file: String) throws {
    let incompatible = { (what: String) in CheckpointError.incompatible(file: file, what: what) }
    let named = trainer.model.namedParameters
    guard named.map(\.name) == parameters.map(\.name) else {
      throw incompatible(
        "the model's parameters are [\(named.map(\.name).joined(separator: ", "))], the "
          + "checkpoint has [\(parameters.map(\.name).joined(separator: ", "))]")
    }
    for (current, saved) in zip(named, parameters) where current.tensor.shape != saved.shape {
      throw incompatible(
        "parameter \(saved.name) has shape \(saved.shape) in the checkpoint, "
          + "\(current.tensor.shape) in this model")
    }
    guard loader.batchIndex <= trainer.loader.batchesPerEpoch else {
      throw incompatible(
        "the checkpoint stopped at batch \(loader.batchIndex) of an epoch, but an epoch now has "
          + "\(trainer.loader.batchesPerEpoch) batches")
    }
    // The optimizer and schedulers validate their whole state before changing anything; a
    // failure after the first load leaves a trainer the caller throws away.
    do {
      try trainer.optimizer.load(optimizer)
      try trainer.scheduler.load(scheduler)
      if let plateauState = plateau, let target = trainer.plateau {
        try target.load(plateauState)
      } else if (plateau == nil) != (trainer.plateau == nil) {
        throw incompatible("one of the checkpoint and this run has a plateau schedule, not both")
      }
      try trainer.loader.restore(loader)
    } catch let error as CheckpointError {
      throw error
    } catch {
      throw incompatible("\(error)")
    }
    do {
      try trainer.model.load(parameters.map { ($0.name, $0.values) })
    } catch {
      throw incompatible(error.message)
    }
    trainer.state = training
    // `training.earlyStopping.patience` may change on resume: a run that stopped early goes on
    // when the new patience allows more epochs without improvement than it has had.
    if training.stoppedEarly, let patience = trainer.config.training.earlyStopping?.patience,
      training.epochsWithoutImprovement < patience
    {
      trainer.state.stoppedEarly = false
    }
  }
}

/// Why a checkpoint cannot be used, or the checkpoint machinery cannot go on.
public enum CheckpointError: ExitStatusError, CustomStringConvertible, Equatable {
  /// The file cannot be opened, is not a fit checkpoint, or fails validation (checksum, digest,
  /// missing or misshapen data sets).
  case unreadable(file: String, reason: String)
  /// A valid checkpoint that does not belong to this config (model shape, features, version).
  case incompatible(file: String, what: String)
  /// `--resume` found no usable checkpoint.
  case noCheckpoint(folder: String, reason: String)
  /// Another `fit` holds the run folder.
  case locked(folder: String, holder: String)
  /// `--verify-resume` found the resumed run differing from the straight one.
  case resumeMismatch(String)
  /// A command-line request that cannot be carried out (`--verify-resume` beyond the run).
  case badRequest(String)
  /// A checkpoint could not be written (read-only folder, full disk); earlier ones are intact.
  case writeFailed(file: String, reason: String)

  public var exitStatus: ExitStatus {
    switch self {
    case .unreadable: .dataError
    case .incompatible: .usage
    case .noCheckpoint: .noInput
    case .locked: .cannotCreate
    case .resumeMismatch: .software
    case .badRequest: .usage
    case .writeFailed: .ioError
    }
  }

  public var description: String {
    switch self {
    case .unreadable(let file, let reason):
      return "checkpoint \(file) is not usable: \(reason)"
    case .incompatible(let file, let what):
      return "cannot resume from \(file): \(what)"
    case .noCheckpoint(let folder, let reason):
      return "no checkpoint to resume from in \(folder): \(reason)"
    case .locked(let folder, let holder):
      return "run folder \(folder) is in use by another fit (\(holder)); wait for it to finish, "
        + "or use another output.dir"
    case .resumeMismatch(let message):
      return "resume is not bit-identical: \(message)"
    case .badRequest(let message):
      return message
    case .writeFailed(let file, let reason):
      return "cannot write checkpoint \(file): \(reason); earlier checkpoints are left intact"
    }
  }
}
