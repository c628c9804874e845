/// A column chosen by its header name or by its 0-based position (pandas' `usecols` convention).
///
/// ```swift
/// let features: [ColumnSelector] = ["x1", "x2", 5]   // by name, by name, sixth column
/// ```
public enum ColumnSelector: Hashable, Sendable, ExpressibleByStringLiteral,
  ExpressibleByIntegerLiteral, CustomStringConvertible
{
  case name(String)
  case index(Int)

  public init(stringLiteral value: String) { self = .name(value) }
  public init(integerLiteral value: Int) { self = .index(value) }

  public var description: String {
    switch self {
    case .name(let name): return "\"\(name)\""
    case .index(let index): return "#\(index)"
    }
  }
}

/// What to do with a selected field that is empty or not a number.
public enum InvalidValuePolicy: String, Sendable, Codable {
  /// Stop at the first such field with an error naming file, line and column (the default:
  /// silently losing rows is a worse surprise than a message).
  case error
  /// Leave the whole record out and count it in `Table.droppedRows`.
  case dropRow = "drop-row"
}

/// How to read a CSV file (RFC 4180 plus the usual liberties).
///
/// Always accepted, whatever the options: quoted fields with `""` for a quote and embedded
/// delimiters or newlines, CRLF, LF or CR line ends, a UTF-8 byte order mark, blank lines
/// (skipped), spaces and tabs around unquoted fields (ignored for numbers, as `float()` does).
public struct CSVOptions: Sendable, Equatable {
  /// Whether the first non-blank record names the columns. Without a header, columns are named
  /// `"0"`, `"1"`, ... after their 0-based index.
  public var hasHeader: Bool
  /// The field separator: one ASCII character other than a quote, CR, LF or NUL (`,` by
  /// default; `;` and tab are common). Checked when a reader opens, which throws otherwise.
  public var delimiter: Character
  /// The decimal separator of numbers: `.` (the default) or `,` (European CSV, usually with the
  /// delimiter `;`: `3,25` is 3.25). A comma cannot be both; a reader throws when it opens.
  public var decimal: Character
  /// The columns to parse, in the order they should appear in the table; `nil` takes them all.
  /// Columns not chosen are skipped without being parsed, so they may hold text.
  public var columns: [ColumnSelector]?
  /// What to do with an empty or non-numeric value in a chosen column.
  public var invalidValues: InvalidValuePolicy
  /// Whether NaN and ±infinity (`nan`, `inf`, or a number beyond the double range such as
  /// `1e400`) count as invalid values too. Python's `float()` reads them, and so does this
  /// reader by default; data to train or evaluate a model on must not hold them.
  public var finiteOnly: Bool

  public init(
    hasHeader: Bool = true, delimiter: Character = ",", decimal: Character = ".",
    columns: [ColumnSelector]? = nil, invalidValues: InvalidValuePolicy = .error,
    finiteOnly: Bool = false
  ) {
    self.hasHeader = hasHeader
    self.delimiter = delimiter
    self.decimal = decimal
    self.columns = columns
    self.invalidValues = invalidValues
    self.finiteOnly = finiteOnly
  }

  /// The delimiter as a byte, or an error naming `source` if it cannot be one.
  func delimiterByte(source: String) throws -> UInt8 {
    guard let byte = delimiter.asciiValue, !"\"\r\n\0".contains(delimiter) else {
      throw DataIOError.invalidRequest(
        source: source,
        message: "the CSV delimiter must be one ASCII character other than a quote or a line "
          + "end, got \"\(delimiter)\"")
    }
    return byte
  }

  /// The decimal separator as a byte, or an error naming `source` if it is neither `.` nor `,`
  /// or is also the delimiter.
  func decimalByte(source: String) throws -> UInt8 {
    guard decimal == "." || decimal == "," else {
      throw DataIOError.invalidRequest(
        source: source, message: "the decimal separator must be \".\" or \",\", got \"\(decimal)\"")
    }
    guard decimal != delimiter else {
      throw DataIOError.invalidRequest(
        source: source,
        message: "the decimal separator \"\(decimal)\" cannot also be the delimiter (a decimal "
          + "comma needs another delimiter, such as \";\")")
    }
    return decimal.asciiValue!
  }
}
