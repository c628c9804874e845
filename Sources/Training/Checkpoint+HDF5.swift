import DataIO
import Foundation
import Optim

/// A checkpoint as one HDF5 file, readable with `h5py` alone (layout in `docs/checkpoints.md`).
///
/// Every number is a float64 data set with HDF5's Fletcher-32 filter, so a flipped bit in the data
/// fails the read instead of being trained on. Strings (config, names, kinds) are attributes,
/// which HDF5 does not checksum; the root attribute `digest`, an FNV-1a 64-bit hash of the whole
/// content (numbers by their bit patterns, strings by their UTF-8 bytes), covers them, and is
/// checked on every read.
extension Checkpoint {
  static let writeOptions = HDF5WriteOptions(chunkRows: 4096, fletcher32: true)

  /// Writes the checkpoint to a new HDF5 file at `url` (replacing any file there), then its
  /// whole-file checksum into the file's user block (`FileChecksum`). Not atomic by itself:
  /// `CheckpointFolder` writes to a temporary name and renames.
  public func write(to url: URL) throws {
    try writeHDF5(to: url)  // closes the file
    try FileChecksum.seal(url)
  }

  private func writeHDF5(to url: URL) throws {
    let file = try HDF5File(url: url, mode: .create, userBlock: FileChecksum.blockSize)
    func put(_ values: [Double], _ path: String, shape: [Int]? = nil) throws {
      try file.write(values, shape: shape ?? [values.count], to: path, options: Self.writeOptions)
    }
    try file.setAttribute("format", Self.format)
    try file.setAttribute("version", Double(version))
    try file.setAttribute("config", configJSON)
    try file.setAttribute("inputs", Self.jsonList(inputNames))
    try file.setAttribute("terms", Self.jsonList(termNames))
    try file.setAttribute("targets", Self.jsonList(targetNames))
    try file.setAttribute("digest", contentDigest())

    for parameter in parameters {
      try put(parameter.values, "/model/\(parameter.name)", shape: parameter.shape)
    }
    try file.setAttribute("parameters", Self.jsonList(parameters.map(\.name)), on: "/model")

    try writeState(optimizer, at: "/optimizer", into: file)
    try writeState(scheduler, at: "/scheduler", into: file)
    if let plateau { try writeState(plateau, at: "/plateau", into: file) }

    try put([Double(loader.epoch)], "/loader/epoch")
    try put([Double(loader.batchIndex)], "/loader/batch_index")
    try put(
      [Double(loader.rngState >> 32), Double(loader.rngState & 0xFFFF_FFFF)], "/loader/rng_state")
    try file.setAttribute("rng_state", String(loader.rngState), on: "/loader")

    let t = training
    try put([Double(t.step)], "/training/step")
    try put([t.bestLoss], "/training/best_loss")
    try put([Double(t.bestEpoch)], "/training/best_epoch")
    try put([Double(t.epochsWithoutImprovement)], "/training/epochs_without_improvement")
    try put([t.stoppedEarly ? 1 : 0], "/training/stopped_early")
    try put([t.epochLossSum], "/training/epoch_loss_sum")
    try put([Double(t.epochRows)], "/training/epoch_rows")
    try put([t.converged ? 1 : 0], "/training/converged")
    try put([t.bestTrainLoss], "/training/best_train_loss")
    try put([Double(t.epochsWithoutProgress)], "/training/epochs_without_progress")
    if let targetStandardization {
      try put(targetStandardization.mean, "/target_standardization/mean")
      try put(targetStandardization.std, "/target_standardization/std")
    }

    if let standardization {
      try put(standardization.mean, "/standardization/mean")
      try put(standardization.std, "/standardization/std")
    }
    for column in Self.metricColumns {
      try put(t.history.map(column.value), "/metrics/\(column.name)")
    }
    try file.flush()
  }

  private func writeState(_ state: StateDict, at group: String, into file: HDF5File) throws {
    let scalarKeys = state.scalars.keys.sorted()
    let arrayKeys = state.arrays.keys.sorted()
    precondition(!scalarKeys.isEmpty, "a saved state has at least one scalar")
    for key in scalarKeys {
      try file.write(
        [state.scalars[key]!], shape: [1], to: "\(group)/scalars/\(key)", options: Self.writeOptions
      )
    }
    for key in arrayKeys {
      let values = state.arrays[key]!
      try file.write(
        values, shape: [values.count], to: "\(group)/arrays/\(key)", options: Self.writeOptions)
    }
    try file.setAttribute("kind", state.kind, on: group)
    try file.setAttribute("scalar_keys", Self.jsonList(scalarKeys), on: group)
    try file.setAttribute("array_keys", Self.jsonList(arrayKeys), on: group)
  }

