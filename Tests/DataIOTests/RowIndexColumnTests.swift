import DataIO
import Foundation
import TestSupport
import XCTest

/// An unnamed first column of row numbers (pandas' `to_csv()` index, R's `write.csv` row names)
/// is left out of the default features, in memory and by `convertCSVToHDF5`; any other unnamed
/// column stays a feature; `exclude` leaves out named ones (issue 17).
final class RowIndexColumnTests: XCTestCase {
  private var directory: URL!

  override func setUpWithError() throws {
    directory = try temporaryDirectory(for: self)
  }

  private func write(_ text: String, _ name: String = "d.csv") throws -> URL {
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url
  }

  /// `rows` rows of x = 0.5·i − 3, y = i² (the index column's values are given by `index`),
  /// under `header`, fields joined as R or pandas would.
  private func rows(_ count: Int, index: (Int) -> String) -> String {
    (0..<count).map { "\(index($0)),\(0.5 * Double($0) - 3),\($0 * $0)\n" }.joined()
  }

  func testPandasIndexWrittenByToCSVIsLeftOut() throws {
    try Python.requirePandas()
    _ = try Python.run(
      """
      import sys, pandas as pd
      pd.DataFrame({'x': [0.5 * i - 3 for i in range(30)], 'y': [i * i for i in range(30)]}) \\
        .to_csv(sys.argv[1] + '/d.csv')
      """, [directory.path])
    let data = try InMemoryDataset.csv(
      url: directory.appendingPathComponent("d.csv"), targets: ["y"])
    XCTAssertEqual(data.featureNames, ["x"])
    XCTAssertEqual(data.features, (0..<30).map { 0.5 * Double($0) - 3 })
    XCTAssertEqual(data.targets, (0..<30).map { Double($0 * $0) })
    let index = try XCTUnwrap(data.rowIndexColumn)
    XCTAssertEqual([index.first, index.last], [0, 29])
    XCTAssertEqual(
      index.note,
      "column 1 of \(directory.path)/d.csv has no name and holds the row numbers 0..29 (pandas' "
        + "to_csv() index): left out of the features")
  }

