import CHDF5

/// How `HDF5File.createDataset` lays out a new data set of doubles (stored little-endian IEEE
/// `float64`, so that any tool on any machine reads the same bits).
public struct HDF5WriteOptions: Sendable, Equatable {
  /// Rows per chunk; `nil` picks about 1 MiB per chunk when chunking is needed (compression,
  /// checksums or `extendable` all require it) and contiguous storage otherwise.
  public var chunkRows: Int?
  /// gzip (deflate) level 0...9, or `nil` for no compression.
  public var gzipLevel: Int?
  /// Store a Fletcher-32 checksum with every chunk, so corruption is detected on reading.
  public var fletcher32: Bool
  /// Let the number of rows grow later (`append(rows:)`); the first dimension is unlimited.
  public var extendable: Bool

  public init(
    chunkRows: Int? = nil, gzipLevel: Int? = nil, fletcher32: Bool = false, extendable: Bool = false
  ) {
    precondition(chunkRows.map { $0 > 0 } ?? true, "chunkRows must be positive")
    precondition(gzipLevel.map { (0...9).contains($0) } ?? true, "gzip level must be in 0...9")
    self.chunkRows = chunkRows
    self.gzipLevel = gzipLevel
    self.fletcher32 = fletcher32
    self.extendable = extendable
  }

  var needsChunks: Bool { chunkRows != nil || gzipLevel != nil || fletcher32 || extendable }
}

extension HDF5File {
  /// Creates a data set of `rows` (initially zero-filled) rows at `path`, 2-D with `columns`
  /// columns or 1-D when `columns` is `nil`. Missing groups on the path are created.
  public func createDataset(
    _ path: String, rows: Int = 0, columns: Int?, options: HDF5WriteOptions = HDF5WriteOptions()
  ) throws -> HDF5Dataset {
    let path = normalized(path)
    let make = { (kind: HDF5Handle.Kind, open: () -> hid_t) in
      try HDF5Handle.make(kind, file: self.path, dataset: path, operation: "create", open)
    }
    let dims: [hsize_t] = [hsize_t(rows)] + (columns.map { [hsize_t($0)] } ?? [])
    var maxDims = dims
    // A zero-row data set can only be chunked if it may grow.
    if options.extendable || (rows == 0 && options.needsChunks) { maxDims[0] = fit_H5S_UNLIMITED() }
    let space = try make(.dataspace) { H5Screate_simple(Int32(dims.count), dims, maxDims) }
    let creation = try make(.propertyList) { H5Pcreate(fit_H5P_DATASET_CREATE()) }
    let links = try make(.propertyList) { H5Pcreate(fit_H5P_LINK_CREATE()) }
    try HDF5Library.locked {
      var ok = H5Pset_create_intermediate_group(links.id, 1) >= 0
      if options.needsChunks {
        let rowBytes = 8 * max(columns ?? 1, 1)
        var chunkRows = options.chunkRows ?? max(1, (1 << 20) / rowBytes)
        // Chunks may not exceed a fixed extent.
        if maxDims[0] != fit_H5S_UNLIMITED() { chunkRows = min(chunkRows, max(rows, 1)) }
        let chunk: [hsize_t] = [hsize_t(chunkRows)] + (columns.map { [hsize_t(max($0, 1))] } ?? [])
        ok = ok && H5Pset_chunk(creation.id, Int32(chunk.count), chunk) >= 0
      }
      if options.fletcher32 { ok = ok && H5Pset_fletcher32(creation.id) >= 0 }
      if let level = options.gzipLevel {
        ok = ok && H5Pset_deflate(creation.id, UInt32(level)) >= 0
      }
      guard ok else { throw HDF5Library.error(file: self.path, dataset: path, operation: "create") }
    }
    _ = try make(.dataset) {
      H5Dcreate2(
        handle.id, path, fit_H5T_IEEE_F64LE(), space.id, links.id, creation.id, fit_H5P_DEFAULT())
    }
    return try dataset(path)
  }

  /// Creates a data set holding `values` with `shape` (`[rows]` or `[rows, columns]`).
  @discardableResult
  public func write(
    _ values: [Double], shape: [Int], to path: String, options: HDF5WriteOptions = .init()
  ) throws -> HDF5Dataset {
    precondition(shape.count == 1 || shape.count == 2, "shape must be [rows] or [rows, columns]")
    precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
    let dataset = try createDataset(
      path, rows: shape[0], columns: shape.count == 2 ? shape[1] : nil, options: options)
    try dataset.writeRows(values, at: 0)
    return dataset
  }
}

extension HDF5Dataset {
  /// Writes whole rows (row-major `values`) starting at row `start`, growing an extendable data
  /// set when they reach past its end.
  public func writeRows(_ values: [Double], at start: Int) throws {
    precondition(columns > 0 && values.count % columns == 0, "values must be whole rows")
    let count = values.count / columns
    guard count > 0 else { return }
    if start + count > rows {
      let extent: [hsize_t] = [hsize_t(start + count)] + (rank == 2 ? [hsize_t(columns)] : [])
      try HDF5Library.locked {
        guard H5Dset_extent(handle.id, extent) >= 0 else {
          throw HDF5Library.error(
            file: file.path, dataset: path, operation: "extend to \(start + count) rows")
        }
      }
      updateShape(rows: start + count)
    }
    let selection = try fileSelection(rows: start..<(start + count))
    let memory = try HDF5Handle.make(.dataspace, file: file.path, dataset: path, operation: "write")
    {
      H5Screate_simple(Int32(rank), hyperslabCount(rows: count), nil)
    }
    try HDF5Library.locked {
      let status = values.withUnsafeBufferPointer {
        H5Dwrite(
          handle.id, fit_H5T_NATIVE_DOUBLE(), memory.id, selection.id, fit_H5P_DEFAULT(),
          $0.baseAddress)
      }
      guard status >= 0 else {
        throw HDF5Library.error(
          file: file.path, dataset: path, operation: "write of rows \(start)..<\(start + count)")
      }
    }
  }

  /// Appends whole rows at the end of an extendable data set.
  public func append(rows values: [Double]) throws {
    try writeRows(values, at: rows)
  }
}