  /// Reads and validates the checkpoint at `url`: format, version, every data set present with
  /// its expected shape, Fletcher-32 checksums and the content digest.
  /// - Throws: `CheckpointError.unreadable` saying what is wrong; `.incompatible` for a valid
  ///   checkpoint of another format version.
  public static func read(from url: URL) throws -> Checkpoint {
    let path = url.path
    let bad = { (reason: String) in CheckpointError.unreadable(file: path, reason: reason) }
    do {
      return try readUnchecked(url: url)
    } catch let error as CheckpointError {
      throw error
    } catch let error as DataIOError {
      throw bad(Self.describe(error))
    } catch {
      throw bad("\(error)")
    }
  }

  private static func readUnchecked(url: URL) throws -> Checkpoint {
    let path = url.path
    let bad = { (reason: String) in CheckpointError.unreadable(file: path, reason: reason) }
    // Every byte is checked before libhdf5 parses any: a damaged header could make it allocate
    // absurd sizes or crash, where a damaged file must simply be passed over.
    try FileChecksum.verify(url)
    let file = try HDF5File(url: url)
    guard (try? file.stringAttribute("format")) == format else {
      throw bad("not a fit checkpoint (no root attribute format = \"\(format)\")")
    }
    let version = try file.doubleAttribute("version").first ?? .nan
    guard version == Double(currentVersion) else {
      throw CheckpointError.incompatible(
        file: path,
        what: "checkpoint format version \(version.formatted()) differs from this fit's "
          + "\(currentVersion)")
    }
    let capacity = try valueCapacity(of: url)
    func checked(_ path: String, count: Int? = nil) throws -> HDF5Dataset {
      let dataset = try file.dataset(path)
      if let problem = layoutProblem(dataset, capacity: capacity, count: count) {
        throw bad("data set \(path) \(problem)")
      }
      return dataset
    }
    func values(_ dataset: String, count: Int? = nil) throws -> [Double] {
      try checked(dataset, count: count).read()
    }
    func scalar(_ dataset: String) throws -> Double { try values(dataset, count: 1)[0] }
    func whole(_ dataset: String) throws -> Int {
      let value = try scalar(dataset)
      guard value >= 0, value == value.rounded(), value < 0x1p53 else {
        throw bad("data set \(dataset) should hold a whole number ≥ 0, holds \(value)")
      }
      return Int(value)
    }
    func list(_ name: String, of object: String = "/") throws -> [String] {
      let text = try file.stringAttribute(name, of: object)
      guard let list = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
        throw bad("attribute \(name) of \(object) is not a JSON list of strings")
      }
      return list
    }
    func state(_ group: String) throws -> StateDict {
      var state = StateDict(kind: try file.stringAttribute("kind", of: group))
      for key in try list("scalar_keys", of: group) {
        state.scalars[key] = try scalar("\(group)/scalars/\(key)")
      }
      for key in try list("array_keys", of: group) {
        state.arrays[key] = try values("\(group)/arrays/\(key)")
      }
      return state
    }

    var parameters: [Parameter] = []
    for name in try list("parameters", of: "/model") {
      let dataset = try checked("/model/\(name)")
      parameters.append(Parameter(name: name, shape: dataset.shape, values: try dataset.read()))
    }
    let hi = try values("/loader/rng_state", count: 2)
    guard hi.allSatisfy({ $0 >= 0 && $0 < 0x1p32 && $0 == $0.rounded() }) else {
      throw bad("data set /loader/rng_state should hold two 32-bit halves, holds \(hi)")
    }
    let loader = LoaderPosition(
      epoch: try whole("/loader/epoch"), batchIndex: try whole("/loader/batch_index"),
      rngState: UInt64(hi[0]) << 32 | UInt64(hi[1]))

