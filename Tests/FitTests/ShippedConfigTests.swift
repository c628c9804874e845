import Foundation
import TestSupport
import XCTest

/// Each shipped config, trained through the real binary, recovers the coefficients its data were
/// generated with (see data/make_data.py). Tolerance: 0.02 on every coefficient — the noise in
/// each data set moves even the exact least-squares fit by up to ~0.01 from the true values.
final class ShippedConfigTests: XCTestCase {
  struct Model: Decodable {
    var terms: [String]
    var targets: [String]
    var weights: [Double]
    var intercept: [Double]
  }

  func train(_ config: String, file: StaticString = #filePath, line: UInt = #line) throws -> (
    Model, URL
  ) {
    let folder = try FitProcess.temporaryDirectory(self)
    let result = try FitProcess.run([
      "--config", "configs/\(config).json", "--set", "output.dir=\(folder.path)", "--quiet",
    ])
    XCTAssertEqual(result.status, 0, result.standardError, file: file, line: line)
    let data = try Data(contentsOf: folder.appendingPathComponent("model.json"))
    return (try JSONDecoder().decode(Model.self, from: data), folder)
  }

  func testLinearConfigRecoversItsCoefficients() throws {
    let (model, folder) = try train("linear")
    XCTAssertEqual(model.terms, ["x0", "x1", "x2"])
    assertClose(model.weights, [1.5, -2, 0.05], tolerance: 0.02)
    assertClose(model.intercept, [3], tolerance: 0.02)
    for name in ["config.json", "metrics.csv", "loss.svg", "model.json"] {
      XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), name)
    }
  }

  func testPolynomialConfigRecoversItsCoefficients() throws {
    let (model, _) = try train("poly")
    XCTAssertEqual(model.terms, ["x", "x^2", "x^3"])
    assertClose(model.weights, [-2, 0.5, 0.3], tolerance: 0.02)
    assertClose(model.intercept, [1], tolerance: 0.02)
  }

  func testHDF5ConfigRecoversItsCoefficients() throws {
    let (model, _) = try train("linear-hdf5")
    assertClose(model.weights, [2, -1, 0.5, 3], tolerance: 0.02)
    assertClose(model.intercept, [-1], tolerance: 0.02)
  }

  func testPredictAndEvalAgreeWithTheModel() throws {
    let (model, folder) = try train("linear")
    let predictions = folder.appendingPathComponent("predictions.csv")
    let predict = try FitProcess.run([
      "predict", "--model", folder.appendingPathComponent("model.json").path, "--data",
      "data/linear.csv", "--out", predictions.path,
    ])
    XCTAssertEqual(predict.status, 0, predict.standardError)
    let lines = try String(contentsOf: predictions, encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(lines.first, "y")
    XCTAssertEqual(lines.count, 2001)
    // Recompute the first rows from the coefficients.
    let data = try String(
      contentsOf: FitProcess.packageRoot.appendingPathComponent("data/linear.csv"), encoding: .utf8
    ).split(separator: "\n")
    var squared = 0.0
    for r in 1...2000 {
      let fields = data[r].split(separator: ",").map { Double($0)! }
      var expected = model.intercept[0]
      for k in 0..<3 { expected += model.weights[k] * fields[k] }
      let predicted = Double(lines[r])!
      XCTAssertEqual(predicted, expected, accuracy: 1e-9 * max(1, Swift.abs(expected)))
      squared += (expected - fields[3]) * (expected - fields[3])
    }
    let eval = try FitProcess.run([
      "eval", "--model", folder.appendingPathComponent("model.json").path, "--data",
      "data/linear.csv", "--json",
    ])
    XCTAssertEqual(eval.status, 0, eval.standardError)
    struct Metrics: Decodable { var mse: Double; var rows: Int }
    let metrics = try JSONDecoder().decode(Metrics.self, from: Data(eval.standardOutput.utf8))
    XCTAssertEqual(metrics.rows, 2000)
    XCTAssertEqual(metrics.mse, squared / 2000, accuracy: 1e-12)
  }

  func testTheSameSeedGivesIdenticalMetricsTwice() throws {
    let (_, first) = try train("linear")
    let (_, second) = try train("linear")
    func withoutThroughput(_ folder: URL) throws -> [String] {
      try String(contentsOf: folder.appendingPathComponent("metrics.csv"), encoding: .utf8)
        .split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }
    }
    let a = try withoutThroughput(first)
    XCTAssertGreaterThan(a.count, 5)
    XCTAssertEqual(a, try withoutThroughput(second))
    XCTAssertEqual(
      try Data(contentsOf: first.appendingPathComponent("model.json")),
      try Data(contentsOf: second.appendingPathComponent("model.json")))
  }
}
