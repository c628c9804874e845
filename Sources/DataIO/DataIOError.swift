import Foundation

/// Everything that can go wrong while reading or writing data. Each case carries where it happened
/// (file, 1-based line and column for text, data set path for HDF5) so that the message alone lets
/// a user find and fix the problem.
///
/// CSV columns are counted from 1 in messages, like lines, because that is what editors show; the
/// column *selectors* in `CSVOptions` count from 0, like pandas and numpy.
public enum DataIOError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The file could not be opened or read at all (missing, a directory, no permission).
  case unreadableFile(file: String, reason: String)
  /// The file holds no header and no data.
  case emptyFile(file: String)
  /// A quoted field is not closed before the end of the file, or a quote appears in the middle of
  /// an unquoted field, or text follows a closing quote.
  case malformedCSV(file: String, line: Int, column: Int, message: String)
  /// The first record does not split into columns with `delimiter` (it is one column, or a
  /// quote is followed by another character) but its line holds `likely`, another common
  /// delimiter, most often.
  case wrongDelimiter(file: String, line: Int, delimiter: Character, likely: Character)
  /// A record has a different number of fields from the header (or from the first record).
  case wrongFieldCount(file: String, line: Int, expected: Int, found: Int)
  /// A selected field is empty (or only spaces).
  case missingValue(file: String, line: Int, column: Int, columnName: String?)
  /// A selected field is not a number; `text` is the field as it appears after unquoting.
  case notANumber(file: String, line: Int, column: Int, columnName: String?, text: String)
  /// A selected field that is a number written with a decimal comma (`3,25`) where the decimal
  /// separator is a point.
  case decimalComma(file: String, line: Int, column: Int, columnName: String?, text: String)
  /// A number that is NaN or infinite where only finite values may be (`CSVOptions.finiteOnly`).
  case notFinite(file: String, line: Int, column: Int, columnName: String?, text: String)
  /// A NaN or infinite value in an HDF5 data set read for training or evaluation (0-based row
  /// and column).
  case notFiniteInDataset(file: String, dataset: String, row: Int, column: Int)
  /// A column was selected by a name that is not in the header.
  case unknownColumn(file: String, name: String, available: [String])
  /// A column was selected by a name that appears more than once in the header.
  case ambiguousColumn(file: String, name: String)
  /// A column was selected by a 0-based index outside the table.
  case columnIndexOutOfRange(file: String, index: Int, columns: Int)
  /// libhdf5 reported an error; `message` is HDF5's own description from its error stack.
  case hdf5(file: String, dataset: String?, operation: String, message: String)
  /// The file exists but is not an HDF5 file (or is truncated so that no superblock is found).
  case notHDF5(file: String, message: String)
  /// No object exists at the path.
  case missingDataset(file: String, dataset: String)
  /// The data set is there but cannot be used as asked (wrong rank, not numeric, external
  /// storage, virtual layout, reached through an external link...).
  case unsupportedDataset(file: String, dataset: String, reason: String)
  /// The data set's metadata contradict themselves or the file (a damaged or unfinished file).
  case damagedDataset(file: String, dataset: String, reason: String)
  /// Features and targets must describe the same rows.
  case rowCountMismatch(
    file: String, features: String, featureRows: Int, targets: String, targetRows: Int)
  /// Two data sets that must agree (training and validation) have different column counts.
  case shapeMismatch(first: String, second: String, message: String)
  /// A request that the data cannot satisfy (an empty data set, a row range outside it...).
  case invalidRequest(source: String, message: String)

  public var description: String {
    switch self {
    case .unreadableFile(let file, let reason):
      return "\(file): cannot read file: \(reason)"
    case .emptyFile(let file):
      return "\(file): the file is empty"
    case .malformedCSV(let file, let line, let column, let message):
      return "\(file) line \(line), column \(column): \(message)"
    case .wrongDelimiter, .decimalComma:
      return message(fix: Self.configFix)
    case .wrongFieldCount(let file, let line, let expected, let found):
      return "\(file) line \(line): expected \(expected) fields, found \(found)"
    case .missingValue(let file, let line, let column, let name):
      return "\(file) line \(line), column \(column)\(Self.quoted(name)): missing value"
    case .notANumber(let file, let line, let column, let name, let text):
      return "\(file) line \(line), column \(column)\(Self.quoted(name)): "
        + "cannot parse \"\(Self.shortened(text))\" as a number"
        + (name == ""
          ? " (a column without a name usually holds row names or an index: to leave it out, "
            + "exclude the column \"\" with data.exclude, or fit convert --exclude '')"
          : "")
    case .notFinite(let file, let line, let column, let name, let text):
      return "\(file) line \(line), column \(column)\(Self.quoted(name)): "
        + "\"\(Self.shortened(text))\" is not a finite number (NaN and infinity cannot be trained on; "
        + "data.missing \"drop-row\" leaves such rows out)"
    case .notFiniteInDataset(let file, let dataset, let row, let column):
      return "\(file) data set \(dataset): row \(row), column \(column) (0-based) is NaN or "
        + "infinite; only finite values can be trained on"
    case .unknownColumn(let file, let name, let available):
      return "\(file): no column named \"\(Self.shortened(name))\"; the header has "
        + Self.quotedList(available)
    case .ambiguousColumn(let file, let name):
      return "\(file): column name \"\(Self.shortened(name))\" appears more than once in the "
        + "header"
    case .columnIndexOutOfRange(let file, let index, let columns):
      return "\(file): column index \(index) is out of range for \(columns) columns (0-based)"
    case .hdf5(let file, let dataset, let operation, let message):
      let place = dataset.map { " data set \($0)" } ?? ""
      return "\(file)\(place): HDF5 error in \(operation): \(message)"
    case .notHDF5(let file, let message):
      return "\(file): not an HDF5 file (\(message))"
    case .missingDataset(let file, let dataset):
      return "\(file): no data set \(dataset)"
    case .unsupportedDataset(let file, let dataset, let reason):
      return "\(file) data set \(dataset): \(reason)"
    case .damagedDataset(let file, let dataset, let reason):
      return "\(file) data set \(dataset) is damaged or unfinished: \(reason)"
    case .rowCountMismatch(let file, let features, let featureRows, let targets, let targetRows):
      return "\(file): \(features) has \(featureRows) rows but \(targets) has \(targetRows)"
    case .shapeMismatch(let first, let second, let message):
      return "\(first) and \(second): \(message)"
    case .invalidRequest(let source, let message):
      return "\(source): \(message)"
    }
  }

  /// The message, with the fix of an error that setting a `data` key mends (`wrongDelimiter`,
  /// `decimalComma`) worded by `fix` from the key and its value: `description` words it as the
  /// config's `set "data": {"delimiter": ";"}`, a command line as its option.
  public func message(fix: (_ key: String, _ value: Character) -> String) -> String {
    switch self {
    case .wrongDelimiter(let file, let line, let delimiter, let likely):
      return "\(file) line \(line): the line is not \(Self.shown(delimiter))-separated; it looks "
        + "\(Self.shown(likely))-separated: " + fix("delimiter", likely)
    case .decimalComma(let file, let line, let column, let name, let text):
      return "\(file) line \(line), column \(column)\(Self.quoted(name)): "
        + "cannot parse \"\(text)\" as a number with a decimal point; for decimal commas, "
        + fix("decimal", ",")
    default:
      return description
    }
  }

  /// `set "data": {"delimiter": ";"}`.
  private static func configFix(key: String, value: Character) -> String {
    "set \"data\": {\"\(key)\": \(jsonString(value))}"
  }

  /// A delimiter in prose: `';'`, or `tab`.
  static func shown(_ delimiter: Character) -> String {
    delimiter == "\t" ? "tab" : "'\(delimiter)'"
  }

  /// A one-character string as JSON writes it (`";"`, `"\t"`).
  static func jsonString(_ character: Character) -> String {
    character == "\t" ? #""\t""# : "\"\(character)\""
  }

  private static func quoted(_ name: String?) -> String {
    name.map { $0.isEmpty ? " (no name)" : " \"\(shortened($0))\"" } ?? ""
  }

  /// `text` as a message shows it: whole up to 60 characters, else its first 40 and its length,
  /// so that a 100 MB field makes a one-line message.
  public static func shortened(_ text: String) -> String {
    guard text.utf8.count > 60 else { return text }
    return String(text.prefix(40)) + "… (\(text.utf8.count) bytes)"
  }

  /// Names in quotes, separated by commas: the first 20 and how many more, so that a header of
  /// a million columns makes a one-line message.
  public static func quotedList(_ names: [String]) -> String {
    let shown = names.prefix(20).map { "\"\(shortened($0))\"" }.joined(separator: ", ")
    return names.count > 20 ? shown + " and \(names.count - 20) more" : shown
  }
}

/// So that `error.localizedDescription` (which Foundation-based callers print) is the same text.
extension DataIOError: LocalizedError {
  public var errorDescription: String? { description }
}
