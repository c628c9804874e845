import DataIO
import Foundation
import TestSupport
import XCTest

final class DatasetTests: XCTestCase {
  private var directory: URL!

  override func setUpWithError() throws {
    directory = try temporaryDirectory(for: self)
  }

  private func write(_ text: String, to name: String) throws -> URL {
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url
  }

  func testCSVDatasetTakesFeatureAndTargetColumnsAndSkipsOthers() throws {
    let url = try write("id,a,b,label,price\n1,0.5,2,cat,10\n2,1.5,4,dog,20\n", to: "d.csv")
    let data = try InMemoryDataset.csv(url: url, features: ["b", "a"], targets: ["price", 0])
    XCTAssertEqual(data.featureNames, ["b", "a"])
    XCTAssertEqual(data.targetNames, ["price", "id"])
    XCTAssertEqual(data.features, [2, 0.5, 4, 1.5])
    XCTAssertEqual(data.targets, [10, 1, 20, 2])
    let dropping = try InMemoryDataset.csv(
      url: try write("a,y\n1,2\nx,3\n4,5\n", to: "f.csv"), targets: ["y"],
      options: CSVOptions(invalidValues: .dropRow))
    XCTAssertEqual(dropping.features, [1, 4])
    XCTAssertEqual(dropping.droppedRows, 1)
    let allButTarget = try InMemoryDataset.csv(
      url: try write("a,b,y\n1,2,3\n", to: "e.csv"), targets: ["y"])
    XCTAssertEqual(allButTarget.featureNames, ["a", "b"])
  }

  func testAColumnNameTwiceOrAColumnChosenTwiceIsRefused() throws {
    let duplicated = try write("a,a,y\n1,2,3\n", to: "dup.csv")
    XCTAssertThrowsError(try InMemoryDataset.csv(url: duplicated, targets: ["y"])) {
      XCTAssertEqual($0 as? DataIOError, .ambiguousColumn(file: duplicated.path, name: "a"))
    }
    let plain = try write("a,y\n1,2\n", to: "plain.csv")
    XCTAssertThrowsError(try InMemoryDataset.csv(url: plain, features: ["y"], targets: ["y"])) {
      XCTAssertEqual("\($0)", "\(plain.path): column \"y\" is chosen twice")
    }
  }

  func testHDF5DatasetInMemoryAndStreamingReadTheSameRows() throws {
    let url = directory.appendingPathComponent("d.h5")
    do {
      let file = try HDF5File(url: url, mode: .create)
      try file.write((0..<30).map(Double.init), shape: [10, 3], to: "/X")
      try file.write((0..<10).map { Double($0) / 4 }, shape: [10], to: "/targets/y")
    }
    let memory = try InMemoryDataset.hdf5(url: url, targets: "/targets/y")
    let streaming = try HDF5StreamingDataset(url: url, targets: "/targets/y", chunkRows: 4)
    XCTAssertEqual(streaming.rowCount, 10)
    XCTAssertEqual(streaming.featureCount, 3)
    XCTAssertEqual(streaming.targetCount, 1)
    XCTAssertEqual(
      try streaming.rows(2..<4),
      RowBlock(features: [6, 7, 8, 9, 10, 11], targets: [0.5, 0.75], rows: 2))
    XCTAssertEqual(try streaming.rows(0..<10), try memory.rows(0..<10))
    XCTAssertEqual(try streaming.rows(at: [7, 1, 2]), try memory.rows(at: [7, 1, 2]))
  }

  func testFeatureAndTargetRowCountsMustAgree() throws {
    let url = directory.appendingPathComponent("m.h5")
    do {
      let file = try HDF5File(url: url, mode: .create)
      try file.write([1, 2, 3, 4], shape: [2, 2], to: "/X")
      try file.write([1, 2, 3], shape: [3], to: "/y")
    }
    XCTAssertThrowsError(try HDF5StreamingDataset(url: url)) {
      XCTAssertEqual("\($0)", "\(url.path): /X has 2 rows but /y has 3")
    }
  }

