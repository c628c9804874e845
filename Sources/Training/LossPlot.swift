import Foundation

/// A line chart of training and validation loss against epoch, as a self-contained SVG file:
/// people look at curves rather than read tables. Loss axes switch to a log₁₀ scale when the
/// values span more than two decades, so that the tail of a converging run stays visible.
///
/// Drawing costs the same however long the run: each series is cut to at most
/// `maxPointsPerSeries` points by min-max decimation (`decimated(_:to:)`), and the axes have at
/// most about eight ticks whatever the range (`yAxis(lower:upper:logScale:)`).
public struct LossPlot {
  public struct Series {
    public var label: String
    public var color: String
    public var points: [(x: Double, y: Double)]
    public init(label: String, color: String, points: [(x: Double, y: Double)]) {
      self.label = label
      self.color = color
      self.points = points
    }
  }

  public var title: String
  public var xLabel = "epoch"
  public var yLabel = "loss"
  public var series: [Series]
  /// A horizontal dashed line to judge the curves against (the least-squares optimum, say),
  /// named in the legend. It takes part in the y range and in the choice of a log axis, so it is
  /// always in view; a value of zero or below therefore keeps the axis linear.
  public var reference: (label: String, value: Double)?

  public init(title: String, series: [Series]) {
    self.title = title
    self.series = series
  }

  static let width = 720.0
  static let height = 440.0
  static let margin = (left: 80.0, right: 160.0, top: 40.0, bottom: 56.0)
  /// Enough for a smooth curve across the plot's 480 pixels: two points per pixel column.
  static let maxPointsPerSeries = 1000

  /// The SVG document.
  public func svg() -> String {
    let finite = series.flatMap { $0.points }.filter { $0.y.isFinite && $0.x.isFinite }
    let xs = finite.map(\.x)
    let referenceValue = reference.map(\.value).flatMap { $0.isFinite ? $0 : nil }
    let values = finite.map(\.y) + (referenceValue.map { [$0] } ?? [])
    let positive = values.filter { $0 > 0 }
    let logScale =
      positive.count == values.count && !positive.isEmpty
      && positive.max()! / positive.min()! > 100
    func transform(_ y: Double) -> Double { logScale ? Foundation.log10(y) : y }
    let ys = values.map(transform)
    var xRange = (xs.min() ?? 0, xs.max() ?? 1)
    if xRange.0 == xRange.1 { xRange = (xRange.0 - 1, xRange.1 + 1) }
    let xAxis = Self.xAxis(lower: xRange.0, upper: xRange.1)
    let yAxis = Self.yAxis(lower: ys.min() ?? 0, upper: ys.max() ?? 1, logScale: logScale)
    let m = Self.margin
    let plotWidth = Self.width - m.left - m.right
    let plotHeight = Self.height - m.top - m.bottom
    func px(_ x: Double) -> Double {
      m.left + (x - xAxis.lower) / (xAxis.upper - xAxis.lower) * plotWidth
    }
    func pyPlotted(_ y: Double) -> Double {
      m.top + plotHeight - (y - yAxis.lower) / (yAxis.upper - yAxis.lower) * plotHeight
    }
    func py(_ y: Double) -> Double { pyPlotted(transform(y)) }
    func format(_ v: Double) -> String { String(format: "%.4g", v) }

    var out = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(Self.width))" height="\(Int(Self.height))" \
      viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" font-family="sans-serif" font-size="12">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(format(m.left + plotWidth / 2))" y="24" text-anchor="middle" font-size="15">\(escape(title))</text>

      """
    // Axes, ticks and grid.
    out += "<g stroke=\"#333\" fill=\"none\">"
    out += "<rect x=\"\(format(m.left))\" y=\"\(format(m.top))\" width=\"\(format(plotWidth))\" "
    out += "height=\"\(format(plotHeight))\"/></g>\n"
    for (xValue, label) in zip(xAxis.ticks, xAxis.labels) {
      let x = px(xValue)
      out += "<line x1=\"\(format(x))\" y1=\"\(format(m.top))\" x2=\"\(format(x))\" "
      out += "y2=\"\(format(m.top + plotHeight))\" stroke=\"#ddd\"/>"
      out += "<text x=\"\(format(x))\" y=\"\(format(m.top + plotHeight + 18))\" "
      out += "text-anchor=\"middle\">\(label)</text>\n"
    }
    for (yValue, label) in zip(yAxis.ticks, yAxis.labels) {
      let y = pyPlotted(yValue)
      out +=
        "<line x1=\"\(format(m.left))\" y1=\"\(format(y))\" x2=\"\(format(m.left + plotWidth))\" "
      out += "y2=\"\(format(y))\" stroke=\"#ddd\"/>"
      out +=
        "<text x=\"\(format(m.left - 6))\" y=\"\(format(y + 4))\" text-anchor=\"end\">\(label)</text>\n"
    }
    out += "<text x=\"\(format(m.left + plotWidth / 2))\" y=\"\(format(Self.height - 14))\" "
    out += "text-anchor=\"middle\">\(escape(xLabel))</text>\n"
    let yTitle = logScale ? "\(yLabel) (log scale)" : yLabel
    out += "<text transform=\"translate(20 \(format(m.top + plotHeight / 2))) rotate(-90)\" "
    out += "text-anchor=\"middle\">\(escape(yTitle))</text>\n"
    // Curves, the reference line and the legend.
    func legend(_ index: Int, label: String, color: String, dash: String) {
      let legendY = m.top + 12 + Double(index) * 20
      let legendX = m.left + plotWidth + 16
      out += "<line x1=\"\(format(legendX))\" y1=\"\(format(legendY - 4))\" "
      out += "x2=\"\(format(legendX + 24))\" y2=\"\(format(legendY - 4))\" stroke=\"\(color)\" "
      out += "stroke-width=\"2\"\(dash)/><text x=\"\(format(legendX + 30))\" "
      out += "y=\"\(format(legendY))\">\(escape(label))</text>\n"
    }
    for (index, s) in series.enumerated() {
      let drawable = s.points.filter { $0.x.isFinite && $0.y.isFinite && (!logScale || $0.y > 0) }
      let points = Self.decimated(drawable, to: Self.maxPointsPerSeries)
      if !points.isEmpty {
        let path = points.map { "\(format(px($0.x))),\(format(py($0.y)))" }.joined(separator: " ")
        out +=
          "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\" points=\"\(path)\"/>\n"
        if points.count == 1 {
          out += "<circle cx=\"\(format(px(points[0].x)))\" cy=\"\(format(py(points[0].y)))\" "
          out += "r=\"3\" fill=\"\(s.color)\"/>\n"
        }
      }
      legend(index, label: s.label, color: s.color, dash: "")
    }
    if let reference, let value = referenceValue {
      let dash = " stroke-dasharray=\"6 4\""
      out += "<line class=\"reference\" x1=\"\(format(m.left))\" y1=\"\(format(py(value)))\" "
      out += "x2=\"\(format(m.left + plotWidth))\" y2=\"\(format(py(value)))\" stroke=\"#555\" "
      out += "stroke-width=\"1.5\"\(dash)/>\n"
      legend(series.count, label: reference.label, color: "#555", dash: dash)
    }
    return out + "</svg>\n"
  }

  private func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }
}
