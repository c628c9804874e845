import Foundation
import TestSupport
import XCTest

/// HDF5 files as users write them with h5py (and pandas), trained on and evaluated through the
/// built binary (issue 17): the names they carry reach model.json, and a file fit cannot use is
/// refused with exit status 65 and a message naming it, never a crash.
final class HDF5UserFilesTests: XCTestCase {
  private var folder: URL!

  override func setUpWithError() throws {
    folder = try FitProcess.temporaryDirectory(self)
    try Python.requireH5py()
  }

  /// 400 noise-free rows of price = 2·area − 3·rooms + 1 in `f.h5` (`/X`, `/y`); `attributes`
  /// (Python, `f` the open file) names their columns.
  private func writeFile(_ attributes: String) throws {
    _ = try Python.run(
      """
      import sys, h5py, numpy as np
      rng = np.random.default_rng(1)
      X = rng.standard_normal((400, 2))
      with h5py.File(sys.argv[1] + '/f.h5', 'w') as f:
        f['X'] = X
        f['y'] = 2 * X[:, 0] - 3 * X[:, 1] + 1
        \(attributes)
      """, [folder.path])
  }

  private func train(_ data: String = #"{"path": "f.h5"}"#) throws -> FitProcess.Result {
    let config = folder.appendingPathComponent("c.json")
    try """
    {"data": \(data), "model": "linear", "optimizer": {"kind": "adam", "lr": 0.1},
     "training": {"epochs": 60, "batchSize": 50, "seed": 1}, "output": {"dir": "run"}}
    """.write(to: config, atomically: true, encoding: .utf8)
    return try FitProcess.run(["--config", config.path, "--quiet"], in: folder)
  }

