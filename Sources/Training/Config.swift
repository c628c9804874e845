// The run configuration `fit` reads from a JSON file (version 1), as typed values with every
// default filled in. Reading and checking it is `TrainingConfig.load(file:overrides:)`; printing
// it back is `renderedJSON()`. Each property's documentation names its key and its default.
//
// These types use nothing but the standard library, so the config can be read and checked
// (`fit check`) without building a model, an optimizer or a dataset; the trainer maps them onto
// those objects.

/// A whole run: where the data are, the model, the loss, the optimizer and its schedule, the
/// training loop's options and where results go.
///
/// Every key but `data.path` (and `data.targets` for CSV) has a default. Unknown keys, wrong
/// types and out-of-range values are errors, so a misspelt key never silently falls back to its
/// default.
public struct TrainingConfig: Equatable, Sendable {
  /// The only version this `fit` reads.
  public static let currentVersion = 1

  /// `version` (default `1`): the config format's version; must be 1.
  public var version: Int
  /// `name` (default: the config file's name without its extension, or `"fit"` when there is no
  /// file): names the run in reports and in the default output folder. ASCII letters, digits and
  /// `.` `_` `-` `=` `,` `+` only (`RunName`: the names `fit batch` gives its runs are valid).
  public var name: String
  /// `data`: required, for its `path`.
  public var data: DataConfig
  /// `model` (default `{"kind": "linear"}`).
  public var model: ModelConfig
  /// `loss` (default `"mse"`).
  public var loss: LossConfig
  /// `optimizer` (default `{"kind": "momentum", "lr": "auto", "momentum": "auto", "nesterov":
  /// true}`: Nesterov's accelerated gradient with the rate and momentum the design's spectrum
  /// gives, see `DesignAnalysis`).
  public var optimizer: OptimizerConfig
  /// `schedule` (default `{"kind": "constant"}`).
  public var schedule: ScheduleConfig
  /// `training`.
  public var training: TrainingOptions
  /// `output`.
  public var output: OutputConfig
}

/// `data`: the table to learn from and how to read and split it.
public struct DataConfig: Equatable, Sendable {
  public enum Format: String, CaseIterable, Sendable {
    case csv, hdf5

    /// The format a file's extension names (`.csv`, `.tsv`, `.txt`; `.h5`, `.hdf5`, `.he5`), if
    /// it names one.
    public init?(path: String) {
      switch Self.fileExtension(path) {
      case "csv", "tsv", "txt": self = .csv
      case "h5", "hdf5", "he5": self = .hdf5
      default: return nil
      }
    }

    /// The CSV delimiter a file's extension implies: a tab for `.tsv`, a comma otherwise.
    public static func delimiter(path: String) -> Character {
      fileExtension(path) == "tsv" ? "\t" : ","
    }

    /// The lowercased extension of the path's last component, if it has one.
    static func fileExtension(_ path: String) -> String? {
      path.split(separator: "/").last.flatMap { name in
        name.contains(".") ? name.split(separator: ".").last.map { $0.lowercased() } : nil
      }
    }
  }

  /// What to do with a row that has a missing or non-numeric value.
  public enum MissingValues: String, CaseIterable, Sendable {
    /// Stop with an error naming the row and column.
    case error
    /// Leave the row out (and count it in the report).
    case dropRow = "drop-row"
  }

  /// How validation data are obtained.
  public enum Validation: Equatable, Sendable {
    /// `{"fraction": f}`: hold out a fraction `f` in `[0, 1)` of the rows (after shuffling when
    /// `shuffle` is on); 0 means no validation.
    case fraction(Double)
    /// `{"path": "..."}`: a second file in the same format with the same columns.
    case file(String)

    /// Whether the run has validation data at all.
    public var isEnabled: Bool {
      if case .fraction(let fraction) = self { return fraction > 0 }
      return true
    }
  }

  /// `data.hdf5`: where the features and targets are inside an HDF5 file: two data sets, or a
  /// pandas frame whose columns are chosen by name, as in a CSV file.
  public struct HDF5Datasets: Equatable, Sendable {
    /// `features` (default `"/X"`): a 2-D data set, one row per sample.
    public var features: String
    /// `targets` (default `"/y"`): a 1-D or 2-D data set with as many rows.
    public var targets: String
    /// `frame` (default `null`; not with `features` or `targets`): the group of a pandas frame
    /// written in pandas' fixed format (`df.to_hdf(path, key="df")`, so `"/df"`). Its columns
    /// are chosen by `data.targets` (required) and `data.features` (default: every other
    /// numeric column). With the default paths and a file without `/X` that holds exactly one
    /// such frame, that frame is read: a pandas user names columns as in CSV without this key.
    /// A frame is read into memory (`data.stream` is refused).
    public var frame: String?

