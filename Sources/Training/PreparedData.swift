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
  /// Training rows: standardized terms and targets.
  public var training: InMemoryDataset
  /// Validation rows, transformed with the training statistics; nil without validation.
  public var validation: InMemoryDataset?
  /// Training terms before standardization, for the exact least-squares reference.
  public var rawTrainingTerms: [Double]

  public var termCount: Int { termNames.count }
  public var targetCount: Int { targetNames.count }

  /// Reads the data set(s) named by the config and prepares them.
  public static func load(_ config: TrainingConfig) throws -> PreparedData {
    let data = config.data
    let all = try readDataset(path: data.path, config: data)
    guard all.rowCount > 0 else {
      throw TrainingError.badData("\(data.path): the data set has no rows")
    }
    let split: DataSplit
    switch data.validation {
    case .fraction(let fraction):
      split = try DataSplit.random(
        all, validationFraction: fraction, seed: config.training.seed)
    case .file(let path):
      split = try DataSplit.separate(
        training: all, validation: try readDataset(path: path, config: data))
    }
    guard split.training.rowCount > 0 else {
      throw TrainingError.badData(
        "\(data.path): no training rows left after the validation split (\(all.rowCount) rows)")
    }
    let expansion: PolynomialFeatures? =
      config.model.kind == .polynomial
      ? PolynomialFeatures(degree: config.model.degree, interactionOnly: config.model.interactionOnly)
      : nil
    let inputNames = all.featureNames
    let termNames = expansion?.featureNames(inputNames: inputNames) ?? inputNames

    func terms(_ dataset: any Dataset) throws -> (terms: [Double], targets: [Double]) {
      let block = try dataset.rows(0..<dataset.rowCount)
      let terms = expansion?.expand(rows: block.features, inputFeatures: all.featureCount)
        ?? block.features
      return (terms, block.targets)
    }
    let (trainTerms, trainTargets) = try terms(split.training)
    var training = InMemoryDataset(
      features: trainTerms, featureCount: termNames.count, targets: trainTargets,
      targetCount: all.targetCount, featureNames: termNames, targetNames: all.targetNames,
      source: all.source)
    var standardization: Standardization?
    if data.standardize {
      let statistics = try Standardization.fit(training)
      var scaled = trainTerms
      statistics.apply(to: &scaled)
      training = training.replacingFeatures(scaled)
      standardization = statistics
    }
    var validation: InMemoryDataset?
    if split.validation.rowCount > 0 {
      var (validationTerms, validationTargets) = try terms(split.validation)
      standardization?.apply(to: &validationTerms)
      validation = InMemoryDataset(
        features: validationTerms, featureCount: termNames.count, targets: validationTargets,
        targetCount: all.targetCount, featureNames: termNames, targetNames: all.targetNames,
        source: split.validation.source)
    }
    return PreparedData(
      inputNames: inputNames, termNames: termNames, targetNames: all.targetNames,
      expansion: expansion, standardization: standardization, training: training,
      validation: validation, rawTrainingTerms: trainTerms)
  }

  /// One data file, CSV or HDF5, as the config describes it.
  static func readDataset(path: String, config data: DataConfig) throws -> InMemoryDataset {
    let url = URL(fileURLWithPath: path)
    guard FileManager.default.isReadableFile(atPath: path) else {
      let exists = FileManager.default.fileExists(atPath: path)
      throw TrainingError.missingInput(
        "data file \(path) \(exists ? "cannot be read" : "does not exist") (data.path)")
    }
    switch data.format {
    case .csv:
      let options = CSVOptions(
        hasHeader: data.header, delimiter: Character(data.delimiter),
        invalidValues: data.missing == .dropRow ? .dropRow : .error)
      return try InMemoryDataset.csv(
        url: url, features: data.features?.map { ColumnSelector.name($0) },
        targets: (data.targets ?? []).map { ColumnSelector.name($0) }, options: options)
    case .hdf5:
      let datasets = data.hdf5 ?? DataConfig.HDF5Datasets()
      return try InMemoryDataset.hdf5(
        url: url, features: datasets.features, targets: datasets.targets)
    }
  }

  /// Converts coefficients learnt on the standardized terms into the original units:
  /// w′ₖ = wₖ/σₖ, b′ = b − Σₖ wₖ μₖ/σₖ. `weights` is [terms, targets] row-major.
  public func originalUnits(weights: [Double], bias: [Double]) -> (weights: [Double], bias: [Double]) {
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

extension InMemoryDataset {
  /// The same rows with other feature values (same count).
  func replacingFeatures(_ features: [Double]) -> InMemoryDataset {
    InMemoryDataset(
      features: features, featureCount: featureCount, targets: targets, targetCount: targetCount,
      featureNames: featureNames, targetNames: targetNames, source: source)
  }
}
