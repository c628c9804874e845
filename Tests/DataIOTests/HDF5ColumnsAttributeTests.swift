import DataIO
import Foundation
import TestSupport
import XCTest

/// A data set's `columns` attribute in every form h5py writes is read as the column names, and
/// any other form is refused with an error naming file, data set and attribute (issue 17: a list
/// of `str` overflowed a one-pointer buffer, a fixed-length `bytes` array a one-string buffer).
final class HDF5ColumnsAttributeTests: XCTestCase {
  private var directory: URL!

  override func setUpWithError() throws {
    directory = try temporaryDirectory(for: self)
    try Python.requireH5py()
  }

  /// Writes `f.h5` with `/X` (3 rows, `columns` columns) and `/y`, runs `attribute` (Python,
  /// with `f` the open file) to set attributes, and reads it back.
  private func dataset(columns: Int = 2, _ attribute: String) throws -> InMemoryDataset {
    _ = try Python.run(
      """
      import sys, h5py, numpy as np
      with h5py.File(sys.argv[1] + '/f.h5', 'w') as f:
        f['X'] = np.arange(3 * \(columns), dtype=np.float64).reshape(3, \(columns))
        f['y'] = np.array([1.0, 2.0, 3.0])
      \(attribute.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
      """, [directory.path])
    return try InMemoryDataset.hdf5(url: directory.appendingPathComponent("f.h5"))
  }

  private func assertRefused(
    _ attribute: String, columns: Int = 2, _ expected: String,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertThrowsError(try dataset(columns: columns, attribute), file: file, line: line) {
      XCTAssertEqual(
        "\($0)".replacingOccurrences(of: self.directory.path + "/", with: ""), expected,
        file: file, line: line)
    }
  }

  func testListOfStrIsReadAsNames() throws {
    let data = try dataset(#"f['X'].attrs['columns'] = ['area', 'rooms']"#)
    XCTAssertEqual(data.featureNames, ["area", "rooms"])
    XCTAssertEqual(data.features, [0, 1, 2, 3, 4, 5])
  }

  func testNonASCIIListOfStrIsReadAsNames() throws {
    let data = try dataset(#"f['X'].attrs['columns'] = ['surface m²', 'pièces']"#)
    XCTAssertEqual(data.featureNames, ["surface m²", "pièces"])
  }

  func testFixedLengthBytesArrayIsReadWithoutItsPadding() throws {
    // numpy pads the shorter name with NULs to the longest (dtype S5).
    let data = try dataset(#"f['X'].attrs['columns'] = np.array([b'a', b'rooms'])"#)
    XCTAssertEqual(data.featureNames, ["a", "rooms"])
  }

  func testSpacePaddedFixedLengthStringsAreTrimmed() throws {
    let data = try dataset(
      """
      t = h5py.h5t.C_S1.copy(); t.set_size(6); t.set_strpad(h5py.h5t.STR_SPACEPAD)
      s = h5py.h5s.create_simple((2,))
      a = h5py.h5a.create(f['X'].id, b'columns', t, s)
      a.write(np.array([b'a     ', b'rooms '], dtype='S6'))
      """)
    XCTAssertEqual(data.featureNames, ["a", "rooms"])
  }

  func testVariableLengthBytesArrayIsReadAsNames() throws {
    let data = try dataset(
      #"f['X'].attrs.create('columns', [b'a', b'b'], dtype=h5py.string_dtype('ascii'))"#)
    XCTAssertEqual(data.featureNames, ["a", "b"])
  }

  func testJSONStringAsFitConvertWritesIsReadAsNames() throws {
    let data = try dataset(#"f['X'].attrs['columns'] = '["a", "b"]'"#)
    XCTAssertEqual(data.featureNames, ["a", "b"])
  }

  func testOneElementArrayAndScalarNameNameAOneColumnDataSet() throws {
    let data = try dataset(
      columns: 1,
      """
      f['X'].attrs['columns'] = ['area']
      f['y'].attrs['columns'] = 'price'
      """)
    XCTAssertEqual(data.featureNames, ["area"])
    XCTAssertEqual(data.targetNames, ["price"])
    let bytes = try dataset(columns: 1, #"f['y'].attrs['columns'] = np.array([b'price'])"#)
    XCTAssertEqual(bytes.targetNames, ["price"])
  }

  func testStreamingReadsTheSameNames() throws {
    _ = try dataset(#"f['X'].attrs['columns'] = ['area', 'rooms']"#)
    let stream = try HDF5StreamingDataset(url: directory.appendingPathComponent("f.h5"))
    XCTAssertEqual(stream.featureNames, ["area", "rooms"])
  }

  func testBadColumnsAttributesAreRefusedNamingFileDataSetAndAttribute() {
    assertRefused(
      #"f['X'].attrs['columns'] = [1, 2]"#,
      "f.h5 data set /X: attribute columns holds integer values, not strings")
    assertRefused(
      #"f['X'].attrs['columns'] = np.array([0.5, 1.5])"#,
      "f.h5 data set /X: attribute columns holds float values, not strings")
    assertRefused(
      #"f['X'].attrs['columns'] = ['a', 'b', 'c']"#,
      "f.h5 data set /X: attribute columns names 3 column(s) (a, b, c) but the data set has 2")
    assertRefused(
      #"f['X'].attrs['columns'] = 'a,b'"#,
      "f.h5 data set /X: attribute columns names 1 column(s) (a,b) but the data set has 2")
    assertRefused(
      #"f['X'].attrs['columns'] = [['a', 'b'], ['c', 'd']]"#,
      "f.h5 data set /X: attribute columns has rank 2; expected one string or a 1-D array of "
        + "strings")
    assertRefused(
      #"f['y'].attrs['columns'] = h5py.Empty('S1')"#,
      "f.h5 data set /y: attribute columns is empty (it has a null dataspace)")
    assertRefused(
      #"f['X'].attrs['columns'] = ['a', 'a']"#,
      "f.h5 data set /X: attribute columns names \"a\" twice")
    assertRefused(
      #"f['X'].attrs['columns'] = np.array([b'\xff', b'b'])"#,
      "f.h5 data set /X: attribute columns holds a string that is not UTF-8")
  }
}