    var training = TrainingState()
    training.step = try whole("/training/step")
    training.bestLoss = try scalar("/training/best_loss")
    training.bestEpoch = try whole("/training/best_epoch")
    training.epochsWithoutImprovement = try whole("/training/epochs_without_improvement")
    training.stoppedEarly = try scalar("/training/stopped_early") != 0
    training.epochLossSum = try scalar("/training/epoch_loss_sum")
    training.epochRows = try whole("/training/epoch_rows")
    // Written since the convergence rule; absent from older checkpoints, whose runs had none.
    if file.contains("/training/converged") {
      training.converged = try scalar("/training/converged") != 0
      training.bestTrainLoss = try scalar("/training/best_train_loss")
      training.epochsWithoutProgress = try whole("/training/epochs_without_progress")
    }
    var columns: [String: [Double]] = [:]
    for column in metricColumns { columns[column.name] = try values("/metrics/\(column.name)") }
    let epochs = columns["epoch"]!.count
    guard columns.values.allSatisfy({ $0.count == epochs }) else {
      throw bad("the data sets under /metrics differ in length")
    }
    training.history = (0..<epochs).map { row in
      let value = { (name: String) in columns[name]![row] }
      let whole = { (name: String) in Int(exactly: value(name).rounded()) ?? -1 }
      let validation =
        value("val_rows") > 0
        ? RegressionMetrics(
          mse: value("val_mse"), rmse: value("val_rmse"), mae: value("val_mae"),
          r2: value("val_r2"), rows: whole("val_rows")) : nil
      return EpochRecord(
        epoch: whole("epoch"), step: whole("step"), trainLoss: value("train_loss"),
        validation: validation, learningRate: value("learning_rate"),
        rowsPerSecond: value("rows_per_second"))
    }

    var standardization: Standardization?
    let termNames = try list("terms")
    if file.contains("/standardization") {
      let count = termNames.count
      standardization = Standardization(
        mean: try values("/standardization/mean", count: count),
        std: try values("/standardization/std", count: count))
    }
    var targetStandardization: Standardization?
    if file.contains("/target_standardization") {
      let count = try list("targets").count
      targetStandardization = Standardization(
        mean: try values("/target_standardization/mean", count: count),
        std: try values("/target_standardization/std", count: count))
    }
    var checkpoint = Checkpoint(
      parameters: parameters, optimizer: try state("/optimizer"),
      scheduler: try state("/scheduler"),
      plateau: file.contains("/plateau") ? try state("/plateau") : nil, loader: loader,
      training: training, standardization: standardization,
      configJSON: try file.stringAttribute("config"), inputNames: try list("inputs"),
      termNames: termNames, targetNames: try list("targets"))
    checkpoint.targetStandardization = targetStandardization
    let stored = try file.stringAttribute("digest")
    let computed = checkpoint.contentDigest()
    guard stored == computed else {
      throw bad("content digest \(computed) differs from the stored \(stored): the file is corrupt")
    }
    return checkpoint
  }

  /// The most float64 values a checkpoint file of this size can store: every value we write is
  /// in a chunk of the file (none is left to a fill value), so a data set declaring more is
  /// damaged.
  private static func valueCapacity(of url: URL) throws -> Int {
    let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
    guard let size = (attributes?[.size] as? NSNumber)?.intValue else {
      throw CheckpointError.unreadable(file: url.path, reason: "cannot read the file's size")
    }
    return max(0, size - FileChecksum.blockSize) / 8
  }

  /// What keeps `dataset` from being read as one `writeHDF5` wrote, checked through the HDF5
  /// API before a value is read: float64, chunked as written (`writeOptions`) with Fletcher-32
  /// alone, and no more values than the file can hold (exactly `count` when that is known).
  ///
  /// libhdf5 1.10 trusts the sizes a file declares. Damage behind a valid outer checksum (a
  /// resealed file) made it fill gigabytes with fill values chunk by chunk for an extent of
  /// 2^28 + 1 (`fit inspect` grew past 1.4 GB and did not return), and copy past its buffers
  /// for an element size of 131,080 bytes (issue 18).
  private static func layoutProblem(_ dataset: HDF5Dataset, capacity: Int, count: Int?) -> String?
  {
    guard dataset.elementType == .float(bits: 64) else {
      return "holds \(dataset.elementType) values, not float64"
    }
    var values = 1
    for extent in dataset.shape {
      let (product, overflow) = values.multipliedReportingOverflow(by: extent)
      guard !overflow, product <= capacity else {
        return "declares the shape \(dataset.shape), more values than the file's "
          + "\(capacity * 8) bytes can hold: the file is damaged"
      }
      values = product
    }
    if let count, values != count {
      return "has \(values) values, expected \(count)"
    }
    let chunkRows = writeOptions.chunkRows!
    let rows = dataset.rows
    // A zero-row data set is extendable, which lets its chunk exceed its extent.
    let expectedChunk =
      [rows == 0 ? chunkRows : min(chunkRows, rows)]
      + (dataset.rank == 2 ? [max(dataset.columns, 1)] : [])
    guard dataset.chunkShape == expectedChunk else {
      return "has chunks of \(dataset.chunkShape.map { "\($0)" } ?? "no chunks"), expected "
        + "\(expectedChunk): the file is damaged"
    }
    guard dataset.filters == ["fletcher32"] else {
      return "has the filters \(dataset.filters), expected Fletcher-32 alone"
    }
    return nil
  }

  /// The columns of `/metrics`, one value per finished epoch (`val_*` are NaN and `val_rows` 0
  /// without validation data).
  static let metricColumns: [(name: String, value: @Sendable (EpochRecord) -> Double)] = [
    ("epoch", { Double($0.epoch) }),
    ("step", { Double($0.step) }),
    ("train_loss", { $0.trainLoss }),
    ("val_mse", { $0.validation?.mse ?? .nan }),
    ("val_rmse", { $0.validation?.rmse ?? .nan }),
    ("val_mae", { $0.validation?.mae ?? .nan }),
    ("val_r2", { $0.validation?.r2 ?? .nan }),
    ("val_rows", { Double($0.validation?.rows ?? 0) }),
    ("learning_rate", { $0.learningRate }),
    ("rows_per_second", { $0.rowsPerSecond }),
  ]

  static func jsonList(_ names: [String]) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    return String(decoding: (try? encoder.encode(names)) ?? Data("[]".utf8), as: UTF8.self)
  }

  static func describe(_ error: DataIOError) -> String {
    let text = "\(error)"
    // HDF5 reports a failed Fletcher-32 check as a filter failure on read.
    if text.contains("filter") || text.contains("checksum") {
      return "a checksum (Fletcher-32) does not match: the file is corrupt (\(text))"
    }
    return text
  }

  /// FNV-1a (64-bit) of the whole content in a fixed order, as `"fnv1a64:<16 hex digits>"`.
  func contentDigest() -> String {
    var hash = FNV1a()
    hash.add(Double(version))
    hash.add(configJSON)
    for names in [inputNames, termNames, targetNames] { hash.add(names) }
    for parameter in parameters {
      hash.add(parameter.name)
      hash.add(parameter.shape.map(Double.init))
      hash.add(parameter.values)
    }
    for state in [optimizer, scheduler] + (plateau.map { [$0] } ?? []) {
      hash.add(state.kind)
      for key in state.scalars.keys.sorted() {
        hash.add(key)
        hash.add(state.scalars[key]!)
      }
      for key in state.arrays.keys.sorted() {
        hash.add(key)
        hash.add(state.arrays[key]!)
      }
    }
    hash.add([Double(loader.epoch), Double(loader.batchIndex)])
    hash.add(String(loader.rngState))
    let t = training
    hash.add([
      Double(t.step), t.bestLoss, Double(t.bestEpoch), Double(t.epochsWithoutImprovement),
      t.stoppedEarly ? 1 : 0, t.epochLossSum, Double(t.epochRows),
    ])
    for column in Self.metricColumns { hash.add(t.history.map(column.value)) }
    if let standardization {
      hash.add(standardization.mean)
      hash.add(standardization.std)
    }
    // Hashed only when they differ from what an older checkpoint implies, so that its digest
    // still verifies.
    if t.converged || t.epochsWithoutProgress != 0 || t.bestTrainLoss != .infinity {
      hash.add([t.converged ? 1 : 0, t.bestTrainLoss, Double(t.epochsWithoutProgress)])
    }
    if let targetStandardization {
      hash.add(targetStandardization.mean)
      hash.add(targetStandardization.std)
    }
    return hash.digest
  }
}

