/// The hot loop of `CSVReader`: turns whole CSV records in a byte buffer into `Double` rows,
/// without building a `String` for any numeric field.
///
/// A record is parsed into a scratch row and appended only once its line end has been seen, so
/// a buffer may end anywhere (mid-number, mid-quote, between CR and LF): the parser stops at the
/// last complete record and reports how many bytes it used, and the reader carries the rest over
/// to the next buffer. Unquoted numeric fields are parsed in place by `FloatParser`; only quoted
/// fields are copied (to unescape `""`).
struct CSVRecordParser {
  let source: String
  let delimiter: UInt8
  /// For each field of a record, its position in the output row, or -1 to skip it unparsed.
  let slots: [Int]
  let selectedCount: Int
  let columnNames: [String]?
  let policy: InvalidValuePolicy
  /// Whether NaN and ±infinity are invalid values (`CSVOptions.finiteOnly`).
  var finiteOnly = false
  /// The decimal separator of numbers (`CSVOptions.decimal`).
  var decimal = UInt8(ascii: ".")
  /// Unescaped bytes of the current quoted field, followed by `FloatParser.padding` NULs.
  var scratch: [UInt8] = []

  static let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

  /// What a call consumed: bytes up to the end of the last complete record, records kept and
  /// records dropped, and lines advanced.
  struct Progress {
    var consumed = 0, rows = 0, dropped = 0, lines = 0
  }

  /// Parses up to `maxRows` complete records from `bytes[0..<count]`, which must be followed by
  /// `FloatParser.padding` readable bytes, the first a NUL.
  /// `firstLine` is the 1-based line of `bytes[0]`; `isFinal` says no more bytes will follow.
  mutating func parse(
    _ bytes: UnsafePointer<UInt8>, count end: Int, isFinal: Bool, firstLine: Int, maxRows: Int,
    into values: inout [Double]
  ) throws -> Progress {
    var progress = Progress()
    let row = UnsafeMutablePointer<Double>.allocate(capacity: max(selectedCount, 1))
    defer { row.deallocate() }
    let delimiter = self.delimiter
    let decimal = self.decimal
    let fieldCount = slots.count
    let spaceIsBlank = delimiter != UInt8(ascii: " ")
    let tabIsBlank = delimiter != UInt8(ascii: "\t")
    @inline(__always) func isBlank(_ b: UInt8) -> Bool {
      (b == UInt8(ascii: " ") && spaceIsBlank) || (b == UInt8(ascii: "\t") && tabIsBlank)
    }
    @inline(__always) func endsField(_ b: UInt8) -> Bool {
      b == delimiter || b == Self.lf || b == Self.cr
    }
    var i = 0
    records: while progress.rows < maxRows {
      let line = firstLine + progress.lines
      // Blank lines (nothing but spaces or tabs) are skipped.
      var j = i
      while j < end && isBlank(bytes[j]) { j += 1 }
      if j == end {
        if isFinal { progress.consumed = end }
        break records
      }
      if bytes[j] == Self.lf || bytes[j] == Self.cr {
        guard let next = lineEnd(bytes, at: j, end: end, isFinal: isFinal) else { break records }
        i = next
        progress.lines += 1
        progress.consumed = i
        continue records
      }
      var field = 0
      var extraLines = 0  // newlines inside quoted fields so far
      var valid = true
      fields: while true {
        let slot = field < fieldCount ? slots[field] : -1
        let fieldLine = line + extraLines
        while i < end && isBlank(bytes[i]) { i += 1 }
        if i < end && bytes[i] == Self.quote {
          guard
            let closed = try unquote(
              bytes, from: i, end: end, isFinal: isFinal, line: fieldLine,
              column: field + 1, newlines: &extraLines)
          else { break records }
          i = closed
          while i < end && isBlank(bytes[i]) { i += 1 }
          if i == end && !isFinal { break records }
          if i < end && !endsField(bytes[i]) {
            throw DataIOError.malformedCSV(
              file: source, line: fieldLine, column: field + 1,
              message: "unexpected text after the closing quote of a quoted field")
          }
          if slot >= 0 {
            let parsed = scratch.withUnsafeBufferPointer { text -> Double? in
              var k = 0
              while isBlank(text[k]) { k += 1 }
              guard
                let (value, stop) = FloatParser.parse(text.baseAddress!, at: k, decimal: decimal)
              else { return nil }
              var s = stop
              while isBlank(text[s]) { s += 1 }
              return s == text.count - FloatParser.padding ? value : nil
            }
            if let parsed, parsed.isFinite || !finiteOnly {
              row[slot] = parsed
            } else if valid {
              let text = String(decoding: scratch.dropLast(FloatParser.padding), as: UTF8.self)
              try reject(text: text, line: fieldLine, column: field + 1)
              valid = false
            }
          }
        } else if slot >= 0 {
          if i == end && !isFinal { break records }
          var parsedOK = false
          if let (value, stop) = FloatParser.parse(bytes, at: i, decimal: decimal) {
            var s = stop
            while s < end && isBlank(bytes[s]) { s += 1 }
            if s == end && !isFinal { break records }
            if (s == end || endsField(bytes[s])) && (value.isFinite || !finiteOnly) {
              row[slot] = value
              i = s
              parsedOK = true
            }
          }
          if !parsedOK {
            let start = i
            while i < end && !endsField(bytes[i]) { i += 1 }
            if i == end && !isFinal { break records }
            var stop = i
            while stop > start && isBlank(bytes[stop - 1]) { stop -= 1 }
            if valid {
              let text = String(
                decoding: UnsafeBufferPointer(start: bytes + start, count: stop - start),
                as: UTF8.self)
              try reject(text: text, line: fieldLine, column: field + 1)
              valid = false
            }
          }
        } else {
          while i < end && !endsField(bytes[i]) { i += 1 }
          if i == end && !isFinal { break records }
        }
        // Here bytes[i] ends the field, or i == end and the input is complete.
        if i < end && bytes[i] == delimiter {
          i += 1
          field += 1
          continue fields
        }
        guard field + 1 == fieldCount else {
          throw DataIOError.wrongFieldCount(
            file: source, line: line, expected: fieldCount, found: field + 1)
        }
        if i < end {
          guard let next = lineEnd(bytes, at: i, end: end, isFinal: isFinal) else { break records }
          i = next
        }
        progress.lines += 1 + extraLines
        progress.consumed = i
        if valid {
          values.append(contentsOf: UnsafeBufferPointer(start: row, count: selectedCount))
          progress.rows += 1
        } else {
          progress.dropped += 1
        }
        continue records
      }
    }
    return progress
  }

