import Foundation

/// What `convertCSVToHDF5` wrote.
public struct ConversionSummary: Equatable, Sendable {
  public var rows: Int
  public var featureNames: [String]
  public var targetNames: [String]
  /// Records left out by `InvalidValuePolicy.dropRow`.
  public var droppedRows: Int
  /// The unnamed first column left out because it numbers the rows; nil when there was none.
  public var rowIndexColumn: RowIndexColumn?

  public init(
    rows: Int, featureNames: [String], targetNames: [String], droppedRows: Int,
    rowIndexColumn: RowIndexColumn? = nil
  ) {
    self.rows = rows
    self.featureNames = featureNames
    self.targetNames = targetNames
    self.droppedRows = droppedRows
    self.rowIndexColumn = rowIndexColumn
  }
}

/// Converts a CSV file into an HDF5 file that `HDF5StreamingDataset` reads: features in `/X`
/// (rows × features) and targets in `/y` (rows × targets), chunked and gzip-compressed, with the
/// column names as JSON arrays in the `columns` attribute of each and the CSV path in the root's
/// `source` attribute. `fit convert in.csv out.h5` calls this.
///
/// The CSV is read `blockRows` rows at a time and appended, so memory stays bounded whatever the
/// file's size. The output is written under a temporary name and moved into place only when
/// complete: a failed conversion (say, a bad value on line 3 000 000) leaves no partial file.
///
/// An unnamed first column that numbers the rows (`RowIndexColumn`: pandas' index, R's row
/// names) is left out of the default features as the training reader leaves it out. Whether it
/// does is known only at the end of the file: it is checked block by block and left out as it
/// goes, and should a value show that it is not one, the conversion starts again with it kept.
///
/// - Parameters:
///   - features: feature columns; `nil` takes every column that is neither a target nor in
///     `exclude`, nor a row index.
///   - chunkRows: rows per HDF5 chunk (the streaming loader's shuffling unit).
///   - gzipLevel: deflate level, or `nil` for no compression.
@discardableResult
public func convertCSVToHDF5(
  csv: URL, hdf5: URL, features: [ColumnSelector]? = nil, targets: [ColumnSelector],
  exclude: [ColumnSelector] = [], options: CSVOptions = CSVOptions(), chunkRows: Int = 4096,
  gzipLevel: Int? = 4, blockRows: Int = 65_536
) throws -> ConversionSummary {
  try checkConversionTarget(csv: csv, hdf5: hdf5)
  let attempt = { (leavingOutRowIndex: Bool) in
    try convertCSVToHDF5(
      csv: csv, hdf5: hdf5, features: features, targets: targets, exclude: exclude,
      options: options, chunkRows: chunkRows, gzipLevel: gzipLevel, blockRows: blockRows,
      leavingOutRowIndex: leavingOutRowIndex)
  }
  return try attempt(true) ?? attempt(false)!
}

