import Foundation
import XCTest

@testable import Training

/// How `fit batch` turns a grid into runs.
final class BatchPlanTests: XCTestCase {
  /// Grid values split at top-level commas only, so arrays and objects are values too.
  func testGridValuesMayBeJSONArraysAndObjects() throws {
    let plan = try BatchPlan(
      configs: ["c.json"], dataFiles: [],
      grid: [
        "optimizer.betas=[0.9,0.99],[0.8,0.9]",
        #"schedule={"kind": "step", "stepSize": 5},"cosine""#,
      ],
      overrides: [], batchDirectory: URL(fileURLWithPath: "/tmp/batch"))
    XCTAssertEqual(
      plan.runs.map(\.varied),
      [
        ["optimizer.betas=[0.9,0.99]", #"schedule={"kind": "step", "stepSize": 5}"#],
        ["optimizer.betas=[0.9,0.99]", #"schedule="cosine""#],
        ["optimizer.betas=[0.8,0.9]", #"schedule={"kind": "step", "stepSize": 5}"#],
        ["optimizer.betas=[0.8,0.9]", #"schedule="cosine""#],
      ])
    XCTAssertEqual(BatchPlan.topLevelValues("0.1,0.01,,1e-3"), ["0.1", "0.01", "1e-3"])
    XCTAssertEqual(BatchPlan.topLevelValues(#""a,b",[1,[2,3]]"#), [#""a,b""#, "[1,[2,3]]"])
  }
}
