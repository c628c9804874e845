/// Some rows of a data set: features and targets, each row-major.
public struct RowBlock: Equatable, Sendable {
  /// `rows * featureCount` values.
  public var features: [Double]
  /// `rows * targetCount` values.
  public var targets: [Double]
  public var rows: Int

  public init(features: [Double], targets: [Double], rows: Int) {
    self.features = features
    self.targets = targets
    self.rows = rows
  }

  /// An empty block ready to take `rows` rows.
  init(reserving rows: Int, featureCount: Int, targetCount: Int) {
    features = []
    targets = []
    features.reserveCapacity(rows * featureCount)
    targets.reserveCapacity(rows * targetCount)
    self.rows = 0
  }
}

/// Rows of features and targets that training reads in batches, whether they sit in memory
/// (`InMemoryDataset`) or are streamed from disk (`HDF5StreamingDataset`).
///
/// Rows are numbered `0..<rowCount`. Implementations read only the rows asked for, so that a
/// streaming data set holds at most a few chunks in memory.
public protocol Dataset: Sendable {
  /// Where the rows come from (a file name), for messages.
  var source: String { get }
  var rowCount: Int { get }
  var featureCount: Int { get }
  var targetCount: Int { get }
  /// Column names for reports (`x0`, `x1`, ... and `y0`, ... when the source has none).
  var featureNames: [String] { get }
  var targetNames: [String] { get }
  /// Rows per storage chunk when reaching an arbitrary row is costly (streaming), so that the
  /// loader shuffles whole chunks and then rows within a window of chunks; `nil` when every row
  /// is cheap to reach, so that the loader may use a full permutation.
  var chunkRows: Int? { get }
  /// The rows in `range`.
  func rows(_ range: Range<Int>) throws -> RowBlock
  /// The rows at `indices`, in that order.
  func rows(at indices: [Int]) throws -> RowBlock
}

extension Dataset {
  public var featureNames: [String] { (0..<featureCount).map { "x\($0)" } }
  public var targetNames: [String] { (0..<targetCount).map { "y\($0)" } }

  /// Reads each run of consecutive indices with one `rows(_:)` call.
  public func rows(at indices: [Int]) throws -> RowBlock {
    var block = RowBlock(
      reserving: indices.count, featureCount: featureCount, targetCount: targetCount)
    var start = 0
    while start < indices.count {
      var end = start + 1
      while end < indices.count && indices[end] == indices[end - 1] + 1 { end += 1 }
      let run = try rows(indices[start]..<(indices[end - 1] + 1))
      block.features += run.features
      block.targets += run.targets
      block.rows += run.rows
      start = end
    }
    return block
  }

  /// Throws unless `range` lies within `0..<rowCount`.
  func checkRange(_ range: Range<Int>) throws {
    guard range.lowerBound >= 0 && range.upperBound <= rowCount else {
      throw DataIOError.invalidRequest(
        source: source, message: "rows \(range) are outside the data set's 0..<\(rowCount)")
    }
  }
}
