import SeededRandom

/// The rows of one epoch in the order the loader hands them out, read `count` at a time.
protocol EpochOrder {
  /// The next `count` rows (fewer at the end of the epoch) and their data set indices.
  mutating func next(_ count: Int) throws -> (indices: [Int], block: RowBlock)
  /// Passes over `count` rows without reading them, drawing the same random numbers as reading.
  mutating func skip(_ count: Int)
  /// The next `count` rows' indices (fewer at the end of the epoch), reading as little as the
  /// order allows.
  mutating func nextIndices(_ count: Int) throws -> [Int]
}

extension EpochOrder {
  mutating func nextIndices(_ count: Int) throws -> [Int] { try next(count).indices }
}

/// For data sets where every row is cheap to reach: a Fisher–Yates permutation of all rows
/// drawn from the epoch's generator (or the identity without shuffling).
struct PermutationOrder: EpochOrder {
  let dataset: any Dataset
  /// The epoch's row order; nil for file order, read as ranges of consecutive rows.
  var order: [Int]?
  var position = 0

  init(dataset: any Dataset, shuffle: Bool, random: inout SplitMix64) {
    self.dataset = dataset
    if shuffle {
      var permutation = Array(0..<dataset.rowCount)
      random.shuffle(&permutation)
      order = permutation
    }
  }

  mutating func next(_ count: Int) throws -> (indices: [Int], block: RowBlock) {
    let end = min(position + count, dataset.rowCount)
    defer { position = end }
    guard let order else {
      return ([Int](consecutive: position..<end), try dataset.rows(position..<end))
    }
    let indices = Array(order[position..<end])
    return (indices, try dataset.rows(at: indices))
  }

  mutating func skip(_ count: Int) { position = min(position + count, dataset.rowCount) }

  /// The next `count` rows' indices, without reading the rows.
  mutating func nextIndices(_ count: Int) throws -> [Int] {
    let end = min(position + count, dataset.rowCount)
    defer { position = end }
    return order.map { Array($0[position..<end]) } ?? [Int](consecutive: position..<end)
  }
}

/// For streaming data sets: the chunks in a shuffled order, taken `windowChunks` at a time; the
/// rows of each window (read chunk by chunk, at most `windowChunks · chunkRows` rows in memory)
/// are shuffled together. The generator draws the chunk permutation first, then each window's
/// row permutation in turn, so passing over a window costs random numbers but no reading.
struct WindowOrder: EpochOrder {
  let dataset: any Dataset
  let chunkRows: Int
  let windowChunks: Int
  let shuffle: Bool
  var random: SplitMix64
  var chunkOrder: [Int]
  var nextWindow = 0
  /// The current window: its chunks' row ranges, the data set row of each window row, the order
  /// to take them in, and (once needed) their data.
  var windowRanges: [Range<Int>] = []
  var windowIndices: [Int] = []
  var windowOrder: [Int] = []
  var windowData: RowBlock?
  var position = 0

  init(dataset: any Dataset, chunkRows: Int, windowChunks: Int, shuffle: Bool, random: SplitMix64) {
    self.dataset = dataset
    self.chunkRows = chunkRows
    self.windowChunks = windowChunks
    self.shuffle = shuffle
    self.random = random
    let chunks = (dataset.rowCount + chunkRows - 1) / chunkRows
    chunkOrder = Array(0..<chunks)
    if shuffle { self.random.shuffle(&chunkOrder) }
  }

  var windowsLeft: Bool { nextWindow * windowChunks < chunkOrder.count }

  /// Enters the next window: its rows and their order, without reading them yet.
  mutating func enterNextWindow() {
    let first = nextWindow * windowChunks
    let chunks = chunkOrder[first..<min(first + windowChunks, chunkOrder.count)]
    nextWindow += 1
    windowRanges = chunks.map { ($0 * chunkRows)..<min(($0 + 1) * chunkRows, dataset.rowCount) }
    windowIndices = windowRanges.flatMap { Array($0) }
    windowOrder = Array(0..<windowIndices.count)
    if shuffle { random.shuffle(&windowOrder) }
    windowData = nil
    position = 0
  }

  mutating func readWindow() throws {
    var data = RowBlock(
      reserving: windowIndices.count, featureCount: dataset.featureCount,
      targetCount: dataset.targetCount)
    for range in windowRanges {
      let chunk = try dataset.rows(range)
      data.features += chunk.features
      data.targets += chunk.targets
      data.rows += chunk.rows
    }
    windowData = data
  }

  mutating func next(_ count: Int) throws -> (indices: [Int], block: RowBlock) {
    let f = dataset.featureCount
    let t = dataset.targetCount
    var indices: [Int] = []
    var block = RowBlock(reserving: count, featureCount: f, targetCount: t)
    while indices.count < count {
      if position == windowOrder.count {
        guard windowsLeft else { break }
        enterNextWindow()
        continue
      }
      if windowData == nil { try readWindow() }
      let local = windowOrder[position]
      position += 1
      indices.append(windowIndices[local])
      block.features += windowData!.features[(local * f)..<((local + 1) * f)]
      block.targets += windowData!.targets[(local * t)..<((local + 1) * t)]
      block.rows += 1
    }
    return (indices, block)
  }

  mutating func skip(_ count: Int) {
    var left = count
    while left > 0 {
      if position == windowOrder.count {
        guard windowsLeft else { return }
        enterNextWindow()
      }
      let step = min(left, windowOrder.count - position)
      position += step
      left -= step
    }
  }
}

extension Array where Element == Int {
  /// `Array(range)`, filled by a loop the compiler vectorizes: the library's generic copy of a
  /// range goes element by element, and a loader makes one of these for every batch.
  init(consecutive range: Range<Int>) {
    self.init(unsafeUninitializedCapacity: range.count) { buffer, count in
      for offset in 0..<range.count { buffer[offset] = range.lowerBound + offset }
      count = range.count
    }
  }
}