    public init(features: String = "/X", targets: String = "/y", frame: String? = nil) {
      self.features = features
      self.targets = targets
      self.frame = frame
    }
  }

  /// `path` (required): the data file; relative paths resolve against the config file's folder
  /// (against the current folder when set by `--set`). Stored absolute.
  public var path: String
  /// `format` (default: from the extension of `path`: `.csv`, `.tsv`, `.txt` → `"csv"`; `.h5`,
  /// `.hdf5`, `.he5` → `"hdf5"`).
  public var format: Format
  /// `features` (default `null`): the input columns by name; null means every column that is not
  /// a target (CSV; for a pandas frame, every numeric one), or all of `hdf5.features` (HDF5
  /// data sets, named by their `columns` attribute or `x0, x1, ...`).
  public var features: [String]?
  /// `exclude` (default `[]`): columns left out of the default `features` (a CSV file's or a
  /// pandas frame's), such as an `id`; each must be in the file, and none may be a target or
  /// listed in `features`. `""` names a column without a name. Without it, an unnamed first
  /// CSV column that holds the row numbers 0..n−1 or 1..n (the index of pandas' `to_csv()`, the
  /// row names of R's `write.csv`) is left out anyway, with a note (`RowIndexColumn`).
  public var exclude: [String] = []
  /// `targets`: the output columns by name. Required for CSV and a pandas frame; must be null
  /// for HDF5 data sets, whose columns are all of `hdf5.targets` (names from its `columns`
  /// attribute, or `y0, y1, ...`): names there would be ignored.
  public var targets: [String]?
  /// `hdf5` (HDF5 only; default `{"features": "/X", "targets": "/y"}`); nil for CSV.
  public var hdf5: HDF5Datasets?
  /// `validation` (default `{"fraction": 0.2}`).
  public var validation: Validation
  /// `shuffle` (default `true`): shuffle the rows (seeded by `training.seed`) before splitting
  /// and at every epoch.
  public var shuffle: Bool
  /// `standardize` (default `true`): scale each feature to mean 0 and standard deviation 1,
  /// with statistics from the training rows only, and the targets too: each centred on its
  /// mean, all divided by one common scale (the root mean of their variances), so that every
  /// loss and metric maps back to the original units by one factor. Coefficients, metrics and
  /// losses are always reported in the original units.
  public var standardize: Bool
  /// `stream` (default `false`, HDF5 only): read the training rows from the file in chunks,
  /// epoch after epoch, instead of loading the data set into memory, so that data larger than
  /// memory can be trained on (memory then holds a window of chunks).
  public var stream: Bool = false
  /// `delimiter` (CSV only; default `","`, or a tab for a `.tsv` file): one ASCII character.
  public var delimiter: String
  /// `decimal` (CSV only; default `"."`): the decimal separator, `"."` or `","` (European CSV:
  /// `3,25` is 3.25), which needs a delimiter other than `","` (usually `";"`).
  public var decimal: String = "."
  /// `header` (CSV only; default `true`): whether the first line names the columns.
  public var header: Bool
  /// `missing` (default `"error"`): `"error"` or `"drop-row"`.
  public var missing: MissingValues
}

/// `model`: `{"kind": "linear"}` or `{"kind": "polynomial", "degree": 3}`; the kind alone (the
/// string `"linear"`) is short for the object with defaults.
public struct ModelConfig: Equatable, Sendable {
  public enum Kind: String, CaseIterable, Sendable { case linear, polynomial }

  /// `kind` (default `"linear"`).
  public var kind: Kind
  /// `bias` (default `true`): learn an intercept.
  public var bias: Bool
  /// `degree` (polynomial only; default `2`): at least 1. Always 1 for a linear model.
  public var degree: Int
  /// `interactionOnly` (polynomial only; default `false`): leave out powers of single features
  /// (`x0^2`), keeping products of distinct features.
  public var interactionOnly: Bool

  public init(kind: Kind, bias: Bool = true, degree: Int = 1, interactionOnly: Bool = false) {
    self.kind = kind
    self.bias = bias
    self.degree = degree
    self.interactionOnly = interactionOnly
  }
}

/// `loss`: `{"kind": "mse"}`, `{"kind": "huber", "delta": 1.0}`, ..., or the kind alone
/// (`"mse"`).
public struct LossConfig: Equatable, Sendable {
  public enum Kind: String, CaseIterable, Sendable { case mse, mae, huber }

