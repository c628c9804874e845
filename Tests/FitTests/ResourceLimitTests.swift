import Foundation
import TestSupport
import XCTest

/// Inputs of extreme size given to the built `fit` (issue 18). Each ends in a one-line error or
/// a correct result, under a SIGKILL time limit, and its peak resident memory (the kernel's
/// `ru_maxrss` of the program, through GNU time) is printed and held to a stated bound.
final class ResourceLimitTests: XCTestCase {
  private var folder: URL!

  override func setUpWithError() throws {
    folder = try FitProcess.temporaryDirectory(self)
  }

  static let megabyte = 1_000_000
  /// A 100 MB line is read into one buffer (4 MiB doubled until the record fits: 128 MiB),
  /// and a field that is not a number is copied once more for the message: a few times the
  /// line, never more than this.
  static let lineBound = 4 * 100 * megabyte

  /// A data record of 100 MB: a number of 100 million digits (+infinity when read, refused as
  /// not finite), a quoted text field of 100 MB, 50 million fields where the header has 3.
  func testA100MBRecordIsRefusedInBoundedMemory() throws {
    let header = "a,b,y\n1,2,3\n"
    let cases: [(name: String, parts: [(String, Int)], expected: String)] = [
      (
        "number", [(header + "1,2,", 1), ("9", 100 * Self.megabyte), ("\n4,5,6\n", 1)],
        "line 3, column 3 \"y\": \"9999999999999999999999999999999999999999… (100000000 "
          + "bytes)\" is not a finite number"
      ),
      (
        "text", [(header + "1,2,\"", 1), ("x", 100 * Self.megabyte), ("\"\n", 1)],
        "line 3, column 3 \"y\": cannot parse \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx… "
          + "(100000000 bytes)\" as a number"
      ),
      (
        "fields", [(header, 1), ("1,", 50 * Self.megabyte), ("1\n", 1)],
        "line 3: expected 3 fields, found 50000001"
      ),
    ]
    for (name, parts, expected) in cases {
      let data = try write("\(name).csv", parts)
      let result = try train(data: data)
      XCTAssertEqual(result.status, 65, "\(name): \(result.standardError)")
      XCTAssertTrue(
        result.standardError.contains("\(data.path) \(expected)"),
        "\(name): \(result.standardError)")
      assertOneLine(result, name)
      XCTAssertLessThan(result.peakResidentBytes, Self.lineBound, name)
      report("100 MB CSV record (\(name))", result)
    }
  }

  /// A header line of 100 MB: one column name of 100 MB (the named target is not there), and
  /// 11 million short names, refused at the column limit (1,048,576) before they are kept:
  /// without it, 50 million took 1.6 GB and 95 seconds to refuse.
  func testA100MBHeaderLineIsRefusedInBoundedMemory() throws {
    let longName = try write(
      "long-name.csv", [("a,b,", 1), ("c", 100 * Self.megabyte), ("\n1,2,3\n", 1)])
    let result = try train(data: longName)
    XCTAssertEqual(result.status, 65, result.standardError)
    XCTAssertTrue(
      result.standardError.contains(
        "data.targets: \(longName.path) has no column named \"y\"; its header has \"a\", \"b\", "
          + "\"cccccccccccccccccccccccccccccccccccccccc… (100000000 bytes)\""),
      result.standardError)
    assertOneLine(result, "long name")
    XCTAssertLessThan(result.peakResidentBytes, Self.lineBound)
    report("100 MB CSV header, one name", result)

    var column = 0
    let manyNames = try write("many-names.csv") { handle in
      var bytes = 0
      while bytes < 100 * Self.megabyte {
        let chunk = Data((column..<column + 100_000).map { "c\($0)," }.joined().utf8)
        try handle.write(contentsOf: chunk)
        bytes += chunk.count
        column += 100_000
      }
      try handle.write(contentsOf: Data("y\n".utf8))
    }
    let refused = try train(data: manyNames)
    XCTAssertEqual(refused.status, 65, refused.standardError)
    XCTAssertTrue(
      refused.standardError.contains(
        "\(manyNames.path) line 1, column 1048577: the first record has more than 1048576 "
          + "fields, the most columns fit reads"),
      refused.standardError)
    assertOneLine(refused, "many names")
    XCTAssertLessThan(refused.peakResidentBytes, 200 * Self.megabyte)
    report("100 MB CSV header, \(column) names", refused)
  }

