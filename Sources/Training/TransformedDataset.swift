import DataIO
import Models

/// A data set seen through the model's input transform: each row's features expanded into
/// polynomial terms and/or standardized, as rows are read. This is how a streamed data set is
/// trained on without materializing the transformed copy that in-memory training makes once.
struct TransformedDataset: Dataset, @unchecked Sendable {
  let base: any Dataset
  let expansion: PolynomialFeatures?
  let standardization: Standardization?
  /// Scaling of the targets (`PreparedData.targetStandardization`), when they are scaled.
  var targetStandardization: Standardization? = nil
  let featureNames: [String]

  var source: String { base.source }
  var rowCount: Int { base.rowCount }
  var featureCount: Int { featureNames.count }
  var targetCount: Int { base.targetCount }
  var targetNames: [String] { base.targetNames }
  var chunkRows: Int? { base.chunkRows }

  func rows(_ range: Range<Int>) throws -> RowBlock { try transform(try base.rows(range)) }
  func rows(at indices: [Int]) throws -> RowBlock { try transform(try base.rows(at: indices)) }

  /// The rows as the model sees them. Streamed rows are checked here, as they are read (rows
  /// read into memory were checked when the file was read): NaN or infinity cannot be trained
  /// on.
  private func transform(_ block: RowBlock) throws -> RowBlock {
    if base.chunkRows != nil,
      block.features.contains(where: { !$0.isFinite })
        || block.targets.contains(where: { !$0.isFinite })
    {
      throw TrainingError.badData(
        "\(base.source): a row read for training holds NaN or an infinite value; only finite "
          + "values can be trained on")
    }
    var features =
      expansion?.expand(rows: block.features, inputFeatures: base.featureCount) ?? block.features
    standardization?.apply(to: &features)
    var targets = block.targets
    targetStandardization?.apply(to: &targets)
    return RowBlock(features: features, targets: targets, rows: block.rows)
  }
}