  /// The index after the line end (LF, CRLF or a lone CR) at `i`, or `nil` when a CR is the last
  /// byte of an unfinished buffer (an LF may follow).
  @inline(__always)
  func lineEnd(_ bytes: UnsafePointer<UInt8>, at i: Int, end: Int, isFinal: Bool) -> Int? {
    if bytes[i] == Self.lf { return i + 1 }
    if i + 1 == end { return isFinal ? i + 1 : nil }
    return bytes[i + 1] == Self.lf ? i + 2 : i + 1
  }

  /// Copies the quoted field opening at `start` into `scratch` with `""` turned into `"`, and
  /// returns the index after its closing quote; `nil` when the buffer ends first and more input
  /// may follow. Newlines inside the quotes are counted into `newlines` (CRLF counts once).
  mutating func unquote(
    _ bytes: UnsafePointer<UInt8>, from start: Int, end: Int, isFinal: Bool, line: Int, column: Int,
    newlines: inout Int
  ) throws -> Int? {
    scratch.removeAll(keepingCapacity: true)
    var i = start + 1
    var seen = 0
    while i < end {
      let b = bytes[i]
      if b == Self.quote {
        if i + 1 < end && bytes[i + 1] == Self.quote {
          scratch.append(Self.quote)
          i += 2
          continue
        }
        if i + 1 == end && !isFinal { return nil }  // could be the first half of ""
        scratch.append(contentsOf: repeatElement(0, count: FloatParser.padding))
        newlines += seen
        return i + 1
      }
      if b == Self.lf || (b == Self.cr && (i + 1 == end || bytes[i + 1] != Self.lf)) { seen += 1 }
      scratch.append(b)
      i += 1
    }
    guard isFinal else { return nil }
    throw DataIOError.malformedCSV(
      file: source, line: line, column: column,
      message: "quoted field is not closed before the end of the file")
  }

  /// Whether `text` is digits, one comma and digits (`-3,25`): a number with a decimal comma.
  static func hasDecimalComma(_ text: String) -> Bool {
    var body = Substring(text)
    if body.first == "-" || body.first == "+" { body = body.dropFirst() }
    let parts = body.split(separator: ",", omittingEmptySubsequences: false)
    return parts.count == 2
      && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
  }

  /// Applies the policy to an empty or non-numeric field: throws for `.error`, else returns so
  /// that the caller drops the record.
  func reject(text: String, line: Int, column: Int) throws {
    guard policy == .error else { return }
    let name = columnNames.map { $0[column - 1] }
    if text.isEmpty {
      throw DataIOError.missingValue(file: source, line: line, column: column, columnName: name)
    }
    // Blanks are removed byte by byte: filtering a 100 MB field by `Character` took a minute.
    let compact =
      text.utf8.contains { $0 == 0x20 || $0 == 0x09 }
      ? String(decoding: text.utf8.filter { $0 != 0x20 && $0 != 0x09 }, as: UTF8.self) : text
    if finiteOnly, let value = Double(compact), !value.isFinite {
      throw DataIOError.notFinite(
        file: source, line: line, column: column, columnName: name, text: text)
    }
    if decimal == UInt8(ascii: "."), Self.hasDecimalComma(text) {
      throw DataIOError.decimalComma(
        file: source, line: line, column: column, columnName: name, text: text)
    }
    throw DataIOError.notANumber(
      file: source, line: line, column: column, columnName: name, text: text)
  }
}
