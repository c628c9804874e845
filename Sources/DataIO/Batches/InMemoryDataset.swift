import Foundation

/// A data set held entirely in memory as two row-major matrices.
///
/// ```swift
/// let data = try InMemoryDataset.csv(
///   url: URL(fileURLWithPath: "houses.csv"), features: ["area", "rooms"], targets: ["price"])
/// ```
public struct InMemoryDataset: Dataset, Equatable {
  public let source: String
  public let features: [Double]
  public let targets: [Double]
  public let rowCount: Int
  public let featureCount: Int
  public let targetCount: Int
  public let featureNames: [String]
  public let targetNames: [String]
  /// Records of the source file left out by `InvalidValuePolicy.dropRow`.
  public var droppedRows = 0
  /// The unnamed first column of a CSV file that `csv` left out of the default features because
  /// it numbers the rows (pandas' index, R's row names); nil when there was none.
  public var rowIndexColumn: RowIndexColumn?
  public var chunkRows: Int? { nil }

  public init(
    features: [Double], featureCount: Int, targets: [Double], targetCount: Int,
    featureNames: [String]? = nil, targetNames: [String]? = nil, source: String = "memory"
  ) {
    let rows =
      featureCount > 0 ? features.count / featureCount : targets.count / max(targetCount, 1)
    precondition(features.count == rows * featureCount, "features do not fill \(rows) rows")
    precondition(targets.count == rows * targetCount, "targets do not fill \(rows) rows")
    self.source = source
    self.features = features
    self.targets = targets
    self.rowCount = rows
    self.featureCount = featureCount
    self.targetCount = targetCount
    self.featureNames = featureNames ?? (0..<featureCount).map { "x\($0)" }
    self.targetNames = targetNames ?? (0..<targetCount).map { "y\($0)" }
  }

  /// Splits a table into features and targets. `features == nil` takes every column that is not
  /// a target.
  public init(table: Table, features: [ColumnSelector]?, targets: [ColumnSelector]) throws {
    let (featureColumns, targetColumns) = try DataColumns.resolve(
      header: table.columnNames, features: features, targets: targets, source: table.source)
    let x = try table.selecting(featureColumns.map { .index($0) })
    let y = try table.selecting(targetColumns.map { .index($0) })
    self.init(
      features: x.values, featureCount: x.columns, targets: y.values, targetCount: y.columns,
      featureNames: x.columnNames, targetNames: y.columnNames, source: table.source)
  }

  /// Reads the feature and target columns of a CSV file (other columns are skipped unparsed).
  /// `features == nil` takes every column that is neither a target nor in `exclude`, except an
  /// unnamed first column that numbers the rows (`rowIndexColumn` then says so).
  public static func csv(
    url: URL, features: [ColumnSelector]? = nil, targets: [ColumnSelector],
    exclude: [ColumnSelector] = [], options: CSVOptions = CSVOptions()
  ) throws -> InMemoryDataset {
    let reader = try DataColumns.openCSV(
      url: url, features: features, targets: targets, exclude: exclude, options: options)
    let table = try reader.reader.readAll()
    var rowIndex: RowIndexColumn?
    if reader.mayBeRowIndex {
      var check = RowNumberCheck()
      for row in 0..<table.rows { check.observe(table[row, 0]) }
      if check.matches(records: table.rows + table.droppedRows) {
        rowIndex = check.column(source: table.source)
      }
    }
    let firstFeature = rowIndex == nil ? 0 : 1
    let targetSelectors = (reader.featureCount..<table.columns).map { ColumnSelector.index($0) }
    var dataset = try InMemoryDataset(
      table: table, features: (firstFeature..<reader.featureCount).map { .index($0) },
      targets: targetSelectors)
    dataset.droppedRows = table.droppedRows
    dataset.rowIndexColumn = rowIndex
    return dataset
  }

  /// Reads whole feature and target data sets of an HDF5 file (1-D means one column).
  public static func hdf5(url: URL, features: String = "/X", targets: String = "/y") throws
    -> InMemoryDataset
  {
    let file = try HDF5File(url: url)
    let (x, y) = try DataColumns.openHDF5(file, features: features, targets: targets)
    return InMemoryDataset(
      features: try x.read(), featureCount: x.columns, targets: try y.read(),
      targetCount: y.columns, featureNames: try DataColumns.names(of: x, prefix: "x"),
      targetNames: try DataColumns.names(of: y, prefix: "y"), source: file.path)
  }

  public func rows(_ range: Range<Int>) throws -> RowBlock {
    try checkRange(range)
    return RowBlock(
      features: Array(
        features[(range.lowerBound * featureCount)..<(range.upperBound * featureCount)]),
      targets: Array(targets[(range.lowerBound * targetCount)..<(range.upperBound * targetCount)]),
      rows: range.count)
  }

  /// A gather: row `indices[k]` becomes row `k`.
  /// Gathers the rows with one allocation per matrix and one copy per row (this is the
  /// shuffled loader's hot path).
  public func rows(at indices: [Int]) throws -> RowBlock {
    for index in indices { try checkRange(index..<(index + 1)) }
    return RowBlock(
      features: Self.gather(features, width: featureCount, rows: indices),
      targets: Self.gather(targets, width: targetCount, rows: indices), rows: indices.count)
  }

  private static func gather(_ matrix: [Double], width: Int, rows: [Int]) -> [Double] {
    guard width > 0 && !rows.isEmpty else { return [] }
    return [Double](unsafeUninitializedCapacity: rows.count * width) { out, initialized in
      matrix.withUnsafeBufferPointer { source in
        for (r, index) in rows.enumerated() {
          (out.baseAddress! + r * width).initialize(
            from: source.baseAddress! + index * width, count: width)
        }
      }
      initialized = rows.count * width
    }
  }
}

extension InMemoryDataset {
  /// Throws for the first NaN or infinite value, naming the data set it came from
  /// (`featuresName` or `targetsName`, e.g. `/X` and `/y` of an HDF5 file) and its row and
  /// column: a model cannot be trained or evaluated on them.
  public func requireFinite(featuresName: String, targetsName: String) throws {
    for (values, width, name) in [
      (features, featureCount, featuresName), (targets, targetCount, targetsName),
    ] {
      if let index = values.firstIndex(where: { !$0.isFinite }) {
        throw DataIOError.notFiniteInDataset(
          file: source, dataset: name, row: index / max(width, 1), column: index % max(width, 1))
      }
    }
  }
}
