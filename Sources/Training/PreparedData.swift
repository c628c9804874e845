import DataIO
import Foundation
import Models

/// The data a run trains on, read and transformed once from the config: the design matrix the
/// model sees (polynomial terms expanded, then standardized) for the training and validation
/// rows, plus what is needed to turn coefficients back into the original units.
///
/// Why expand before standardizing: each model input zₖ = (φₖ(x) − μₖ)/σₖ is then an affine
/// function of one term φₖ of the raw features, so a fitted ŷ = Σ wₖ zₖ + b becomes
/// ŷ = Σ (wₖ/σₖ) φₖ(x) + (b − Σ wₖ μₖ/σₖ) in the original units, for any degree.
public struct PreparedData {
  /// Names of the raw input columns.
  public var inputNames: [String]
  /// Names of the model's input terms (the raw columns, or their polynomial terms).
  public var termNames: [String]
  public var targetNames: [String]
  /// The polynomial expansion, when the model is polynomial.
  public var expansion: PolynomialFeatures?
  /// The standardization of the terms, when enabled (computed on the training rows only).
  public var standardization: Standardization?
  /// The scaling of the targets, when enabled (`Standardization.fitTargets`: per-target means,
  /// one common scale): the model is trained on (y − μⱼ)/s, and everything it reports is mapped
  /// back. Standardizing the targets too puts the intercept at its optimum's scale from the
  /// start (0 is the mean) and makes Adam's steps, which are about `lr` per coefficient, fit
  /// targets of any magnitude.
  public var targetStandardization: Standardization?
  /// Training rows as the model sees them: terms (standardized) and targets. In memory, or
  /// streamed from an HDF5 file with `data.stream`.
  public var training: any Dataset
  /// Validation rows, transformed with the training statistics; nil without validation.
  public var validation: (any Dataset)?
  /// Training rows before standardization (raw terms and targets), for the exact
  /// least-squares reference.
  public var rawTraining: any Dataset
  /// Rows left out of the data files for missing, non-numeric or non-finite values
  /// (`data.missing: "drop-row"`).
  public var droppedRows = 0
  /// The training file's unnamed first column, left out of the features because it numbers the
  /// rows (pandas' index, R's row names); nil when there was none.
  public var rowIndexColumn: RowIndexColumn?

  public var termCount: Int { termNames.count }
  /// The common factor s by which the trained targets' residuals are scaled (1 without scaling).
  public var targetScale: Double { targetStandardization?.std.first ?? 1 }

  /// Predictions and targets of trained rows back in the original units, in place.
  public func unscaleTargets(_ values: inout [Double]) {
    targetStandardization?.invert(&values)
  }
  public var targetCount: Int { targetNames.count }

