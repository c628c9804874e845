import DataIO
import Foundation

/// One row of `metrics.csv`: what an epoch achieved.
public struct EpochRecord: Equatable, Sendable, Codable {
  public var epoch: Int
  public var step: Int
  public var trainLoss: Double
  public var validation: RegressionMetrics?
  public var learningRate: Double
  public var rowsPerSecond: Double

  public init(
    epoch: Int, step: Int, trainLoss: Double, validation: RegressionMetrics?,
    learningRate: Double, rowsPerSecond: Double
  ) {
    self.epoch = epoch
    self.step = step
    self.trainLoss = trainLoss
    self.validation = validation
    self.learningRate = learningRate
    self.rowsPerSecond = rowsPerSecond
  }

  /// The loss early stopping and "best" checkpoints watch: validation MSE when there is a
  /// validation set, otherwise the training loss.
  public var monitoredLoss: Double { validation?.mse ?? trainLoss }

  static let header =
    "epoch,step,train_loss,val_mse,val_rmse,val_mae,val_r2,learning_rate,rows_per_second"

  /// The CSV line; numbers in shortest round-trip form, so that the file reads back exactly.
  var csvLine: String {
    let v = validation
    let fields: [String] = [
      "\(epoch)", "\(step)", "\(trainLoss)", v.map { "\($0.mse)" } ?? "",
      v.map { "\($0.rmse)" } ?? "",
      v.map { "\($0.mae)" } ?? "", v.map { "\($0.r2)" } ?? "", "\(learningRate)",
      String(format: "%.1f", rowsPerSecond),
    ]
    return fields.joined(separator: ",")
  }
}

/// `metrics.csv`, appended and flushed one epoch at a time, so that a crash or kill loses at most
/// the epoch in progress and never truncates what was already written.
///
/// Each row is one `write(2)` of a few hundred bytes, which `fit`'s own abrupt exit after an
/// interrupt waits for (`PendingWrites.appending`). Only a SIGKILL from outside landing inside
/// that call, between two pages of the kernel's copy, or a full disk could leave a row without
/// its newline; a resumed run rewrites the file from its checkpoint's history, and readers
/// (`fit batch`'s plot) skip a last line without a newline.
public final class MetricsLog {
  public let url: URL
  private let handle: FileHandle

  /// Opens the log for appending; creates it with its header when it does not exist.
  /// `keepingEpochs` drops rows after that epoch first (a resumed run continues from its
  /// checkpoint, so rows written after the checkpoint would be duplicated otherwise).
  public init(url: URL, keepingEpochs: Int? = nil) throws {
    self.url = url
    let manager = FileManager.default
    if let keepingEpochs, manager.fileExists(atPath: url.path) {
      let text = try String(contentsOf: url, encoding: .utf8)
      var kept = [EpochRecord.header]
      for line in text.split(separator: "\n").dropFirst() {
        guard let epoch = Int(line.prefix { $0 != "," }), epoch <= keepingEpochs else { continue }
        kept.append(String(line))
      }
      try AtomicFile.write(Data((kept.joined(separator: "\n") + "\n").utf8), to: url)
    }
    if !manager.fileExists(atPath: url.path) {
      try PendingWrites.appending {
        try AtomicFile.writeNewFile(
          Data((EpochRecord.header + "\n").utf8), at: url.path, reportingAs: url.path)
      }
    }
    do {
      handle = try FileHandle(forWritingTo: url)
      try handle.seekToEnd()
    } catch {
      throw OutputError.cannotCreate(url.path, reason: "\(error.localizedDescription)")
    }
  }

  deinit { try? handle.close() }

  /// Appends one row and flushes it to the file.
  public func append(_ record: EpochRecord) throws {
    do {
      let line = Data((record.csvLine + "\n").utf8)
      try PendingWrites.appending { try handle.write(contentsOf: line) }
      try handle.synchronize()
    } catch {
      throw OutputError.writeFailed(url.path, reason: "\(error.localizedDescription)")
    }
  }
}