  func testRandomSplitIsSeededDisjointAndComplete() throws {
    let data = InMemoryDataset(
      features: (0..<10).map(Double.init), featureCount: 1, targets: (0..<10).map(Double.init),
      targetCount: 1)
    let split = try DataSplit.random(data, validationFraction: 0.25, seed: 5)
    let validation = try split.validation.rows(0..<split.validation.rowCount).targets
    let training = try split.training.rows(0..<split.training.rowCount).targets
    XCTAssertEqual(validation.count, 3)  // ⌈0.25 · 10⌉
    XCTAssertEqual((validation + training).sorted(), (0..<10).map(Double.init))
    let again = try DataSplit.random(data, validationFraction: 0.25, seed: 5)
    XCTAssertEqual(try again.validation.rows(0..<3).targets, validation)
    XCTAssertThrowsError(try DataSplit.random(data, validationFraction: 1, seed: 5)) {
      XCTAssertEqual("\($0)", "memory: validation fraction must be in [0, 1), got 1.0")
    }
  }

  func testSeparateValidationDataMustHaveTheSameColumns() {
    let a = InMemoryDataset(
      features: [1, 2], featureCount: 2, targets: [1], targetCount: 1, source: "a.csv")
    let b = InMemoryDataset(
      features: [1], featureCount: 1, targets: [1], targetCount: 1, source: "b.csv")
    XCTAssertThrowsError(try DataSplit.separate(training: a, validation: b)) {
      XCTAssertEqual(
        "\($0)", "a.csv and b.csv: training has 2 features and 1 targets, validation 1 and 1")
    }
  }

  func testStandardizationUsesPopulationStdAndKeepsConstantFeaturesUnscaled() throws {
    let data = InMemoryDataset(
      features: [1, 10, 2, 10, 3, 10, 4, 10], featureCount: 2, targets: [0, 0, 0, 0], targetCount: 1
    )
    let scaling = try Standardization.fit(data, blockRows: 3)
    XCTAssertEqual(scaling.mean, [2.5, 10])
    XCTAssertEqual(scaling.std, [(1.25).squareRoot(), 1])
    var features = data.features
    scaling.apply(to: &features)
    assertClose(
      features,
      [-1.5, 0, -0.5, 0, 0.5, 0, 1.5, 0].enumerated().map {
        $0.offset % 2 == 0 ? $0.element / (1.25).squareRoot() : 0
      }, tolerance: 1e-15)
    scaling.invert(&features)
    assertClose(features, data.features, tolerance: 1e-14)
  }

  func testStandardizationWithoutCentringOnlyScales() throws {
    let data = InMemoryDataset(
      features: [1, 10, 2, 10, 3, 10, 4, 10], featureCount: 2, targets: [0, 0, 0, 0], targetCount: 1
    )
    let scaling = try Standardization.fit(data, centering: false, blockRows: 3)
    XCTAssertEqual(scaling.mean, [0, 0])
    XCTAssertEqual(scaling.std, [(1.25).squareRoot(), 1])
    var features = data.features
    scaling.apply(to: &features)
    XCTAssertEqual(features[0], 1 / (1.25).squareRoot())
    XCTAssertEqual(features[1], 10)
  }

  func testStandardizationStreamsOverTheTrainingPartOnly() throws {
    let url = directory.appendingPathComponent("s.h5")
    let values = (0..<200).map { sin(Double($0)) * 3 + 1 }
    do {
      let file = try HDF5File(url: url, mode: .create)
      try file.write(values, shape: [100, 2], to: "/X", options: HDF5WriteOptions(chunkRows: 16))
      try file.write([Double](repeating: 0, count: 100), shape: [100], to: "/y")
    }
    let split = try DataSplit.random(
      try HDF5StreamingDataset(url: url), validationFraction: 0.2, seed: 1)
    let streamed = try Standardization.fit(split.training, blockRows: 7)
    // Independent two-pass computation over the same rows.
    let rows = try split.training.rows(0..<split.training.rowCount).features
    for column in 0..<2 {
      let x = stride(from: column, to: rows.count, by: 2).map { rows[$0] }
      let mean = x.reduce(0, +) / Double(x.count)
      let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count)
      assertClose(streamed.mean[column], mean, tolerance: 1e-14)
      assertClose(streamed.std[column], variance.squareRoot(), tolerance: 1e-14)
    }
  }
}
