import Autograd
import DataIO
import Foundation
import Models
import Optim

/// Streaming HDF5 with DataIO.
///
/// - `hdf5/io_only/{chunked,contig}/b4096/1m_32`: `HDF5StreamingDataset.rows(_:)` over
///   lin_1m_32.h5 (8192-row chunks) and lin_1m_32_contig.h5 in consecutive 4096-row reads of X
///   and y, file in the page cache, opening the file included: what `hdf5_epoch.py`'s io_only
///   variants time with h5py slices. MB/s counts the 264 MB of X and y.
/// - `hdf5/stream_peak_rss/b4096/4m_32`: the peak resident memory (VmHWM) of a fresh process
///   that trains one SGD epoch (lr 0.01) on a 1.06 GB file (4 000 000 × 32 X plus y, 8192-row
///   chunks, written under DATA on first use) streamed through `BatchLoader` with its default
///   windowed shuffling (8 chunks at a time). The whole file would need 1056 MB in memory.
enum HDF5Benchmark {
  static let batchRows = 4096
  static let (bigRows, bigColumns, bigChunkRows) = (4_000_000, 32, 8192)
  static let bigFileName = "lin_4m_32_stream.h5"

  static func run(_ options: Options) throws {
    for (layout, name) in [("chunked", "lin_1m_32.h5"), ("contig", "lin_1m_32_contig.h5")] {
      let url = options.file(name)
      warmPageCache(url.path)
      var times: [Double] = []
      var megabytes = 0.0
      for _ in 0..<options.reps {
        times.append(
          try seconds {
            let data = try HDF5StreamingDataset(url: url)
            megabytes = Double(data.rowCount * (data.featureCount + data.targetCount) * 8) / 1e6
            for start in stride(from: 0, to: data.rowCount, by: batchRows) {
              let block = try data.rows(start..<min(start + batchRows, data.rowCount))
              precondition(block.rows > 0)
            }
          })
      }
      result(
        "hdf5/io_only/\(layout)/b4096/1m_32", times, unit: "s",
        ["mb_per_s": megabytes / median(times)])
    }
    try streamPeakRSS(options)
  }

  /// Runs `streamChild` in a fresh process per repetition, so that its VmHWM measures streaming
  /// alone, and reports the figures the children print.
  static func streamPeakRSS(_ options: Options) throws {
    let url = options.file(bigFileName)
    if !FileManager.default.fileExists(atPath: url.path) { try writeBigFile(url) }
    var runs: [[String: Double]] = []
    for _ in 0..<options.reps {
      let child = Process()
      child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
      child.arguments = ["hdf5-stream-child", "--data", options.data]
      let output = Pipe()
      child.standardOutput = output
      try child.run()
      let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      child.waitUntilExit()
      guard child.terminationStatus == 0 else {
        throw BenchmarkFailure("the streaming child exited with status \(child.terminationStatus)")
      }
      var figures: [String: Double] = [:]
      for pair in text.split(whereSeparator: \.isWhitespace) {
        let parts = pair.split(separator: "=", maxSplits: 1)
        if parts.count == 2, let value = Double(parts[1]) { figures[String(parts[0])] = value }
      }
      guard figures["peak_mb"] != nil else {
        throw BenchmarkFailure("no figures from the child: \(text)")
      }
      runs.append(figures)
    }
    let seconds = median(runs.map { $0["seconds"]! })
    result(
      "hdf5/stream_peak_rss/b4096/4m_32", runs.map { $0["peak_mb"]! }, unit: "MB",
      [
        "baseline_mb": median(runs.map { $0["baseline_mb"]! }), "file_mb": runs[0]["file_mb"]!,
        "train_s": seconds, "mb_per_s": runs[0]["file_mb"]! / seconds,
      ])
  }

  /// One streamed SGD epoch over the big file; prints its peak RSS as `key=value` pairs.
  static func streamChild(_ options: Options) throws {
    let url = options.file(bigFileName)
    warmPageCache(url.path)
    let baseline = peakResidentMegabytes()
    let data = try HDF5StreamingDataset(url: url)
    let fileMegabytes = Double(data.rowCount * (data.featureCount + data.targetCount) * 8) / 1e6
    let loader = try BatchLoader(
      dataset: data, options: LoaderOptions(batchSize: batchRows, shuffle: true, seed: 1))
    let model = Linear(inputFeatures: data.featureCount, outputFeatures: 1)
    let optimizer = try SGD(model.parameters, lr: 0.01)
    let time = try seconds {
      while let batch = try loader.nextBatch() {
        let x = Tensor(shape: [batch.rows, batch.featureCount], scalars: batch.features)
        let y = Tensor(shape: [batch.rows, 1], scalars: batch.targets)
        optimizer.zeroGrad()
        try meanSquaredError(model(x), y).backward()
        optimizer.step()
      }
    }
    print(
      "peak_mb=\(peakResidentMegabytes()) baseline_mb=\(baseline) file_mb=\(fileMegabytes) "
        + "seconds=\(time)")
  }

  /// X ~ N(0, 1) (seeded per block), y = X·w + 0.5 with w ~ N(0, 1), written in 8192-row
  /// chunks with DataIO.
  static func writeBigFile(_ url: URL) throws {
    let partial = url.appendingPathExtension("partial")
    try write(to: partial)
    try FileManager.default.moveItem(at: partial, to: url)
  }

  private static func write(to url: URL) throws {
    let file = try HDF5File(url: url, mode: .create)
    let options = HDF5WriteOptions(chunkRows: bigChunkRows)
    let x = try file.createDataset("/X", rows: bigRows, columns: bigColumns, options: options)
    let y = try file.createDataset("/y", rows: bigRows, columns: nil, options: options)
    let weights = Tensor.randomNormal([bigColumns], seed: 42).scalars
    try file.write(weights, shape: [bigColumns], to: "/w_true")
    let blockRows = 65_536
    for start in stride(from: 0, to: bigRows, by: blockRows) {
      let rows = min(blockRows, bigRows - start)
      let features = Tensor.randomNormal([rows, bigColumns], seed: UInt64(start)).scalars
      var targets = [Double](repeating: trueBias, count: rows)
      for r in 0..<rows {
        for c in 0..<bigColumns { targets[r] += features[r * bigColumns + c] * weights[c] }
      }
      try x.writeRows(features, at: start)
      try y.writeRows(targets, at: start)
    }
    try file.flush()
  }
}