  /// Reads the data set(s) named by the config and prepares them.
  public static func load(_ config: TrainingConfig) throws -> PreparedData {
    let data = config.data
    let all = try openDataset(path: data.path, key: "data.path", config: data)
    var droppedRows = (all as? InMemoryDataset)?.droppedRows ?? 0
    guard all.rowCount > 0 else {
      throw TrainingError.badData("\(data.path): the data set has no rows")
    }
    guard all.featureCount > 0 else {
      throw TrainingError.badData(
        "\(data.path): the data set has no feature columns (a model needs at least one input)")
    }
    let split: DataSplit
    switch data.validation {
    case .fraction(let fraction):
      split = try DataSplit.random(
        all, validationFraction: fraction, seed: config.training.seed)
    case .file(let path):
      // The validation file's columns are taken by the training data's names, so that their
      // order in it does not matter and other columns are ignored (CSV, a pandas frame).
      // `exclude` named the training file's columns, which `features` now lists.
      var validationData = data
      validationData.exclude = []
      if data.features == nil && (data.format == .csv || data.targets != nil) {
        validationData.features = all.featureNames
      }
      try checkSameFormat(validationPath: path, data: data)
      let validation = try matchingColumns(
        try openDataset(path: path, key: "data.validation.path", config: validationData),
        of: all)
      guard validation.rowCount > 0 else {
        throw TrainingError.badData("\(path): the validation data set has no rows")
      }
      droppedRows += (validation as? InMemoryDataset)?.droppedRows ?? 0
      split = try DataSplit.separate(training: all, validation: validation)
    }
    guard split.training.rowCount > 0 else {
      throw TrainingError.badData(
        "\(data.path): no training rows left after the validation split (\(all.rowCount) rows)")
    }
    let expansion: PolynomialFeatures? =
      config.model.kind == .polynomial
      ? PolynomialFeatures(
        degree: config.model.degree, interactionOnly: config.model.interactionOnly)
      : nil
    let inputNames = all.featureNames
    let termNames = expansion?.featureNames(inputNames: inputNames) ?? inputNames
    func transformed(
      _ dataset: any Dataset, expanding: Bool, _ standardization: Standardization?,
      targets: Standardization? = nil
    ) throws -> any Dataset {
      var view = TransformedDataset(
        base: dataset, expansion: expanding ? expansion : nil, standardization: standardization,
        featureNames: termNames)
      view.targetStandardization = targets
      return data.stream ? view : try materialize(view)
    }
    let rawTraining = try transformed(split.training, expanding: true, nil)
    // A model without a bias is scaled but not centred: centring would give it an intercept.
    let standardization =
      data.standardize
      ? try Standardization.fit(rawTraining, centering: config.model.bias) : nil
    let targetStandardization =
      data.standardize
      ? try Standardization.fitTargets(rawTraining, centering: config.model.bias) : nil
    let training =
      standardization == nil
      ? rawTraining
      : try transformed(
        rawTraining, expanding: false, standardization, targets: targetStandardization)
    let validation =
      split.validation.rowCount > 0
      ? try transformed(
        split.validation, expanding: true, standardization, targets: targetStandardization)
      : nil
    var prepared = PreparedData(
      inputNames: inputNames, termNames: termNames, targetNames: all.targetNames,
      expansion: expansion, standardization: standardization, training: training,
      validation: validation, rawTraining: rawTraining)
    prepared.targetStandardization = targetStandardization
    prepared.droppedRows = droppedRows
    prepared.rowIndexColumn = (all as? InMemoryDataset)?.rowIndexColumn
    return prepared
  }

  /// A validation file is read as the training data are (same format, columns, delimiter), so
  /// its extension must not name another format.
  static func checkSameFormat(validationPath path: String, data: DataConfig) throws {
    if let format = DataConfig.Format(path: path), format != data.format {
      throw TrainingError.badData(
        "data.validation.path: \(path) is a \(format.rawValue) file but the training data are "
          + "\(data.format.rawValue); give a validation file of the same format")
    }
  }

  /// `validation` with its columns in the order of `training`'s names, when it holds the same
  /// names in another order (a CSV header, or the `columns` attribute `fit convert` writes into
  /// HDF5): comparing them by position would be silently wrong. Columns named otherwise are
  /// taken by position when either side has HDF5's default names (`x0`, `x1`, ..., `y0`, ...),
  /// and refused when both name them differently.
  static func matchingColumns(_ validation: any Dataset, of training: any Dataset) throws
    -> any Dataset
  {
    /// Where each training column is in the validation data: nil for "by position".
    func positions(_ names: [String], _ trainingNames: [String], prefix: String) throws -> [Int]? {
      if names == trainingNames { return nil }
      if Set(names) == Set(trainingNames) && Set(names).count == names.count {
        return trainingNames.map { names.firstIndex(of: $0)! }
      }
      func isDefault(_ list: [String]) -> Bool { list == list.indices.map { "\(prefix)\($0)" } }
      if isDefault(names) || isDefault(trainingNames) { return nil }
      throw TrainingError.badData(
        "data.validation.path: \(validation.source) has columns \(names.joined(separator: ", ")) "
          + "where the training data have \(trainingNames.joined(separator: ", "))")
    }
    let featureOrder = try positions(
      validation.featureNames, training.featureNames, prefix: "x")
    let targetOrder = try positions(validation.targetNames, training.targetNames, prefix: "y")
    if featureOrder == nil && targetOrder == nil { return validation }
    guard let memory = validation as? InMemoryDataset else {
      throw TrainingError.badData(
        "data.validation.path: \(validation.source) has the training data's columns in another "
          + "order, which a streamed file cannot be read in; store them in the same order")
    }
    func reordered(_ values: [Double], _ names: [String], _ order: [Int]?) throws -> [Double] {
      guard let order else { return values }
      return try Table(
        columnNames: names, values: values, rows: memory.rowCount, source: memory.source
      )
      .selecting(order.map { .index($0) }).values
    }
    return InMemoryDataset(
      features: try reordered(memory.features, memory.featureNames, featureOrder),
      featureCount: memory.featureCount,
      targets: try reordered(memory.targets, memory.targetNames, targetOrder),
      targetCount: memory.targetCount,
      featureNames: featureOrder == nil ? memory.featureNames : training.featureNames,
      targetNames: targetOrder == nil ? memory.targetNames : training.targetNames,
      source: memory.source)
  }

