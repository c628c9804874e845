import Foundation
import TestSupport
import Training
import XCTest

/// A config file must be UTF-8, as JSON requires (a byte order mark is allowed): UTF-16 text and
/// invalid bytes are refused saying so, where they were decoded to U+FFFD before (a puzzling
/// "unexpected `�`", or a name that is not the file's).
final class ConfigEncodingTests: XCTestCase {
  let text = #"{"name": "run", "data": {"path": "d.csv", "targets": ["y"]}}"#

  func load(_ bytes: Data) throws -> TrainingConfig {
    let url = try temporaryDirectory(for: self).appendingPathComponent("c.json")
    try bytes.write(to: url)
    return try TrainingConfig.load(file: url.path)
  }

  func assertRefused(_ bytes: Data, _ message: String, line: UInt = #line) {
    XCTAssertThrowsError(try load(bytes), line: line) { error in
      XCTAssertTrue("\(error)".hasSuffix("c.json" + message), "\(error)", line: line)
      XCTAssertEqual((error as? ConfigError)?.exitStatus, .usage, line: line)
    }
  }

  func testUTF16AndInvalidBytesAreRefusedWithTheirPlace() throws {
    let utf16 = Data([0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
    assertRefused(utf16, ":1:1: invalid JSON: the text is UTF-16, not UTF-8; save it as UTF-8")
    var latin1 = Data(text.utf8)
    latin1.insert(0xE9, at: 12)  // after `{"name": "ru`
    assertRefused(
      latin1,
      ":1:13: invalid JSON: the byte 0xE9 (offset 12) is not valid UTF-8; JSON text must be UTF-8"
    )
  }

  func testUTF8WithAByteOrderMarkIsRead() throws {
    XCTAssertEqual(try load(Data([0xEF, 0xBB, 0xBF] + Array(text.utf8))).name, "run")
  }
}
