import Foundation
import TestSupport
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

  /// Losses in the billions on a linear axis (Longley's employment column in natural units)
  /// draw with a handful of ticks; the decade list of a log axis was built here too, one entry
  /// per unit of loss range, which ran out of memory.
  func testLinearAxisOfHugeLossesHasFewTicks() throws {
    let losses = [4e9, 2.5e9, 1.6e9, 1.2e9, 1.05e9]
    let svg = plot(losses).svg()
    XCTAssertTrue(svg.contains(">loss</text>"), "a ratio of 4 stays linear")
    XCTAssertEqual(
      yTicks(svg).map(\.label),
      ["5.0e8", "1.0e9", "1.5e9", "2.0e9", "2.5e9", "3.0e9", "3.5e9", "4.0e9", "4.5e9"])
  }

  /// A log axis over six hundred decades labels every hundredth decade, not all 601 of them,
  /// and covers both ends.
  func testLogAxisOverHugeSpanHasFewTicks() {
    let svg = plot([1e300, 1e100, 1e-100, 1e-300]).svg()
    XCTAssertTrue(svg.contains(">loss (log scale)</text>"))
    XCTAssertEqual(
      yTicks(svg).map(\.label),
      ["1e-400", "1e-300", "1e-200", "1e-100", "1e0", "1e100", "1e200", "1e300", "1e400"])
    XCTAssertLessThanOrEqual(
      LossPlot.yAxis(lower: -300, upper: 300, logScale: true).ticks.count, 12)
  }

  /// No data range, however wide or narrow, gives more than about a dozen ticks.
  func testEveryAxisHasABoundedNumberOfTicks() {
    let ranges: [(Double, Double)] = [
      (0, 4e9), (1, 1 + 1e-12), (-1e300, 1e300), (5, 5), (0, 1e-300), (-3, 1e7), (0.53, 1.07),
    ]
    for (lower, upper) in ranges {
      let linear = LossPlot.yAxis(lower: lower, upper: upper, logScale: false)
      XCTAssertTrue((2...12).contains(linear.ticks.count), "\(lower)...\(upper): \(linear.ticks)")
      XCTAssertEqual(linear.labels.count, linear.ticks.count)
      XCTAssertLessThanOrEqual(LossPlot.ticks(from: lower, to: upper).count, 12)
    }
    for span in [0.0, 2.1, 7, 40, 300, 600] {
      let log = LossPlot.yAxis(lower: -span / 2, upper: span / 2, logScale: true)
      XCTAssertTrue((2...12).contains(log.ticks.count), "\(span) decades: \(log.ticks)")
    }
  }

  /// A converged curve lies inside the frame, above the bottom edge, with a tick at or below
  /// its lowest point and one at or above its highest.
  func testYRangeIsPaddedAndTicksCoverTheCurve() {
    let losses = (0..<50).map { 0.53 + 0.54 * Foundation.exp(-Double($0) / 5) }
    let svg = plot(losses).svg()
    let ys = polylines(svg)[0].map(\.y)
    let (top, bottom) = (LossPlot.margin.top, LossPlot.height - LossPlot.margin.bottom)
    XCTAssertGreaterThan(ys.min()!, top + 5, "the highest point is below the top edge")
    XCTAssertLessThan(ys.max()!, bottom - 5, "the lowest point is above the bottom edge")
    let ticks = yTicks(svg)
    XCTAssertGreaterThanOrEqual(ticks.map(\.y).max()!, ys.max()!, "a tick at or below the minimum")
    XCTAssertLessThanOrEqual(ticks.map(\.y).min()!, ys.min()!, "a tick at or above the maximum")
    XCTAssertEqual(ticks.map(\.label), ["0.5", "0.6", "0.7", "0.8", "0.9", "1.0", "1.1"])
  }

  /// An axis has one number format: 8000 and 1e+04 never label the same axis.
  func testAxisLabelsShareOneFormat() {
    XCTAssertEqual(
      yTicks(plot([12000, 8000, 5000, 2200]).svg()).map(\.label),
      ["0", "2000", "4000", "6000", "8000", "10000", "12000", "14000"])
    XCTAssertEqual(
      LossPlot.yAxis(lower: 0.0012, upper: 0.0031, logScale: false).labels,
      ["0.0010", "0.0015", "0.0020", "0.0025", "0.0030", "0.0035"])
    XCTAssertEqual(
      LossPlot.yAxis(lower: 5.2e5, upper: 2.4e6, logScale: false).labels,
      ["0", "5.0e5", "1.0e6", "1.5e6", "2.0e6", "2.5e6"])
    // Decades from 1e-4 to 1e8 cannot all be plain: every label is scientific.
    XCTAssertEqual(
      yTicks(plot([1e7, 1e3, 1e-3]).svg()).map(\.label),
      ["1e-4", "1e-2", "1e0", "1e2", "1e4", "1e6", "1e8"])
  }

  /// A series of 100,000 epochs is drawn from at most 1000 points that keep its first and last
  /// points, its minimum and maximum, and a one-epoch spike in the middle.
  func testLongSeriesAreDecimatedKeepingEndsAndExtremes() {
    var points = (1...100_000).map { (x: Double($0), y: 100 / Double($0)) }
    points[50_000].y = 7  // a spike among values near 0.002
    let kept = LossPlot.decimated(points)
    XCTAssertLessThanOrEqual(kept.count, 1000)
    XCTAssertEqual(kept.first?.x, 1)
    XCTAssertEqual(kept.last?.x, 100_000)
    XCTAssertTrue(kept.contains { $0.x == 50_001 && $0.y == 7 }, "the spike survives")
    XCTAssertEqual(kept.map(\.y).min(), points.map(\.y).min())
    XCTAssertEqual(kept.map(\.y).max(), 100)
    XCTAssertEqual(kept.map(\.x), kept.map(\.x).sorted(), "in epoch order")
    let svg = LossPlot(title: "t", series: [.init(label: "l", color: "#000", points: points)])
      .svg()
    XCTAssertEqual(polylines(svg)[0].count, kept.count)
    XCTAssertLessThan(svg.utf8.count, 30_000)
    let short = Array(points.prefix(1000))
    XCTAssertEqual(LossPlot.decimated(short).map(\.x), short.map(\.x), "short series untouched")
  }

  /// The reference line is dashed at its value, named in the legend, and widens the y range to
  /// include it: an optimum of 0.25 below curves from 1 to 2 gets a tick below it.
  func testReferenceLineIsDashedLabelledAndInRange() throws {
    var chart = plot([2, 1.5, 1.2, 1.05, 1])
    chart.reference = ("least-squares optimum", 0.25)
    let svg = chart.svg()
    XCTAssertTrue(svg.contains(">least-squares optimum</text>"))
    let lines = svg.components(separatedBy: "<line ").filter { $0.contains("stroke-dasharray") }
    XCTAssertEqual(lines.count, 2, "the line and its legend sample")
    let reference = lines[0]
    let ticks = yTicks(svg)
    XCTAssertEqual(ticks.map(\.label), ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5"])
    let y = try XCTUnwrap(attribute("y1", of: reference))
    XCTAssertEqual(attribute("y2", of: reference), y)
    // 0.25 lies halfway from the 0.0 tick to the 0.5 tick.
    assertClose(y, (ticks[0].y + ticks[1].y) / 2, tolerance: 0.06)
    XCTAssertEqual(attribute("x1", of: reference), LossPlot.margin.left)
    XCTAssertEqual(
      attribute("x2", of: reference), LossPlot.width - LossPlot.margin.right)
    XCTAssertFalse(plot([2, 1]).svg().contains("stroke-dasharray"), "no reference, no line")
  }

  // MARK: - Reading the drawn SVG back

  func plot(_ losses: [Double]) -> LossPlot {
    let points = losses.enumerated().map { (x: Double($0.offset + 1), y: $0.element) }
    return LossPlot(title: "t", series: [.init(label: "train loss", color: "#000", points: points)])
  }

  /// The y axis's tick labels, lowest value first, with the height of their grid line.
  func yTicks(_ svg: String) -> [(y: Double, label: String)] {
    svg.components(separatedBy: "<text ").compactMap { element -> (Double, String)? in
      guard element.contains("text-anchor=\"end\">"), let y = attribute("y", of: element) else {
        return nil
      }
      let label = element.components(separatedBy: ">")[1].prefix { $0 != "<" }
      return (y - 4, String(label))
    }
  }

  /// Each polyline's points, in drawing coordinates.
  func polylines(_ svg: String) -> [[(x: Double, y: Double)]] {
    svg.components(separatedBy: "<polyline").dropFirst().map { element in
      element.components(separatedBy: "points=\"")[1].prefix { $0 != "\"" }.split(separator: " ")
        .map { pair in
          let xy = pair.split(separator: ",").map { Double(String($0))! }
          return (xy[0], xy[1])
        }
    }
  }

  func attribute(_ name: String, of element: String) -> Double? {
    guard let range = element.range(of: " \(name)=\"") ?? element.range(of: "\(name)=\"") else {
      return nil
    }
    return Double(String(element[range.upperBound...].prefix { $0 != "\"" }))
  }
}