  /// All rows of a data set, read once into memory.
  static func materialize(_ dataset: any Dataset) throws -> InMemoryDataset {
    let block = try dataset.rows(0..<dataset.rowCount)
    return InMemoryDataset(
      features: block.features, featureCount: dataset.featureCount, targets: block.targets,
      targetCount: dataset.targetCount, featureNames: dataset.featureNames,
      targetNames: dataset.targetNames, source: dataset.source)
  }

  /// A data file as the config describes it (at `key`): read into memory, or opened for
  /// streaming. A column it lacks is reported with the key that names it.
  static func openDataset(path: String, key: String, config data: DataConfig) throws
    -> any Dataset
  {
    do {
      guard data.stream else { return try readDataset(path: path, key: key, config: data) }
      try checkReadable(path, key: key)
      let datasets = try hdf5Datasets(path: path, key: key, config: data)
      return try HDF5StreamingDataset(
        url: URL(fileURLWithPath: path), features: datasets.features, targets: datasets.targets)
    } catch DataIOError.unknownColumn(let file, let name, let available) {
      let list =
        key != "data.path"
        ? key
        : (data.targets ?? []).contains(name)
          ? "data.targets" : data.exclude.contains(name) ? "data.exclude" : "data.features"
      throw TrainingError.badData(
        "\(list): \(file) has no column named \"\(DataIOError.shortened(name))\"; its header "
          + "has " + DataIOError.quotedList(available))
    }
  }

  static func checkReadable(_ path: String, key: String = "data.path") throws {
    guard FileManager.default.isReadableFile(atPath: path) else {
      let exists = FileManager.default.fileExists(atPath: path)
      throw TrainingError.missingInput(
        "data file \(path) \(exists ? "cannot be read" : "does not exist") (\(key))")
    }
  }

  /// What `fit check` can verify of the data without reading it: each file the config names
  /// can be read, a CSV header has the named columns, an HDF5 file has its data sets, of
  /// agreeing shapes.
  public static func checkInputs(_ config: TrainingConfig) throws {
    let data = config.data
    var files = [(data.path, "data.path")]
    if case .file(let path) = data.validation { files.append((path, "data.validation.path")) }
    for (path, key) in files {
      try checkReadable(path, key: key)
      switch data.format {
      case .csv:
        let header = try CSVReader(
          url: URL(fileURLWithPath: path),
          options: CSVOptions(
            hasHeader: data.header, delimiter: Character(data.delimiter),
            decimal: Character(data.decimal), columns: []),
          blockSize: 1 << 16
        ).header
        // The validation file is read by the training features' names, without `exclude`.
        let excluded = key == "data.path" ? data.exclude : []
        for (list, names) in [
          ("data.features", data.features), ("data.targets", data.targets),
          ("data.exclude", excluded),
        ] {
          for name in names ?? [] where !header.contains(name) {
            throw TrainingError.badData(
              "\(list): \(path) has no column named \"\(DataIOError.shortened(name))\"; its "
                + "header has " + DataIOError.quotedList(header))
          }
        }
      case .hdf5:
        if let frame = try pandasFrame(path: path, key: key, config: data) {
          let columns =
            (data.features ?? []) + (data.targets ?? []) + (key == "data.path" ? data.exclude : [])
          _ = try PandasFrame(file: HDF5File(url: URL(fileURLWithPath: path)), group: frame)
            .table(columns: columns)
        } else {
          let datasets = data.hdf5 ?? DataConfig.HDF5Datasets()
          _ = try HDF5StreamingDataset(
            url: URL(fileURLWithPath: path), features: datasets.features,
            targets: datasets.targets)
        }
      }
    }
  }

