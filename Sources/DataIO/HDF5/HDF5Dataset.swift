import CHDF5

/// The element type of a data set as stored in the file. Every kind is read as `Double` (HDF5
/// converts; integers beyond 2^53 round to the nearest double, as numpy's `astype` does).
public enum HDF5ElementType: Equatable, Sendable, CustomStringConvertible {
  case float(bits: Int)
  case integer(bits: Int, signed: Bool)

  public var description: String {
    switch self {
    case .float(let bits): return "float\(bits)"
    case .integer(let bits, let signed): return "\(signed ? "" : "u")int\(bits)"
    }
  }
}

/// A 1-D or 2-D numeric data set in an `HDF5File`. Rows are the first dimension; a 1-D data set
/// has one column.
///
/// Reads select a hyperslab of whole rows, so only the chunks that hold them are read, and
/// libhdf5 converts them straight into the caller's `Double` buffer.
public final class HDF5Dataset: @unchecked Sendable {
  /// The file, kept open as long as the data set is.
  public let file: HDF5File
  /// The absolute path inside the file (`"/X"`).
  public let path: String
  /// The current extent: `[rows]` or `[rows, columns]`.
  public private(set) var shape: [Int]
  public let elementType: HDF5ElementType
  /// Bytes per element in the file.
  let elementSize: Int
  /// The largest chunk read (each is decompressed whole into memory).
  public static let maximumChunkBytes = 256 << 20
  /// The maximum extent the dataspace declares, nil where unlimited.
  let maximumShape: [Int?]
  /// The chunk extent for chunked storage, `nil` for contiguous or compact storage.
  public let chunkShape: [Int]?
  /// The filters applied to chunks, by their HDF5 names (`"deflate"`, `"fletcher32"`...).
  public let filters: [String]
  /// Filters this libhdf5 cannot decode (h5py's `lzf`, plugins that are not installed).
  let missingFilters: [String]
  let handle: HDF5Handle

  public var rank: Int { shape.count }
  public var rows: Int { shape[0] }
  public var columns: Int { shape.count == 2 ? shape[1] : 1 }
  /// `"file.h5 data set /X"`, for messages.
  var place: String { "\(file.path) data set \(path)" }

