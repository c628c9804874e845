import Foundation

extension LossPlot {
  /// One axis: its extent and its labelled ticks, in plotted units (log₁₀ of the value on a log
  /// axis).
  struct Axis {
    var lower: Double
    var upper: Double
    var ticks: [Double]
    var labels: [String]
  }

  /// The loss axis over data from `lower` to `upper` (plotted units). The range is padded by
  /// `padding` of its span on each side, so that a converged curve does not lie on the frame,
  /// then widened to whole tick steps, so that a tick sits at or beyond each end of the data.
  /// A log axis steps by whole decades (1, 2, 5, 10, 20, ... of them). At most eleven ticks on
  /// either kind of axis, whatever the range.
  static func yAxis(lower: Double, upper: Double, logScale: Bool, padding: Double = 0.04)
    -> Axis
  {
    var (low, high) = (lower, upper)
    if low == high {
      // A flat curve: a decade either side on a log axis, a tenth of its value on a linear one.
      let half = logScale || low == 0 ? 1 : Swift.abs(low) / 10
      (low, high) = (low - half, high + half)
    }
    let pad = (high - low) * padding
    (low, high) = (low - pad, high + pad)
    let span = high - low
    guard span.isFinite else {
      // Only a linear range reaching near ±Double.greatestFiniteMagnitude: its ends.
      let ends = [lower, upper]
      return Axis(
        lower: lower, upper: upper, ticks: ends,
        labels: ends.map { compactExponent(String(format: "%.1e", $0)) })
    }
    // Eight parts of the span rounded up to a round step: 4 to 11 ticks.
    let rough = span / 8
    let step = logScale ? Swift.max(1, niceStep(rough)) : niceStep(rough)
    let first = Foundation.floor(low / step + 1e-9)
    let last = Foundation.ceil(high / step - 1e-9)
    let ticks = (0...Swift.max(0, Int(last - first))).map { (first + Double($0)) * step }
    let labels = logScale ? decadeLabels(ticks) : linearLabels(ticks, step: step)
    return Axis(lower: ticks[0], upper: ticks[ticks.count - 1], ticks: ticks, labels: labels)
  }

  /// The epoch axis from `lower` to `upper`: its ends are the data's, the ticks round values
  /// within.
  static func xAxis(lower: Double, upper: Double) -> Axis {
    let ticks = Self.ticks(from: lower, to: upper)
    let step = niceStep((upper - lower) / 5)
    return Axis(
      lower: lower, upper: upper, ticks: ticks,
      labels: linearLabels(ticks, step: step.isFinite && step > 0 ? step : 1))
  }

  /// Round tick values (1, 2 or 5 times a power of ten apart) within [lower, upper], at most
  /// about six of them.
  static func ticks(from lower: Double, to upper: Double) -> [Double] {
    let step = niceStep((upper - lower) / 5)
    guard step > 0 && step.isFinite else { return [lower] }
    let first = (lower / step - 1e-9).rounded(.up)
    let last = (upper / step + 1e-9).rounded(.down)
    guard first <= last else { return [lower] }
    return (0...Int(last - first)).map { (first + Double($0)) * step }
  }

  /// The smallest of 1, 2, 5 times a power of ten that is at least `rough`.
  static func niceStep(_ rough: Double) -> Double {
    guard rough > 0 && rough.isFinite else { return 0 }
    let magnitude = Foundation.pow(10, Foundation.floor(Foundation.log10(rough)))
    return [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough * (1 - 1e-12) }
      ?? 10 * magnitude
  }

  /// One format for every label of a linear axis, chosen from the step: plain with the step's
  /// decimals (`%.0f`, `%.2f`) while the ticks stay below a million and the step above 1e-4,
  /// otherwise scientific with one mantissa precision for all (`1e9`, `1.5e6`; `0` for zero).
  static func linearLabels(_ ticks: [Double], step: Double) -> [String] {
    let stepExponent = Int(Foundation.floor(Foundation.log10(step) + 1e-9))
    let largest = ticks.map { Swift.abs($0) }.max() ?? 0
    if largest < 1e6 && stepExponent >= -4 {
      let decimals = Swift.max(0, -stepExponent)
      return ticks.map { String(format: "%.\(decimals)f", $0 == 0 ? 0 : $0) }
    }
    let largestExponent = Int(Foundation.floor(Foundation.log10(largest) + 1e-9))
    let digits = Swift.max(0, largestExponent - stepExponent)
    return ticks.map { tick in
      Swift.abs(tick) < step / 2 ? "0" : compactExponent(String(format: "%.\(digits)e", tick))
    }
  }

  /// Labels for whole-decade exponents: plain (`0.01`, `1`, `100`) when every tick lies from
  /// 1e-4 to 1e5, otherwise all scientific (`1e-5`, `1e0`, `1e5`).
  static func decadeLabels(_ exponents: [Double]) -> [String] {
    let whole = exponents.map { Int($0.rounded()) }
    if whole.allSatisfy({ (-4...5).contains($0) }) {
      return whole.map { String(format: "%.\(Swift.max(0, -$0))f", Foundation.pow(10, Double($0))) }
    }
    return whole.map { "1e\($0)" }
  }

  /// `1.5e+06` as `1.5e6`, `2e-05` as `2e-5`.
  static func compactExponent(_ text: String) -> String {
    guard let e = text.firstIndex(of: "e"), let exponent = Int(text[text.index(after: e)...])
    else { return text }
    return "\(text[..<e])e\(exponent)"
  }
}
