import Foundation
import Training
import XCTest

final class ConfigPathTests: XCTestCase {
  func testRelativePathsResolveAgainstTheConfigFolder() throws {
    let c = try parseConfig(
      #"{"data": {"path": "../data/./train.csv", "targets": ["y"], "validation": {"path": "v.csv"}}, "#
        + #""output": {"dir": "out"}}"#)
    XCTAssertEqual(c.data.path, "/project/data/train.csv")
    XCTAssertEqual(c.data.validation, .file("/project/configs/v.csv"))
    XCTAssertEqual(c.output.dir, "/project/configs/out")
  }

  func testAbsolutePathsAreKept() throws {
    let c = try parseConfig(#"{"data": {"path": "/srv/d.csv", "targets": ["y"]}}"#)
    XCTAssertEqual(c.data.path, "/srv/d.csv")
  }

  func testPathsFromOverridesResolveAgainstTheCurrentFolder() throws {
    let c = try parseConfig(
      minimalConfig, overrides: ["data.path=data/other.csv", "output.dir=runs/x"])
    XCTAssertEqual(c.data.path, "/project/data/other.csv")
    XCTAssertEqual(c.output.dir, "/project/runs/x")
  }

  func testLoadReadsTheFileAndNamesTheRunAfterIt() throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("fit-config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("linear demo.json")
    try minimalConfig.write(to: file, atomically: true, encoding: .utf8)

    let c = try TrainingConfig.load(file: file.path, overrides: ["training.epochs=2"])
    XCTAssertEqual(c.name, "linear-demo")
    XCTAssertEqual(c.data.path, folder.path + "/data/linear.csv")
    XCTAssertEqual(c.output.dir, folder.path + "/runs/linear-demo")
    XCTAssertEqual(c.training.epochs, 2)

    let relative = try TrainingConfig.load(
      file: "linear demo.json", workingDirectory: folder.path)
    XCTAssertEqual(
      relative, try TrainingConfig.load(file: file.path, overrides: ["training.epochs=10000"]))
  }

  func testLoadErrorsNameTheFile() throws {
    XCTAssertThrowsError(try TrainingConfig.load(file: "/nonexistent/cfg.json")) {
      XCTAssertEqual("\($0)", "/nonexistent/cfg.json: cannot read the config: no such file")
    }
    XCTAssertThrowsError(try TrainingConfig.load(file: "/tmp")) {
      XCTAssertEqual("\($0)", "/tmp: cannot read the config: it is a folder")
    }
    let file = FileManager.default.temporaryDirectory
      .appendingPathComponent("fit-broken-\(UUID().uuidString).json")
    try "{\n  \"data\": {\n    \"path\": \"x.csv\"\n    \"targets\": [\"y\"]\n  }\n}"
      .write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    XCTAssertThrowsError(try TrainingConfig.load(file: file.path)) {
      XCTAssertEqual(
        "\($0)",
        "\(file.path):4:5: invalid JSON: expected `,` or `}` after the value of \"path\", found `\"`"
      )
    }
  }
}
