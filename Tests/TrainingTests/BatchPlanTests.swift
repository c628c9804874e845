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

  /// Every name a batch gives its runs is a valid config `name` whose default run folder has
  /// that name: `=` from the varied values, `,` and `+` from arrays and exponents, `_` for what
  /// a folder name should not hold (brackets, spaces, quotes, non-ASCII letters).
  func testRunNamesAreValidConfigNames() throws {
    let grid = try BatchPlan(
      configs: ["c.json"], dataFiles: [],
      grid: ["optimizer.lr=0.1,1e+2", "model.degree=2", "optimizer.betas=[0.9, 0.99]"],
      overrides: [], batchDirectory: URL(fileURLWithPath: "/tmp/batch"))
    let files = try BatchPlan(
      configs: ["c.json"], dataFiles: ["/d/données 1.csv", "/d/a+b=c.h5"],
      grid: [#"loss="huber""#], overrides: [], batchDirectory: URL(fileURLWithPath: "/tmp/batch"))
    let names = (grid.runs + files.runs).map(\.name)
    XCTAssertEqual(
      names,
      [
        "lr=0.1_degree=2_betas=_0.9,_0.99_", "lr=1e+2_degree=2_betas=_0.9,_0.99_",
        "donn_es_1_loss=_huber_", "a+b=c_loss=_huber_",
      ])
    for name in names {
      let config = try parseConfig(config(#""name": "\#(name)""#))
      XCTAssertEqual(config.name, name)
      XCTAssertEqual(config.output.dir, "\(configFolder)/runs/\(name)")
    }
  }
}
