import SeededRandom

/// Training and validation rows: a seeded random split of one data set, or two separate ones.
public struct DataSplit: Sendable {
  public let training: any Dataset
  public let validation: any Dataset

  /// Puts `⌈fraction · rows⌉` rows chosen at random (as scikit-learn's `train_test_split`
  /// counts them) in validation and the rest in training; both keep their rows in file order.
  ///
  /// The choice is the first rows of a `SplitMix64(seed:)` Fisher–Yates permutation, so the same
  /// seed gives the same split on every machine.
  public static func random(
    _ dataset: any Dataset, validationFraction fraction: Double, seed: UInt64
  )
    throws -> DataSplit
  {
    guard fraction >= 0 && fraction < 1 else {
      throw DataIOError.invalidRequest(
        source: dataset.source, message: "validation fraction must be in [0, 1), got \(fraction)")
    }
    let validationCount = Int((fraction * Double(dataset.rowCount)).rounded(.up))
    // No validation rows: the data set itself, without index arrays (16 bytes a row, which a
    // streamed data set must not hold).
    guard validationCount > 0 else {
      return DataSplit(training: dataset, validation: DatasetSubset(base: dataset, indices: []))
    }
    var order = Array(0..<dataset.rowCount)
    var random = SplitMix64(seed: seed)
    random.shuffle(&order)
    return DataSplit(
      training: DatasetSubset(base: dataset, indices: order[validationCount...].sorted()),
      validation: DatasetSubset(base: dataset, indices: order[..<validationCount].sorted()))
  }

  /// Uses a separate validation data set, which must have the same columns.
  public static func separate(training: any Dataset, validation: any Dataset) throws -> DataSplit {
    guard training.featureCount == validation.featureCount,
      training.targetCount == validation.targetCount
    else {
      throw DataIOError.shapeMismatch(
        first: training.source, second: validation.source,
        message: "training has \(training.featureCount) features and \(training.targetCount) "
          + "targets, validation \(validation.featureCount) and \(validation.targetCount)")
    }
    return DataSplit(training: training, validation: validation)
  }
}
