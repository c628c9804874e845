import DataIO
import Foundation
import TestSupport
import XCTest

/// A DataFrame written by `df.to_hdf` (pandas' fixed format) is read by column name across its
/// blocks, so that a target in the features' float64 block is not read as a feature (issue 17).
final class PandasFrameTests: XCTestCase {
  private var directory: URL!

  override func setUpWithError() throws {
    directory = try temporaryDirectory(for: self)
    try Python.requirePandas()
  }

  /// Runs `script` with `pd`, `np` and `d` (the directory); pandas' warnings are silenced.
  private func python(_ script: String) throws {
    _ = try Python.run(
      "import sys, warnings, pandas as pd, numpy as np\nwarnings.simplefilter('ignore')\n"
        + "d = sys.argv[1]\n" + script, [directory.path])
  }

  private var url: URL { directory.appendingPathComponent("p.h5") }

  /// Float a, y, b (block0), int64 k (block1), str s and bool flag (no numbers).
  private func writeMixedFrame() throws {
    try python(
      """
      df = pd.DataFrame({'a': [0.5, 1.5, 2.5], 'y': [10.0, 20.0, 30.0], 'b': [-1.0, -2.0, -3.0],
                         'k': np.array([7, 8, 9], dtype=np.int64), 's': ['p', 'q', 'r'],
                         'flag': [True, False, True]})
      df.to_hdf(d + '/p.h5', key='df')
      """)
  }

  func testTargetIsTakenOutOfTheBlockAndFeaturesAreTheOtherNumericColumns() throws {
    try writeMixedFrame()
    let data = try InMemoryDataset.pandas(url: url, group: "/df", targets: ["y"])
    XCTAssertEqual(data.featureNames, ["a", "b", "k"])
    XCTAssertEqual(data.features, [0.5, -1, 7, 1.5, -2, 8, 2.5, -3, 9])
    XCTAssertEqual(data.targetNames, ["y"])
    XCTAssertEqual(data.targets, [10, 20, 30])
    let frame = try PandasFrame(file: HDF5File(url: url), group: "df")
    XCTAssertEqual(frame.columnNames, ["a", "y", "b", "k", "s", "flag"])
    XCTAssertEqual(frame.numericColumnNames, ["a", "y", "b", "k"])
    XCTAssertEqual(try PandasFrame.groups(in: HDF5File(url: url)), ["/df"])
  }

  func testFeaturesAreChosenByNameInTheOrderGiven() throws {
    try writeMixedFrame()
    let data = try InMemoryDataset.pandas(
      url: url, group: "/df", features: ["k", "a"], targets: ["b", "y"])
    XCTAssertEqual(data.featureNames, ["k", "a"])
    XCTAssertEqual(data.features, [7, 0.5, 8, 1.5, 9, 2.5])
    XCTAssertEqual(data.targets, [-1, 10, -2, 20, -3, 30])
  }

  func testIntegerColumnNamesOfAFrameMadeFromAnArrayAreDecimalText() throws {
    try python("pd.DataFrame(np.arange(6.0).reshape(3, 2)).to_hdf(d + '/p.h5', key='/g/frame')")
    let data = try InMemoryDataset.pandas(url: url, group: "/g/frame", targets: ["1"])
    XCTAssertEqual(data.featureNames, ["0"])
    XCTAssertEqual(data.features, [0, 2, 4])
    XCTAssertEqual(data.targets, [1, 3, 5])
  }

  func testColumnsThatAreNotNumbersOrNotThereAreRefused() throws {
    try writeMixedFrame()
    let path = url.path
    XCTAssertThrowsError(try InMemoryDataset.pandas(url: url, group: "/df", targets: ["s"])) {
      XCTAssertEqual(
        "\($0)", "\(path) data set /df: column \"s\" holds no numbers (its block: str)")
    }
    XCTAssertThrowsError(try InMemoryDataset.pandas(url: url, group: "/df", targets: ["flag"])) {
      XCTAssertEqual(
        "\($0)",
        "\(path) data set /df: column \"flag\" holds no numbers (its block: holds bitfield "
          + "values, not numbers)")
    }
    XCTAssertThrowsError(try InMemoryDataset.pandas(url: url, group: "/df", targets: ["price"])) {
      XCTAssertEqual(
        $0 as? DataIOError,
        .unknownColumn(file: path, name: "price", available: ["a", "y", "b", "k", "s", "flag"]))
    }
  }

  func testTableFormatAndPlainGroupsAreRefusedNamingTheGroup() throws {
    try python(
      """
      pd.DataFrame({'a': [1.0], 'y': [2.0]}).to_hdf(d + '/p.h5', key='t', format='table')
      import h5py
      with h5py.File(d + '/p.h5', 'a') as f: f.create_group('plain')
      """)
    let file = try HDF5File(url: url)
    XCTAssertEqual(try PandasFrame.groups(in: file), [])
    XCTAssertThrowsError(try PandasFrame(file: file, group: "/t")) {
      XCTAssertEqual(
        "\($0)",
        "\(self.url.path) data set /t: is pandas' table format; fit reads the fixed format "
          + "(df.to_hdf(path, key=..., format=\"fixed\"), pandas' default)")
    }
    XCTAssertThrowsError(try PandasFrame(file: file, group: "/plain")) {
      XCTAssertEqual(
        "\($0)",
        "\(self.url.path) data set /plain: is not a pandas frame (it has no pandas_type "
          + "attribute)")
    }
  }
}
