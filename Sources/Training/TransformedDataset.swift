import DataIO
import Models

/// A data set seen through the model's input transform: each row's features expanded into
/// polynomial terms and/or standardized, as rows are read. This is how a streamed data set is
/// trained on without materializing the transformed copy that in-memory training makes once.
struct TransformedDataset: Dataset, @unchecked Sendable {
  let base: any Dataset
  let expansion: PolynomialFeatures?
  let standardization: Standardization?
  let featureNames: [String]

  var source: String { base.source }
  var rowCount: Int { base.rowCount }
  var featureCount: Int { featureNames.count }
  var targetCount: Int { base.targetCount }
  var targetNames: [String] { base.targetNames }
  var chunkRows: Int? { base.chunkRows }

  func rows(_ range: Range<Int>) throws -> RowBlock { transform(try base.rows(range)) }
  func rows(at indices: [Int]) throws -> RowBlock { transform(try base.rows(at: indices)) }

  private func transform(_ block: RowBlock) -> RowBlock {
    var features =
      expansion?.expand(rows: block.features, inputFeatures: base.featureCount) ?? block.features
    standardization?.apply(to: &features)
    return RowBlock(features: features, targets: block.targets, rows: block.rows)
  }
}
