import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Reads numeric CSV into `Table`s, either whole (`CSVReader.read(url:options:)`) or in blocks of
/// rows with bounded memory (`next(maxRows:)`, which `convertCSVToHDF5` uses).
///
/// The file is read with `fread` into one reusable buffer (4 MiB unless it must grow to hold a
/// longer record) followed by a NUL sentinel, and parsed in place by `CSVRecordParser`; numbers
/// are bit-identical to Python's `float()` (see `FloatParser`).
///
/// ```swift
/// let table = try CSVReader.read(
///   url: URL(fileURLWithPath: "data.csv"), options: CSVOptions(columns: ["x1", "x2", "y"]))
/// table.rows; table.columnNames; table.values   // row-major
/// ```
public final class CSVReader {
  /// The file name used in error messages.
  public let source: String
  /// Every column's name, from the header or `"0"`, `"1"`, ... without one.
  public private(set) var header: [String] = []
  /// The 0-based positions of the columns this reader returns, in output order.
  public private(set) var selectedColumns: [Int] = []
  /// The names of the returned columns.
  public var columnNames: [String] { selectedColumns.map { header[$0] } }
  /// Records left out so far by `InvalidValuePolicy.dropRow`.
  public private(set) var droppedRows = 0

  private let file: UnsafeMutablePointer<FILE>?
  var buffer: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  var start = 0
  var count = 0
  var atEOF = false
  var line = 1
  private var bytesRead = 0
  var parser: CSVRecordParser

  /// Opens a file and reads its header.
  public convenience init(url: URL, options: CSVOptions = CSVOptions(), blockSize: Int = 1 << 22)
    throws
  {
    guard let file = fopen(url.path, "rb") else {
      throw DataIOError.unreadableFile(file: url.path, reason: String(cString: strerror(errno)))
    }
    try self.init(file: file, bytes: nil, source: url.path, options: options, blockSize: blockSize)
  }

  /// Reads CSV held in memory (`source` names it in errors).
  public convenience init(
    bytes: [UInt8], source: String = "<memory>", options: CSVOptions = .init()
  )
    throws
  {
    try self.init(file: nil, bytes: bytes, source: source, options: options, blockSize: 0)
  }