  /// Configs of 50 MB (a string, an array, deep nesting) are refused by their size, before they
  /// are read.
  func testA50MBConfigIsRefusedBeforeItIsRead() throws {
    let size = 50 * Self.megabyte
    let start = #"{"data": {"path": "d.csv", "targets": ["y"]}, "#
    let cases: [(String, [(String, Int)])] = [
      ("string", [(start + #""name": ""#, 1), ("a", size), (#""}"#, 1)]),
      ("array", [(start + #""data2": ["#, 1), ("0,", size / 2), ("0]}", 1)]),
      ("nesting", [(start + #""x": "#, 1), ("[", size / 2), ("]", size / 2), ("}", 1)]),
    ]
    for (name, parts) in cases {
      let config = try write("\(name).json", parts)
      let result = try fit(["check", "--config", config.path])
      XCTAssertEqual(result.status, 66, "\(name): \(result.standardError)")
      XCTAssertTrue(
        result.standardError.contains(
          "\(config.path): cannot read the config: it is \(try fileSize(config)) bytes; a config "
            + "file may be at most 4194304 bytes"),
        "\(name): \(result.standardError)")
      XCTAssertLessThan(result.peakResidentBytes, 64 * Self.megabyte, name)
      report("50 MB config (\(name))", result)
    }
  }

  /// Configs just under the 4 MiB limit are parsed in bounded memory and time, and refused for
  /// what they hold: a one-line array of 2 million numbers (parsing was quadratic in the line's
  /// length: each value's column was counted from the start of its line; and about 230 bytes a
  /// value, now about 40), nesting 2 million deep, a 4 MiB name.
  func testAConfigJustUnderTheSizeLimitIsReadInBoundedMemory() throws {
    let limit = 4 << 20
    let start = #"{"data": {"path": "d.csv", "targets": ["y"]}, "#
    let betas = start + #""optimizer": {"kind": "adam", "betas": ["#
    let name = start + #""name": ""#
    let depth = (limit - start.utf8.count - 10) / 2
    let cases: [(String, [(String, Int)], String)] = [
      (
        "array", [(betas, 1), ("0,", (limit - betas.utf8.count - 10) / 2), ("0]}}", 1)],
        "optimizer.betas: expected an array of two numbers in [0, 1), found an array"
      ),
      (
        "nesting", [(start + #""x": "#, 1), ("[", depth), ("]", depth), ("}", 1)],
        "invalid JSON: values are nested more than 256 levels deep"
      ),
      (
        "name", [(name, 1), ("a", limit - name.utf8.count - 10), (#""}"#, 1)],
        "name: expected a name of at most 255 characters (it names the run folder)"
      ),
    ]
    for (label, parts, expected) in cases {
      let config = try write("\(label).json", parts)
      XCTAssertLessThanOrEqual(try fileSize(config), limit)
      let result = try fit(["check", "--config", config.path], seconds: 120)
      XCTAssertEqual(result.status, 64, "\(label): \(result.standardError)")
      XCTAssertTrue(result.standardError.contains(expected), "\(label): \(result.standardError)")
      assertOneLine(result, label)
      XCTAssertLessThan(result.peakResidentBytes, 256 * Self.megabyte, label)
      XCTAssertLessThan(result.seconds, 60, label)
      report("4 MiB config (\(label))", result)
    }
  }

  /// 100,000 feature columns and 5 rows, one step of plain SGD from zero on raw inputs: the
  /// model is exactly w = lr·(2/n)·Xᵀy, b = lr·(2/n)·Σy (the gradient of the mean squared
  /// error at zero), computed here independently, within 1e-12 relative.
  func testACSVOf100000ColumnsTrainsToTheExactFirstStep() throws {
    let columns = 100_000
    let rows = 5
    let lr = 1e-3
    var random = SplitMix(seed: 18)
    var lines = [((0..<columns).map { "x\($0)" } + ["y"]).joined(separator: ",")]
    var x = [[Double]]()
    var y = [Double]()
    for _ in 0..<rows {
      let fields = (0...columns).map { _ in String(format: "%.3f", random.unit()) }
      lines.append(fields.joined(separator: ","))
      x.append(fields.dropLast().map { Double($0)! })
      y.append(Double(fields.last!)!)
    }
    let data = try write("wide.csv", [(lines.joined(separator: "\n") + "\n", 1)])
    try """
    {"data": {"path": "wide.csv", "targets": ["y"], "standardize": false,
              "validation": {"fraction": 0}},
     "optimizer": {"kind": "sgd", "lr": \(lr)}, "training": {"epochs": 1},
     "output": {"dir": "wide"}}
    """.write(to: folder.appendingPathComponent("wide.json"), atomically: true, encoding: .utf8)
    let result = try fit(["--config", "wide.json", "--quiet"], seconds: 240)
    XCTAssertEqual(result.status, 0, result.standardError)
    let model =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: folder.appendingPathComponent("wide/model.json"))) as? [String: Any]
    let weights = try XCTUnwrap(model?["weights"] as? [Double])
    let intercept = try XCTUnwrap((model?["intercept"] as? [Double])?.first)
    XCTAssertEqual(weights.count, columns)
    XCTAssertEqual((model?["inputs"] as? [String])?.last, "x\(columns - 1)")
    let scale = lr * 2 / Double(rows)
    var worst = 0.0
    for column in 0..<columns {
      let expected = scale * (0..<rows).reduce(0) { $0 + x[$1][column] * y[$1] }
      worst = max(worst, abs(weights[column] - expected) / abs(expected))
    }
    XCTAssertLessThan(worst, 1e-12, "largest relative error of a coefficient")
    XCTAssertEqual(intercept, scale * y.reduce(0, +), accuracy: 1e-12 * abs(intercept))
    XCTAssertLessThan(result.peakResidentBytes, 256 * Self.megabyte)
    report(
      "CSV of \(columns) columns (\(try fileSize(data)) bytes), trained", result,
      note: "largest relative error \(worst)")
  }

  // MARK: Helpers

  func fit(_ arguments: [String], seconds: TimeInterval = 300) throws -> LimitedProcess.Result {
    let result = try LimitedProcess.run(
      FitProcess.executable.path, arguments, in: folder, seconds: seconds)
    XCTAssertFalse(result.timedOut, "fit \(arguments.prefix(3)) passed its \(seconds) s limit")
    XCTAssertNil(result.signal, "fit \(arguments.prefix(3)) ended by signal \(result.signal ?? 0)")
    return result
  }

  /// Trains the defaults on `data` with target `y`.
  func train(data: URL) throws -> LimitedProcess.Result {
    let config = folder.appendingPathComponent("train.json")
    try #"{"data": {"path": "\#(data.path)", "targets": ["y"]}, "output": {"dir": "run"}}"#
      .write(to: config, atomically: true, encoding: .utf8)
    return try fit(["--config", config.path, "--quiet"])
  }

  /// Writes `name` from parts, each repeated its count of times, in blocks of about 1 MB.
  func write(_ name: String, _ parts: [(String, Int)]) throws -> URL {
    try write(name) { handle in
      for (text, count) in parts {
        let piece = Data(text.utf8)
        let perBlock = max(1, min(count, (1 << 20) / max(piece.count, 1)))
        var block = Data()
        for _ in 0..<perBlock { block.append(piece) }
        var left = count
        while left >= perBlock {
          try handle.write(contentsOf: block)
          left -= perBlock
        }
        for _ in 0..<left { try handle.write(contentsOf: piece) }
      }
    }
  }

  /// Writes `name` by `body`, which appends to the open file.
  func write(_ name: String, _ body: (FileHandle) throws -> Void) throws -> URL {
    let url = folder.appendingPathComponent(name)
    _ = FileManager.default.createFile(atPath: url.path, contents: nil)
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    try body(handle)
    return url
  }

  func fileSize(_ url: URL) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? -1
  }

  func assertOneLine(
    _ result: LimitedProcess.Result, _ label: String, file: StaticString = #filePath,
    line: UInt = #line
  ) {
    let lines = result.standardError.split(separator: "\n")
    XCTAssertEqual(
      lines.count, 1, "\(label): \(result.standardError.prefix(2000))", file: file, line: line)
    XCTAssertLessThan(result.standardError.utf8.count, 1000, label, file: file, line: line)
  }

  func report(_ what: String, _ result: LimitedProcess.Result, note: String = "") {
    print(
      "ResourceLimitTests: \(what): exit \(result.status), peak RSS "
        + String(format: "%.0f MB, %.1f s", result.peakMegabytes, result.seconds)
        + (result.peakIncludesRunner ? " (no GNU time: an upper bound, the test runner's too)" : "")
        + (note.isEmpty ? "" : "; " + note))
  }
}

/// SplitMix64, for reproducible data.
private struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func unit() -> Double {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
  }
}
