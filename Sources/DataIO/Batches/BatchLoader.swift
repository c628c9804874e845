import SeededRandom

/// Cuts a data set into batches, epoch after epoch, in an order fixed by the seed.
///
/// - In-memory data sets get a full Fisher–Yates permutation per epoch; streaming ones (with
///   `chunkRows`) a shuffled chunk order plus shuffling within windows of `windowChunks` chunks,
///   so at most one window of rows is in memory.
/// - Epoch `e` is shuffled by a `SplitMix64` whose state starts at `epochState(seed:epoch:)`, a
///   hash of seed and epoch: the same seed and epoch give the same order on every machine,
///   whatever happened in other epochs.
/// - Batch `b` holds epoch positions `b·batchSize ..< min((b+1)·batchSize, rows)`; with
///   `dropLast` a final partial batch is left out. Micro-batches split each batch exactly.
/// - `position` can be saved (it is `Codable`) and given to `restore(_:)` to continue with the
///   identical sequence of batches.
///
/// ```swift
/// let loader = try BatchLoader(dataset: data, options: LoaderOptions(batchSize: 64, seed: 7))
/// while let batch = try loader.nextBatch() {      // one epoch
///   for micro in batch.microBatches { ... }
/// }
/// ```
public final class BatchLoader {
  public let dataset: any Dataset
  public let options: LoaderOptions
  public private(set) var position: LoaderPosition
  private var order: (any EpochOrder)?

  public init(dataset: any Dataset, options: LoaderOptions) throws {
    if let problem = Self.problem(with: options) {
      throw DataIOError.invalidRequest(source: dataset.source, message: problem)
    }
    self.dataset = dataset
    self.options = options
    position = LoaderPosition(
      epoch: 0, batchIndex: 0, rngState: Self.epochState(seed: options.seed, epoch: 0))
  }

  /// What is wrong with options that come from a configuration, if anything.
  private static func problem(with options: LoaderOptions) -> String? {
    if options.batchSize <= 0 { return "batch size must be positive, got \(options.batchSize)" }
    if let micro = options.microBatchSize, micro <= 0 || micro > options.batchSize {
      return "micro-batch size must be in 1...\(options.batchSize), got \(micro)"
    }
    if options.windowChunks <= 0 {
      return "windowChunks must be positive, got \(options.windowChunks)"
    }
    return nil
  }

  /// Batches in one epoch.
  public var batchesPerEpoch: Int {
    let rows = dataset.rowCount
    return options.dropLast
      ? rows / options.batchSize : (rows + options.batchSize - 1) / options.batchSize
  }

  /// The generator state that starts epoch `epoch`: SplitMix64's output function applied to
  /// `seed` and to the epoch, so that neighbouring epochs get unrelated streams.
  public static func epochState(seed: UInt64, epoch: Int) -> UInt64 {
    var epochMixer = SplitMix64(seed: UInt64(bitPattern: Int64(epoch)))
    var mixer = SplitMix64(seed: seed ^ epochMixer.next())
    return mixer.next()
  }

  /// The next batch of the current epoch, or `nil` when the epoch is over; the position then
  /// moves to the start of the next epoch.
  public func nextBatch() throws -> Batch? {
    guard position.batchIndex < batchesPerEpoch else {
      position = LoaderPosition(
        epoch: position.epoch + 1, batchIndex: 0,
        rngState: Self.epochState(seed: options.seed, epoch: position.epoch + 1))
      order = nil
      return nil
    }
    if order == nil { order = makeOrder(skipping: position.batchIndex * options.batchSize) }
    let (indices, block) = try nextRows()
    let batch = Batch(
      epoch: position.epoch, index: position.batchIndex, rowIndices: indices,
      features: block.features, targets: block.targets, featureCount: dataset.featureCount,
      targetCount: dataset.targetCount, microBatchSize: options.microBatchSize ?? options.batchSize)
    position.batchIndex += 1
    return batch
  }

  /// The current batch's row indices, and its rows unless the options say not to read them.
  private func nextRows() throws -> (indices: [Int], block: RowBlock) {
    guard options.readsRows || dataset.chunkRows != nil else {
      let indices = try order!.nextIndices(options.batchSize)
      return (indices, RowBlock(features: [], targets: [], rows: indices.count))
    }
    return try order!.next(options.batchSize)
  }

  /// Continues from a saved position: the following batches are exactly those that followed it.
  public func restore(_ saved: LoaderPosition) throws {
    guard saved.epoch >= 0 && saved.batchIndex >= 0 && saved.batchIndex <= batchesPerEpoch else {
      throw DataIOError.invalidRequest(
        source: dataset.source,
        message: "cannot restore loader position epoch \(saved.epoch) batch \(saved.batchIndex): "
          + "an epoch has \(batchesPerEpoch) batches")
    }
    position = saved
    order = nil
  }

  /// The current epoch's order, advanced past the rows of the batches already handed out.
  private func makeOrder(skipping rows: Int) -> any EpochOrder {
    var random = SplitMix64(seed: position.rngState)
    var order: any EpochOrder
    if let chunkRows = dataset.chunkRows {
      order = WindowOrder(
        dataset: dataset, chunkRows: chunkRows, windowChunks: options.windowChunks,
        shuffle: options.shuffle, random: random)
    } else {
      order = PermutationOrder(dataset: dataset, shuffle: options.shuffle, random: &random)
    }
    order.skip(rows)
    return order
  }
}
