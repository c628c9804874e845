import Foundation
import TestSupport
import XCTest

/// The convergence verdict as a user meets it: on the terminal, in `--json`, and as exit status
/// 5 under `--require-convergence`.
final class ConvergenceCLITests: XCTestCase {
  /// The shipped real-data example trains with defaults and prints that it converged.
  func testTheLongleyExampleConvergesWithDefaults() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let result = try FitProcess.run([
      "--config", "configs/longley.json", "--set", "output.dir=\(folder.path)/run",
      "--require-convergence",
    ])
    XCTAssertEqual(result.status, 0, result.standardError)
    XCTAssertTrue(result.standardOutput.contains("converged: excess loss "), result.standardOutput)
    XCTAssertTrue(result.standardOutput.contains("condition number of the standardized design"))
  }

  /// One epoch at a tiny rate: exit 5 with the verdict on standard error, the results written
  /// and the summary printed (with `converged` false and the excess in `--json`).
  func testAStarvedRunExitsWithStatusFiveUnderRequireConvergence() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let arguments = [
      "--config", "configs/longley.json", "--set", "output.dir=\(folder.path)/run",
      "--set", #"optimizer={"kind": "sgd", "lr": 1e-6}"#, "--set", "training.epochs=1",
    ]
    let plain = try FitProcess.run(arguments + ["--json"])
    XCTAssertEqual(plain.status, 0, plain.standardError)
    let summary = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(plain.standardOutput.utf8)) as? [String: Any])
    XCTAssertEqual(summary["converged"] as? Bool, false)
    let excess = try XCTUnwrap(summary["excessLoss"] as? Double)
    let optimum = try XCTUnwrap(
      (summary["leastSquares"] as? [String: Any])?["trainMSE"] as? Double)
    XCTAssertGreaterThan(excess / optimum, 1)

    let strict = try FitProcess.run(arguments + ["--require-convergence"])
    XCTAssertEqual(strict.status, 5, strict.standardError)
    XCTAssertTrue(
      strict.standardError.contains("fit: error: did not converge: training MSE "),
      strict.standardError)
    XCTAssertTrue(strict.standardOutput.contains("coefficients for Employed:"))
    XCTAssertTrue(
      FileManager.default.fileExists(atPath: folder.appendingPathComponent("run/model.json").path))

    let fromConfig = try FitProcess.run(arguments + ["--set", "training.requireConvergence=true"])
    XCTAssertEqual(fromConfig.status, 5, fromConfig.standardError)
  }

  /// `fit batch` records each run's verdict in summary.csv.
  func testBatchSummaryHasTheVerdict() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let out = folder.appendingPathComponent("batch")
    let result = try FitProcess.run([
      "batch", "--config", "configs/longley.json", "--grid", "training.epochs=1,10000",
      "--out", out.path,
    ])
    XCTAssertEqual(result.status, 0, result.standardError)
    let lines = try String(contentsOf: out.appendingPathComponent("summary.csv"), encoding: .utf8)
      .split(separator: "\n")
    XCTAssertTrue(lines[0].hasSuffix(",converged,excess_loss"), String(lines[0]))
    let byRun = Dictionary(
      uniqueKeysWithValues: lines.dropFirst().map { ($0.split(separator: ",")[0], $0) })
    let long = try XCTUnwrap(byRun["epochs=10000"])
    let short = try XCTUnwrap(byRun["epochs=1"])
    XCTAssertTrue(long.contains(",ok,,true,"), String(long))
    XCTAssertTrue(short.contains("not converged"), String(short))
    XCTAssertTrue(short.contains(",false,"), String(short))
  }

  /// The default training (full batch, automatic rate and momentum, the tolerance rule) resumes
  /// bit for bit: `--verify-resume` stops it at step 100, resumes, and compares with a straight
  /// run.
  func testDefaultTrainingResumesBitForBit() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let result = try FitProcess.run([
      "--config", "configs/longley.json", "--set", "output.dir=\(folder.path)/run",
      "--verify-resume", "100",
    ])
    XCTAssertEqual(result.status, 0, result.standardOutput + result.standardError)
    XCTAssertTrue(result.standardOutput.contains("identical"), result.standardOutput)
  }
}