/// One conversion; with `leavingOutRowIndex`, nil (and nothing written) when the candidate row
/// index column turns out not to be one.
private func convertCSVToHDF5(
  csv: URL, hdf5: URL, features: [ColumnSelector]?, targets: [ColumnSelector],
  exclude: [ColumnSelector], options: CSVOptions, chunkRows: Int, gzipLevel: Int?,
  blockRows: Int, leavingOutRowIndex: Bool
) throws -> ConversionSummary? {
  let (reader, readFeatures, targetCount, mayBeRowIndex) = try DataColumns.openCSV(
    url: csv, features: features, targets: targets, exclude: exclude, options: options)
  let skipped = leavingOutRowIndex && mayBeRowIndex ? 1 : 0
  var rowNumbers = RowNumberCheck()
  let featureCount = readFeatures - skipped
  let names = Array(reader.columnNames.dropFirst(skipped))
  let partial = hdf5.deletingLastPathComponent()
    .appendingPathComponent(".\(hdf5.lastPathComponent).partial-\(getpid())")
  defer { try? FileManager.default.removeItem(at: partial) }
  var rows = 0
  // A process that ends abruptly meanwhile deletes the partial file (`PendingWrites.abandon`).
  let completed = try PendingWrites.writing(temporary: partial.path) { () throws -> Bool in
    do {
      let file = try HDF5File(url: partial, mode: .create)
      // HDF5 chunks must stay under 4 GB: very wide rows get fewer rows per chunk (≤ 1 GiB).
      let widest = max(featureCount, targetCount, 1)
      let rowsPerChunk = max(1, min(chunkRows, (1 << 30) / (8 * widest)))
      let layout = HDF5WriteOptions(chunkRows: rowsPerChunk, gzipLevel: gzipLevel, extendable: true)
      let x = try file.createDataset("/X", columns: featureCount, options: layout)
      let y = try file.createDataset("/y", columns: targetCount, options: layout)
      while let block = try reader.next(maxRows: blockRows) {
        var blockFeatures: [Double] = []
        var blockTargets: [Double] = []
        blockFeatures.reserveCapacity(block.rows * featureCount)
        blockTargets.reserveCapacity(block.rows * targetCount)
        for row in 0..<block.rows {
          let base = row * block.columns
          if skipped == 1 { rowNumbers.observe(block.values[base]) }
          blockFeatures += block.values[(base + skipped)..<(base + readFeatures)]
          blockTargets += block.values[(base + readFeatures)..<(base + block.columns)]
        }
        if skipped == 1 && !rowNumbers.isPossible { return false }
        try x.writeRows(blockFeatures, at: rows)
        try y.writeRows(blockTargets, at: rows)
        rows += block.rows
      }
      let encode = { (list: [String]) in
        String(decoding: try JSONEncoder().encode(list), as: UTF8.self)
      }
      try file.setAttribute("columns", try encode(Array(names[..<featureCount])), on: "/X")
      try file.setAttribute("columns", try encode(Array(names[featureCount...])), on: "/y")
      if skipped == 1 && !rowNumbers.matches(records: rows + reader.droppedRows) { return false }
      try file.setAttribute("source", csv.path)
      try file.flush()
    }
    // rename(2) replaces an existing file in one step, and refuses to replace a directory (a
    // remove-then-move would delete a directory given by mistake, with everything in it).
    guard rename(partial.path, hdf5.path) == 0 else {
      let reason = String(cString: strerror(errno))
      throw DataIOError.invalidRequest(
        source: hdf5.path, message: "cannot write the converted file: \(reason)")
    }
    return true
  }
  guard completed else { return nil }
  return ConversionSummary(
    rows: rows, featureNames: Array(names[..<featureCount]),
    targetNames: Array(names[featureCount...]), droppedRows: reader.droppedRows,
    rowIndexColumn: skipped == 1 ? rowNumbers.column(source: csv.path) : nil)
}

/// Refuses an output that is a directory, the input file itself, or in a folder that does not
/// exist, before any work: the conversion would otherwise end by failing to replace the
/// directory, or replace the CSV it read with HDF5.
public func checkConversionTarget(csv: URL, hdf5: URL) throws {
  var folder = stat()
  let parent = hdf5.deletingLastPathComponent().path
  guard stat(parent, &folder) == 0, folder.st_mode & S_IFMT == S_IFDIR else {
    throw DataIOError.invalidRequest(
      source: hdf5.path, message: "\(parent) is not an existing directory")
  }
  var target = stat()
  guard stat(hdf5.path, &target) == 0 else { return }  // a new file
  if target.st_mode & S_IFMT == S_IFDIR {
    throw DataIOError.invalidRequest(source: hdf5.path, message: "the output is a directory")
  }
  var source = stat()
  if stat(csv.path, &source) == 0 && source.st_dev == target.st_dev
    && source.st_ino == target.st_ino
  {
    throw DataIOError.invalidRequest(
      source: hdf5.path, message: "the output is the input CSV file itself")
  }
}
