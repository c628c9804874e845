import XCTest

@testable import Training

final class LossPlotTests: XCTestCase {
  func testPlotHasAxesLabelsLegendAndOnePointPerEpoch() {
    let train = (1...20).map { (x: Double($0), y: 10 / Double($0 * $0)) }
    let validation = (1...20).map { (x: Double($0), y: 12 / Double($0 * $0)) }
    let svg = LossPlot(
      title: "demo: loss by epoch",
      series: [
        .init(label: "train loss", color: "#1f77b4", points: train),
        .init(label: "validation MSE", color: "#d62728", points: validation),
      ]
    ).svg()
    XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    XCTAssertTrue(svg.contains(">demo: loss by epoch</text>"))
    XCTAssertTrue(svg.contains(">epoch</text>"))
    XCTAssertTrue(svg.contains(">loss (log scale)</text>"), "values span > 2 decades")
    XCTAssertTrue(svg.contains(">train loss</text>") && svg.contains(">validation MSE</text>"))
    for tick in ["5", "10", "15", "20"] { XCTAssertTrue(svg.contains(">\(tick)</text>"), tick) }
    for decade in ["0.1", "1", "10"] { XCTAssertTrue(svg.contains(">\(decade)</text>"), decade) }
    let polylines = svg.components(separatedBy: "<polyline").dropFirst()
    XCTAssertEqual(polylines.count, 2)
    for line in polylines {
      let points = line.components(separatedBy: "points=\"")[1].prefix { $0 != "\"" }
      XCTAssertEqual(points.split(separator: " ").count, 20)
    }
  }

  func testTicksAreRoundNumbers() {
    XCTAssertEqual(LossPlot.ticks(from: 1, to: 20), [5, 10, 15, 20])
    let unit = LossPlot.ticks(from: 0, to: 1)
    XCTAssertEqual(unit.count, 6)
    for (tick, expected) in zip(unit, [0, 0.2, 0.4, 0.6, 0.8, 1]) {
      XCTAssertEqual(tick, expected, accuracy: 1e-12)
    }
    XCTAssertEqual(LossPlot.ticks(from: 1, to: 3), [1, 1.5, 2, 2.5, 3])
  }
}