  /// `kind` (default `"mse"`): mean squared error, mean absolute error or Huber.
  public var kind: Kind
  /// `delta` (huber only; default `1.0`): where the loss turns from quadratic to linear; > 0.
  public var delta: Double
  /// `l2` (default `0`): ridge penalty λ·Σw² added to the loss, biases excluded; ≥ 0.
  public var l2: Double

  public init(kind: Kind, delta: Double = 1.0, l2: Double = 0) {
    self.kind = kind
    self.delta = delta
    self.l2 = l2
  }
}

/// `optimizer`. Its keys depend on the kind:
///
/// - `sgd`: `lr` (default 0.01), `momentum` (0), `dampening` (0), `nesterov` (false),
///   `weightDecay` (0);
/// - `momentum`: SGD with `momentum` defaulting to 0.9, same keys;
/// - `adam`: `lr` (default 0.001), `betas` ([0.9, 0.999]), `eps` (1e-8), `weightDecay` (0,
///   added to the gradient as in `torch.optim.Adam`), `amsgrad` (false);
/// - `adamw`: as `adam` with decoupled `weightDecay` defaulting to 0.01.
public struct OptimizerConfig: Equatable, Sendable {
  public enum Kind: String, CaseIterable, Sendable { case sgd, momentum, adam, adamw }

  /// `kind` (default `"adam"`).
  public var kind: Kind
  /// `lr` (default `"auto"` when the config has no `optimizer`; otherwise 0.01 for SGD and
  /// momentum, 0.001 for Adam and AdamW, PyTorch's defaults): > 0, or `"auto"`: for the SGD
  /// family 1/L, L the largest curvature of the MSE objective on the training rows
  /// (`DesignAnalysis.automaticLearningRate`); for Adam 0.01 (its steps are about `lr` per
  /// coefficient, and coefficients on standardized data are of order 1). While `autoLR` is set,
  /// `lr` holds that rule's value only once a trainer has resolved it.
  public var lr: Double
  /// Whether `lr` is `"auto"`.
  public var autoLR: Bool = false
  /// Whether `momentum` is `"auto"` (SGD family): (√κ − 1)/(√κ + 1) for full-batch training,
  /// κ the objective's condition number; 0.9 with smaller batches, whose noise a momentum
  /// near 1 would amplify.
  public var autoMomentum: Bool = false
  /// `weightDecay` (default 0, or 0.01 for AdamW): ≥ 0.
  public var weightDecay: Double
  /// `momentum` (SGD: default 0, in [0, 1); momentum: default 0.9, in (0, 1)).
  public var momentum: Double
  /// `dampening` (SGD family; default 0): in [0, 1].
  public var dampening: Double
  /// `nesterov` (SGD family; default false): needs momentum > 0 and dampening 0, as in PyTorch.
  public var nesterov: Bool
  /// `betas[0]` (Adam family; default 0.9): in [0, 1).
  public var beta1: Double
  /// `betas[1]` (Adam family; default 0.999): in [0, 1).
  public var beta2: Double
  /// `eps` (Adam family; default 1e-8): > 0.
  public var eps: Double
  /// `amsgrad` (Adam family; default false).
  public var amsgrad: Bool

  /// Whether the kind is SGD with or without momentum (as opposed to Adam or AdamW).
  public var isSGDFamily: Bool { kind == .sgd || kind == .momentum }
}

/// `schedule`: how the learning rate changes over the run. Counts are in optimizer steps
/// (batches), except the plateau's `patience`, which is in epochs.
///
/// - `constant`: `lr` throughout;
/// - `step`: `lr · gamma^⌊step / stepSize⌋`; `stepSize` required (≥ 1), `gamma` (default 0.1);
/// - `exponential`: `lr · gamma^step`; `gamma` required;
/// - `cosine`: from `lr` down to `minLR` (default 0) over `tMax` steps (default `null`: the
///   run's total number of steps) along a half cosine;
/// - `plateau`: multiply by `factor` (default 0.1) when the validation loss has not improved for
///   `patience` epochs (default 10), never below `minLR` (default 0); needs validation data.
///
/// Any kind may start with `warmupSteps` (default 0) steps W of linear warm-up: step t < W uses
/// `lr`·(t + 1)/W, so the last warm-up step reaches `lr`.
public struct ScheduleConfig: Equatable, Sendable {
  public enum Kind: String, CaseIterable, Sendable {
    case constant, step, exponential, cosine, plateau
  }

