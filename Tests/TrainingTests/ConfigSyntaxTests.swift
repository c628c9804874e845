import Training
import XCTest

// JSON that does not parse: the message names the file, the line and the column (counted in
// characters from 1) of the offending character.
final class ConfigSyntaxTests: XCTestCase {
  func testMissingCommaPointsAtTheNextKey() {
    let error = assertConfigError(
      """
      {
        "data": {"path": "d.csv", "targets": ["y"]},
        "optimizer": {"kind": "adam"
                      "lr": 0.1}
      }
      """,
      "cfg.json:4:17: invalid JSON: expected `,` or `}` after the value of \"kind\", found `\"`")
    XCTAssertEqual(error?.line, 4)
    XCTAssertEqual(error?.column, 17)
    XCTAssertEqual(error?.keyPath, "")
  }

  func testTrailingComma() {
    assertConfigError(
      "{\n  \"data\": {\"path\": \"d.csv\",}\n}",
      "cfg.json:2:28: invalid JSON: trailing comma before `}`")
    assertConfigError(
      "{\"a\": [1, 2,]}", "cfg.json:1:13: invalid JSON: trailing comma before `]`")
  }

  func testCommentsAndSingleQuotesAreNotJSON() {
    assertConfigError(
      "{\n  // the data\n  \"data\": {}\n}",
      "cfg.json:2:3: invalid JSON: expected a key in double quotes, found `/`")
    assertConfigError(
      "{\"data\": /* here */ {}}", "cfg.json:1:10: invalid JSON: comments are not allowed in JSON")
    assertConfigError(
      "{\"name\": 'x'}", "cfg.json:1:10: invalid JSON: strings must be in double quotes")
  }

  func testUnknownWordsAndBadNumbers() {
    assertConfigError(
      "{\"training\": {\"clipNorm\": None}}",
      "cfg.json:1:27: invalid JSON: unexpected `None`; expected a value (strings need double "
        + "quotes; the literals are true, false and null)")
    assertConfigError(
      "{\"training\": {\"epochs\": 01}}", "cfg.json:1:25: invalid JSON: invalid number `01`")
    assertConfigError(
      "{\"optimizer\": {\"lr\": .5}}",
      "cfg.json:1:22: invalid JSON: unexpected `.`; expected a value")
    assertConfigError(
      "{\"optimizer\": {\"lr\": 1e}}", "cfg.json:1:22: invalid JSON: invalid number `1e`")
  }

  func testStringsAndEndOfText() {
    assertConfigError(
      "{\"name\": \"abc\n\"}",
      "cfg.json:1:14: invalid JSON: unterminated string (a line break in a string is written \\n)")
    assertConfigError(
      "{\"name\": \"a\\qb\"}", "cfg.json:1:12: invalid JSON: invalid escape \\q in a string")
    assertConfigError(
      "{\"data\": {",
      "cfg.json:1:11: invalid JSON: expected a key in double quotes, found end of text")
    assertConfigError("", "cfg.json:1:1: invalid JSON: the text is empty; expected a JSON object")
    assertConfigError(
      "{} {}", "cfg.json:1:4: invalid JSON: unexpected `{` after the end of the JSON value")
    assertConfigError(
      "{\"a\" 1}", "cfg.json:1:6: invalid JSON: expected `:` after the key \"a\", found `1`")
  }

  func testColumnsCountCharactersNotBytes() {
    assertConfigError(
      "{\"name\": \"é\", \"x\" 1}",
      "cfg.json:1:19: invalid JSON: expected `:` after the key \"x\", found `1`")
  }

  func testEscapesAreDecoded() throws {
    let c = try parseConfig(
      #"{"name": "a\u002db", "data": {"path": "d\u00e9.csv", "targets": ["\ud83d\ude00"]}}"#)
    XCTAssertEqual(c.name, "a-b")
    XCTAssertEqual(c.data.path, "/project/configs/dé.csv")
    XCTAssertEqual(c.data.targets, ["😀"])
  }
}