  /// R's write.csv quotes the header and the row names: `"","x","y"` then `"1",...`.
  func testRRowNamesWrittenByWriteCSVAreLeftOut() throws {
    let url = try write(#""","x","y""# + "\n" + rows(12) { "\"\($0 + 1)\"" })
    let data = try InMemoryDataset.csv(url: url, targets: ["y"])
    XCTAssertEqual(data.featureNames, ["x"])
    XCTAssertEqual(data.features, (0..<12).map { 0.5 * Double($0) - 3 })
    XCTAssertEqual(data.rowIndexColumn.map { [$0.first, $0.last] }, [1, 12])
    XCTAssertTrue(data.rowIndexColumn!.note.contains("1..12 (row names, as R's write.csv"))
  }

  /// Values other than 0..n−1 or 1..n (a filtered frame's index, a shuffled one, a measurement)
  /// keep the column as a feature, under its empty name.
  func testAnUnnamedColumnOfOtherValuesStaysAFeature() throws {
    let others: [(Int) -> String] = [
      { "\($0 + 2)" }, { "\(2 * $0)" }, { "\(11 - $0)" }, { $0 == 5 ? "5.5" : "\($0)" },
      { "\($0 - 1)" }, { $0 == 11 ? "12" : "\($0)" },
    ]
    for (k, index) in others.enumerated() {
      let url = try write(",x,y\n" + rows(12, index: index))
      let data = try InMemoryDataset.csv(url: url, targets: ["y"])
      XCTAssertEqual(data.featureNames, ["", "x"], "case \(k)")
      XCTAssertNil(data.rowIndexColumn, "case \(k)")
      XCTAssertEqual(data.features[0..<2], [Double(index(0))!, -3], "case \(k)")
    }
  }

  /// Only the default features leave an index out; a column named `""` anywhere else, or
  /// chosen features, are read as asked.
  func testChosenFeaturesAndNamedOrLaterColumnsAreNotRowIndexes() throws {
    let url = try write(",x,y\n" + rows(5) { "\($0)" })
    let chosen = try InMemoryDataset.csv(url: url, features: [0, "x"], targets: ["y"])
    XCTAssertEqual(chosen.featureNames, ["", "x"])
    XCTAssertNil(chosen.rowIndexColumn)
    let named = try write("id,x,y\n" + rows(5) { "\($0)" }, "named.csv")
    XCTAssertEqual(try InMemoryDataset.csv(url: named, targets: ["y"]).featureNames, ["id", "x"])
    let later = try write("x,,y\n" + rows(5) { "\($0)" }, "later.csv")
    XCTAssertEqual(try InMemoryDataset.csv(url: later, targets: ["y"]).featureNames, ["x", ""])
  }

  /// Rows dropped for missing values leave gaps in the index; it is still one.
  func testAnIndexWithRowsDroppedForMissingValuesIsStillLeftOut() throws {
    var text = ",x,y\n" + rows(10) { "\($0)" }
    text = text.replacingOccurrences(of: "\n0,-3.0,0\n", with: "\n0,,0\n")
      .replacingOccurrences(of: "\n6,0.0,36\n", with: "\n6,0.0,\n")
    let url = try write(text)
    let data = try InMemoryDataset.csv(
      url: url, targets: ["y"], options: CSVOptions(invalidValues: .dropRow))
    XCTAssertEqual(data.droppedRows, 2)
    XCTAssertEqual(data.featureNames, ["x"])
    XCTAssertEqual(data.rowCount, 8)
    XCTAssertEqual(data.rowIndexColumn.map { [$0.first, $0.last] }, [1, 9])
  }

  func testExcludeLeavesNamedColumnsOutAndMustNameColumnsOfTheFile() throws {
    let url = try write("id,x,z,y\n1,0.5,7,2\n2,1.5,8,3\n")
    let data = try InMemoryDataset.csv(url: url, targets: ["y"], exclude: ["id", "z"])
    XCTAssertEqual(data.featureNames, ["x"])
    XCTAssertEqual(data.features, [0.5, 1.5])
    XCTAssertThrowsError(try InMemoryDataset.csv(url: url, targets: ["y"], exclude: ["ID"])) {
      XCTAssertEqual(
        $0 as? DataIOError,
        .unknownColumn(file: url.path, name: "ID", available: ["id", "x", "z", "y"]))
    }
    XCTAssertThrowsError(try InMemoryDataset.csv(url: url, targets: ["y"], exclude: ["y"])) {
      XCTAssertEqual("\($0)", "\(url.path): column \"y\" is both a target and excluded")
    }
    // `""` names an unnamed column, whatever its values.
    let unnamed = try write(",x,y\n5,1,2\n9,3,4\n", "unnamed.csv")
    let left = try InMemoryDataset.csv(url: unnamed, targets: ["y"], exclude: [""])
    XCTAssertEqual(left.featureNames, ["x"])
    XCTAssertNil(left.rowIndexColumn)
  }

  /// Text row names (R's `write.csv(mtcars)`) are no numbers; the error says what to do.
  func testTextRowNamesAreAnErrorThatSuggestsExcludingTheColumn() throws {
    let url = try write(#""","x","y""# + "\n" + #""Mazda RX4",1,2"# + "\n")
    XCTAssertThrowsError(try InMemoryDataset.csv(url: url, targets: ["y"])) {
      XCTAssertEqual(
        "\($0)",
        "\(url.path) line 2, column 1 (no name): cannot parse \"Mazda RX4\" as a number (a "
          + "column without a name usually holds row names or an index: to leave it out, "
          + "exclude the column \"\" with data.exclude, or fit convert --exclude '')")
    }
  }

  func testConvertLeavesARowIndexOutAcrossBlocks() throws {
    let csv = try write(",x,y\n" + rows(50) { "\($0)" })
    let h5 = directory.appendingPathComponent("d.h5")
    let summary = try convertCSVToHDF5(csv: csv, hdf5: h5, targets: ["y"], blockRows: 7)
    XCTAssertEqual(summary.featureNames, ["x"])
    XCTAssertEqual(summary.rowIndexColumn, RowIndexColumn(source: csv.path, first: 0, last: 49))
    let converted = try InMemoryDataset.hdf5(url: h5)
    XCTAssertEqual(converted.featureNames, ["x"])
    XCTAssertEqual(converted.features, (0..<50).map { 0.5 * Double($0) - 3 })
    XCTAssertEqual(converted.targets, (0..<50).map { Double($0 * $0) })
  }

  /// A value past the first blocks that breaks the row numbers makes the conversion start again
  /// with the column kept, so the file is exactly the one written without the check.
  func testConvertKeepsAnUnnamedColumnThatStopsCountingRows() throws {
    let csv = try write(",x,y\n" + rows(50) { $0 == 40 ? "400" : "\($0)" })
    let h5 = directory.appendingPathComponent("d.h5")
    let summary = try convertCSVToHDF5(
      csv: csv, hdf5: h5, targets: ["y"], chunkRows: 8, blockRows: 7)
    XCTAssertEqual(summary.featureNames, ["", "x"])
    XCTAssertNil(summary.rowIndexColumn)
    XCTAssertEqual(summary.rows, 50)
    let file = try HDF5File(url: h5)
    XCTAssertEqual(try file.dataset("/X").shape, [50, 2])
    XCTAssertEqual(try file.stringAttribute("columns", of: "/X"), #"["","x"]"#)
    let values = try file.dataset("/X").read()
    XCTAssertEqual(values[80], 400)
    XCTAssertEqual(values[98...], [49, 0.5 * 49 - 3])
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(),
      ["d.csv", "d.h5"])
  }

  func testConvertExcludesNamedColumns() throws {
    let csv = try write("id,x,y\n1,0.5,2\n2,1.5,3\n")
    let h5 = directory.appendingPathComponent("d.h5")
    let summary = try convertCSVToHDF5(csv: csv, hdf5: h5, targets: ["y"], exclude: ["id"])
    XCTAssertEqual(summary.featureNames, ["x"])
    XCTAssertEqual(try InMemoryDataset.hdf5(url: h5).features, [0.5, 1.5])
  }
}
