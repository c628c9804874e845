import Foundation

/// Which columns (CSV) or data sets (HDF5) hold features and which hold targets, checked once
/// for the readers that need them.
enum DataColumns {
  /// 0-based feature and target columns of `header`; `features == nil` means every column that
  /// is not a target.
  static func resolve(
    header: [String], features: [ColumnSelector]?, targets: [ColumnSelector], source: String
  ) throws -> (features: [Int], targets: [Int]) {
    let targetColumns = try Table.resolve(targets, in: header, source: source)
    let featureColumns =
      try features.map { try Table.resolve($0, in: header, source: source) }
      ?? header.indices.filter { !targetColumns.contains($0) }
    // A model's columns are known by name (model.json, predict): each must be one column.
    var seen = Set<Int>()
    var seenNames = Set<String>()
    for column in featureColumns + targetColumns {
      guard seen.insert(column).inserted else {
        throw DataIOError.invalidRequest(
          source: source, message: "column \"\(header[column])\" is chosen twice")
      }
      guard seenNames.insert(header[column]).inserted else {
        throw DataIOError.ambiguousColumn(file: source, name: header[column])
      }
    }
    return (featureColumns, targetColumns)
  }

  /// A reader returning the feature columns, then the target columns.
  static func openCSV(
    url: URL, features: [ColumnSelector]?, targets: [ColumnSelector], options: CSVOptions
  ) throws -> (reader: CSVReader, featureCount: Int, targetCount: Int) {
    var headerOptions = options
    headerOptions.columns = []
    let header = try CSVReader(url: url, options: headerOptions, blockSize: 1 << 16).header
    let (x, y) = try resolve(header: header, features: features, targets: targets, source: url.path)
    var dataOptions = options
    dataOptions.columns = (x + y).map { .index($0) }
    return (try CSVReader(url: url, options: dataOptions), x.count, y.count)
  }

  /// The feature and target data sets of an HDF5 file, checked to describe the same rows.
  static func openHDF5(_ file: HDF5File, features: String, targets: String) throws
    -> (features: HDF5Dataset, targets: HDF5Dataset)
  {
    let x = try file.dataset(features)
    let y = try file.dataset(targets)
    guard x.rows == y.rows else {
      throw DataIOError.rowCountMismatch(
        file: file.path, features: x.path, featureRows: x.rows, targets: y.path, targetRows: y.rows)
    }
    return (x, y)
  }

  /// The names in a data set's `columns` attribute (a JSON array, as `convertCSVToHDF5` writes
  /// it), or `prefix0`, `prefix1`, ... when it has none that fits.
  static func names(of dataset: HDF5Dataset, prefix: String) -> [String] {
    if let text = try? dataset.file.stringAttribute("columns", of: dataset.path),
      let names = try? JSONDecoder().decode([String].self, from: Data(text.utf8)),
      names.count == dataset.columns
    {
      return names
    }
    return (0..<dataset.columns).map { "\(prefix)\($0)" }
  }
}
