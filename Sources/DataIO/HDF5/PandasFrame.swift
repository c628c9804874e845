import CHDF5
import Foundation

/// A pandas DataFrame as `df.to_hdf(path, key="df")` writes it in its default fixed format
/// (through PyTables): a group whose `axis0` holds the column names and, per dtype, a block
/// `blockN_values` (rows × columns; float64 in one, int64 in another...) whose columns are
/// named by `blockN_items`. The index (`axis1`) labels rows and is not read.
///
/// Columns are taken by name, as from a CSV header, so that a target is never read as a
/// feature because it shares the features' block. Blocks of strings, booleans or dates hold no
/// numbers: their columns are listed in `columnNames` but refused when asked for.
///
/// ```swift
/// let frame = try PandasFrame(file: HDF5File(url: url), group: "/df")
/// let table = try frame.table(columns: ["area", "price"])
/// ```
public struct PandasFrame {
  public let file: HDF5File
  /// The frame's group (`"/df"`).
  public let group: String
  /// Every column, in the frame's order (`axis0`; integer names as decimal text).
  public let columnNames: [String]
  /// The rows of the numeric blocks (0 when there is none).
  public let rowCount: Int
  /// Where each numeric column is: its block and its position in it.
  private let numeric: [String: (block: HDF5Dataset, column: Int)]
  /// For each other column, what its block holds (`"str"`, `"bitfield"`...).
  private let unreadable: [String: String]

  /// The columns that hold numbers (floats or integers), in the frame's order.
  public var numericColumnNames: [String] { columnNames.filter { numeric[$0] != nil } }

  /// Opens the frame at `group`, checking that its blocks and names agree.
  ///
  /// - Throws: `DataIOError.unsupportedDataset` naming the file and group when it is not a
  ///   fixed-format frame (pandas' table format included) or its blocks disagree.
  public init(file: HDF5File, group: String) throws {
    let group = file.normalized(group)
    self.file = file
    self.group = group
    let refuse = { (reason: String) in
      DataIOError.unsupportedDataset(file: file.path, dataset: group, reason: reason)
    }
    let kind = try Self.pandasType(file, group)
    guard kind == "frame" else {
      throw refuse(
        kind == "frame_table"
          ? "is pandas' table format; fit reads the fixed format (df.to_hdf(path, key=..., "
            + "format=\"fixed\"), pandas' default)"
          : kind.map { "is a pandas \($0), not a frame" }
            ?? "is not a pandas frame (it has no pandas_type attribute)")
    }
    let blocks = try file.doubleAttribute("nblocks", of: group).first ?? -1
    guard blocks >= 0 && blocks < 10_000 && blocks == blocks.rounded() else {
      throw refuse("has an invalid nblocks attribute (\(blocks))")
    }
    columnNames = try Self.names(file, group + "/axis0")
    var numeric: [String: (block: HDF5Dataset, column: Int)] = [:]
    var unreadable: [String: String] = [:]
    var rows: Int?
    for index in 0..<Int(blocks) {
      let values = "\(group)/block\(index)_values"
      let items = try Self.names(file, "\(group)/block\(index)_items")
      for name in items where !columnNames.contains(name) {
        throw refuse("block\(index)_items names \"\(name)\", which axis0 does not")
      }
      // Dates are int64 blocks marked by a value_type; strings are pickled object arrays.
      if try file.hasAttribute("value_type", of: values) {
        let type = (try? file.stringAttribute("value_type", of: values)) ?? "an unknown type"
        for name in items { unreadable[name] = type }
        continue
      }
      let block: HDF5Dataset
      do {
        block = try file.dataset(values)
      } catch DataIOError.unsupportedDataset(_, _, let reason) {
        for name in items { unreadable[name] = reason }
        continue
      }
      guard block.rank == 2 && block.columns == items.count else {
        throw refuse(
          "block\(index)_values has shape \(block.shape) for \(items.count) column(s) "
            + "(block\(index)_items); expected [rows, \(items.count)]")
      }
      if let rows, rows != block.rows {
        throw refuse("block\(index)_values has \(block.rows) rows where another block has \(rows)")
      }
      rows = block.rows
      for (column, name) in items.enumerated() { numeric[name] = (block, column) }
    }
    rowCount = rows ?? 0
    self.numeric = numeric
    self.unreadable = unreadable
  }

