import Foundation
import TestSupport
import XCTest

/// The command line's contract: help, config checking, and each class of bad input with its
/// message and sysexits status.
final class CommandLineTests: XCTestCase {
  func write(_ text: String, to name: String, in folder: URL) throws -> URL {
    let url = folder.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  func testHelpDescribesEverySubcommand() throws {
    let result = try FitProcess.run(["--help"])
    XCTAssertEqual(result.status, 0)
    for command in ["train", "check", "predict", "eval", "convert", "gradcheck"] {
      XCTAssertTrue(result.standardOutput.contains(command), "help lists \(command)")
    }
    let train = try FitProcess.run(["train", "--help"])
    XCTAssertTrue(train.standardOutput.contains("--set"))
    XCTAssertTrue(train.standardOutput.contains("--json"))
  }

  func testCheckPrintsTheResolvedConfigWithDefaults() throws {
    let result = try FitProcess.run(["check", "--config", "configs/linear.json"])
    XCTAssertEqual(result.status, 0, result.standardError)
    XCTAssertTrue(result.standardOutput.contains("\"batchSize\": 64"))
    XCTAssertTrue(
      result.standardOutput.contains("\"eps\": 1e-08")
        || result.standardOutput.contains("\"eps\": 1e-8"))
    XCTAssertTrue(
      result.standardOutput.contains(
        FitProcess.packageRoot.appendingPathComponent("data/linear.csv").path))
  }

  func testMisspeltKeyIsAUsageErrorWithASuggestion() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let config = try write(
      #"{"version": 1, "data": {"path": "x.csv", "targets": ["y"]}, "optimiser": {"kind": "sgd"}}"#,
      to: "c.json", in: folder)
    let result = try FitProcess.run(["--config", config.path])
    XCTAssertEqual(result.status, 64)
    XCTAssertTrue(
      result.standardError.contains("unknown key `optimiser`; did you mean `optimizer`?"),
      result.standardError)
    XCTAssertTrue(result.standardError.contains("c.json:1:"), result.standardError)
  }

  func testWrongTypeNamesTheKeyPathExpectedAndFound() throws {
    let result = try FitProcess.run([
      "--config", "configs/linear.json", "--set", "optimizer.lr=\"fast\"",
    ])
    XCTAssertEqual(result.status, 64)
    XCTAssertTrue(result.standardError.contains("optimizer.lr"), result.standardError)
    XCTAssertTrue(result.standardError.contains("expected a number"), result.standardError)
    XCTAssertTrue(result.standardError.contains("fast"), result.standardError)
  }

  func testOutOfRangeValueIsAUsageError() throws {
    let result = try FitProcess.run([
      "--config", "configs/linear.json", "--set", "training.epochs=0",
    ])
    XCTAssertEqual(result.status, 64)
    XCTAssertTrue(result.standardError.contains("training.epochs"), result.standardError)
  }

