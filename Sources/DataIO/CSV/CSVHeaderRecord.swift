/// The first non-blank record of a CSV file as text: the header's column names, or (without a
/// header) a data record whose field count fixes the number of columns.
struct CSVHeaderRecord {
  /// The most columns a file may have. Each costs memory all along the way (its name, its
  /// coefficient, optimizer state), and a file of more is far more often one whose line ends
  /// were lost, read as a single header line of millions of fields (100 MB of `1,` took 1.6 GB
  /// and 95 seconds before it was refused for another reason).
  static let maximumColumns = 1 << 20

  var fields: [String]
  /// Bytes up to and including the record's line end.
  var consumed: Int
  /// Lines spanned, blank lines before it included.
  var lines: Int

  /// Parses the record at the start of `bytes[0..<end]` (`bytes[end] == 0`) with the same
  /// quoting rules as the numeric parser. Returns `nil` when the buffer ends before the record
  /// does and more input may follow; an empty `fields` when the input holds only blank lines.
  static func parse(
    _ bytes: UnsafePointer<UInt8>, count end: Int, isFinal: Bool, parser: inout CSVRecordParser
  ) throws -> CSVHeaderRecord? {
    let delimiter = parser.delimiter
    func isBlank(_ b: UInt8) -> Bool {
      (b == UInt8(ascii: " ") || b == UInt8(ascii: "\t")) && b != delimiter
    }
    func endsField(_ b: UInt8) -> Bool {
      b == delimiter || b == CSVRecordParser.lf || b == CSVRecordParser.cr
    }
    var i = 0
    var lines = 0
    while true {
      var j = i
      while j < end && isBlank(bytes[j]) { j += 1 }
      if j == end {
        return isFinal ? CSVHeaderRecord(fields: [], consumed: end, lines: lines) : nil
      }
      guard endsField(bytes[j]) && bytes[j] != delimiter else { break }
      guard let next = parser.lineEnd(bytes, at: j, end: end, isFinal: isFinal) else { return nil }
      i = next
      lines += 1
    }
    var fields: [String] = []
    var extraLines = 0
    while true {
      while i < end && isBlank(bytes[i]) { i += 1 }
      if i < end && bytes[i] == CSVRecordParser.quote {
        guard
          let closed = try parser.unquote(
            bytes, from: i, end: end, isFinal: isFinal, line: 1 + lines + extraLines,
            column: fields.count + 1, newlines: &extraLines)
        else { return nil }
        fields.append(String(decoding: parser.scratch.dropLast(FloatParser.padding), as: UTF8.self))
        i = closed
        while i < end && isBlank(bytes[i]) { i += 1 }
        if i == end && !isFinal { return nil }
        if i < end && !endsField(bytes[i]) {
          throw DataIOError.malformedCSV(
            file: parser.source, line: 1 + lines + extraLines, column: fields.count,
            message: "unexpected text after the closing quote of a quoted field")
        }
      } else {
        let start = i
        while i < end && !endsField(bytes[i]) { i += 1 }
        if i == end && !isFinal { return nil }
        var stop = i
        while stop > start && isBlank(bytes[stop - 1]) { stop -= 1 }
        fields.append(
          String(
            decoding: UnsafeBufferPointer(start: bytes + start, count: stop - start),
            as: UTF8.self))
      }
      if i < end && bytes[i] == delimiter {
        guard fields.count < maximumColumns else {
          throw DataIOError.malformedCSV(
            file: parser.source, line: 1 + lines + extraLines, column: fields.count + 1,
            message: "the first record has more than \(maximumColumns) fields, the most columns "
              + "fit reads (are its line ends characters other than LF, CR or CRLF?)")
        }
        i += 1
        continue
      }
      if i < end {
        guard let next = parser.lineEnd(bytes, at: i, end: end, isFinal: isFinal) else {
          return nil
        }
        i = next
      }
      return CSVHeaderRecord(fields: fields, consumed: i, lines: lines + 1 + extraLines)
    }
  }
}
