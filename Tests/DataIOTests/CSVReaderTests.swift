import Foundation
import TestSupport
import XCTest

@testable import DataIO

final class CSVReaderTests: XCTestCase {
  private func read(_ text: String, _ options: CSVOptions = CSVOptions()) throws -> Table {
    try CSVReader.read(string: text, source: "data.csv", options: options)
  }

  /// Asserts that reading `text` throws exactly `expected`, whose message is also checked.
  private func assertError(
    _ text: String, _ options: CSVOptions = CSVOptions(), _ expected: DataIOError,
    message: String, file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertThrowsError(try read(text, options), file: file, line: line) { error in
      XCTAssertEqual(error as? DataIOError, expected, file: file, line: line)
      XCTAssertEqual("\(error)", message, file: file, line: line)
    }
  }

  func testHeaderNamesColumnsAndValuesAreRowMajor() throws {
    let table = try read("a,b,c\n1,2,3\n4.5,-6e2,0.25\n")
    XCTAssertEqual(table.columnNames, ["a", "b", "c"])
    XCTAssertEqual(table.rows, 2)
    XCTAssertEqual(table.values, [1, 2, 3, 4.5, -600, 0.25])
  }

  func testColumnsChosenByNameAndIndexInTheGivenOrderSkipTextColumns() throws {
    let text = "id,name,x,y\n1,alice,0.5,10\n2,\"bob, jr\",1.5,20\n"
    let table = try read(text, CSVOptions(columns: ["y", 2]))
    XCTAssertEqual(table.columnNames, ["y", "x"])
    XCTAssertEqual(table.values, [10, 0.5, 20, 1.5])
  }

  func testQuotedFieldsUnescapeQuotesAndKeepDelimitersAndNewlines() throws {
    let text = "\"the \"\"x\"\"\",note,y\n\"1.5\",\"a,b\nc\",2\n3,\"\",4\n"
    let table = try read(text, CSVOptions(columns: [0, "y"]))
    XCTAssertEqual(table.columnNames, ["the \"x\"", "y"])
    XCTAssertEqual(table.values, [1.5, 2, 3, 4])
  }

  func testCRLFAndLoneCRLineEndsByteOrderMarkAndBlankLines() throws {
    let text = "\u{FEFF}x,y\r\n\r\n1,2\r\n  \n3,4\r5,6"
    let table = try read(text)
    XCTAssertEqual(table.columnNames, ["x", "y"])
    XCTAssertEqual(table.values, [1, 2, 3, 4, 5, 6])
  }

  func testOtherDelimitersAndNoHeader() throws {
    let semicolons = try read("1;2\n3;4\n", CSVOptions(hasHeader: false, delimiter: ";"))
    XCTAssertEqual(semicolons.columnNames, ["0", "1"])
    XCTAssertEqual(semicolons.values, [1, 2, 3, 4])
    let tabs = try read("x\ty\n 1\t2 \n", CSVOptions(delimiter: "\t"))
    XCTAssertEqual(tabs.values, [1, 2])
  }

  func testADelimiterThatCannotSeparateFieldsIsRefused() {
    assertError(
      "a\"b\n", CSVOptions(delimiter: "\""),
      .invalidRequest(
        source: "data.csv",
        message: "the CSV delimiter must be one ASCII character other than a quote or a line "
          + "end, got \"\"\""),
      message: "data.csv: the CSV delimiter must be one ASCII character other than a quote or a "
        + "line end, got \"\"\"")
  }

  func testDecimalCommasWithSemicolonsReadAsNumbers() throws {
    let text = "x;y;note\n3,25;-1,5e3;a,b\n\" 0,5 \";2;\"c;d\"\n,75;-0;x\n"
    let table = try read(text, CSVOptions(delimiter: ";", decimal: ",", columns: ["x", "y"]))
    XCTAssertEqual(
      table.values.map(\.bitPattern), [3.25, -1500, 0.5, 2, 0.75, -0.0].map(\.bitPattern))
    // A point is text then, as a comma is with a decimal point.
    assertError(
      "x;y\n1,5;2.5\n", CSVOptions(delimiter: ";", decimal: ","),
      .notANumber(file: "data.csv", line: 2, column: 2, columnName: "y", text: "2.5"),
      message: "data.csv line 2, column 2 \"y\": cannot parse \"2.5\" as a number")
  }

