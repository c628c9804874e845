/// Some rows of another data set, in increasing order: one side of a `DataSplit`.
///
/// A range of subset rows maps to a span of base rows; for a streaming base the span is read
/// whole and filtered (one sequential read instead of one per row), otherwise rows are gathered.
public struct DatasetSubset: Dataset {
  public let base: any Dataset
  /// The base rows, strictly increasing.
  public let indices: [Int]

  public init(base: any Dataset, indices: [Int]) {
    precondition(zip(indices, indices.dropFirst()).allSatisfy { $0 < $1 }, "indices must increase")
    precondition(indices.allSatisfy { $0 >= 0 && $0 < base.rowCount }, "indices out of range")
    self.base = base
    self.indices = indices
  }

  public var source: String { base.source }
  public var rowCount: Int { indices.count }
  public var featureCount: Int { base.featureCount }
  public var targetCount: Int { base.targetCount }
  public var featureNames: [String] { base.featureNames }
  public var targetNames: [String] { base.targetNames }
  public var chunkRows: Int? { base.chunkRows }

  public func rows(_ range: Range<Int>) throws -> RowBlock {
    try checkRange(range)
    guard !range.isEmpty else { return RowBlock(features: [], targets: [], rows: 0) }
    let wanted = Array(indices[range])
    guard base.chunkRows != nil else { return try base.rows(at: wanted) }
    let first = wanted[0]
    let span = try base.rows(first..<(wanted[wanted.count - 1] + 1))
    var block = RowBlock(
      reserving: wanted.count, featureCount: featureCount, targetCount: targetCount)
    for index in wanted {
      let row = index - first
      block.features += span.features[(row * featureCount)..<((row + 1) * featureCount)]
      block.targets += span.targets[(row * targetCount)..<((row + 1) * targetCount)]
    }
    block.rows = wanted.count
    return block
  }
}
