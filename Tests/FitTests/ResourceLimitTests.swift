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

  // MARK: Helpers

  func fit(_ arguments: [String], seconds: TimeInterval = 300) throws -> LimitedProcess.Result {
    let result = try LimitedProcess.run(
      FitProcess.executable.path, arguments, in: folder, seconds: seconds)
    XCTAssertFalse(result.timedOut, "fit \(arguments.prefix(3)) passed its \(seconds) s limit")
    XCTAssertNil(result.signal, "fit \(arguments.prefix(3)) ended by signal \(result.signal ?? 0)")
    return result
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
