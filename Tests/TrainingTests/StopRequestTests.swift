import Foundation
import XCTest

@testable import Training

/// What a run does with a stop request outside its training loop, and what it tells the
/// signal handler (`StopRequest.Status`).
final class StopRequestTests: XCTestCase {
  func testAStopRequestedBeforeTheRunStartsNoWorkAndWritesNothing() throws {
    let fixture = try CheckpointFixture()
    let run = TrainingRun(config: try fixture.config(run: "run"), reporter: Reporter(style: .quiet))
    run.stopRequest.set()
    XCTAssertThrowsError(try run.run()) { error in
      guard case TrainingError.interrupted(let step, let checkpoint) = error else {
        return XCTFail("\(error)")
      }
      XCTAssertEqual(step, 0)
      XCTAssertNil(checkpoint)
    }
    // It stopped after loading the data: no analysis, no run folder.
    XCTAssertNil(run.trainer)
    XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.url("run").path))
    XCTAssertEqual(run.stopRequest.status.phase, "loading the data")
    XCTAssertFalse(run.stopRequest.status.stopsBetweenSteps)
  }

  func testAFinishedRunRecordsItsStepsAndLastCheckpoint() throws {
    let fixture = try CheckpointFixture()
    let run = try train(try fixture.config(run: "run"))
    let status = run.stopRequest.status
    XCTAssertEqual(status.phase, "writing the summary")
    XCTAssertFalse(status.stopsBetweenSteps)
    XCTAssertEqual(status.step, 40)
    XCTAssertEqual(status.checkpoint?.step, 40)
    XCTAssertEqual(
      status.checkpoint?.path, fixture.url("run/checkpoints/step-00000040.h5").path)
    XCTAssertFalse(run.stopRequest.isSet)
  }
}
