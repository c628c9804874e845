import Foundation
import Optim
import Training
import XCTest

/// Stopping a run at step k and resuming from its checkpoint ends bit for bit where the
/// uninterrupted run ends, for each optimizer, with micro-batches and shuffling, whether k falls
/// inside an epoch or on its boundary (10 steps per epoch, 40 in all).
final class CheckpointResumeTests: XCTestCase {
  func testSGDResumesBitIdenticallyMidEpochAndAtEpochBoundary() throws {
    try assertResumeIsBitIdentical(#""optimizer": {"kind": "sgd", "lr": 0.05}"#, stops: [13, 20])
  }

  func testMomentumResumesBitIdenticallyMidEpochAndAtEpochBoundary() throws {
    try assertResumeIsBitIdentical(
      #""optimizer": {"kind": "momentum", "lr": 0.02, "nesterov": true}"#, stops: [7, 30])
  }

  func testAdamResumesBitIdenticallyMidEpochAndAtEpochBoundary() throws {
    try assertResumeIsBitIdentical(
      #""optimizer": {"kind": "adam", "lr": 0.05}, "schedule": {"kind": "cosine", "warmupSteps": 5}"#,
      stops: [1, 15, 10])
  }

  func testAdamWithPlateauScheduleAndClippingResumesBitIdentically() throws {
    try assertResumeIsBitIdentical(
      #""optimizer": {"kind": "adamw", "lr": 0.05, "amsgrad": true}, "#
        + #""schedule": {"kind": "plateau", "patience": 0, "factor": 0.5}, "#
        + #""loss": {"kind": "huber", "l2": 0.01}"#,
      stops: [19, 21], overrides: ["training.clipNorm=1.0"])
  }

  func testResumingTwiceInARowIsStillBitIdentical() throws {
    let fixture = try CheckpointFixture()
    let sections = #""optimizer": {"kind": "adam", "lr": 0.05}"#
    let straight = try train(try fixture.config(run: "straight", sections))
    let config = try fixture.config(run: "twice", sections)
    _ = try trainInterrupted(config, atStep: 4)
    let second = TrainingRun(config: config, reporter: Reporter(style: .quiet), resume: .latest)
    second.stopAtStep = 25
    XCTAssertThrowsError(try second.run())
    let resumed = try train(config, resume: .latest)
    XCTAssertEqual(
      ResumeVerification.compare(
        Checkpoint(of: straight.trainer!), Checkpoint(of: resumed.trainer!)),
      [])
    XCTAssertEqual(
      try metricsWithoutSpeed(fixture.url("straight/metrics.csv")),
      try metricsWithoutSpeed(fixture.url("twice/metrics.csv")))
  }

  func testResumeFromAGivenFileContinuesFromThatStep() throws {
    let fixture = try CheckpointFixture()
    let straight = try train(try fixture.config(run: "straight"))
    let config = try fixture.config(run: "given", overrides: ["output.keepLast=20"])
    _ = try trainInterrupted(config, atStep: 35)
    let folder = CheckpointFolder(runDirectory: fixture.url("given"), keepLast: 20)
    XCTAssertEqual(folder.pointer("best")?.lastPathComponent, "step-00000030.h5")
    let file = fixture.url("given/checkpoints/step-00000021.h5")
    let resumed = TrainingRun(
      config: config, reporter: Reporter(style: .quiet), resume: .file(file.path))
    resumed.stopAtStep = 24
    XCTAssertThrowsError(try resumed.run())
    XCTAssertEqual(resumed.resumedFrom, file)
    // Checkpoints after step 24 came from the abandoned continuation: they are gone, and `best`
    // names the best epoch of this run's own history.
    XCTAssertEqual(folder.checkpoints().map(\.step), [3, 6, 9, 10, 12, 15, 18, 20, 21, 24])
    XCTAssertEqual(folder.pointer("best")?.lastPathComponent, "step-00000020.h5")
    let finished = try train(config, resume: .latest)
    XCTAssertEqual(
      ResumeVerification.compare(
        Checkpoint(of: straight.trainer!), Checkpoint(of: finished.trainer!)), [])
  }

  func testVerifyResumeReportsIdenticalOnAnOrdinaryConfig() throws {
    let fixture = try CheckpointFixture()
    let report = try ResumeVerification.run(
      config: try fixture.config(run: "verify"), stopAtStep: 23)
    XCTAssertTrue(report.identical, report.lines.joined(separator: "\n"))
    XCTAssertTrue(report.lines.last!.hasPrefix("identical:"), report.lines.joined(separator: "\n"))
  }

  func testVerifyResumeRefusesAStepBeyondTheRun() throws {
    let fixture = try CheckpointFixture()
    XCTAssertThrowsError(
      try ResumeVerification.run(config: try fixture.config(run: "verify"), stopAtStep: 40)
    ) { error in
      XCTAssertEqual(
        "\(error)", "--verify-resume 40: the run takes only 40 optimizer steps; choose K in 1...39")
    }
  }

  /// Trains straight, then for each k stops at k and resumes, in fresh run folders; the final
  /// checkpoints must agree bit for bit and `metrics.csv` row for row (but for rows per second).
  private func assertResumeIsBitIdentical(
    _ sections: String, stops: [Int], overrides: [String] = [],
    file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let fixture = try CheckpointFixture()
    let straight = try train(try fixture.config(run: "straight", sections, overrides: overrides))
    XCTAssertEqual(straight.trainer!.state.step, 40, file: file, line: line)
    let expected = Checkpoint(of: straight.trainer!)
    let expectedMetrics = try metricsWithoutSpeed(fixture.url("straight/metrics.csv"))
    XCTAssertEqual(expectedMetrics.count, 5, file: file, line: line)
    for k in stops {
      let config = try fixture.config(run: "stop-\(k)", sections, overrides: overrides)
      let interrupted = try trainInterrupted(config, atStep: k)
      XCTAssertNotEqual(
        interrupted.trainer!.model.weight.scalars, straight.trainer!.model.weight.scalars,
        "the interrupted run must not already be at the end", file: file, line: line)
      let resumed = try train(config, resume: .latest)
      XCTAssertEqual(
        resumed.resumedFrom?.lastPathComponent, "step-\(String(format: "%08d", k)).h5",
        file: file, line: line)
      let actual = Checkpoint(of: resumed.trainer!)
      XCTAssertEqual(
        ResumeVerification.compare(expected, actual), [], "stopped at step \(k)", file: file,
        line: line)
      XCTAssertEqual(
        actual.parameters.map { $0.values.map(\.bitPattern) },
        expected.parameters.map { $0.values.map(\.bitPattern) }, file: file, line: line)
      XCTAssertEqual(
        try metricsWithoutSpeed(fixture.url("stop-\(k)/metrics.csv")), expectedMetrics,
        "stopped at step \(k)", file: file, line: line)
      XCTAssertEqual(
        try Data(contentsOf: fixture.url("stop-\(k)/model.json")),
        try Data(contentsOf: fixture.url("straight/model.json")), file: file, line: line)
    }
  }

  /// `training.earlyStopping.patience` may change on resume: a run stopped early by patience 1,
  /// resumed with patience 3 and more epochs, goes on, and ends exactly as a run with patience 3
  /// from the start.
  func testRaisingThePatienceOnResumeContinuesAnEarlyStoppedRun() throws {
    let fixture = try CheckpointFixture()
    func config(_ run: String, patience: Int, epochs: Int) throws -> TrainingConfig {
      try fixture.config(
        run: run, #""optimizer": {"kind": "sgd", "lr": 0.3}"#,
        overrides: [
          "training.earlyStopping.patience=\(patience)", "training.epochs=\(epochs)",
        ])
    }
    let first = try train(config("resumed", patience: 1, epochs: 40))
    let stoppedAt = try XCTUnwrap(first.trainer).state.history.count
    XCTAssertTrue(try XCTUnwrap(first.trainer).state.stoppedEarly)
    XCTAssertLessThan(stoppedAt, 40, "patience 1 should stop this run early")
    let resumed = try train(config("resumed", patience: 3, epochs: 40), resume: .latest)
    let straight = try train(config("straight", patience: 3, epochs: 40))
    let (a, b) = (try XCTUnwrap(resumed.trainer), try XCTUnwrap(straight.trainer))
    XCTAssertGreaterThan(a.state.history.count, stoppedAt)
    XCTAssertEqual(a.state.history.count, b.state.history.count)
    XCTAssertEqual(a.model.parameters.map(\.scalars), b.model.parameters.map(\.scalars))
  }
}
