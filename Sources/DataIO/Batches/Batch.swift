/// One batch of rows from `BatchLoader`, split into micro-batches for gradient accumulation.
public struct Batch: Equatable, Sendable {
  public let epoch: Int
  /// The batch's position in its epoch, from 0.
  public let index: Int
  /// The data set row of each batch row.
  public let rowIndices: [Int]
  /// `rows * featureCount` values, row-major; empty when the loader does not read rows
  /// (`LoaderOptions.readsRows == false`), for a caller that reads them from the data set.
  public var features: [Double]
  /// `rows * targetCount` values, row-major; empty like `features`.
  public var targets: [Double]
  public let featureCount: Int
  public let targetCount: Int
  /// Rows per micro-batch (the last one may have fewer).
  public let microBatchSize: Int

  public var rows: Int { rowIndices.count }

  /// Consecutive slices of at most `microBatchSize` rows which, concatenated, are exactly this
  /// batch. Each is a `Batch` of the same epoch and index.
  public var microBatches: [Batch] {
    stride(from: 0, to: rows, by: microBatchSize).map { start in
      let end = min(start + microBatchSize, rows)
      let hasRows = !(features.isEmpty && targets.isEmpty)
      return Batch(
        epoch: epoch, index: index, rowIndices: Array(rowIndices[start..<end]),
        features: hasRows ? Array(features[(start * featureCount)..<(end * featureCount)]) : [],
        targets: hasRows ? Array(targets[(start * targetCount)..<(end * targetCount)]) : [],
        featureCount: featureCount, targetCount: targetCount, microBatchSize: microBatchSize)
    }
  }
}

/// Where a `BatchLoader` stands: the epoch, the next batch of it, and the state its shuffling
/// generator started the epoch with. Saving it in a checkpoint and restoring it later continues
/// with exactly the same batches.
public struct LoaderPosition: Codable, Equatable, Sendable {
  public var epoch: Int
  public var batchIndex: Int
  public var rngState: UInt64

  public init(epoch: Int, batchIndex: Int, rngState: UInt64) {
    self.epoch = epoch
    self.batchIndex = batchIndex
    self.rngState = rngState
  }
}

/// How a `BatchLoader` cuts and orders an epoch.
public struct LoaderOptions: Equatable, Sendable {
  public var batchSize: Int
  /// Rows per micro-batch; `nil` makes each batch a single micro-batch.
  public var microBatchSize: Int?
  /// Leave out the last batch of an epoch when it is partial.
  public var dropLast: Bool
  /// Shuffle every epoch; otherwise rows come in file order.
  public var shuffle: Bool
  public var seed: UInt64
  /// For streaming data sets: how many chunks are held (and shuffled together) at once.
  public var windowChunks: Int
  /// Whether batches carry their rows. `false` hands out only `rowIndices`, for a caller that
  /// reads the rows in place from an in-memory data set (no copy per batch); streaming data
  /// sets always read.
  public var readsRows: Bool

  public init(
    batchSize: Int, microBatchSize: Int? = nil, dropLast: Bool = false, shuffle: Bool = true,
    seed: UInt64 = 0, windowChunks: Int = 8, readsRows: Bool = true
  ) {
    self.batchSize = batchSize
    self.microBatchSize = microBatchSize
    self.dropLast = dropLast
    self.shuffle = shuffle
    self.seed = seed
    self.windowChunks = windowChunks
    self.readsRows = readsRows
  }
}