  private func model() throws -> [String: Any] {
    let data = try Data(contentsOf: folder.appendingPathComponent("run/model.json"))
    return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  /// Trains on `f.h5` and evaluates the model on it: names from the file, exact coefficients.
  private func assertTrainsWithNames(
    _ inputs: [String], _ targets: [String], file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let run = try train()
    XCTAssertEqual(run.status, 0, run.standardError, file: file, line: line)
    let fitted = try model()
    XCTAssertEqual(fitted["inputs"] as? [String], inputs, file: file, line: line)
    XCTAssertEqual(fitted["targets"] as? [String], targets, file: file, line: line)
    let weights = try XCTUnwrap(fitted["weights"] as? [Double], file: file, line: line)
    let intercept = try XCTUnwrap(fitted["intercept"] as? [Double], file: file, line: line)
    assertClose(weights + intercept, [2, -3, 1], tolerance: 1e-6, file: file, line: line)
    let eval = try FitProcess.run(
      ["eval", "--model", "run/model.json", "--data", "f.h5"], in: folder)
    XCTAssertEqual(eval.status, 0, eval.standardError, file: file, line: line)
    XCTAssertTrue(eval.standardOutput.contains("r2 1.000000"), eval.standardOutput)
  }

  private func assertClose(
    _ actual: [Double], _ expected: [Double], tolerance: Double,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertEqual(actual.count, expected.count, file: file, line: line)
    for (a, e) in zip(actual, expected) {
      XCTAssertEqual(a, e, accuracy: tolerance, "\(actual)", file: file, line: line)
    }
  }

  func testListOfStrColumnsAttributeTrainsAndEvaluates() throws {
    try writeFile(
      "f['X'].attrs['columns'] = ['area', 'rooms']; f['y'].attrs['columns'] = ['price']")
    try assertTrainsWithNames(["area", "rooms"], ["price"])
  }

  func testFixedLengthBytesColumnsAttributeTrainsAndEvaluates() throws {
    try writeFile(
      "f['X'].attrs['columns'] = np.array([b'a', b'rooms']); "
        + "f['y'].attrs['columns'] = np.array([b'price'])")
    try assertTrainsWithNames(["a", "rooms"], ["price"])
  }

  func testVariableLengthBytesColumnsAttributeTrainsAndEvaluates() throws {
    try writeFile(
      "f['X'].attrs.create('columns', [b'area', b'rooms'], dtype=h5py.string_dtype('ascii'))")
    try assertTrainsWithNames(["area", "rooms"], ["y0"])
  }

  func testJSONColumnsAttributeAsFitConvertWritesTrainsAndEvaluates() throws {
    try writeFile(#"f['X'].attrs['columns'] = '["area", "rooms"]'"#)
    try assertTrainsWithNames(["area", "rooms"], ["y0"])
  }

  func testUnusableColumnsAttributeIsRefusedWithExitStatus65() throws {
    try writeFile("f['X'].attrs['columns'] = [1, 2]")
    let expected =
      "f.h5 data set /X: attribute columns holds integer values, not strings"
    let run = try train()
    XCTAssertEqual(run.status, 65, run.standardError)
    XCTAssertTrue(run.standardError.contains(expected), run.standardError)
    // A model trained elsewhere, evaluated on the bad file.
    try writeFile("f['X'].attrs['columns'] = ['a', 'b']")
    XCTAssertEqual(try train().status, 0)
    try writeFile("f['X'].attrs['columns'] = ['a', 'b', 'c']")
    for command in ["eval", "predict"] {
      let result = try FitProcess.run(
        [command, "--model", "run/model.json", "--data", "f.h5"], in: folder)
      XCTAssertEqual(result.status, 65, command + result.standardError)
      XCTAssertTrue(
        result.standardError.contains(
          "f.h5 data set /X: attribute columns names 3 column(s) (a, b, c) but the data set has 2"),
        result.standardError)
    }
  }

  /// 400 noise-free rows of y = 2·a − 3·b + 0.5·k + 1 in pandas' default format, the target
  /// between two features in the float64 block, k in an int64 block, a str column beside.
  private func writePandasFrame(key: String = "df") throws {
    try Python.requirePandas()
    _ = try Python.run(
      """
      import sys, warnings, pandas as pd, numpy as np
      warnings.simplefilter('ignore')
      rng = np.random.default_rng(2)
      a, b, k = rng.standard_normal(400), rng.standard_normal(400), rng.integers(0, 5, 400)
      pd.DataFrame({'a': a, 'y': 2 * a - 3 * b + 0.5 * k + 1, 'b': b, 'k': k, 's': ['t'] * 400}
                   ).to_hdf(sys.argv[1] + '/p.h5', key='\(key)')
      """, [folder.path])
  }

  func testPandasFrameTrainsOnNamedColumnsWithoutTheTargetAmongTheInputs() throws {
    try writePandasFrame()
    let run = try train(#"{"path": "p.h5", "targets": ["y"]}"#)
    XCTAssertEqual(run.status, 0, run.standardError)
    let fitted = try model()
    XCTAssertEqual(fitted["inputs"] as? [String], ["a", "b", "k"])
    XCTAssertEqual(fitted["targets"] as? [String], ["y"])
    assertClose(
      try XCTUnwrap(fitted["weights"] as? [Double]) + XCTUnwrap(fitted["intercept"] as? [Double]),
      [2, -3, 0.5, 1], tolerance: 1e-5)
    let eval = try FitProcess.run(
      ["eval", "--model", "run/model.json", "--data", "p.h5"], in: folder)
    XCTAssertEqual(eval.status, 0, eval.standardError)
    XCTAssertTrue(eval.standardOutput.hasPrefix("rows 400 "), eval.standardOutput)
    XCTAssertTrue(eval.standardOutput.contains("r2 1.000000"), eval.standardOutput)
    let predict = try FitProcess.run(
      ["predict", "--model", "run/model.json", "--data", "p.h5"], in: folder)
    XCTAssertEqual(predict.status, 0, predict.standardError)
    XCTAssertEqual(predict.standardOutput.split(separator: "\n").count, 401)
  }

  func testPandasFrameNamedInTheConfigTrainsOnTheChosenFeatures() throws {
    try writePandasFrame(key: "/data/frame")
    let run = try train(
      #"{"path": "p.h5", "hdf5": {"frame": "/data/frame"}, "features": ["k", "a"], "#
        + #""targets": ["y"]}"#)
    XCTAssertEqual(run.status, 0, run.standardError)
    XCTAssertEqual(try model()["inputs"] as? [String], ["k", "a"])
  }

  func testPandasFrameWithoutTargetsOrWithTextColumnsIsRefusedWithExitStatus65() throws {
    try writePandasFrame()
    let path = folder.appendingPathComponent("p.h5").path
    for (data, message) in [
      (
        #"{"path": "p.h5"}"#,
        "data.targets: \(path) holds the pandas frame /df; name its target column(s) (its "
          + "columns are a, y, b, k, s)"
      ),
      (
        #"{"path": "p.h5", "targets": ["y"], "features": ["a", "s"]}"#,
        "\(path) data set /df: column \"s\" holds no numbers (its block: str)"
      ),
      (
        #"{"path": "p.h5", "targets": ["price"]}"#,
        "data.targets: \(path) has no column named \"price\"; its header has \"a\", \"y\", "
          + "\"b\", \"k\", \"s\""
      ),
      (
        #"{"path": "p.h5", "targets": ["y"], "stream": true}"#,
        "data.stream: \(path) holds the pandas frame /df, which is read into memory (pandas' "
          + "fixed format is not chunked); set data.stream to false"
      ),
    ] {
      let run = try train(data)
      XCTAssertEqual(run.status, 65, data + run.standardError)
      XCTAssertTrue(run.standardError.contains(message), run.standardError)
    }
  }

  func testColumnNamesForDataSetsAreRefusedRatherThanIgnored() throws {
    try writeFile("pass")
    let run = try train(#"{"path": "f.h5", "targets": ["y"]}"#)
    XCTAssertEqual(run.status, 65, run.standardError)
    XCTAssertTrue(
      run.standardError.contains(
        "data.targets: \(folder.appendingPathComponent("f.h5").path) holds the data sets /X and "
          + "/y, whose columns are all read; names choose columns of a pandas frame only (set "
          + "data.targets to null)"), run.standardError)
  }
}