  /// `check` looks at the data's files and headers too, and names the key of what is wrong.
  func testCheckFindsAMissingFileOrColumnNamingItsKey() throws {
    let missingFile = try FitProcess.run([
      "check", "--config", "configs/linear.json", "--set",
      #"data.validation={"path": "nowhere.csv"}"#,
    ])
    XCTAssertEqual(missingFile.status, 66)
    XCTAssertTrue(
      missingFile.standardError.contains("nowhere.csv does not exist (data.validation.path)"),
      missingFile.standardError)
    let missingColumn = try FitProcess.run([
      "check", "--config", "configs/linear.json", "--set", #"data.targets=["yy"]"#,
    ])
    XCTAssertEqual(missingColumn.status, 65)
    XCTAssertTrue(
      missingColumn.standardError.contains(#"data.targets: "#)
        && missingColumn.standardError.contains(#"no column named "yy""#),
      missingColumn.standardError)
    let hdf5 = try FitProcess.run(["check", "--config", "configs/linear-hdf5.json"])
    XCTAssertEqual(hdf5.status, 0, hdf5.standardError)
  }

  /// A data set without rows is an error for eval and as validation data; gradcheck's options
  /// must make sense.
  func testEmptyDataAndNonsenseGradcheckOptionsAreRefused() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let empty = try write("x0,x1,x2,y\n", to: "empty.csv", in: folder)
    let run = folder.appendingPathComponent("run")
    let train = try FitProcess.run([
      "--config", "configs/linear.json", "--set", "output.dir=\(run.path)", "--quiet",
      "--set", #"data.validation={"path": "\#(empty.path)"}"#,
    ])
    XCTAssertEqual(train.status, 65)
    XCTAssertTrue(train.standardError.contains("has no rows"), train.standardError)
    let trained = try FitProcess.run([
      "--config", "configs/linear.json", "--set", "output.dir=\(run.path)", "--quiet",
    ])
    XCTAssertEqual(trained.status, 0, trained.standardError)
    let eval = try FitProcess.run([
      "eval", "--model", run.appendingPathComponent("model.json").path, "--data", empty.path,
    ])
    XCTAssertEqual(eval.status, 65)
    XCTAssertTrue(eval.standardError.contains("has no rows"), eval.standardError)
    for option in [["--rows", "0"], ["--tolerance", "nan"]] {
      let check = try FitProcess.run(["gradcheck", "--config", "configs/linear.json"] + option)
      XCTAssertEqual(check.status, 64, "\(option): \(check.standardError)")
    }
  }

  func testVersionInspectOfAMissingFileAndAnOverflowingNumber() throws {
    let typo = try FitProcess.run(["chekc", "--config", "configs/linear.json"])
    XCTAssertEqual(typo.status, 64)
    XCTAssertTrue(typo.standardError.contains("unknown subcommand `chekc`"), typo.standardError)
    let version = try FitProcess.run(["--version"])
    XCTAssertEqual(version.status, 0)
    XCTAssertEqual(version.standardOutput, "fit 0.1.0\n")
    let inspect = try FitProcess.run(["inspect", "nowhere.h5"])
    XCTAssertEqual(inspect.status, 66, inspect.standardError)
    let overflow = try FitProcess.run([
      "check", "--config", "configs/linear.json", "--set", "optimizer.lr=1e999",
    ])
    XCTAssertEqual(overflow.status, 64)
    XCTAssertTrue(overflow.standardError.contains("finite"), overflow.standardError)
  }

  /// A config read from a pipe (`--config <(...)`) works, its relative paths resolved against
  /// the working folder.
  func testConfigFromAPipe() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let fifo = folder.appendingPathComponent("config.fifo").path
    XCTAssertEqual(mkfifo(fifo, 0o600), 0)
    let text = try String(
      contentsOf: FitProcess.packageRoot.appendingPathComponent(
        "configs/linear.json"), encoding: .utf8
    )
    .replacingOccurrences(of: "\"../data/linear.csv\"", with: "\"data/linear.csv\"")
    let writer = Thread {
      if let handle = FileHandle(forWritingAtPath: fifo) {
        handle.write(Data(text.utf8))
        try? handle.close()
      }
    }
    writer.start()
    let result = try FitProcess.run(["check", "--config", fifo])
    XCTAssertEqual(result.status, 0, result.standardError)
    XCTAssertTrue(
      result.standardOutput.contains(
        FitProcess.packageRoot.appendingPathComponent("data/linear.csv").path),
      result.standardOutput)
  }

  func testMissingDataFileExitsWithNoInput() throws {
    let result = try FitProcess.run([
      "--config", "configs/linear.json", "--set", "data.path=nowhere.csv",
    ])
    XCTAssertEqual(result.status, 66)
    XCTAssertTrue(result.standardError.contains("nowhere.csv"), result.standardError)
  }

  func testMissingConfigFileExitsWithNoInput() throws {
    let result = try FitProcess.run(["--config", "configs/absent.json"])
    XCTAssertEqual(result.status, 66)
    XCTAssertTrue(result.standardError.contains("absent.json"), result.standardError)
  }

  func testMissingColumnIsADataError() throws {
    let result = try FitProcess.run([
      "--config", "configs/linear.json", "--set", #"data.features=["x0","x9"]"#,
    ])
    XCTAssertEqual(result.status, 65)
    XCTAssertTrue(result.standardError.contains("x9"), result.standardError)
  }

