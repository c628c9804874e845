import Training
import XCTest

/// The folders config tests pretend to run in: the config file is `/project/configs/cfg.json`
/// and `fit` runs from `/project`.
let configFolder = "/project/configs"
let currentFolder = "/project"

/// The smallest valid config: everything else has a default.
let minimalConfig = #"{"data": {"path": "data/linear.csv", "targets": ["y"]}}"#

func parseConfig(_ text: String, overrides: [String] = []) throws -> TrainingConfig {
  try TrainingConfig.parse(
    text, file: "cfg.json", baseDirectory: configFolder, overrides: overrides,
    workingDirectory: currentFolder, defaultName: "cfg")
}

/// Asserts that `text` (with `overrides`) is rejected with exactly `message`, and returns the
/// error for further checks.
@discardableResult
func assertConfigError(
  _ text: String, overrides: [String] = [], _ message: String,
  file: StaticString = #filePath, line: UInt = #line
) -> ConfigError? {
  do {
    let config = try parseConfig(text, overrides: overrides)
    XCTFail("expected an error, got \(config)", file: file, line: line)
    return nil
  } catch {
    XCTAssertEqual("\(error)", message, file: file, line: line)
    XCTAssertTrue(
      error is ConfigError, "\(type(of: error)) is not a ConfigError", file: file, line: line)
    return error as? ConfigError
  }
}

/// A config whose data section is the minimal one and whose other sections are `sections`
/// (JSON members without the outer braces).
func config(_ sections: String) -> String {
  #"{"data": {"path": "data/linear.csv", "targets": ["y"]}, "# + sections + "}"
}
