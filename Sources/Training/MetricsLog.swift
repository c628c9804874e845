import DataIO
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

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
/// the epoch in progress and never truncates what was already written. A row that cannot be
/// written whole (a full disk, a file-size limit) is cut off again, so the file never ends in a
/// partial line: every line has the header's fields.
///
/// `fit`'s own abrupt exit after an interrupt waits for a row being written
/// (`PendingWrites.appending`). Only a SIGKILL from outside landing inside the write could
/// leave a row without its newline; a resumed run rewrites the file from its checkpoint's
/// history, and readers (`fit batch`'s plot) skip a last line without a newline.
public final class MetricsLog {
  public let url: URL
  private let descriptor: Int32
  /// The file's length after its last complete row, where the next row goes.
  private var length: off_t

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
    descriptor = open(url.path, O_WRONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw OutputError.cannotCreate(url.path, reason: String(cString: strerror(errno)))
    }
    length = lseek(descriptor, 0, SEEK_END)
    guard length >= 0 else {
      let reason = String(cString: strerror(errno))
      close(descriptor)
      throw OutputError.cannotCreate(url.path, reason: reason)
    }
  }

  deinit { close(descriptor) }

  /// Appends one row and flushes it to the file; when either fails, the file is cut back to its
  /// previous rows.
  public func append(_ record: EpochRecord) throws {
    let bytes = Array((record.csvLine + "\n").utf8)
    try PendingWrites.appending {
      var written = 0
      while written < bytes.count {
        errno = 0
        let count = bytes.withUnsafeBytes {
          pwrite(
            descriptor, $0.baseAddress! + written, bytes.count - written,
            length + off_t(written))
        }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { throw failure() }
        written += count
      }
      // A failed flush (delayed allocation finding the disk full) leaves the row's fate unknown.
      guard fsync(descriptor) == 0 else { throw failure() }
    }
    length += off_t(bytes.count)
  }

  /// The error for a failed append, after removing whatever part of the row reached the file.
  private func failure() -> OutputError {
    let reason = String(cString: strerror(errno == 0 ? EIO : errno))
    _ = ftruncate(descriptor, length)
    return OutputError.writeFailed(url.path, reason: reason)
  }
}