/// The 64-bit FNV-1a hash: `h = (h ⊕ byte) · 1099511628211` from `h = 14695981039346656037`.
/// Not cryptographic; it detects accidental corruption, which is all a checkpoint needs.
struct FNV1a {
  private(set) var value: UInt64 = 14_695_981_039_346_656_037

  /// The hash as written in files: `"fnv1a64:<16 hex digits>"`.
  var digest: String {
    let hex = String(value, radix: 16)
    return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
  }

  mutating func add(byte: UInt8) {
    value = (value ^ UInt64(byte)) &* 1_099_511_628_211
  }

  mutating func add(_ bits: UInt64) {
    for shift in stride(from: 0, to: 64, by: 8) {
      add(byte: UInt8(truncatingIfNeeded: bits >> shift))
    }
  }

  mutating func add(_ value: Double) { add(value.bitPattern) }

  /// The count first, so that `[a, b] + [c]` and `[a] + [b, c]` hash differently.
  mutating func add(_ values: [Double]) {
    add(UInt64(values.count))
    for value in values { add(value.bitPattern) }
  }

  mutating func add(_ text: String) {
    add(UInt64(text.utf8.count))
    for byte in text.utf8 { add(byte: byte) }
  }

  mutating func add(_ texts: [String]) {
    add(UInt64(texts.count))
    for text in texts { add(text) }
  }
}
