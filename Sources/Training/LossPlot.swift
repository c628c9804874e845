import Foundation

/// A line chart of training and validation loss against epoch, as a self-contained SVG file:
/// people look at curves rather than read tables. Loss axes switch to a log₁₀ scale when the
/// values span more than two decades, so that the tail of a converging run stays visible.
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

  public init(title: String, series: [Series]) {
    self.title = title
    self.series = series
  }

  static let width = 720.0
  static let height = 440.0
  static let margin = (left: 80.0, right: 160.0, top: 40.0, bottom: 56.0)

  /// The SVG document.
  public func svg() -> String {
    let finite = series.flatMap { $0.points }.filter { $0.y.isFinite && $0.x.isFinite }
    let xs = finite.map(\.x)
    let positive = finite.map(\.y).filter { $0 > 0 }
    let logScale =
      positive.count == finite.count && !positive.isEmpty
      && positive.max()! / positive.min()! > 100
    func transform(_ y: Double) -> Double { logScale ? Foundation.log10(y) : y }
    let ys = finite.map { transform($0.y) }
    var xRange = (xs.min() ?? 0, xs.max() ?? 1)
    var yRange = (ys.min() ?? 0, ys.max() ?? 1)
    if xRange.0 == xRange.1 { xRange = (xRange.0 - 1, xRange.1 + 1) }
    if yRange.0 == yRange.1 { yRange = (yRange.0 - 1, yRange.1 + 1) }
    let m = Self.margin
    let plotWidth = Self.width - m.left - m.right
    let plotHeight = Self.height - m.top - m.bottom
    func px(_ x: Double) -> Double { m.left + (x - xRange.0) / (xRange.1 - xRange.0) * plotWidth }
    func py(_ y: Double) -> Double {
      m.top + plotHeight - (transform(y) - yRange.0) / (yRange.1 - yRange.0) * plotHeight
    }
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
    for xValue in Self.ticks(from: xRange.0, to: xRange.1) {
      let x = px(xValue)
      out += "<line x1=\"\(format(x))\" y1=\"\(format(m.top))\" x2=\"\(format(x))\" "
      out += "y2=\"\(format(m.top + plotHeight))\" stroke=\"#ddd\"/>"
      out += "<text x=\"\(format(x))\" y=\"\(format(m.top + plotHeight + 18))\" "
      out += "text-anchor=\"middle\">\(format(xValue))</text>\n"
    }
    // On a log axis the ticks are whole decades (and so labelled 0.01, 0.1, 1, ...) when the range
    // holds at least two; otherwise round values of the exponent.
    let (firstDecade, lastDecade) = (yRange.0.rounded(.up), yRange.1.rounded(.down))
    // Only on a log axis: on a linear one the "decades" would be one per unit of the range (a
    // loss of 4e9 asked for billions of ticks).
    let decades =
      logScale && firstDecade <= lastDecade
      ? Array(stride(from: firstDecade, through: lastDecade, by: 1)) : []
    let yTicks = logScale && decades.count >= 2 ? decades : Self.ticks(from: yRange.0, to: yRange.1)
    for yValue in yTicks {
      let y = m.top + plotHeight - (yValue - yRange.0) / (yRange.1 - yRange.0) * plotHeight
      let label = logScale ? format(Foundation.pow(10, yValue)) : format(yValue)
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
    // Curves and legend.
    for (index, s) in series.enumerated() {
      let points = s.points.filter { $0.y.isFinite && (!logScale || $0.y > 0) }
      if !points.isEmpty {
        let path = points.map { "\(format(px($0.x))),\(format(py($0.y)))" }.joined(separator: " ")
        out +=
          "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\" points=\"\(path)\"/>\n"
        if points.count == 1 {
          out += "<circle cx=\"\(format(px(points[0].x)))\" cy=\"\(format(py(points[0].y)))\" "
          out += "r=\"3\" fill=\"\(s.color)\"/>\n"
        }
      }
      let legendY = m.top + 12 + Double(index) * 20
      let legendX = m.left + plotWidth + 16
      out += "<line x1=\"\(format(legendX))\" y1=\"\(format(legendY - 4))\" "
      out += "x2=\"\(format(legendX + 24))\" y2=\"\(format(legendY - 4))\" stroke=\"\(s.color)\" "
      out += "stroke-width=\"2\"/><text x=\"\(format(legendX + 30))\" y=\"\(format(legendY))\">"
      out += "\(escape(s.label))</text>\n"
    }
    return out + "</svg>\n"
  }

  /// Round tick values (1, 2 or 5 times a power of ten apart) covering [lower, upper], at most
  /// about six of them.
  static func ticks(from lower: Double, to upper: Double) -> [Double] {
    let rough = (upper - lower) / 5
    guard rough > 0 && rough.isFinite else { return [lower] }
    let magnitude = Foundation.pow(10, Foundation.floor(Foundation.log10(rough)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
    let first = (lower / step).rounded(.up)
    let last = (upper / step + 1e-9).rounded(.down)
    guard first <= last else { return [lower] }
    return stride(from: first, through: last, by: 1).map { $0 * step }
  }

  private func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }
}