  private init(
    file: UnsafeMutablePointer<FILE>?, bytes: [UInt8]?, source: String, options: CSVOptions,
    blockSize: Int
  ) throws {
    // This check fails before `self` is complete, when `deinit` would not run, so it closes the
    // file itself; every later `throw` comes after all stored properties are set, and `deinit`
    // closes the file and frees the buffer.
    let delimiter: UInt8
    let decimal: UInt8
    do {
      delimiter = try options.delimiterByte(source: source)
      decimal = try options.decimalByte(source: source)
    } catch {
      if let file { fclose(file) }
      throw error
    }
    self.file = file
    self.source = source
    capacity = max(blockSize, bytes?.count ?? 0, 1)
    let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity + FloatParser.padding)
    buffer = storage
    if let bytes {
      bytes.withUnsafeBufferPointer { storage.update(from: $0.baseAddress!, count: bytes.count) }
      count = bytes.count
      atEOF = true
    }
    (buffer + count).initialize(repeating: 0, count: FloatParser.padding)
    parser = CSVRecordParser(
      source: source, delimiter: delimiter, slots: [],
      selectedCount: 0, columnNames: nil,
      policy: options.invalidValues)
    while file != nil && count < 3 && !atEOF { try refill() }
    if count - start >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF {
      start = 3  // UTF-8 byte order mark
    }
    var first: CSVHeaderRecord?
    do {
      while true {
        first = try CSVHeaderRecord.parse(
          buffer + start, count: count - start, isFinal: atEOF, parser: &parser)
        if first != nil || atEOF { break }
        try refill()
      }
    } catch let error as DataIOError {
      // `"";"x";"y"` (R's write.csv2) read with a comma stops at the first `;`.
      guard case .malformedCSV = error, let wrong = wrongDelimiter(decimal: decimal) else {
        throw error
      }
      throw wrong
    }
    guard let first, !first.fields.isEmpty else { throw DataIOError.emptyFile(file: source) }
    if first.fields.count == 1, let error = wrongDelimiter(decimal: decimal) { throw error }
    if options.hasHeader {
      header = first.fields
      start += first.consumed
      line += first.lines
    } else {
      header = first.fields.indices.map { String($0) }
    }
    selectedColumns = try Table.resolve(
      options.columns ?? header.indices.map { .index($0) }, in: header, source: source)
    var slots = [Int](repeating: -1, count: header.count)
    for (slot, column) in selectedColumns.enumerated() { slots[column] = slot }
    parser = CSVRecordParser(
      source: source, delimiter: parser.delimiter, slots: slots,
      selectedCount: selectedColumns.count, columnNames: options.hasHeader ? header : nil,
      policy: options.invalidValues, finiteOnly: options.finiteOnly, decimal: decimal)
  }

  /// The error to give when the first record does not split into columns with the delimiter
  /// (it is one column, or does not parse) but another common delimiter occurs in its line:
  /// the one seen most there, outside quotes. `nil` when none occurs.
  private func wrongDelimiter(decimal: UInt8) -> DataIOError? {
    let candidates: [UInt8] = [";", "\t", ",", "|"].map { UInt8(ascii: $0) }
      .filter { $0 != parser.delimiter && $0 != decimal }
    var counts = [Int](repeating: 0, count: candidates.count)
    var i = start
    var line = self.line
    // Blank lines before the record are skipped, as the header parser skips them.
    while i < count,
      buffer[i] == CSVRecordParser.lf || buffer[i] == CSVRecordParser.cr
        || buffer[i] == UInt8(ascii: " ") || buffer[i] == UInt8(ascii: "\t")
    {
      if buffer[i] == CSVRecordParser.lf
        || (buffer[i] == CSVRecordParser.cr
          && (i + 1 == count || buffer[i + 1] != CSVRecordParser.lf))
      {
        line += 1
      }
      i += 1
    }
    // Back to the start of the record's line, whose leading tabs may be delimiters.
    while i > start && buffer[i - 1] != CSVRecordParser.lf && buffer[i - 1] != CSVRecordParser.cr {
      i -= 1
    }
    var quoted = false
    while i < count
      && (quoted || (buffer[i] != CSVRecordParser.lf && buffer[i] != CSVRecordParser.cr))
    {
      if buffer[i] == CSVRecordParser.quote {
        quoted.toggle()
      } else if !quoted, let k = candidates.firstIndex(of: buffer[i]) {
        counts[k] += 1
      }
      i += 1
    }
    // On a tie `max` keeps the first, so `;` wins: European files hold `;` and decimal commas.
    guard let most = counts.indices.max(by: { counts[$0] < counts[$1] }), counts[most] > 0
    else { return nil }
    return DataIOError.wrongDelimiter(
      file: source, line: line, delimiter: Character(UnicodeScalar(parser.delimiter)),
      likely: Character(UnicodeScalar(candidates[most])))
  }

  deinit {
    if let file { fclose(file) }
    buffer.deallocate()
  }

  /// The next block of at most `maxRows` rows, or `nil` once the file is exhausted.
  public func next(maxRows: Int = .max) throws -> Table? {
    precondition(maxRows > 0, "maxRows must be positive")
    var values = [Double]()
    var rows = 0
    while rows < maxRows {
      var parallel: CSVRecordParser.Progress? = nil
      if maxRows == .max { parallel = parseInParallel(into: &values) }
      let progress =
        try parallel
        ?? parser.parse(
          buffer + start, count: count - start, isFinal: atEOF, firstLine: line,
          maxRows: maxRows - rows, into: &values)
      start += progress.consumed
      line += progress.lines
      rows += progress.rows
      droppedRows += progress.dropped
      if values.count == progress.rows * selectedColumns.count && progress.rows > 0 {
        reserveForRest(of: &values, maxRows: maxRows, sample: progress)
      }
      if rows == maxRows || (atEOF && start == count) { break }
      try refill()
    }
    if rows == 0 && atEOF && start == count { return nil }
    return Table(columnNames: columnNames, values: values, rows: rows, source: source)
  }

  /// Everything left in the file as one table.
  public func readAll() throws -> Table {
    var table = try next() ?? Table(columnNames: columnNames, values: [], rows: 0, source: source)
    table.droppedRows = droppedRows
    return table
  }

  /// Reads a whole CSV file.
  public static func read(url: URL, options: CSVOptions = CSVOptions()) throws -> Table {
    try CSVReader(url: url, options: options).readAll()
  }

  /// Reads CSV text held in memory.
  public static func read(
    string: String, source: String = "<memory>", options: CSVOptions = CSVOptions()
  ) throws -> Table {
    try CSVReader(bytes: Array(string.utf8), source: source, options: options).readAll()
  }

  /// Reserves room for the rows still in the file, extrapolated from the bytes per row of the
  /// first block, so that a large read does not copy its output several times as it grows.
  private func reserveForRest(
    of values: inout [Double], maxRows: Int, sample: CSVRecordParser.Progress
  ) {
    guard let file else { return }
    var status = stat()
    guard fstat(fileno(file), &status) == 0 else { return }
    let unread = Int(status.st_size) - bytesRead + (count - start)
    let bytesPerRow = Double(sample.consumed) / Double(sample.rows + sample.dropped)
    let rows = min(Double(maxRows - sample.rows), (Double(unread) / bytesPerRow) * 1.02 + 16)
    values.reserveCapacity(values.count + Int(rows) * selectedColumns.count)
  }

  /// Moves unread bytes to the front, doubles the buffer if a record fills it, and reads more.
  private func refill() throws {
    guard let file, !atEOF else { return }
    if start > 0 {
      memmove(buffer, buffer + start, count - start)
      count -= start
      start = 0
    }
    if count == capacity {
      let larger = UnsafeMutablePointer<UInt8>.allocate(
        capacity: 2 * capacity + FloatParser.padding)
      larger.update(from: buffer, count: count)
      buffer.deallocate()
      buffer = larger
      capacity *= 2
    }
    let wanted = capacity - count
    let read = fread(buffer + count, 1, wanted, file)
    count += read
    bytesRead += read
    (buffer + count).initialize(repeating: 0, count: FloatParser.padding)
    if read < wanted {
      if ferror(file) != 0 {
        throw DataIOError.unreadableFile(file: source, reason: String(cString: strerror(errno)))
      }
      if feof(file) != 0 { atEOF = true }
    }
  }
}
