/// Named columns of `Double`, stored row-major in one contiguous array: what `CSVReader` returns
/// and what an `InMemoryDataset` is made from.
///
/// `values[row * columns + column]` is the element at (`row`, `column`).
public struct Table: Equatable, Sendable {
  /// The columns' names, in order.
  public var columnNames: [String]
  /// Row-major values, `rows * columns` of them.
  public var values: [Double]
  /// The number of rows (kept apart so that a table of zero columns still has a row count).
  public var rows: Int
  /// Where the data came from (a file name), for error messages.
  public var source: String
  /// How many records the `dropRow` policy left out while reading.
  public var droppedRows: Int

  public var columns: Int { columnNames.count }

  public init(
    columnNames: [String], values: [Double], rows: Int? = nil, source: String = "table",
    droppedRows: Int = 0
  ) {
    let rows = rows ?? (columnNames.isEmpty ? 0 : values.count / columnNames.count)
    precondition(
      values.count == rows * columnNames.count,
      "\(values.count) values do not fill \(rows) rows of \(columnNames.count) columns")
    self.columnNames = columnNames
    self.values = values
    self.rows = rows
    self.source = source
    self.droppedRows = droppedRows
  }

  public subscript(row: Int, column: Int) -> Double {
    values[row * columns + column]
  }

  /// The 0-based positions of the selected columns, in the order given.
  ///
  /// - Throws: `DataIOError.unknownColumn`, `.ambiguousColumn` or `.columnIndexOutOfRange`.
  public func indices(of selectors: [ColumnSelector]) throws -> [Int] {
    try Table.resolve(selectors, in: columnNames, source: source)
  }

  /// One column as an array.
  public func column(_ selector: ColumnSelector) throws -> [Double] {
    let index = try indices(of: [selector])[0]
    return (0..<rows).map { values[$0 * columns + index] }
  }

  /// A table of the selected columns only, in the order given.
  public func selecting(_ selectors: [ColumnSelector]) throws -> Table {
    let chosen = try indices(of: selectors)
    var picked = [Double]()
    picked.reserveCapacity(rows * chosen.count)
    for row in 0..<rows {
      let base = row * columns
      for index in chosen { picked.append(values[base + index]) }
    }
    return Table(
      columnNames: chosen.map { columnNames[$0] }, values: picked, rows: rows, source: source,
      droppedRows: droppedRows)
  }

  static func resolve(_ selectors: [ColumnSelector], in names: [String], source: String) throws
    -> [Int]
  {
    try selectors.map { selector in
      switch selector {
      case .index(let index):
        guard index >= 0 && index < names.count else {
          throw DataIOError.columnIndexOutOfRange(file: source, index: index, columns: names.count)
        }
        return index
      case .name(let name):
        let matches = names.indices.filter { names[$0] == name }
        guard let first = matches.first else {
          throw DataIOError.unknownColumn(file: source, name: name, available: names)
        }
        guard matches.count == 1 else {
          throw DataIOError.ambiguousColumn(file: source, name: name)
        }
        return first
      }
    }
  }
}
