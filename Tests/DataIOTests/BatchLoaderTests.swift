import DataIO
import Foundation
import TestSupport
import XCTest

final class BatchLoaderTests: XCTestCase {
  /// Row i has features [i, -i] and target 10·i, so any batch can be checked against its indices.
  private func dataset(rows: Int) -> InMemoryDataset {
    InMemoryDataset(
      features: (0..<rows).flatMap { [Double($0), -Double($0)] }, featureCount: 2,
      targets: (0..<rows).map { 10 * Double($0) }, targetCount: 1)
  }

  private func epoch(_ loader: BatchLoader) throws -> [Batch] {
    var batches: [Batch] = []
    while let batch = try loader.nextBatch() { batches.append(batch) }
    return batches
  }

  private func assertConsistent(_ batch: Batch, file: StaticString = #filePath, line: UInt = #line)
  {
    XCTAssertEqual(
      batch.features, batch.rowIndices.flatMap { [Double($0), -Double($0)] }, file: file, line: line
    )
    XCTAssertEqual(batch.targets, batch.rowIndices.map { 10 * Double($0) }, file: file, line: line)
  }

  func testEveryRowAppearsExactlyOncePerEpochAndTheLastBatchIsPartial() throws {
    let loader = try BatchLoader(
      dataset: dataset(rows: 103), options: LoaderOptions(batchSize: 10, seed: 1))
    for expectedEpoch in 0..<3 {
      let batches = try epoch(loader)
      XCTAssertEqual(batches.map(\.rows), Array(repeating: 10, count: 10) + [3])
      XCTAssertEqual(batches.flatMap(\.rowIndices).sorted(), Array(0..<103))
      XCTAssertTrue(batches.allSatisfy { $0.epoch == expectedEpoch })
      batches.forEach { assertConsistent($0) }
    }
  }

  func testDropLastLeavesOutThePartialBatch() throws {
    let loader = try BatchLoader(
      dataset: dataset(rows: 103), options: LoaderOptions(batchSize: 10, dropLast: true))
    XCTAssertEqual(loader.batchesPerEpoch, 10)
    let batches = try epoch(loader)
    XCTAssertEqual(batches.map(\.rows), Array(repeating: 10, count: 10))
    XCTAssertEqual(Set(batches.flatMap(\.rowIndices)).count, 100)
  }

  func testMicroBatchesConcatenateToTheirBatch() throws {
    let loader = try BatchLoader(
      dataset: dataset(rows: 23), options: LoaderOptions(batchSize: 10, microBatchSize: 4))
    for batch in try epoch(loader) {
      let micro = batch.microBatches
      XCTAssertEqual(micro.map(\.rows), batch.rows == 10 ? [4, 4, 2] : [3])
      XCTAssertEqual(micro.flatMap(\.features), batch.features)
      XCTAssertEqual(micro.flatMap(\.targets), batch.targets)
      XCTAssertEqual(micro.flatMap(\.rowIndices), batch.rowIndices)
    }
  }

  func testTheSameSeedAndEpochGiveTheSameOrderEverywhere() throws {
    let options = LoaderOptions(batchSize: 8, seed: 42)
    let first = try BatchLoader(dataset: dataset(rows: 8), options: options)
    let order0 = try epoch(first).flatMap(\.rowIndices)
    let order1 = try epoch(first).flatMap(\.rowIndices)
    // Pinned, and checked against an independent Python transcription of SplitMix64, Lemire's
    // bounded integers, Fisher–Yates and `epochState`: the same on any machine and toolchain.
    XCTAssertEqual(order0, [6, 2, 4, 0, 1, 7, 3, 5])
    XCTAssertEqual(order1, [6, 7, 2, 4, 5, 0, 3, 1])
    let second = try BatchLoader(dataset: dataset(rows: 8), options: options)
    try second.restore(
      LoaderPosition(epoch: 1, batchIndex: 0, rngState: BatchLoader.epochState(seed: 42, epoch: 1)))
    XCTAssertEqual(try epoch(second).flatMap(\.rowIndices), order1)
  }

  func testWithoutShufflingRowsComeInFileOrder() throws {
    let loader = try BatchLoader(
      dataset: dataset(rows: 7), options: LoaderOptions(batchSize: 3, shuffle: false))
    XCTAssertEqual(try epoch(loader).map(\.rowIndices), [[0, 1, 2], [3, 4, 5], [6]])
  }

  /// Runs 2½ epochs, saves the position through JSON mid-epoch, and checks that a new loader
  /// restored from it produces exactly the batches the first one went on to produce.
  private func assertRestoreContinuesIdentically(_ data: any Dataset, _ options: LoaderOptions)
    throws
  {
    let reference = try BatchLoader(dataset: data, options: options)
    var all: [Batch] = []
    for _ in 0..<3 { all += try epoch(reference) }
    let interrupted = try BatchLoader(dataset: data, options: options)
    _ = try epoch(interrupted)
    for _ in 0..<3 { _ = try interrupted.nextBatch() }
    let saved = try JSONEncoder().encode(interrupted.position)
    let position = try JSONDecoder().decode(LoaderPosition.self, from: saved)
    XCTAssertEqual(position.epoch, 1)
    XCTAssertEqual(position.batchIndex, 3)
    let resumed = try BatchLoader(dataset: data, options: options)
    try resumed.restore(position)
    var rest: [Batch] = []
    for _ in 0..<2 { rest += try epoch(resumed) }
    let perEpoch = reference.batchesPerEpoch
    XCTAssertEqual(rest, Array(all[(perEpoch + 3)...]))
  }

  func testWithoutReadingRowsTheBatchesHaveTheSameIndicesAndNoRows() throws {
    for shuffle in [true, false] {
      let options = LoaderOptions(batchSize: 10, microBatchSize: 4, shuffle: shuffle, seed: 4)
      var indicesOnly = options
      indicesOnly.readsRows = false
      let reading = try BatchLoader(dataset: dataset(rows: 23), options: options)
      let notReading = try BatchLoader(dataset: dataset(rows: 23), options: indicesOnly)
      for _ in 0..<2 {
        let (read, unread) = (try epoch(reading), try epoch(notReading))
        XCTAssertEqual(unread.map(\.rowIndices), read.map(\.rowIndices))
        XCTAssertTrue(unread.allSatisfy { $0.features.isEmpty && $0.targets.isEmpty })
        XCTAssertEqual(
          unread.map { $0.microBatches.map(\.rowIndices) },
          read.map { $0.microBatches.map(\.rowIndices) })
      }
      // A position saved mid-epoch continues the same way.
      let restored = try BatchLoader(dataset: dataset(rows: 23), options: indicesOnly)
      _ = try restored.nextBatch()
      let position = restored.position
      let again = try BatchLoader(dataset: dataset(rows: 23), options: indicesOnly)
      try again.restore(position)
      XCTAssertEqual(try epoch(again).map(\.rowIndices), try epoch(restored).map(\.rowIndices))
    }
  }

  func testRestoringASavedPositionMidEpochContinuesTheIdenticalSequence() throws {
    try assertRestoreContinuesIdentically(
      dataset(rows: 57), LoaderOptions(batchSize: 5, microBatchSize: 2, seed: 9))
  }

  func testStreamingShufflesChunksAndRowsWithinWindowsAndRestoresExactly() throws {
    let directory = try temporaryDirectory(for: self)
    let url = directory.appendingPathComponent("s.h5")
    do {
      let file = try HDF5File(url: url, mode: .create)
      let rows = 95
      try file.write(
        (0..<rows).flatMap { [Double($0), -Double($0)] }, shape: [rows, 2], to: "/X",
        options: HDF5WriteOptions(chunkRows: 10, gzipLevel: 1))
      try file.write((0..<rows).map { 10 * Double($0) }, shape: [rows], to: "/y")
    }
    let data = try HDF5StreamingDataset(url: url)
    XCTAssertEqual(data.chunkRows, 10)
    let options = LoaderOptions(batchSize: 7, seed: 3, windowChunks: 2)
    let loader = try BatchLoader(dataset: data, options: options)
    let batches = try epoch(loader)
    batches.forEach { assertConsistent($0) }
    // A streamed data set always hands out its rows: they exist nowhere else.
    var indicesOnly = options
    indicesOnly.readsRows = false
    try epoch(try BatchLoader(dataset: data, options: indicesOnly)).forEach { assertConsistent($0) }
    let order = batches.flatMap(\.rowIndices)
    XCTAssertEqual(order.sorted(), Array(0..<95))
    XCTAssertNotEqual(order, Array(0..<95))
    // Windows of two chunks follow each other: scanning the order, two whole chunks (of 10 rows,
    // or 5 for the last chunk) are completed before a third chunk starts.
    var windowStart = 0
    var chunks = Set<Int>()
    var windows = 0
    for (k, row) in order.enumerated() {
      chunks.insert(row / 10)
      XCTAssertLessThanOrEqual(chunks.count, 2, "a third chunk began inside a window at \(k)")
      let size = chunks.map { min(($0 + 1) * 10, 95) - $0 * 10 }.reduce(0, +)
      if k + 1 - windowStart == size && (chunks.count == 2 || k == 94) {
        windows += 1
        windowStart = k + 1
        chunks = []
      }
    }
    XCTAssertEqual(windows, 5)
    XCTAssertEqual(windowStart, 95)
    try assertRestoreContinuesIdentically(data, options)
  }

  func testStreamingReadsEachChunkOncePerEpochAndNeverMoreThanAChunkAtATime() throws {
    let data = RecordingDataset(base: dataset(rows: 1000), chunkRows: 50)
    let loader = try BatchLoader(
      dataset: data, options: LoaderOptions(batchSize: 64, seed: 2, windowChunks: 3))
    let batches = try epoch(loader)
    XCTAssertEqual(batches.flatMap(\.rowIndices).sorted(), Array(0..<1000))
    XCTAssertEqual(data.largestRead, 50)
    XCTAssertEqual(data.rowsRead, 1000)
  }

  func testInvalidOptionsAreRefused() {
    XCTAssertThrowsError(
      try BatchLoader(
        dataset: dataset(rows: 4), options: LoaderOptions(batchSize: 4, microBatchSize: 5))
    ) {
      XCTAssertEqual("\($0)", "memory: micro-batch size must be in 1...4, got 5")
    }
    let loader = try! BatchLoader(dataset: dataset(rows: 4), options: LoaderOptions(batchSize: 2))
    XCTAssertThrowsError(try loader.restore(LoaderPosition(epoch: 0, batchIndex: 3, rngState: 0))) {
      XCTAssertEqual(
        "\($0)", "memory: cannot restore loader position epoch 0 batch 3: an epoch has 2 batches")
    }
  }
}

/// A data set that pretends to stream (it has `chunkRows`) and records what is read from it.
final class RecordingDataset: Dataset, @unchecked Sendable {
  let base: InMemoryDataset
  let chunkRows: Int?
  private(set) var largestRead = 0
  private(set) var rowsRead = 0

  init(base: InMemoryDataset, chunkRows: Int) {
    self.base = base
    self.chunkRows = chunkRows
  }

  var source: String { "recording" }
  var rowCount: Int { base.rowCount }
  var featureCount: Int { base.featureCount }
  var targetCount: Int { base.targetCount }

  func rows(_ range: Range<Int>) throws -> RowBlock {
    largestRead = max(largestRead, range.count)
    rowsRead += range.count
    return try base.rows(range)
  }
}
