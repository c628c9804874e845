import Foundation

/// Which columns (CSV) or data sets (HDF5) hold features and which hold targets, checked once
/// for the readers that need them.
enum DataColumns {
  /// 0-based feature and target columns of `header`; `features == nil` means every column that
  /// is neither a target nor in `exclude` (whose columns must exist all the same).
  static func resolve(
    header: [String], features: [ColumnSelector]?, targets: [ColumnSelector],
    exclude: [ColumnSelector] = [], source: String
  ) throws -> (features: [Int], targets: [Int]) {
    let targetColumns = try Table.resolve(targets, in: header, source: source)
    let excluded = try Table.resolve(exclude, in: header, source: source)
    if let both = excluded.first(where: targetColumns.contains) {
      throw DataIOError.invalidRequest(
        source: source, message: "column \"\(header[both])\" is both a target and excluded")
    }
    let featureColumns =
      try features.map { try Table.resolve($0, in: header, source: source) }
      ?? header.indices.filter { !targetColumns.contains($0) && !excluded.contains($0) }
    if let both = featureColumns.first(where: excluded.contains) {
      throw DataIOError.invalidRequest(
        source: source, message: "column \"\(header[both])\" is both a feature and excluded")
    }
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

  /// A reader returning the feature columns, then the target columns. `mayBeRowIndex` says that
  /// the first feature is the file's unnamed first column, taken by default (`features` nil):
  /// the caller leaves it out if its values turn out to number the rows (`RowIndexColumn`).
  static func openCSV(
    url: URL, features: [ColumnSelector]?, targets: [ColumnSelector],
    exclude: [ColumnSelector] = [], options: CSVOptions
  ) throws -> (reader: CSVReader, featureCount: Int, targetCount: Int, mayBeRowIndex: Bool) {
    var headerOptions = options
    headerOptions.columns = []
    let header = try CSVReader(url: url, options: headerOptions, blockSize: 1 << 16).header
    let (x, y) = try resolve(
      header: header, features: features, targets: targets, exclude: exclude, source: url.path)
    var dataOptions = options
    dataOptions.columns = (x + y).map { .index($0) }
    let mayBeRowIndex =
      features == nil && options.hasHeader && RowIndexColumn.isCandidate(header) && x.first == 0
    return (try CSVReader(url: url, options: dataOptions), x.count, y.count, mayBeRowIndex)
  }

  /// The feature and target data sets of an HDF5 file, checked to describe the same rows.
  static func openHDF5(_ file: HDF5File, features: String, targets: String) throws
    -> (features: HDF5Dataset, targets: HDF5Dataset)
  {
    let x = try file.dataset(features)
    let y = try file.dataset(targets)
    for dataset in [x, y] {
      let what = dataset === x ? "features" : "targets"
      guard dataset.columns > 0 else {
        throw DataIOError.unsupportedDataset(
          file: file.path, dataset: dataset.path,
          reason: "has shape \(dataset.shape): no columns to read as \(what)")
      }
      guard dataset.rows > 0 else {
        throw DataIOError.unsupportedDataset(
          file: file.path, dataset: dataset.path,
          reason: "has shape \(dataset.shape): no rows to read as \(what)")
      }
    }
    guard x.rows == y.rows else {
      throw DataIOError.rowCountMismatch(
        file: file.path, features: x.path, featureRows: x.rows, targets: y.path, targetRows: y.rows)
    }
    return (x, y)
  }

  /// The names in a data set's `columns` attribute, or `prefix0`, `prefix1`, ... when it has
  /// none. Every form h5py writes is read: one string holding a JSON array (what
  /// `convertCSVToHDF5` writes) or a single name, or a 1-D array of `str` or `bytes`, variable-
  /// or fixed-length (`attrs["columns"] = ["a", "b"]`, `np.array([b"a", b"b"])`).
  ///
  /// - Throws: `DataIOError.unsupportedDataset` naming the file, data set and attribute when the
  ///   attribute is there but unusable (numbers, 2-D, a count other than the data set's
  ///   columns, a name given twice): silently numbering the columns instead would let a model
  ///   be trained or evaluated on columns taken by the wrong position.
  static func names(of dataset: HDF5Dataset, prefix: String) throws -> [String] {
    let file = dataset.file
    guard try file.hasAttribute("columns", of: dataset.path) else {
      return (0..<dataset.columns).map { "\(prefix)\($0)" }
    }
    let (strings, rank) = try file.stringsAttribute("columns", of: dataset.path)
    let names =
      rank == 0
      ? (try? JSONDecoder().decode([String].self, from: Data(strings[0].utf8))) ?? strings
      : strings
    let refuse = { (reason: String) in
      DataIOError.unsupportedDataset(
        file: file.path, dataset: dataset.path, reason: "attribute columns \(reason)")
    }
    guard names.count == dataset.columns else {
      throw refuse(
        "names \(names.count) column(s) (\(names.joined(separator: ", "))) but the data set has "
          + "\(dataset.columns)")
    }
    if let empty = names.firstIndex(where: \.isEmpty) {
      throw refuse("has an empty name (column \(empty), 0-based)")
    }
    var seen = Set<String>()
    if let twice = names.first(where: { !seen.insert($0).inserted }) {
      throw refuse("names \"\(twice)\" twice")
    }
    return names
  }
}