  func testADecimalCommaCannotAlsoBeTheDelimiter() {
    assertError(
      "x,y\n1,2\n", CSVOptions(decimal: ","),
      .invalidRequest(
        source: "data.csv",
        message: "the decimal separator \",\" cannot also be the delimiter (a decimal comma needs "
          + "another delimiter, such as \";\")"),
      message: "data.csv: the decimal separator \",\" cannot also be the delimiter (a decimal "
        + "comma needs another delimiter, such as \";\")")
  }

  func testADecimalCommaReadWithAPointSuggestsTheDecimalKey() {
    assertError(
      "x;y\n1;2\n-3,25;4\n", CSVOptions(delimiter: ";"),
      .decimalComma(file: "data.csv", line: 3, column: 1, columnName: "x", text: "-3,25"),
      message: "data.csv line 3, column 1 \"x\": cannot parse \"-3,25\" as a number with a "
        + "decimal point; for decimal commas, set \"data\": {\"decimal\": \",\"}")
  }

  /// A `;`- or tab-separated file read with a comma is one column (or, with R's quoted
  /// `"";"x"`, text after a closing quote): the error names the delimiter seen most in the line.
  func testAFileReadWithTheWrongDelimiterSuggestsTheOneItsFirstLineUses() {
    let cases: [(String, CSVOptions, Int, Character, Character)] = [
      (";a;b;y\n0;1,5;2;3\n", CSVOptions(), 1, ",", ";"),  // pandas to_csv(sep=";")
      ("\ta\tb\ty\n0\t1.5\t2\t3\n", CSVOptions(), 1, ",", "\t"),  // pandas, sep="\t"
      ("\"\";\"x\";\"y\"\n\"1\";1,5;2\n", CSVOptions(), 1, ",", ";"),  // R's write.csv2
      ("\n  \r\na|b|c;d\n1|2|3\n", CSVOptions(), 3, ",", "|"),  // blank lines first
      ("\"a;b\"|c|d\n1|2|3\n", CSVOptions(), 1, ",", "|"),  // quoted `;` do not count
      ("a;b|c\n", CSVOptions(), 1, ",", ";"),  // a tie: `;` wins
      ("a,b,c\n1,2,3\n", CSVOptions(delimiter: ";"), 1, ";", ","),
      ("1;2;3\n", CSVOptions(hasHeader: false), 1, ",", ";"),
    ]
    for (text, options, line, delimiter, likely) in cases {
      XCTAssertThrowsError(try read(text, options), text.debugDescription) { error in
        XCTAssertEqual(
          error as? DataIOError,
          .wrongDelimiter(file: "data.csv", line: line, delimiter: delimiter, likely: likely),
          text.debugDescription)
      }
    }
    assertError(
      "\ta\ty\n", CSVOptions(),
      .wrongDelimiter(file: "data.csv", line: 1, delimiter: ",", likely: "\t"),
      message: "data.csv line 1: the line is not ','-separated; it looks tab-separated: set "
        + "\"data\": {\"delimiter\": \"\\t\"}")
  }

  func testOneColumnWithoutAnotherDelimiterInItsHeaderIsOneColumn() throws {
    XCTAssertEqual(try read("x\n1\n2\n").values, [1, 2])
    // With decimal commas a comma is no delimiter to suggest.
    let commas = try read("0,5\n1,5\n", CSVOptions(hasHeader: false, delimiter: ";", decimal: ","))
    XCTAssertEqual(commas.values, [0.5, 1.5])
  }

  func testNanAndInfinityAndSpacesAroundNumbers() throws {
    let table = try read("a,b,c,d\n nan , -inf,Infinity, 1e-3 \n")
    XCTAssertTrue(table.values[0].isNaN)
    XCTAssertEqual(Array(table.values[1...]), [-.infinity, .infinity, 0.001])
  }