  func testNonNumericValueNamesFileLineAndColumn() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let data = try write("x0,y\n1,2\n2,oops\n3,4\n", to: "bad.csv", in: folder)
    let config = try write(
      #"{"version": 1, "data": {"path": "bad.csv", "targets": ["y"]}, "output": {"dir": "run"}}"#,
      to: "c.json", in: folder)
    let result = try FitProcess.run(["--config", config.path])
    XCTAssertEqual(result.status, 65)
    XCTAssertTrue(result.standardError.contains(data.lastPathComponent), result.standardError)
    XCTAssertTrue(result.standardError.contains("line 3"), result.standardError)
    XCTAssertTrue(result.standardError.contains("oops"), result.standardError)
  }

  func testDivergenceStopsWithItsOwnStatusAndNamesTheStep() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let result = try FitProcess.run([
      "--config", "configs/linear.json", "--set", "optimizer={\"kind\": \"sgd\", \"lr\": 1e6}",
      "--set", "data.standardize=false", "--set", "output.dir=\(folder.path)",
    ])
    XCTAssertEqual(result.status, 3, result.standardError)
    XCTAssertTrue(result.standardError.contains("diverged at step"), result.standardError)
  }

  /// A run that diverges keeps its last checkpoint, written at the step before.
  func testDivergenceKeepsTheLastGoodCheckpoint() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let result = try FitProcess.run([
      "--config", "configs/linear.json", "--set", #"optimizer={"kind": "sgd", "lr": 0.005}"#,
      "--set", "data.standardize=false", "--set", #"output.checkpointEvery={"steps": 1}"#,
      "--set", "output.dir=\(folder.path)", "--quiet",
    ])
    XCTAssertEqual(result.status, 3, result.standardError)
    let message = result.standardError
    let step = try XCTUnwrap(
      message.range(of: #"at step (\d+)"#, options: .regularExpression).map {
        Int(message[$0].split(separator: " ").last!)!
      })
    let last = try String(
      contentsOf: folder.appendingPathComponent("checkpoints/last"), encoding: .utf8)
    XCTAssertTrue(last.contains(String(format: "step-%08d.h5", step - 1)), last)
    let inspect = try FitProcess.run([
      "inspect", folder.appendingPathComponent("checkpoints/last").path,
    ])
    XCTAssertEqual(inspect.status, 0, inspect.standardError)
  }

  func testUnwritableOutputFolderCannotBeCreated() throws {
    let result = try FitProcess.run([
      "--config", "configs/linear.json", "--set", "output.dir=/proc/fit-cannot-write-here",
    ])
    XCTAssertEqual(result.status, 73, result.standardError)
    XCTAssertTrue(
      result.standardError.contains("/proc/fit-cannot-write-here"), result.standardError)
  }

  func testJSONSummaryOnStandardOutput() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let result = try FitProcess.run([
      "--config", "configs/poly.json", "--json", "--set", "output.dir=\(folder.path)",
      "--set", "training.epochs=3",
    ])
    XCTAssertEqual(result.status, 0, result.standardError)
    struct Summary: Decodable {
      var status: String
      var epochs: Int
      var steps: Int
    }
    let summary = try JSONDecoder().decode(Summary.self, from: Data(result.standardOutput.utf8))
    XCTAssertEqual(summary.status, "ok")
    XCTAssertEqual(summary.epochs, 3)
    XCTAssertEqual(summary.steps, 3 * 16)  // 800 training rows in batches of 50
  }

  func testGradcheckPassesOnTheShippedConfigs() throws {
    for config in ["linear", "poly"] {
      let result = try FitProcess.run(["gradcheck", "--config", "configs/\(config).json"])
      XCTAssertEqual(result.status, 0, result.standardOutput + result.standardError)
      XCTAssertTrue(result.standardOutput.contains("weight"))
    }
  }

  func testConvertWritesAnHDF5FileThatTrains() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let output = folder.appendingPathComponent("linear.h5")
    let convert = try FitProcess.run([
      "convert", "data/linear.csv", output.path, "--targets", "y", "--chunk-rows", "256",
    ])
    XCTAssertEqual(convert.status, 0, convert.standardError)
    XCTAssertTrue(convert.standardOutput.contains("2000 rows"), convert.standardOutput)
    let train = try FitProcess.run([
      "--config", "configs/linear.json", "--set", "data.path=\(output.path)",
      "--set", "data.format=\"hdf5\"", "--set", "data.features=null", "--set", "data.targets=null",
      "--set", "output.dir=\(folder.appendingPathComponent("run").path)", "--quiet",
    ])
    XCTAssertEqual(train.status, 0, train.standardError)
  }

  /// An HDF5 file whose columns are named (as `fit convert` names them) is read by name by
  /// `eval`: the same rows with their feature columns in another order give the same metrics.
  func testEvalTakesNamedHDF5ColumnsByName() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let run = folder.appendingPathComponent("run")
    let train = try FitProcess.run([
      "--config", "configs/linear.json", "--set", "output.dir=\(run.path)", "--quiet",
    ])
    XCTAssertEqual(train.status, 0, train.standardError)
    var outputs: [String] = []
    for (name, features) in [("ordered", ["x0", "x1", "x2"]), ("reversed", ["x2", "x1", "x0"])] {
      let h5 = folder.appendingPathComponent("\(name).h5").path
      let convert = try FitProcess.run(
        ["convert", "data/linear.csv", h5, "--targets", "y", "--features"] + features)
      XCTAssertEqual(convert.status, 0, convert.standardError)
      let eval = try FitProcess.run([
        "eval", "--model", run.appendingPathComponent("model.json").path, "--data", h5,
      ])
      XCTAssertEqual(eval.status, 0, eval.standardError)
      outputs.append(eval.standardOutput)
    }
    XCTAssertEqual(outputs[0], outputs[1])
    XCTAssertTrue(outputs[0].contains("r2 0.99"), outputs[0])
  }

  /// `predict` and `eval` read `model.json` as strictly as a config (an unknown key, a
  /// coefficient of 1e308, UTF-16: exit 65 naming the file, line, column and key), and refuse a
  /// prediction that overflows instead of writing `inf` (issue 18).
  func testPredictAndEvalRefuseAnInvalidModelFileOrAnOverflowingPrediction() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let data = try write("a,b\n1,2\n1e10,3\n", to: "d.csv", in: folder)
    func model(weight: String, extra: String = "") -> String {
      #"{"format": "fit-model", "version": 1, "name": "m", "kind": "linear", "degree": 1, "#
        + #""interactionOnly": false, "inputs": ["a"], "terms": ["a"], "targets": ["b"], "#
        + #""weights": [\#(weight)], "intercept": [0.5]\#(extra)}"#
    }
    let unknown = try write(model(weight: "2", extra: #", "note": 1"#), to: "u.json", in: folder)
    let absurd = try write(model(weight: "1e308"), to: "a.json", in: folder)
    let large = try write(model(weight: "1e299"), to: "l.json", in: folder)
    let utf16 = folder.appendingPathComponent("w.json")
    try Data(
      [0xFF, 0xFE] + model(weight: "2").utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    )
    .write(to: utf16)
    for (file, message) in [
      (unknown, "u.json:1:196: unknown key `note`; expected one of: format, version,"),
      (
        absurd,
        "a.json:1:172: weights[0]: expected a finite number of magnitude at most 1e300, "
          + "found 1e308"
      ),
      (utf16, "w.json:1:1: invalid JSON: the text is UTF-16, not UTF-8; save it as UTF-8"),
      (
        large,
        "l.json: the prediction of b for row 2 of \(data.path) is inf: the model's "
          + "coefficients are too large for these inputs"
      ),
    ] {
      for command in ["predict", "eval"] {
        let outcome = try FitProcess.run([command, "--model", file.path, "--data", data.path])
        XCTAssertEqual(outcome.status, 65, "\(command) \(file.lastPathComponent)")
        XCTAssertTrue(outcome.standardError.contains(message), outcome.standardError)
        XCTAssertEqual(outcome.standardOutput, "", "\(command) \(file.lastPathComponent)")
      }
    }
  }
}
