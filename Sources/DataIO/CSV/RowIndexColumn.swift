/// A CSV file's unnamed first column that numbers the rows: the index pandas'
/// `DataFrame.to_csv()` writes by default (an empty header field, values 0, 1, ..., n−1) or the
/// row names of R's `write.csv` (header `""`, values `"1"`, `"2"`, ..., n). Such a column is no
/// feature, so readers leave it out of the default features (every column that is not a target)
/// and say so with `note`.
///
/// Only a first column with an empty name whose values are exactly the row numbers counts;
/// anything else stays a feature, as the user wrote it.
public struct RowIndexColumn: Equatable, Sendable {
  /// The file, for the note.
  public var source: String
  /// The first and last values: 0 and n−1 (pandas), 1 and n (R).
  public var first: Int
  public var last: Int

  public init(source: String, first: Int, last: Int) {
    self.source = source
    self.first = first
    self.last = last
  }

  /// `column 1 of d.csv has no name and holds the row numbers 0..99 (pandas' to_csv() index):
  /// left out of the features`.
  public var note: String {
    let writer = first == 0 ? "pandas' to_csv() index" : "row names, as R's write.csv writes them"
    return "column 1 of \(source) has no name and holds the row numbers \(first)..\(last) "
      + "(\(writer)): left out of the features"
  }

  /// Whether the column at position 0 of `header` may be a row index: it has no name.
  static func isCandidate(_ header: [String]) -> Bool {
    header.first == ""
  }
}

/// Decides, one value at a time in file order, whether a column holds row numbers: integers
/// from 0 or 1 counting up by one. With records left out (`InvalidValuePolicy.dropRow`) the
/// kept values are those numbers with gaps, so the test is that they increase strictly and stay
/// within the numbers of all the file's records.
struct RowNumberCheck {
  private var base = 0.0
  private(set) var first = 0.0
  private(set) var last = -1.0
  private var count = 0
  private var increasing = true

  mutating func observe(_ value: Double) {
    guard increasing else { return }
    if count == 0 {
      base = value == 0 ? 0 : 1
      first = value
    }
    guard value >= base, value > last, value == value.rounded(), value < 0x1p53 else {
      increasing = false
      return
    }
    last = value
    count += 1
  }

  /// Whether the values seen so far may still be row numbers.
  var isPossible: Bool { increasing }

  /// Whether the values seen are row numbers of a file of `records` records (rows kept plus
  /// rows left out). Without left-out rows that means exactly `base..<base + records`.
  func matches(records: Int) -> Bool {
    increasing && count > 0 && last <= base + Double(records - 1)
  }

  /// What `matches` found, for the note.
  func column(source: String) -> RowIndexColumn {
    RowIndexColumn(source: source, first: Int(first), last: Int(last))
  }
}
