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

  /// Log scale with less than a decade between the rounded ends (0.25 to 30 has no whole decade
  /// pair… 0.3 to 40 gives 1 and 10), and a single decade boundary, must both draw.
  func testLogAxisWithFewOrNoDecadeBoundaries() {
    for (low, high) in [(0.3, 40.0), (0.2, 0.9), (2.0, 500.0), (0.011, 0.019)] {
      let points = [(x: 1.0, y: high), (x: 2.0, y: low)]
      let svg = LossPlot(title: "t", series: [.init(label: "l", color: "#000", points: points)])
        .svg()
      XCTAssertTrue(svg.hasSuffix("</svg>\n"), "\(low)...\(high)")
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