  /// One data file, CSV or HDF5, as the config describes it.
  static func readDataset(path: String, key: String = "data.path", config data: DataConfig)
    throws -> InMemoryDataset
  {
    let url = URL(fileURLWithPath: path)
    try checkReadable(path, key: key)
    switch data.format {
    case .csv:
      // NaN and infinity are invalid values like text: an error, or a dropped row.
      let options = CSVOptions(
        hasHeader: data.header, delimiter: Character(data.delimiter),
        decimal: Character(data.decimal),
        invalidValues: data.missing == .dropRow ? .dropRow : .error, finiteOnly: true)
      return try InMemoryDataset.csv(
        url: url, features: data.features?.map { ColumnSelector.name($0) },
        targets: (data.targets ?? []).map { ColumnSelector.name($0) },
        exclude: data.exclude.map { ColumnSelector.name($0) }, options: options)
    case .hdf5:
      if let frame = try pandasFrame(path: path, key: key, config: data) {
        let dataset = try InMemoryDataset.pandas(
          url: url, group: frame, features: data.features, targets: data.targets ?? [],
          exclude: data.exclude)
        try dataset.requireFinite(featuresName: frame, targetsName: frame)
        return dataset
      }
      let datasets = data.hdf5 ?? DataConfig.HDF5Datasets()
      let dataset = try InMemoryDataset.hdf5(
        url: url, features: datasets.features, targets: datasets.targets)
      try dataset.requireFinite(featuresName: datasets.features, targetsName: datasets.targets)
      return dataset
    }
  }

  /// The pandas frame an HDF5 file is read from: `data.hdf5.frame`, or with the default data
  /// set paths the file's one frame when it has no `/X`; nil for data sets. Column names are
  /// refused for data sets (they would be ignored), required targets for a frame.
  static func pandasFrame(path: String, key: String, config data: DataConfig) throws -> String? {
    let datasets = data.hdf5 ?? DataConfig.HDF5Datasets()
    var frame = datasets.frame
    if frame == nil && datasets == DataConfig.HDF5Datasets() {
      let file = try HDF5File(url: URL(fileURLWithPath: path))
      if !file.contains(datasets.features) {
        let frames = try PandasFrame.groups(in: file)
        guard frames.count <= 1 else {
          throw TrainingError.badData(
            "\(key): \(path) has no \(datasets.features) but several pandas frames ("
              + frames.joined(separator: ", ") + "); choose one with data.hdf5.frame")
        }
        frame = frames.first
      }
    }
    guard let frame else {
      if let list = [
        ("data.features", data.features), ("data.targets", data.targets),
        ("data.exclude", data.exclude.isEmpty ? nil : data.exclude),
      ].first(where: { $0.1 != nil })?.0 {
        throw TrainingError.badData(
          "\(list): \(path) holds the data sets \(datasets.features) and \(datasets.targets), "
            + "whose columns are all read; names choose columns of a pandas frame only (set "
            + "\(list) to null)")
      }
      return nil
    }
    guard let targets = data.targets, !targets.isEmpty else {
      let names = try PandasFrame(file: HDF5File(url: URL(fileURLWithPath: path)), group: frame)
        .columnNames
      throw TrainingError.badData(
        "data.targets: \(path) holds the pandas frame \(frame); name its target column(s) "
          + "(its columns are " + names.joined(separator: ", ") + ")")
    }
    if data.stream {
      throw TrainingError.badData(
        "data.stream: \(path) holds the pandas frame \(frame), which is read into memory "
          + "(pandas' fixed format is not chunked); set data.stream to false")
    }
    return frame
  }

  /// The data sets to stream from (a pandas frame is refused by `pandasFrame`).
  static func hdf5Datasets(path: String, key: String, config data: DataConfig) throws
    -> DataConfig.HDF5Datasets
  {
    _ = try pandasFrame(path: path, key: key, config: data)
    return data.hdf5 ?? DataConfig.HDF5Datasets()
  }

  /// Converts coefficients learnt on the standardized terms into the original units:
  /// w′ₖ = wₖ/σₖ, b′ = b − Σₖ wₖ μₖ/σₖ. `weights` is [terms, targets] row-major.
  ///
  /// With scaled targets the coefficients are first taken back to the targets' units:
  /// wₖⱼ·s and bⱼ·s + μⱼ.
  public func originalUnits(weights: [Double], bias: [Double]) -> (
    weights: [Double], bias: [Double]
  ) {
    var weights = weights
    var bias = bias
    if let targets = targetStandardization {
      for index in weights.indices { weights[index] *= targets.std[index % targetCount] }
      for j in bias.indices { bias[j] = bias[j] * targets.std[j] + targets.mean[j] }
    }
    guard let standardization else { return (weights, bias) }
    var w = weights
    var b = bias
    for k in 0..<termCount {
      for j in 0..<targetCount {
        let scaled = weights[k * targetCount + j] / standardization.std[k]
        w[k * targetCount + j] = scaled
        b[j] -= scaled * standardization.mean[k]
      }
    }
    return (w, b)
  }
}