  /// The named columns, in the order given, read whole (each block once).
  ///
  /// - Throws: `DataIOError.unknownColumn` for a name the frame lacks, `.unsupportedDataset`
  ///   for a column that holds no numbers.
  public func table(columns names: [String]) throws -> Table {
    var blocks: [String: [Double]] = [:]
    var columns: [(values: [Double], width: Int, column: Int)] = []
    for name in names {
      guard let (block, column) = numeric[name] else {
        if let what = unreadable[name] {
          throw DataIOError.unsupportedDataset(
            file: file.path, dataset: group,
            reason: "column \"\(name)\" holds no numbers (its block: \(what))")
        }
        throw DataIOError.unknownColumn(file: file.path, name: name, available: columnNames)
      }
      if blocks[block.path] == nil { blocks[block.path] = try block.read() }
      columns.append((blocks[block.path]!, block.columns, column))
    }
    var values = [Double](repeating: 0, count: rowCount * names.count)
    for row in 0..<rowCount {
      for (k, source) in columns.enumerated() {
        values[row * names.count + k] = source.values[row * source.width + source.column]
      }
    }
    return Table(columnNames: names, values: values, rows: rowCount, source: file.path)
  }

  /// The groups of `file` that pandas marked as fixed-format frames, in name order.
  public static func groups(in file: HDF5File) throws -> [String] {
    var groups: [String] = []
    try HDF5Library.locked {
      let status = withUnsafeMutablePointer(to: &groups) { pointer in
        H5Ovisit2(
          file.handle.id, H5_INDEX_NAME, H5_ITER_INC,
          { _, name, info, context in
            // The root itself is visited as ".".
            guard let name, let info, let context, info.pointee.type == H5O_TYPE_GROUP,
              String(cString: name) != "."
            else { return 0 }
            context.assumingMemoryBound(to: [String].self).pointee.append(
              "/" + String(cString: name))
            return 0
          }, pointer, UInt32(H5O_INFO_BASIC))
      }
      guard status >= 0 else {
        throw HDF5Library.error(file: file.path, dataset: nil, operation: "list groups")
      }
    }
    return try groups.filter { try pandasType(file, $0) == "frame" }
  }

  /// The group's `pandas_type` attribute (`"frame"`, `"frame_table"`, `"series"`), if any.
  private static func pandasType(_ file: HDF5File, _ group: String) throws -> String? {
    guard try file.hasAttribute("pandas_type", of: group) else { return nil }
    return try file.stringAttribute("pandas_type", of: group)
  }

  /// Column names as pandas stores them: strings, or integers for a frame made from an array.
  private static func names(_ file: HDF5File, _ path: String) throws -> [String] {
    if let numbers = try? file.dataset(path), case .integer = numbers.elementType,
      numbers.rank == 1
    {
      return try numbers.read().map { String(Int($0)) }
    }
    return try file.strings(path)
  }
}

extension InMemoryDataset {
  /// Reads the feature and target columns of the pandas frame at `group` by name;
  /// `features == nil` takes every numeric column that is neither a target nor in `exclude`
  /// (whose names must be the frame's all the same).
  public static func pandas(
    url: URL, group: String, features: [String]? = nil, targets: [String],
    exclude: [String] = []
  ) throws -> InMemoryDataset {
    let frame = try PandasFrame(file: HDF5File(url: url), group: group)
    if let missing = exclude.first(where: { !frame.columnNames.contains($0) }) {
      throw DataIOError.unknownColumn(file: url.path, name: missing, available: frame.columnNames)
    }
    let features =
      features
      ?? frame.numericColumnNames.filter { !targets.contains($0) && !exclude.contains($0) }
    let table = try frame.table(columns: features + targets)
    return try InMemoryDataset(
      table: table, features: features.map { .name($0) }, targets: targets.map { .name($0) })
  }
}
