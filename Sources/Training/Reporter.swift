import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// How a run talks to the person at the terminal: a live progress bar per epoch when standard
/// error is a terminal, one plain line per epoch otherwise, nothing with `quiet`.
public final class Reporter: @unchecked Sendable {
  public enum Style: Sendable { case quiet, plain, live }

  public let style: Style
  private var lastDraw = 0.0
  private let start = Date()
  private var epochStart = Date()
  private var epochStartRows = 0
  private var lastEpochLine = -Double.infinity
  private var lastPrintedEpoch = 0

  public init(style: Style) { self.style = style }

  /// `live` on a terminal, `plain` otherwise.
  public static func automatic(quiet: Bool) -> Reporter {
    Reporter(style: quiet ? .quiet : (isatty(STDERR_FILENO) == 1 ? .live : .plain))
  }

  /// A line of information (to standard error, so that `--json` output stays clean).
  public func info(_ line: String) {
    guard style != .quiet else { return }
    if style == .live { clearLine() }
    FileHandle.standardError.write(Data((line + "\n").utf8))
  }

  /// Redraws the progress bar (at most ten times a second) after `batch` of `batches` steps of
  /// an epoch, with the epoch's running loss, its throughput and the time left in it.
  public func progress(
    epoch: Int, epochs: Int, batch: Int, batches: Int, rows: Int, loss: Double
  ) {
    guard style == .live else { return }
    if batch == 1 {
      epochStart = Date()
      epochStartRows = 0
    }
    let now = Date().timeIntervalSince(start)
    guard now - lastDraw >= 0.1 || batch == batches else { return }
    lastDraw = now
    let elapsed = Date().timeIntervalSince(epochStart)
    let rowsPerSecond = elapsed > 0 ? Double(rows) / elapsed : 0
    let remaining = elapsed / Double(max(batch, 1)) * Double(batches - batch)
    let width = 24
    let filled = Int(Double(batch) / Double(max(batches, 1)) * Double(width))
    let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
    let text = String(
      format: "\repoch %d/%d [%@] loss %.6g  %@ rows/s  ETA %.1fs\u{1B}[K", epoch, epochs, bar,
      loss,
      Self.compact(rowsPerSecond), remaining)
    FileHandle.standardError.write(Data(text.utf8))
  }

  /// One finished epoch: printed for the first and the budget's last epoch, and otherwise at
  /// most once a second (full-batch runs finish thousands of epochs a second); `finished`
  /// prints the run's last one if it was not.
  public func epoch(_ record: EpochRecord, of epochs: Int) {
    guard style != .quiet else { return }
    let now = Date().timeIntervalSince(start)
    guard record.epoch == 1 || record.epoch == epochs || now - lastEpochLine >= 1 else { return }
    lastEpochLine = now
    lastPrintedEpoch = record.epoch
    printEpoch(record, of: epochs)
  }

  /// The run's last epoch, unless `epoch` printed it already.
  public func finished(_ record: EpochRecord, of epochs: Int) {
    guard style != .quiet, record.epoch != lastPrintedEpoch else { return }
    lastPrintedEpoch = record.epoch
    printEpoch(record, of: epochs)
  }

  private func printEpoch(_ record: EpochRecord, of epochs: Int) {
    var line = String(
      format: "epoch %d/%d  step %d  train loss %.6g", record.epoch, epochs, record.step,
      record.trainLoss)
    if let v = record.validation {
      line += String(
        format: "  val mse %.6g  rmse %.6g  mae %.6g  r2 %.6f", v.mse, v.rmse, v.mae, v.r2)
    }
    line += String(
      format: "  lr %.3g  %@ rows/s", record.learningRate, Self.compact(record.rowsPerSecond))
    info(line)
  }

  private func clearLine() {
    FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
  }

  static func compact(_ value: Double) -> String {
    switch value {
    case 1e9...: String(format: "%.1fG", value / 1e9)
    case 1e6...: String(format: "%.1fM", value / 1e6)
    case 1e3...: String(format: "%.1fk", value / 1e3)
    default: String(format: "%.0f", value)
    }
  }
}
