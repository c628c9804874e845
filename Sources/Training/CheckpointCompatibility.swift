/// Whether a checkpoint may be resumed under the current config and data.
///
/// Allowed to differ: `training.epochs` (the budget), `training.earlyStopping.patience` and
/// everything under `output` (where and how often results are written). Anything else (model
/// kind or degree, features, targets, optimizer, schedule, batch sizes, seed, data file) would
/// make the continued run something no uninterrupted run is, so it is refused, naming the first
/// key that differs. The data are checked too: the same input, term and target names, and
/// bit-identical standardization statistics (which also catches a changed data file).
///
/// Note that a cosine schedule without `tMax` spans the whole run, so changing `training.epochs`
/// changes its learning rates from the resume point on; the result is then not the one the
/// original budget would have given.
public enum CheckpointCompatibility {
  /// Config keys that may change between the run that wrote a checkpoint and the one resuming.
  public static let allowedChanges = [
    "training.epochs", "training.earlyStopping.patience", "training.requireConvergence",
    "output.*",
  ]

  /// - Throws: `CheckpointError.incompatible` saying what differs.
  public static func check(
    _ checkpoint: Checkpoint, file: String, config: TrainingConfig, data: PreparedData
  ) throws {
    let incompatible = { (what: String) in CheckpointError.incompatible(file: file, what: what) }
    let saved: TrainingConfig
    do {
      saved = try checkpoint.config()
    } catch {
      throw incompatible("its stored config does not read: \(error)")
    }
    var comparable = config
    comparable.training.epochs = saved.training.epochs
    comparable.training.requireConvergence = saved.training.requireConvergence
    comparable.output = saved.output
    if var stopping = comparable.training.earlyStopping,
      let savedStopping = saved.training.earlyStopping
    {
      stopping.patience = savedStopping.patience
      comparable.training.earlyStopping = stopping
    }
    if comparable != saved {
      let (key, old, new) =
        firstDifference(saved.jsonValue, comparable.jsonValue, path: "")
        ?? ("config", "?", "?")
      throw incompatible(
        "config key \(key) is \(new) now but was \(old) in the checkpoint; only "
          + allowedChanges.joined(separator: ", ") + " may change on resume")
    }
    for (what, old, new) in [
      ("input columns", checkpoint.inputNames, data.inputNames),
      ("model terms", checkpoint.termNames, data.termNames),
      ("targets", checkpoint.targetNames, data.targetNames),
    ] where old != new {
      throw incompatible(
        "the \(what) are [\(new.joined(separator: ", "))] now but were "
          + "[\(old.joined(separator: ", "))] in the checkpoint")
    }
    if checkpoint.targetStandardization != data.targetStandardization {
      throw incompatible(
        checkpoint.targetStandardization == nil
          ? "it was written by an earlier fit that trained on unscaled targets; start afresh"
          : "the target standardization statistics differ from the checkpoint's: the training "
            + "data changed since it was written")
    }
    if checkpoint.standardization != data.standardization {
      throw incompatible(
        "the feature standardization statistics differ from the checkpoint's: the training "
          + "data changed since it was written")
    }
  }

  /// The first key path where two rendered configs differ, with both values as JSON.
  static func firstDifference(_ old: JSONValue, _ new: JSONValue, path: String)
    -> (key: String, old: String, new: String)?
  {
    if case .object(let oldMembers) = old, case .object(let newMembers) = new {
      for member in oldMembers {
        let key = path.isEmpty ? member.key : "\(path).\(member.key)"
        guard let other = newMembers.first(where: { $0.key == member.key }) else {
          return (key, renderJSONInline(member.value), "absent")
        }
        if let difference = firstDifference(member.value, other.value, path: key) {
          return difference
        }
      }
      for member in newMembers where !oldMembers.contains(where: { $0.key == member.key }) {
        return (
          path.isEmpty ? member.key : "\(path).\(member.key)", "absent",
          renderJSONInline(member.value)
        )
      }
      return nil
    }
    return old == new ? nil : (path, renderJSONInline(old), renderJSONInline(new))
  }
}
