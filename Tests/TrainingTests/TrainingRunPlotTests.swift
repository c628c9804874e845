import Foundation
import Training
import XCTest

/// `loss.svg` as a training run writes it.
final class TrainingRunPlotTests: XCTestCase {
  /// Plotting costs the same each epoch however long the history: 5,000 epochs take at most
  /// twice ten times what 500 take (the plot was redrawn from the whole history every epoch,
  /// which made the time grow with the square of the epochs), and the final plot is drawn from
  /// at most 1000 points a series, so its size is bounded too.
  func testLongRunsPlotInTimeProportionalToTheirEpochs() throws {
    let fixture = try CheckpointFixture(rows: 40)
    func seconds(epochs: Int) throws -> Double {
      let config = try fixture.config(
        run: "run-\(epochs)",
        overrides: [
          "training.epochs=\(epochs)", "training.batchSize=40", "training.microBatchSize=40",
          "data.validation.fraction=0.25",
          #"output.checkpointEvery={"steps": null, "epochs": null}"#,
          "optimizer.lr=1e-4", "training.tolerance=1e-300",
          // Only epoch 1 counts as a best epoch, so that checkpoints are not written (and
          // timed) at every epoch.
          #"training.earlyStopping={"patience": 1000000, "minDelta": 1e9}"#,
        ])
      let start = Date()
      try train(config)
      return Date().timeIntervalSince(start)
    }
    _ = try seconds(epochs: 50)  // warm-up
    let short = try seconds(epochs: 500)
    let long = try seconds(epochs: 5000)
    XCTAssertLessThanOrEqual(long, 2 * 10 * short, "500 epochs: \(short) s, 5000: \(long) s")
    let svg = try String(contentsOf: fixture.url("run-5000/loss.svg"), encoding: .utf8)
    XCTAssertLessThan(svg.utf8.count, 60_000)
    let polylines = svg.components(separatedBy: "<polyline").dropFirst()
    XCTAssertEqual(polylines.count, 2, "train loss and validation MSE")
    for line in polylines {
      let points = line.components(separatedBy: "points=\"")[1].prefix { $0 != "\"" }
      XCTAssertLessThanOrEqual(points.split(separator: " ").count, 1000)
    }
    XCTAssertTrue(svg.contains(">5000</text>"), "the last epoch is on the x axis")
  }
}
