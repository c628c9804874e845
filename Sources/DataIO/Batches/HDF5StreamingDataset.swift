import Foundation

/// Features and targets read from an HDF5 file on demand, so that a data set larger than memory
/// can be trained on: only the rows asked for are read (as hyperslabs), and `BatchLoader` asks
/// for a bounded window of chunks at a time.
///
/// ```swift
/// let data = try HDF5StreamingDataset(url: URL(fileURLWithPath: "big.h5"))  // "/X", "/y"
/// let loader = try BatchLoader(dataset: data, options: LoaderOptions(batchSize: 256))
/// ```
public final class HDF5StreamingDataset: Dataset, @unchecked Sendable {
  public let file: HDF5File
  public let features: HDF5Dataset
  public let targets: HDF5Dataset
  public let chunkRows: Int?
  public let featureNames: [String]
  public let targetNames: [String]

  public var source: String { file.path }
  public var rowCount: Int { features.rows }
  public var featureCount: Int { features.columns }
  public var targetCount: Int { targets.columns }

  /// Opens `features` and `targets` (1-D data sets count as one column) and checks that they
  /// have the same number of rows.
  ///
  /// - Parameter chunkRows: rows per loader chunk; by default the features' storage chunk (so a
  ///   chunk is decompressed once per epoch), or about 1 MiB of rows for contiguous storage.
  public init(
    url: URL, features: String = "/X", targets: String = "/y", chunkRows: Int? = nil
  ) throws {
    precondition(chunkRows.map { $0 > 0 } ?? true, "chunkRows must be positive")
    file = try HDF5File(url: url)
    (self.features, self.targets) = try DataColumns.openHDF5(
      file, features: features, targets: targets)
    featureNames = try DataColumns.names(of: self.features, prefix: "x")
    targetNames = try DataColumns.names(of: self.targets, prefix: "y")
    let rowBytes = 8 * max(self.features.columns + self.targets.columns, 1)
    self.chunkRows = chunkRows ?? self.features.chunkShape?[0] ?? max(1, (1 << 20) / rowBytes)
  }

  public func rows(_ range: Range<Int>) throws -> RowBlock {
    try checkRange(range)
    return RowBlock(
      features: try features.readRows(range), targets: try targets.readRows(range),
      rows: range.count)
  }
}