  init(file: HDF5File, path: String) throws {
    self.file = file
    self.path = path
    try file.checkLinks(path)
    let unsupported = { (reason: String) in
      DataIOError.unsupportedDataset(file: file.path, dataset: path, reason: reason)
    }
    let make = { (kind: HDF5Handle.Kind, operation: String, open: () -> hid_t) in
      try HDF5Handle.make(kind, file: file.path, dataset: path, operation: operation, open)
    }
    let object = try make(.object, "H5Oopen") { H5Oopen(file.handle.id, path, file.accessList.id) }
    guard HDF5Library.locked({ H5Iget_type(object.id) }) == H5I_DATASET else {
      throw unsupported("is a group or a named type, not a data set")
    }
    let dataset = try make(.dataset, "H5Dopen") {
      H5Dopen2(file.handle.id, path, file.accessList.id)
    }
    handle = dataset
    let space = try make(.dataspace, "H5Dget_space") { H5Dget_space(dataset.id) }
    let rank = HDF5Library.locked { Int(H5Sget_simple_extent_ndims(space.id)) }
    guard rank == 1 || rank == 2 else {
      throw unsupported("has rank \(rank); only 1-D and 2-D data sets are read")
    }
    var dims = [hsize_t](repeating: 0, count: rank)
    var maximum = [hsize_t](repeating: 0, count: rank)
    HDF5Library.locked { _ = H5Sget_simple_extent_dims(space.id, &dims, &maximum) }
    // A damaged dataspace message can state any extent: one beyond its own maximum (which
    // libhdf5 1.10 does not check) is damage, and no extent may overflow a byte count.
    for (extent, limit) in zip(dims, maximum) where limit != fit_H5S_UNLIMITED() && extent > limit {
      throw DataIOError.damagedDataset(
        file: file.path, dataset: path,
        reason: "its extent \(dims) exceeds its declared maximum "
          + "\(maximum)")
    }
    guard dims.allSatisfy({ $0 <= hsize_t(Int.max) }) else {
      throw unsupported("declares an extent of \(dims), beyond any file")
    }
    shape = dims.map { Int($0) }
    maximumShape = maximum.map { $0 == fit_H5S_UNLIMITED() ? nil : Int(clamping: $0) }

    let type = try make(.datatype, "H5Dget_type") { H5Dget_type(dataset.id) }
    let (typeClass, size, sign) = HDF5Library.locked {
      (H5Tget_class(type.id), Int(H5Tget_size(type.id)), H5Tget_sign(type.id))
    }
    switch typeClass {
    case H5T_FLOAT where [2, 4, 8].contains(size): elementType = .float(bits: 8 * size)
    case H5T_INTEGER where [1, 2, 4, 8].contains(size):
      elementType = .integer(bits: 8 * size, signed: sign == H5T_SGN_2)
    case H5T_FLOAT, H5T_INTEGER:
      throw unsupported(
        "holds \(size)-byte \(Self.className(typeClass)) values; only 2-, 4- and "
          + "8-byte floats and 1- to 8-byte integers are read")
    default: throw unsupported("holds \(Self.className(typeClass)) values, not numbers")
    }
    elementSize = size
    if let problem = HDF5Library.locked({ Self.nonstandardLayout(of: type.id, size: size) }) {
      throw DataIOError.damagedDataset(
        file: file.path, dataset: path, reason: "its \(elementType) type \(problem)")
    }

    let creation = try make(.propertyList, "H5Dget_create_plist") {
      H5Dget_create_plist(dataset.id)
    }
    let (layout, externalFiles) = HDF5Library.locked {
      (H5Pget_layout(creation.id), H5Pget_external_count(creation.id))
    }
    if layout == H5D_VIRTUAL {
      throw unsupported("is a virtual data set (it maps other data sets); refused")
    }
    if externalFiles > 0 {
      throw unsupported("is stored in \(externalFiles) external file(s); refused")
    }
    if layout == H5D_CHUNKED {
      var chunk = [hsize_t](repeating: 0, count: rank)
      HDF5Library.locked { _ = H5Pget_chunk(creation.id, Int32(rank), &chunk) }
      chunkShape = chunk.map { Int($0) }
    } else {
      chunkShape = nil
    }
    let found = HDF5Library.locked {
      (0..<max(0, H5Pget_nfilters(creation.id))).map { index -> (String, Bool) in
        var flags: UInt32 = 0
        var count = 0
        var config: UInt32 = 0
        var name = [CChar](repeating: 0, count: 64)
        let id = H5Pget_filter2(
          creation.id, UInt32(index), &flags, &count, nil, 64, &name, &config)
        let text = String(
          decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (text.isEmpty ? "filter \(id)" : text, H5Zfilter_avail(id) > 0)
      }
    }
    filters = found.map(\.0)
    missingFilters = found.filter { !$0.1 }.map(\.0)
    // A file fit is writing holds data sets that are not written yet.
    if file.mode == .readOnly { try checkStorage(layout: layout) }
  }

  /// Checks, before anything is read, that the storage the file declares for the data set can
  /// hold its extent, since libhdf5 1.10 trusts a damaged layout message and reads (or copies)
  /// past the end of its buffers:
  /// - contiguous: an allocated block of exactly rows × columns × element size bytes that ends
  ///   inside the file;
  /// - compact: a buffer of exactly that size in the object header;
  /// - chunked: every chunk the extent needs is written (an unwritten chunk would read as the
  ///   fill value, so a data set declaring 10¹² rows over a few written chunks is refused
  ///   rather than trained on as zeros); chunk reads check each chunk's address themselves.
  func checkStorage(layout: H5D_layout_t) throws {
    let (elements, overflow) = shape.reduce((1, false)) { partial, extent in
      let product = partial.0.multipliedReportingOverflow(by: extent)
      return (product.partialValue, partial.1 || product.overflow)
    }
    let (bytes, byteOverflow) = elements.multipliedReportingOverflow(by: elementSize)
    guard !overflow && !byteOverflow else {
      throw damaged("its extent \(shape) × \(elementSize) bytes overflows a 64-bit size")
    }
    guard elements > 0 else { return }
    let (fileSize, storage, offset, writtenChunks) = try HDF5Library.locked {
      var fileSize: hsize_t = 0
      guard H5Fget_filesize(file.handle.id, &fileSize) >= 0 else {
        throw HDF5Library.error(file: file.path, dataset: path, operation: "file size")
      }
      var chunks: hsize_t = 0
      if layout == H5D_CHUNKED {
        let space = H5Dget_space(handle.id)
        defer { if space >= 0 { H5Sclose(space) } }
        guard space >= 0, H5Dget_num_chunks(handle.id, space, &chunks) >= 0 else {
          throw HDF5Library.error(file: file.path, dataset: path, operation: "count chunks")
        }
      }
      return (
        Int(clamping: fileSize), Int(clamping: H5Dget_storage_size(handle.id)),
        H5Dget_offset(handle.id), Int(clamping: chunks)
      )
    }
    switch layout {
    case H5D_CONTIGUOUS:
      guard offset != haddr_t.max else {
        throw damaged("was never written (no storage is allocated); it would read as fill values")
      }
      guard storage == bytes else {
        throw damaged("its \(shape) values need \(bytes) bytes but its storage holds \(storage)")
      }
      guard offset <= haddr_t(fileSize), bytes <= fileSize - Int(offset) else {
        throw damaged(
          "its data (\(bytes) bytes at offset \(offset)) extend past the end of the file "
            + "(\(fileSize) bytes); the file is truncated or damaged")
      }
    case H5D_COMPACT:
      guard storage == bytes else {
        throw damaged(
          "its \(shape) values need \(bytes) bytes but its compact storage holds \(storage)")
      }
    case H5D_CHUNKED:
      guard let chunk = chunkShape, chunk.count == shape.count, chunk.allSatisfy({ $0 > 0 }),
        zip(chunk, maximumShape).allSatisfy({ $1 == nil || $0 <= $1! })
      else {
        throw damaged(
          "its chunk shape \(chunkShape ?? []) does not fit its extent \(shape) (maximum "
            + "[\(maximumShape.map { $0.map(String.init) ?? "unlimited" }.joined(separator: ", "))])"
        )
      }
      let (chunkElements, chunkOverflow) = chunk.reduce((1, false)) { partial, extent in
        let product = partial.0.multipliedReportingOverflow(by: extent)
        return (product.partialValue, partial.1 || product.overflow)
      }
      // HDF5 itself caps a chunk at 4 GiB; fit reads a chunk whole into memory, and no tool
      // users write with (h5py, pandas, fit convert) makes chunks near this bound.
      guard !chunkOverflow, chunkElements <= Self.maximumChunkBytes / elementSize else {
        throw DataIOError.unsupportedDataset(
          file: file.path, dataset: path,
          reason: "has chunks of \(chunk) (more than \(Self.maximumChunkBytes >> 20) MiB each); "
            + "rewrite it with smaller chunks (h5py: chunks=True, or fit convert)")
      }
      let perDimension = zip(shape, chunk).map { ($0 + $1 - 1) / $1 }
      let (needed, neededOverflow) = perDimension.reduce((1, false)) { partial, count in
        let product = partial.0.multipliedReportingOverflow(by: count)
        return (product.partialValue, partial.1 || product.overflow)
      }
      guard !neededOverflow, writtenChunks >= needed else {
        throw damaged(
          "declares \(shape) values in \(needed) chunk(s) of \(chunk) but only \(writtenChunks) "
            + "are written; the rest would read as fill values (was the file closed before it "
            + "was finished?)")
      }
      try checkChunks(
        perDimension: perDimension, chunk: chunk, chunkBytes: chunkElements * elementSize,
        fileSize: fileSize)
    default:
      break
    }
  }

  /// The error for metadata that contradict themselves or the file.
  func damaged(_ reason: String) -> DataIOError {
    .damagedDataset(file: file.path, dataset: path, reason: reason)
  }

  /// Checks each chunk's entry in the chunk index (looked up by its coordinates, so the cost is
  /// a B-tree search per chunk): it must lie inside the file, and an unfiltered chunk must hold
  /// exactly its shape's bytes (libhdf5 1.10 copies the shape's worth out of whatever it read),
  /// a filtered one at most that plus deflate's worst-case overhead.
  func checkChunks(perDimension: [Int], chunk: [Int], chunkBytes: Int, fileSize: Int) throws {
    let filterCount = filters.count
    var index = [Int](repeating: 0, count: perDimension.count)
    while true {
      let offset = zip(index, chunk).map { hsize_t($0 * $1) }
      var mask: UInt32 = 0
      var address: haddr_t = 0
      var size: hsize_t = 0
      let status = HDF5Library.locked {
        H5Dget_chunk_info_by_coord(handle.id, offset, &mask, &address, &size)
      }
      guard status >= 0 else {
        throw HDF5Library.error(file: file.path, dataset: path, operation: "chunk at \(offset)")
      }
      let unfiltered = filterCount == 0 || mask == (UInt32(1) << filterCount) - 1
      let stored = Int(clamping: size)
      let place = "its chunk at \(offset.map(Int.init))"
      guard address != haddr_t.max, address <= haddr_t(fileSize),
        stored <= fileSize - Int(address)
      else {
        throw damaged(
          "\(place) (\(stored) bytes at offset \(address)) is not inside the file (\(fileSize) "
            + "bytes)")
      }
      if unfiltered ? stored != chunkBytes : stored > chunkBytes + chunkBytes / 64 + 4096 {
        throw damaged(
          "\(place) stores \(stored) bytes where its shape \(chunk) holds \(chunkBytes)"
            + (unfiltered ? "" : " before compression"))
      }
      var dimension = index.count - 1
      while dimension >= 0 {
        index[dimension] += 1
        if index[dimension] < perDimension[dimension] { break }
        index[dimension] = 0
        dimension -= 1
      }
      if dimension < 0 { return }
    }
  }

  /// Every element, row-major.
  public func read() throws -> [Double] {
    try readRows(0..<rows)
  }

  /// The rows in `range`, row-major, reading nothing else from the file.
  public func readRows(_ range: Range<Int>) throws -> [Double] {
    try [Double](unsafeUninitializedCapacity: range.count * columns) { buffer, count in
      try readRows(range, into: buffer)
      count = range.count * columns
    }
  }

  /// Reads the rows in `range` into `buffer`, which must hold `range.count * columns` values.
  public func readRows(_ range: Range<Int>, into buffer: UnsafeMutableBufferPointer<Double>) throws
  {
    guard range.lowerBound >= 0 && range.upperBound <= rows else {
      throw DataIOError.invalidRequest(
        source: place, message: "rows \(range) are outside the data set's 0..<\(rows)")
    }
    precondition(buffer.count >= range.count * columns, "buffer too small for \(range.count) rows")
    guard !range.isEmpty && columns > 0 else { return }
    guard missingFilters.isEmpty else {
      throw DataIOError.unsupportedDataset(
        file: file.path, dataset: path,
        reason: "is compressed with \(missingFilters.joined(separator: ", ")), which this "
          + "libhdf5 cannot decode; rewrite it with gzip (compression='gzip' in h5py)")
    }
    let selection = try fileSelection(rows: range)
    let count = hyperslabCount(rows: range.count)
    let memory = try HDF5Handle.make(.dataspace, file: file.path, dataset: path, operation: "read")
    {
      H5Screate_simple(Int32(rank), count, nil)
    }
    try HDF5Library.locked {
      let status = H5Dread(
        handle.id, fit_H5T_NATIVE_DOUBLE(), memory.id, selection.id, fit_H5P_DEFAULT(),
        buffer.baseAddress)
      guard status >= 0 else {
        throw HDF5Library.error(file: file.path, dataset: path, operation: "read of rows \(range)")
      }
    }
  }

  /// The file's dataspace with the hyperslab of whole rows `rows` selected.
  func fileSelection(rows: Range<Int>) throws -> HDF5Handle {
    let space = try HDF5Handle.make(.dataspace, file: file.path, dataset: path, operation: "select")
    {
      H5Dget_space(handle.id)
    }
    let start: [hsize_t] = rank == 2 ? [hsize_t(rows.lowerBound), 0] : [hsize_t(rows.lowerBound)]
    let count = hyperslabCount(rows: rows.count)
    try HDF5Library.locked {
      guard H5Sselect_hyperslab(space.id, H5S_SELECT_SET, start, nil, count, nil) >= 0 else {
        throw HDF5Library.error(file: file.path, dataset: path, operation: "select rows \(rows)")
      }
    }
    return space
  }

  func hyperslabCount(rows: Int) -> [hsize_t] {
    rank == 2 ? [hsize_t(rows), hsize_t(columns)] : [hsize_t(rows)]
  }

  func updateShape(rows: Int) { shape[0] = rows }

  /// What makes a numeric type other than a standard two's-complement or unsigned integer or an
  /// IEEE 754 binary16/32/64 float, both byte orders, or nil. A damaged type message can
  /// declare bit fields outside the value (libhdf5 1.10 then converts past its buffers), so
  /// only the standard layouts h5py, pandas and R write are accepted. Call holding the lock.
  static func nonstandardLayout(of type: hid_t, size: Int) -> String? {
    let order = H5Tget_order(type)
    guard order == H5T_ORDER_LE || order == H5T_ORDER_BE else {
      return "has byte order \(order.rawValue), neither little- nor big-endian"
    }
    let precision = H5Tget_precision(type)
    let offset = H5Tget_offset(type)
    guard precision == 8 * size, offset == 0 else {
      return "declares \(precision) bits at offset \(offset) in \(size) bytes"
    }
    guard H5Tget_class(type) == H5T_FLOAT else { return nil }
    var (signPosition, exponentPosition, exponentSize, mantissaPosition, mantissaSize) =
      (0, 0, 0, 0, 0)
    guard
      H5Tget_fields(
        type, &signPosition, &exponentPosition, &exponentSize, &mantissaPosition, &mantissaSize)
        >= 0
    else { return "has unreadable bit fields" }
    // (exponent bits, bias) of IEEE binary16, binary32, binary64.
    let ieee: [Int: (Int, Int)] = [2: (5, 15), 4: (8, 127), 8: (11, 1023)]
    guard let (bits, bias) = ieee[size], signPosition == 8 * size - 1,
      exponentSize == bits, exponentPosition == 8 * size - 1 - bits, mantissaPosition == 0,
      mantissaSize == 8 * size - 1 - bits, Int(H5Tget_ebias(type)) == bias,
      H5Tget_norm(type) == H5T_NORM_IMPLIED
    else {
      return "is not an IEEE 754 float (sign bit \(signPosition), exponent \(exponentSize) bits "
        + "at \(exponentPosition), mantissa \(mantissaSize) bits at \(mantissaPosition))"
    }
    return nil
  }

  static func className(_ typeClass: H5T_class_t) -> String {
    switch typeClass {
    case H5T_INTEGER: return "integer"
    case H5T_FLOAT: return "float"
    case H5T_STRING: return "string"
    case H5T_COMPOUND: return "compound"
    case H5T_ENUM: return "enum (h5py's bool)"
    case H5T_OPAQUE: return "opaque"
    case H5T_BITFIELD: return "bitfield"
    case H5T_REFERENCE: return "reference"
    case H5T_VLEN: return "variable-length"
    case H5T_ARRAY: return "array"
    case H5T_TIME: return "time"
    default: return "unknown"
    }
  }
}
