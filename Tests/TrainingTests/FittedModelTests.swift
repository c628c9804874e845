import Foundation
import TestSupport
import XCTest

@testable import Training

/// `model.json` is read as strictly as a config (issue 18): every file that cannot be a model is
/// refused with the file, line, column and key path of the first problem, and predictions that
/// overflow are refused rather than written as `inf`.
final class FittedModelTests: XCTestCase {
  let good = FittedModel(
    name: "m", kind: "polynomial", degree: 2, interactionOnly: false, inputs: ["a", "b"],
    terms: ["a", "b", "a^2", "a b", "b^2"], targets: ["y"], weights: [1, 2, 3, 4, 5],
    intercept: [0.5])

  /// The text of `good` as `fit` writes it, one key a line (sorted), so that a test can say on
  /// which line an error must point.
  var goodText: String { String(decoding: try! good.jsonData(), as: UTF8.self) }

  func load(_ model: FittedModel) throws -> FittedModel {
    try load(model.jsonData())
  }

  func load(_ data: Data) throws -> FittedModel {
    let url = try temporaryDirectory(for: self).appendingPathComponent("model.json")
    try data.write(to: url)
    return try FittedModel.load(from: url)
  }

  /// Asserts that the model text is refused with exactly `message` after `model.json:` (the
  /// location and the rest), as `fit predict` and `fit eval` print it.
  func assertRefused(
    _ text: String, _ message: String, file: StaticString = #filePath, line: UInt = #line
  ) {
    assertRefused(Data(text.utf8), message, file: file, line: line)
  }

  func assertRefused(
    _ data: Data, _ message: String, file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertThrowsError(try load(data), file: file, line: line) { error in
      guard case TrainingError.badData(let text) = error else {
        return XCTFail("not a data error: \(error)", file: file, line: line)
      }
      XCTAssertTrue(text.hasSuffix("model.json" + message), text, file: file, line: line)
    }
  }

