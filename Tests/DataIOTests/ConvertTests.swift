import DataIO
import Foundation
import TestSupport
import XCTest

final class ConvertTests: XCTestCase {
  func testCSVConvertsToChunkedHDF5ThatReadsBackIdentically() throws {
    let directory = try temporaryDirectory(for: self)
    let csv = directory.appendingPathComponent("in.csv")
    let h5 = directory.appendingPathComponent("out.h5")
    var text = "x1,note,x2,y\n"
    for i in 0..<250 { text += "\(Double(i) * 0.1),\"n,\(i)\",\(-Double(i) / 3),\(i % 7)\r\n" }
    try Data(text.utf8).write(to: csv)
    let summary = try convertCSVToHDF5(
      csv: csv, hdf5: h5, features: ["x1", "x2"], targets: ["y"], chunkRows: 32, blockRows: 100)
    XCTAssertEqual(
      summary,
      ConversionSummary(rows: 250, featureNames: ["x1", "x2"], targetNames: ["y"], droppedRows: 0))
    let fromCSV = try InMemoryDataset.csv(url: csv, features: ["x1", "x2"], targets: ["y"])
    let fromHDF5 = try InMemoryDataset.hdf5(url: h5)
    XCTAssertEqual(fromHDF5.features.map(\.bitPattern), fromCSV.features.map(\.bitPattern))
    XCTAssertEqual(fromHDF5.targets, fromCSV.targets)
    XCTAssertEqual(fromHDF5.featureNames, ["x1", "x2"])
    let streaming = try HDF5StreamingDataset(url: h5)
    XCTAssertEqual(streaming.featureNames, ["x1", "x2"])
    XCTAssertEqual(streaming.targetNames, ["y"])
    let file = try HDF5File(url: h5)
    let x = try file.dataset("/X")
    XCTAssertEqual(x.shape, [250, 2])
    XCTAssertEqual(x.chunkShape, [32, 2])
    XCTAssertEqual(x.filters, ["deflate"])
    XCTAssertEqual(try file.stringAttribute("columns", of: "/X"), "[\"x1\",\"x2\"]")
    XCTAssertEqual(try file.stringAttribute("columns", of: "/y"), "[\"y\"]")
    XCTAssertEqual(try file.stringAttribute("source"), csv.path)
  }

  func testAFailedConversionLeavesNoOutputFile() throws {
    let directory = try temporaryDirectory(for: self)
    let csv = directory.appendingPathComponent("bad.csv")
    let h5 = directory.appendingPathComponent("out.h5")
    try Data("a,y\n1,2\n3,x\n".utf8).write(to: csv)
    XCTAssertThrowsError(try convertCSVToHDF5(csv: csv, hdf5: h5, targets: ["y"])) {
      XCTAssertEqual("\($0)", "\(csv.path) line 3, column 2 \"y\": cannot parse \"x\" as a number")
    }
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["bad.csv"])
  }

  func testADirectoryOrTheInputItselfIsNeverReplaced() throws {
    let directory = try temporaryDirectory(for: self)
    let csv = directory.appendingPathComponent("in.csv")
    try Data("a,y\n1,2\n3,4\n".utf8).write(to: csv)
    let folder = directory.appendingPathComponent("runs")
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
    try Data("keep".utf8).write(to: folder.appendingPathComponent("notes.txt"))
    XCTAssertThrowsError(try convertCSVToHDF5(csv: csv, hdf5: folder, targets: ["y"])) {
      XCTAssertEqual("\($0)", "\(folder.path): the output is a directory")
    }
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(),
      ["notes.txt", "sub"])
    XCTAssertThrowsError(try convertCSVToHDF5(csv: csv, hdf5: csv, targets: ["y"])) {
      XCTAssertEqual("\($0)", "\(csv.path): the output is the input CSV file itself")
    }
    XCTAssertEqual(try String(contentsOf: csv, encoding: .utf8), "a,y\n1,2\n3,4\n")
    let inFile = csv.appendingPathComponent("x.h5")
    XCTAssertThrowsError(try convertCSVToHDF5(csv: csv, hdf5: inFile, targets: ["y"])) {
      XCTAssertEqual("\($0)", "\(inFile.path): \(csv.path) is not an existing directory")
    }
    // An existing HDF5 file is replaced in one step.
    let h5 = directory.appendingPathComponent("out.h5")
    try Data("old".utf8).write(to: h5)
    try convertCSVToHDF5(csv: csv, hdf5: h5, targets: ["y"])
    XCTAssertEqual(try InMemoryDataset.hdf5(url: h5).targets, [2, 4])
  }
}
