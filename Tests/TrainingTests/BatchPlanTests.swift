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

  /// Data files of both formats under one config: HDF5 runs drop the config's CSV column names
  /// and every run states its file's format; files of one base name keep their extensions.
  func testDataFilesOfBothFormatsAndOneBaseName() throws {
    let plan = try BatchPlan(
      configs: ["c.json"], dataFiles: ["/d/tr.csv", "/d/h5/tr.h5", "/d/other.h5"], grid: [],
      overrides: [], batchDirectory: URL(fileURLWithPath: "/tmp/batch"))
    XCTAssertEqual(plan.runs.map(\.name), ["tr.csv", "tr.h5", "other"])
    XCTAssertTrue(plan.runs[0].overrides.contains(#"data.format="csv""#))
    for run in plan.runs.dropFirst() {
      XCTAssertTrue(run.overrides.contains("data.targets=null"), "\(run.overrides)")
      XCTAssertTrue(run.overrides.contains(#"data.format="hdf5""#), "\(run.overrides)")
    }
  }
}