  func testFiniteOnlyRefusesNanAndInfinityOrDropsTheirRows() throws {
    for text in ["nan", " -inf", "Infinity", "1e400", "\"nan\""] {
      let shown = text == "\"nan\"" ? "nan" : text.trimmingCharacters(in: .whitespaces)
      assertError(
        "x,y\n1,2\n\(text),3\n", CSVOptions(finiteOnly: true),
        .notFinite(file: "data.csv", line: 3, column: 1, columnName: "x", text: shown),
        message: "data.csv line 3, column 1 \"x\": \"\(shown)\" is not a finite number (NaN and "
          + "infinity cannot be trained on; data.missing \"drop-row\" leaves such rows out)")
    }
    let table = try read(
      "x,y\n1,2\nnan,3\n4,inf\n5,6\n", CSVOptions(invalidValues: .dropRow, finiteOnly: true))
    XCTAssertEqual(table.values, [1, 2, 5, 6])
    XCTAssertEqual(table.droppedRows, 2)
  }

  func testNonNumericValueNamesFileLineColumnAndText() {
    assertError(
      "x,y\n1,2\n3,abc\n", CSVOptions(),
      .notANumber(file: "data.csv", line: 3, column: 2, columnName: "y", text: "abc"),
      message: "data.csv line 3, column 2 \"y\": cannot parse \"abc\" as a number")
  }

  func testLineNumbersCountNewlinesInsideQuotedFieldsAndBlankLines() {
    assertError(
      "x,note\n1,\"two\nlines\"\n\n2,ok\n1.5.2,x\n", CSVOptions(columns: ["x"]),
      .notANumber(file: "data.csv", line: 6, column: 1, columnName: "x", text: "1.5.2"),
      message: "data.csv line 6, column 1 \"x\": cannot parse \"1.5.2\" as a number")
  }

  func testEmptyFieldIsAMissingValue() {
    assertError(
      "x,y\n1,2\n3,\n", CSVOptions(),
      .missingValue(file: "data.csv", line: 3, column: 2, columnName: "y"),
      message: "data.csv line 3, column 2 \"y\": missing value")
    assertError(
      "1,\"\"\n", CSVOptions(hasHeader: false),
      .missingValue(file: "data.csv", line: 1, column: 2, columnName: nil),
      message: "data.csv line 1, column 2: missing value")
  }

  func testDropRowPolicyLeavesOutBadRecordsAndCountsThem() throws {
    let options = CSVOptions(columns: ["x", "y"], invalidValues: .dropRow)
    let table = try read("x,y,z\n1,2,a\n,3,b\n4,NA,c\n5,6,d\n", options)
    XCTAssertEqual(table.values, [1, 2, 5, 6])
    XCTAssertEqual(table.droppedRows, 2)
  }

  func testWrongFieldCountIsAnErrorEvenWhenDroppingRows() {
    assertError(
      "x,y\n1,2\n3\n", CSVOptions(invalidValues: .dropRow),
      .wrongFieldCount(file: "data.csv", line: 3, expected: 2, found: 1),
      message: "data.csv line 3: expected 2 fields, found 1")
  }

  func testUnclosedQuoteAndTextAfterAClosingQuoteAreMalformed() {
    assertError(
      "x,y\n1,\"2\n3,4\n", CSVOptions(),
      .malformedCSV(
        file: "data.csv", line: 2, column: 2,
        message: "quoted field is not closed before the end of the file"),
      message: "data.csv line 2, column 2: quoted field is not closed before the end of the file")
    assertError(
      "x,y\n1,\"2\"x\n", CSVOptions(),
      .malformedCSV(
        file: "data.csv", line: 2, column: 2,
        message: "unexpected text after the closing quote of a quoted field"),
      message:
        "data.csv line 2, column 2: unexpected text after the closing quote of a quoted field")
  }

  func testUnknownColumnNameAndIndexOutOfRange() {
    assertError(
      "x,y\n1,2\n", CSVOptions(columns: ["z"]),
      .unknownColumn(file: "data.csv", name: "z", available: ["x", "y"]),
      message: "data.csv: no column named \"z\"; the header has \"x\", \"y\"")
    assertError(
      "x,y\n1,2\n", CSVOptions(columns: [2]),
      .columnIndexOutOfRange(file: "data.csv", index: 2, columns: 2),
      message: "data.csv: column index 2 is out of range for 2 columns (0-based)")
  }

