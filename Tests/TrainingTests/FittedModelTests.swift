import Foundation
import TestSupport
import XCTest

@testable import Training

/// `model.json` files that cannot be a model are refused, saying why.
final class FittedModelTests: XCTestCase {
  let good = FittedModel(
    name: "m", kind: "polynomial", degree: 2, interactionOnly: false, inputs: ["a", "b"],
    terms: ["a", "b", "a^2", "a b", "b^2"], targets: ["y"], weights: [1, 2, 3, 4, 5],
    intercept: [0.5])

  func load(_ model: FittedModel) throws -> FittedModel {
    let url = try temporaryDirectory(for: self).appendingPathComponent("model.json")
    try model.jsonData().write(to: url)
    return try FittedModel.load(from: url)
  }

  func assertRefused(_ model: FittedModel, _ reason: String, line: UInt = #line) throws {
    XCTAssertThrowsError(try load(model), line: line) {
      XCTAssertTrue("\($0)".hasSuffix("not a valid model file: \(reason)"), "\($0)", line: line)
    }
  }

  func testAValidModelLoadsAndPredicts() throws {
    let model = try load(good)
    XCTAssertEqual(model, good)
    // 0.5 + 1·2 + 2·3 + 3·4 + 4·6 + 5·9 at a = 2, b = 3.
    XCTAssertEqual(model.predict(rows: [2, 3]), [0.5 + 2 + 6 + 12 + 24 + 45])
  }

  func testEachKindOfBrokenModelIsRefusedWithItsReason() throws {
    var model = good
    model.kind = "tree"
    try assertRefused(model, "kind \"tree\", expected \"linear\" or \"polynomial\"")
    model = good
    model.degree = 0
    try assertRefused(model, "degree 0, expected at least 1")
    model = good
    model.terms = ["a", "b", "a^2", "b^2", "a b"]
    try assertRefused(model, "its terms are not those of a polynomial model of its inputs")
    model = good
    model.weights = [1, 2]
    try assertRefused(model, "2 weights, expected 5 (5 terms × 1 targets)")
    model = good
    model.intercept = []
    try assertRefused(model, "0 intercepts, expected one per target (1)")
    model = good
    model.version = 2
    try assertRefused(model, "format \"fit-model\" version 2, expected \"fit-model\" version 1")
  }

  func testAMissingKeyIsNamed() throws {
    let url = try temporaryDirectory(for: self).appendingPathComponent("model.json")
    try Data(#"{"format": "fit-model", "version": 1}"#.utf8).write(to: url)
    XCTAssertThrowsError(try FittedModel.load(from: url)) {
      XCTAssertTrue("\($0)".contains("not a model file: the key `"), "\($0)")
    }
  }
}
