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
      XCTAssertTrue(
        FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), name)
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
    struct Metrics: Decodable {
      var mse: Double
      var rows: Int
    }
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

/// `data.stream` trains from the HDF5 file chunk by chunk instead of loading it.
final class StreamingTests: XCTestCase {
  func train(_ overrides: [String]) throws -> (Data, String) {
    let folder = try FitProcess.temporaryDirectory(self)
    var arguments = [
      "--config", "configs/linear-hdf5.json", "--set", "output.dir=\(folder.path)", "--json",
    ]
    for override in overrides { arguments += ["--set", override] }
    let result = try FitProcess.run(arguments)
    XCTAssertEqual(result.status, 0, result.standardError)
    return (
      try Data(contentsOf: folder.appendingPathComponent("model.json")), result.standardOutput
    )
  }

  /// Without shuffling both read the rows in file order, so streaming changes nothing: the same
  /// split, statistics, batches and so the same model, bit for bit.
  func testStreamingInFileOrderGivesTheInMemoryModel() throws {
    let (inMemory, _) = try train(["data.shuffle=false"])
    let (streamed, summary) = try train(["data.shuffle=false", "data.stream=true"])
    XCTAssertEqual(inMemory, streamed)
    // The least-squares reference comes from the normal equations when streaming.
    struct Summary: Decodable {
      struct Reference: Decodable {
        var gap: Double
        var maxCoefficientDifference: Double
      }
      var leastSquares: Reference
    }
    let reference = try JSONDecoder().decode(Summary.self, from: Data(summary.utf8)).leastSquares
    XCTAssertLessThan(Swift.abs(reference.gap), 1e-4)
    XCTAssertLessThan(reference.maxCoefficientDifference, 0.01)
  }

  func testShuffledStreamingRecoversTheCoefficients() throws {
    let (data, _) = try train(["data.stream=true", "data.standardize=true"])
    struct Model: Decodable {
      var weights: [Double]
      var intercept: [Double]
    }
    let model = try JSONDecoder().decode(Model.self, from: data)
    assertClose(model.weights, [2, -1, 0.5, 3], tolerance: 0.02)
    assertClose(model.intercept, [-1], tolerance: 0.02)
  }

  func testStreamingIsOnlyForHDF5() throws {
    let result = try FitProcess.run([
      "check", "--config", "configs/linear.json", "--set", "data.stream=true",
    ])
    XCTAssertEqual(result.status, 64)
    XCTAssertTrue(result.standardError.contains("data.stream"), result.standardError)
    XCTAssertTrue(
      result.standardError.contains("not used with data.format \"csv\""), result.standardError)
  }
}