  /// `goodText` with `old` replaced by `new` (which must occur once).
  func edited(_ old: String, _ new: String, file: StaticString = #filePath, line: UInt = #line)
    -> String
  {
    let text = goodText
    XCTAssertEqual(text.components(separatedBy: old).count, 2, old, file: file, line: line)
    return text.replacingOccurrences(of: old, with: new)
  }

  func testAValidModelLoadsAndPredicts() throws {
    let model = try load(good)
    XCTAssertEqual(model, good)
    // 0.5 + 1·2 + 2·3 + 3·4 + 4·6 + 5·9 at a = 2, b = 3.
    XCTAssertEqual(model.predict(rows: [2, 3]), [0.5 + 2 + 6 + 12 + 24 + 45])
  }

  func testEachKindOfBrokenModelIsRefusedWithItsKeyPath() throws {
    // Lines of goodText: 1 {, 2 degree, 3 format, 4 inputs (5-7), 8 interactionOnly, 9 intercept
    // (10-11), 12 kind, 13 name, 14 targets (15-16), 17 terms (18-23), 24 version, 25 weights
    // (26-31), 32 }.
    assertRefused(
      edited(#""kind" : "polynomial""#, #""kind" : "tree""#),
      #":12:12: kind: expected "linear" or "polynomial", found "tree""#)
    assertRefused(
      edited(#""degree" : 2"#, #""degree" : 0"#),
      ":2:14: degree: expected an integer ≥ 1, found 0")
    assertRefused(
      edited(#""a b","#, #""b^2","#).replacingOccurrences(of: "\"b^2\"\n", with: "\"a b\"\n"),
      #":21:5: terms[3]: expected "a b", as the degree-2 terms of the inputs, found "b^2""#)
    assertRefused(
      edited(#""format" : "fit-model""#, #""format" : "fit-model-2""#),
      #":3:14: format: expected "fit-model", found "fit-model-2""#)
    assertRefused(
      edited(#""version" : 1"#, #""version" : 2"#),
      ":24:15: version: expected 1 (the model version this fit reads), found 2")
    assertRefused(
      edited(#""interactionOnly" : false"#, #""interactionOnly" : 0"#),
      ":8:23: interactionOnly: expected true or false, found 0")
  }

  func testWrongArrayLengthsAreRefusedSayingTheExpectedCount() throws {
    var model = good
    model.weights = [1, 2]
    assertRefused(
      String(decoding: try model.jsonData(), as: UTF8.self),
      ":25:15: weights: expected an array of 5 numbers (5 terms × 1 targets, row-major), found "
        + "an array of 2")
    model = good
    model.intercept = []
    assertRefused(
      String(decoding: try model.jsonData(), as: UTF8.self),
      ":9:17: intercept: expected an array of 1 numbers (one per target), found an array of 0")
    model = good
    model.terms.removeLast()
    assertRefused(
      String(decoding: try model.jsonData(), as: UTF8.self),
      ":17:13: terms: expected 5 terms (the degree-2 terms of the inputs), found 4")
  }

  func testUnknownMissingAndDuplicateKeysAreRefused() throws {
    assertRefused(
      edited(#""version" : 1"#, #""version" : 1, "weight": [1]"#),
      ":24:18: unknown key `weight`; did you mean `weights`?")
    assertRefused(
      edited(#""version" : 1"#, #""version" : 1, "version": 1"#),
      ":24:18: duplicate key `version`")
    assertRefused(
      edited(#""name" : "m","#, ""), ":1:1: missing key `name`: expected a string (the run's name)")
    assertRefused(
      "[1, 2]",
      ": not a model file: expected a JSON object with the keys format, version, name, kind, "
        + "degree, interactionOnly, inputs, terms, targets, weights, intercept, found an array")
  }

  func testTextThatIsNotUTF8IsRefusedSayingWhatItIs() throws {
    let text = goodText
    var utf16 = Data([0xFF, 0xFE])
    for unit in text.utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
    assertRefused(utf16, ":1:1: invalid JSON: the text is UTF-16, not UTF-8; save it as UTF-8")
    var bigEndian = Data()
    for unit in text.utf16 { bigEndian += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
    assertRefused(
      bigEndian,
      ":1:1: invalid JSON: the text is UTF-16 or UTF-32 (it starts with a NUL byte), not UTF-8; "
        + "save it as UTF-8")
    // A Latin-1 é in the name (line 13, `  "name" : "m`, then the byte).
    let offset = Self.offset(of: #""name" : "m"#, in: text) + 11
    var latin1 = Data(text.utf8)
    latin1.insert(0xE9, at: offset)
    assertRefused(
      latin1,
      ":13:14: invalid JSON: the byte 0xE9 (offset \(offset)) is not valid UTF-8; JSON text must "
        + "be UTF-8")
  }

  func testNonFiniteAndAbsurdCoefficientsAreRefused() throws {
    for literal in ["1e308", "-1e301", "1e400"] {
      assertRefused(
        edited("    1,\n", "    \(literal),\n"),
        ":26:5: weights[0]: expected a finite number of magnitude at most 1e300, found "
          + literal)
    }
    assertRefused(
      edited("    0.5\n", "    NaN\n"),
      ":10:5: invalid JSON: unexpected `NaN`; expected a value (strings need double quotes; the "
        + "literals are true, false and null)")
    var model = good
    model.weights[4] = -1e300
    XCTAssertEqual(try load(model), model, "the bound itself is accepted")
  }

  func testPredictionsThatOverflowAreRefusedNamingTheRow() throws {
    var model = good
    model.weights = [0, 0, 0, 0, 1e300]  // b² · 1e300 overflows for |b| > 1.34e4
    XCTAssertEqual(
      try model.predictions(rows: [1, 2, 3, 4], modelFile: "m.json", dataFile: "d.csv"),
      [0.5 + 1e300 * 4, 0.5 + 1e300 * 16])
    XCTAssertThrowsError(
      try model.predictions(rows: [1, 2, 3, 1e5], modelFile: "m.json", dataFile: "d.csv")
    ) {
      XCTAssertEqual(
        "\($0)",
        "m.json: the prediction of y for row 2 of d.csv is inf: the model's coefficients are too "
          + "large for these inputs")
    }
  }

  func testAHugeDegreeIsRefusedWithoutListingItsTerms() throws {
    // C(2 + d, d) − 1 terms for degree d: 10^18 would take forever to name.
    assertRefused(
      edited(#""degree" : 2"#, #""degree" : 1000000000000000000"#),
      ":17:13: terms: expected more than 1048576 terms (the degree-1000000000000000000 terms of "
        + "the inputs), found 5")
    XCTAssertEqual(
      PolynomialTermCount.of(inputs: 3, degree: 3, interactionOnly: false, atMost: 100), 19)
    XCTAssertEqual(
      PolynomialTermCount.of(inputs: 4, degree: 3, interactionOnly: true, atMost: 100), 14)
    XCTAssertEqual(
      PolynomialTermCount.of(inputs: 4, degree: 9, interactionOnly: true, atMost: 100), 15)
    XCTAssertNil(
      PolynomialTermCount.of(inputs: 1000, degree: 1000, interactionOnly: false, atMost: 1 << 40))
  }

  static func offset(of pattern: String, in text: String) -> Int {
    Array(text.utf8).firstRange(of: Array(pattern.utf8))!.lowerBound
  }
}
