import Foundation
import Training
import XCTest

/// A small regression problem written to a fresh temporary folder, and configs that train on it,
/// for the checkpoint tests. The data are a fixed function of the row number, so every run sees
/// the same rows.
final class CheckpointFixture {
  let folder: URL

  init(rows: Int = 200) throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fit-checkpoint-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var text = "x0,x1,x2,y\n"
    for r in 0..<rows {
      let x0 = sin(Double(r) * 0.37) * 3
      let x1 = cos(Double(r) * 0.11) * 2 + 5
      let x2 = Double(r % 17) - 8
      let noise = sin(Double(r) * 12.9898) * 0.1
      text += "\(x0),\(x1),\(x2),\(1.5 * x0 - 2 * x1 + 0.5 * x2 + 3 + noise)\n"
    }
    try Data(text.utf8).write(to: folder.appendingPathComponent("data.csv"))
  }

  deinit { try? FileManager.default.removeItem(at: folder) }

  /// A config over the fixture's data: 160 training rows, batches of 16 in micro-batches of 5
  /// (10 steps per epoch), shuffled, Adam unless `sections` (extra JSON members) name an
  /// optimizer.
  /// `run` names the run folder under the fixture's folder.
  func config(run: String, _ sections: String = "", overrides: [String] = []) throws
    -> TrainingConfig
  {
    let text = """
      {"name": "ckpt", "data": {"path": "data.csv", "targets": ["y"], "shuffle": true},
       "training": {"epochs": 4, "batchSize": 16, "microBatchSize": 5, "seed": 7},
       "output": {"dir": "\(run)", "checkpointEvery": {"steps": 3, "epochs": 1}, "keepLast": 2}
       \(sections.contains("\"optimizer\"") ? "" : #", "optimizer": {"kind": "adam"}"#)
       \(sections.isEmpty ? "" : ", " + sections)}
      """
    return try TrainingConfig.parse(
      text, file: "ckpt.json", baseDirectory: folder.path, overrides: overrides)
  }

  func url(_ path: String) -> URL { folder.appendingPathComponent(path) }
}

/// Runs a whole training run quietly.
@discardableResult
func train(_ config: TrainingConfig, resume: TrainingRun.ResumeSource? = nil) throws -> TrainingRun
{
  let run = TrainingRun(config: config, reporter: Reporter(style: .quiet), resume: resume)
  _ = try run.run()
  return run
}

/// Runs until `step` optimizer steps are done and the run stops as if interrupted.
func trainInterrupted(_ config: TrainingConfig, atStep step: Int) throws -> TrainingRun {
  let run = TrainingRun(config: config, reporter: Reporter(style: .quiet))
  run.stopAtStep = step
  do {
    _ = try run.run()
    XCTFail("the run did not stop at step \(step)")
  } catch TrainingError.interrupted(let stoppedAt, let checkpoint) {
    XCTAssertEqual(stoppedAt, step)
    XCTAssertNotNil(checkpoint)
  }
  return run
}

/// `metrics.csv` without its `rows_per_second` column, which measures the machine.
func metricsWithoutSpeed(_ url: URL) throws -> [String] {
  try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
    $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",")
  }
}