  func testEmptyFileAndHeaderOnlyFile() throws {
    assertError(
      "\n\n", CSVOptions(), .emptyFile(file: "data.csv"), message: "data.csv: the file is empty")
    let headerOnly = try read("x,y\n")
    XCTAssertEqual(headerOnly.rows, 0)
    XCTAssertEqual(headerOnly.columnNames, ["x", "y"])
  }

  func testMissingFileIsAnUnreadableFileError() {
    XCTAssertThrowsError(try CSVReader.read(url: URL(fileURLWithPath: "/nonexistent/d.csv"))) {
      XCTAssertEqual(
        "\($0)", "/nonexistent/d.csv: cannot read file: No such file or directory")
    }
  }

  /// Every buffer size from 1 byte up cuts records, numbers, quotes and CRLF pairs at every
  /// possible place; the result must not change.
  func testTinyReadBuffersGiveTheSameTableAsOneBuffer() throws {
    let text =
      "\u{FEFF}x,note,y\r\n1.25,\"a \"\"q\"\"\r\nb\",-3e-2\r\n\r\ninf,plain,\"7\"\n12345.678,,9"
    let url = try temporaryDirectory(for: self).appendingPathComponent("d.csv")
    try Data(text.utf8).write(to: url)
    let expected = try read(text, CSVOptions(columns: ["x", "y"]))
    XCTAssertEqual(expected.values, [1.25, -0.03, .infinity, 7, 12345.678, 9])
    for blockSize in 1...40 {
      let reader = try CSVReader(
        url: url, options: CSVOptions(columns: ["x", "y"]), blockSize: blockSize)
      var values: [Double] = []
      while let block = try reader.next(maxRows: 2) { values += block.values }
      XCTAssertEqual(values, expected.values, "block size \(blockSize)")
    }
  }
}

final class CSVParallelReadTests: XCTestCase {
  /// 40 000 lines (about 1.5 MB, so a whole-file read parses each buffer in two halves on two
  /// threads) of numbers whose text is derived from the line number.
  private func writeLargeCSV(badLine: Int? = nil) throws -> URL {
    var text = "a,b,c\n"
    for i in 0..<40_000 {
      let line = i + 2
      text += line == badLine ? "1,oops,3\n" : "\(i),\(Double(i) / 7),-\(i)e-3\r\n"
    }
    let url = try temporaryDirectory(for: self).appendingPathComponent("large.csv")
    try Data(text.utf8).write(to: url)
    return url
  }

  func testWholeFileReadOnTwoThreadsEqualsRowByRowReading() throws {
    let url = try writeLargeCSV()
    let whole = try CSVReader.read(url: url)
    let reader = try CSVReader(url: url)
    var values: [Double] = []
    while let block = try reader.next(maxRows: 999) { values += block.values }
    XCTAssertEqual(whole.rows, 40_000)
    XCTAssertEqual(whole.values.map(\.bitPattern), values.map(\.bitPattern))
    XCTAssertEqual(Array(whole.values[(3 * 39_999)...]), [39_999, 39_999.0 / 7, -39.999])
  }

  /// The same numbers written with `;` and decimal commas, read on two threads, are bit for bit
  /// those of the comma-separated file.
  func testDecimalCommasOnTwoThreadsReadAsPointsDo() throws {
    let points = try writeLargeCSV()
    let text = try String(contentsOf: points, encoding: .utf8)
      .replacingOccurrences(of: ",", with: ";").replacingOccurrences(of: ".", with: ",")
    let commas = points.deletingLastPathComponent().appendingPathComponent("commas.csv")
    try Data(text.utf8).write(to: commas)
    let expected = try CSVReader.read(url: points)
    let whole = try CSVReader.read(url: commas, options: CSVOptions(delimiter: ";", decimal: ","))
    XCTAssertEqual(whole.rows, 40_000)
    XCTAssertEqual(whole.values.map(\.bitPattern), expected.values.map(\.bitPattern))
  }

  func testErrorsInEitherHalfReportTheSameLineAsSequentialReading() throws {
    for badLine in [5, 30_001] {
      let url = try writeLargeCSV(badLine: badLine)
      XCTAssertThrowsError(try CSVReader.read(url: url)) {
        XCTAssertEqual(
          $0 as? DataIOError,
          .notANumber(file: url.path, line: badLine, column: 2, columnName: "b", text: "oops"))
      }
    }
  }
}