  /// `kind` (default `"constant"`).
  public var kind: Kind
  /// `warmupSteps` (default 0): ≥ 0.
  public var warmupSteps: Int
  /// `stepSize` (step only; required there): ≥ 1.
  public var stepSize: Int?
  /// `gamma` (step: default 0.1; exponential: required): in (0, 1].
  public var gamma: Double
  /// `minLR` (cosine and plateau; default 0): ≥ 0 and below `optimizer.lr`.
  public var minLR: Double
  /// `tMax` (cosine only; default `null`: the run's total steps): ≥ 1.
  public var tMax: Int?
  /// `factor` (plateau only; default 0.1): in (0, 1).
  public var factor: Double
  /// `patience` (plateau only; default 10): epochs without improvement; ≥ 0.
  public var patience: Int
}

/// `training`: the loop's options.
public struct TrainingOptions: Equatable, Sendable {
  /// `training.earlyStopping`: stop when the validation loss has not improved by more than
  /// `minDelta` for `patience` epochs; the run's model is then the best epoch's
  /// (`TrainingRun.restoreBest`).
  public struct EarlyStopping: Equatable, Sendable {
    /// `patience` (default 5): ≥ 1.
    public var patience: Int
    /// `minDelta` (default 0): ≥ 0.
    public var minDelta: Double

    public init(patience: Int = 5, minDelta: Double = 0) {
      self.patience = patience
      self.minDelta = minDelta
    }
  }

  /// The `batchSize` that `"all"` stands for: every training row in each step.
  public static let allRows = Int.max

  /// `epochs` (default 10,000 with `batchSize` `"all"`, where an epoch is one step; 100
  /// otherwise): the budget of passes over the training rows; ≥ 1. `tolerance` usually ends a
  /// run long before.
  public var epochs: Int
  /// `batchSize` (default `"all"`, or 65,536 with `data.stream`): rows per optimizer step; ≥ 1,
  /// or `"all"` (`allRows`): full-batch gradient descent, whose steps are exact gradients.
  public var batchSize: Int
  /// `microBatchSize` (default: `batchSize`, at most 65,536): rows per forward and backward
  /// pass, whose gradients are accumulated into one step; in 1...batchSize. Results do not
  /// depend on it beyond rounding.
  public var microBatchSize: Int
  /// `tolerance` (default 1e-4): > 0. With MSE the run stops once the training objective is
  /// within this fraction of its exact minimum (`DesignAnalysis`); with MAE and Huber once ten
  /// epochs in a row (with full batches 100, or 3·√κ up to 1000) improve the training loss by less than this
  /// fraction, with a constant schedule only (a decaying one runs its course). With
  /// `optimizer.weightDecay` > 0 neither rule applies (the decay is not in the
  /// loss they watch) and the run trains all its epochs. The same bound decides the run's
  /// convergence verdict.
  public var tolerance: Double = 1e-4
  /// `requireConvergence` (default `false`): a run whose verdict is "did not converge" exits
  /// with status 5 (after writing its results) instead of 0.
  public var requireConvergence: Bool = false
  /// `seed` (default 0): seeds shuffling, splitting and initialization; 0...2⁶⁴−1.
  public var seed: UInt64
  /// `clipNorm` (default `null`: no clipping): clip the gradients' global L2 norm; > 0.
  public var clipNorm: Double?
  /// `clipValue` (default `null`: no clipping): clip each gradient element to ±clipValue; > 0.
  public var clipValue: Double?
  /// `earlyStopping` (default `null`: train all epochs); needs validation data.
  public var earlyStopping: EarlyStopping?
}

/// `output`: where a run writes its checkpoints, metrics and report.
public struct OutputConfig: Equatable, Sendable {
  /// `output.checkpointEvery`: when to write a checkpoint, besides at the end; each `null` to
  /// turn it off.
  public struct CheckpointInterval: Equatable, Sendable {
    /// `steps` (default `null`): every this many optimizer steps; ≥ 1.
    public var steps: Int?
    /// `epochs` (default 1 in an object that does not name it): every this many epochs; ≥ 1.
    public var epochs: Int?
    /// `seconds` (default `null` in an object that does not name it): at the end of the first
    /// epoch at least this many seconds after the last checkpoint; > 0. Full-batch runs take
    /// thousands of short epochs, whose checkpoints (each fsynced) would cost more than the
    /// training.
    public var seconds: Double?

    public init(steps: Int? = nil, epochs: Int? = 1, seconds: Double? = nil) {
      self.steps = steps
      self.epochs = epochs
      self.seconds = seconds
    }
  }

  /// `dir` (default `"runs/<name>"`): relative paths resolve against the config file's folder
  /// (against the current folder when set by `--set`). Stored absolute.
  public var dir: String
  /// `checkpointEvery` (default `{"steps": null, "epochs": null, "seconds": 10}`).
  public var checkpointEvery: CheckpointInterval
  /// `keepLast` (default 3): how many periodic checkpoints to keep; ≥ 1.
  public var keepLast: Int
}
