import CHDF5
import Foundation

/// Strings stored as h5py and PyTables store them, in attributes (a data set's `columns`) and in
/// data sets (a pandas frame's column names): one string or a 1-D array of them, variable-length
/// (`str`, or `bytes` with `h5py.string_dtype('ascii')`) or fixed-length (numpy's `S` dtype),
/// NUL-terminated, NUL-padded or space-padded, in UTF-8 (ASCII included).
///
/// The type class, rank and sizes are checked through the HDF5 API before anything is read: an
/// array read into a buffer sized for one string overwrites memory (issue 17).
extension HDF5File {
  /// What the reader needs of an attribute or a data set.
  struct StringSource {
    let type: HDF5Handle
    let space: HDF5Handle
    /// The bytes the file stores, when they must equal the elements' (an attribute's; a data
    /// set's compressed chunks store any number).
    let storedBytes: Int?
    /// The object (and operation, for HDF5's errors) named in messages.
    let object: String
    let operation: String
    /// The error for an unusable object, given the reason.
    let refuse: (String) -> DataIOError
    /// `H5Aread` or `H5Dread` of every element with the given memory type into the buffer.
    let read: (hid_t, UnsafeMutableRawPointer?) -> herr_t
  }

  /// The strings of a 1-D string data set, such as a pandas frame's `axis0`.
  ///
  /// - Throws: `DataIOError.unsupportedDataset` naming the file and data set for other types,
  ///   another rank or invalid UTF-8; `.missingDataset` when nothing is at `path`.
  public func strings(_ path: String) throws -> [String] {
    let path = normalized(path)
    try checkLinks(path)
    let make = { (kind: HDF5Handle.Kind, open: () -> hid_t) in
      try HDF5Handle.make(kind, file: self.path, dataset: path, operation: "read strings", open)
    }
    let refuse = { (reason: String) in
      DataIOError.unsupportedDataset(file: self.path, dataset: path, reason: reason)
    }
    let object = try make(.object) { H5Oopen(handle.id, path, accessList.id) }
    guard HDF5Library.locked({ H5Iget_type(object.id) }) == H5I_DATASET else {
      throw refuse("is a group or a named type, not a data set")
    }
    let dataset = try make(.dataset) { H5Dopen2(handle.id, path, accessList.id) }
    let type = try make(.datatype) { H5Dget_type(dataset.id) }
    let space = try make(.dataspace) { H5Dget_space(dataset.id) }
    let (strings, rank) = try readStrings(
      StringSource(
        type: type, space: space, storedBytes: nil, object: path, operation: "read strings",
        refuse: refuse,
        read: { H5Dread(dataset.id, $0, fit_H5S_ALL(), fit_H5S_ALL(), fit_H5P_DEFAULT(), $1) }))
    guard rank == 1 else { throw refuse("holds one string, not a 1-D array of strings") }
    return strings
  }

  /// The strings of `source` and its rank (0 or 1).
  func readStrings(_ source: StringSource) throws -> (strings: [String], rank: Int) {
    let (typeClass, isVariable) = HDF5Library.locked {
      (H5Tget_class(source.type.id), H5Tis_variable_str(source.type.id))
    }
    guard typeClass == H5T_STRING else {
      throw source.refuse("holds \(HDF5Dataset.className(typeClass)) values, not strings")
    }
    let rank = HDF5Library.locked { Int(H5Sget_simple_extent_ndims(source.space.id)) }
    guard rank == 0 || rank == 1 else {
      throw source.refuse("has rank \(rank); expected one string or a 1-D array of strings")
    }
    let count = try elementCount(source.space, refuse: source.refuse)
    let raw =
      isVariable > 0
      ? try readVariableStrings(source, count: count)
      : try readFixedStrings(source, count: count)
    let strings = try raw.map { bytes in
      guard let text = String(validating: bytes, as: UTF8.self) else {
        throw source.refuse("holds a string that is not UTF-8")
      }
      return text
    }
    return (strings, rank)
  }

  /// The number of elements of a dataspace; an empty (null) one is refused.
  func elementCount(_ space: HDF5Handle, refuse: (String) -> DataIOError) throws -> Int {
    let (kind, points) = HDF5Library.locked {
      (H5Sget_simple_extent_type(space.id), H5Sget_simple_extent_npoints(space.id))
    }
    guard kind == H5S_SCALAR || kind == H5S_SIMPLE, points >= 0 else {
      throw refuse("is empty (it has a null dataspace)")
    }
    return Int(points)
  }

  /// Variable-length strings: HDF5 allocates each one and hands back `char*` pointers, which
  /// are reclaimed with `H5Dvlen_reclaim` once copied (this libhdf5, 1.10, exports no
  /// `H5Treclaim`).
  private func readVariableStrings(_ source: StringSource, count: Int) throws -> [[UInt8]] {
    let memoryType = try HDF5Handle.make(
      .datatype, file: path, dataset: source.object, operation: source.operation
    ) { H5Tcopy(fit_H5T_C_S1()) }
    return try HDF5Library.locked {
      // H5T_VARIABLE is SIZE_MAX, which is -1 as Swift's Int.
      guard H5Tset_size(memoryType.id, -1) >= 0,
        H5Tset_cset(memoryType.id, H5Tget_cset(source.type.id)) >= 0
      else {
        throw HDF5Library.error(file: path, dataset: source.object, operation: source.operation)
      }
      var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
      let status = pointers.withUnsafeMutableBytes { source.read(memoryType.id, $0.baseAddress) }
      guard status >= 0 else {
        throw HDF5Library.error(file: path, dataset: source.object, operation: source.operation)
      }
      defer {
        _ = pointers.withUnsafeMutableBytes {
          H5Dvlen_reclaim(memoryType.id, source.space.id, fit_H5P_DEFAULT(), $0.baseAddress)
        }
      }
      return pointers.map { pointer in
        pointer.map { Array(UnsafeBufferPointer(start: $0, count: strlen($0))) }
          .map { $0.map { UInt8(bitPattern: $0) } } ?? []
      }
    }
  }

  /// Fixed-length strings of `H5Tget_size` bytes each, checked against the bytes stored where
  /// they must agree, before the buffer is sized from them; padding (NULs, or spaces for
  /// space-padded strings) is cut off.
  private func readFixedStrings(_ source: StringSource, count: Int) throws -> [[UInt8]] {
    let (size, padding) = HDF5Library.locked {
      (Int(H5Tget_size(source.type.id)), H5Tget_strpad(source.type.id))
    }
    let (total, overflow) = size.multipliedReportingOverflow(by: count)
    guard size > 0, !overflow, source.storedBytes.map({ $0 == total }) ?? true else {
      throw source.refuse(
        "has \(count) strings of \(size) bytes but stores \(source.storedBytes ?? 0) bytes")
    }
    var bytes = [UInt8](repeating: 0, count: total)
    try HDF5Library.locked {
      guard bytes.withUnsafeMutableBytes({ source.read(source.type.id, $0.baseAddress) }) >= 0
      else {
        throw HDF5Library.error(file: path, dataset: source.object, operation: source.operation)
      }
    }
    return (0..<count).map { index in
      var text = Array(bytes[(index * size)..<((index + 1) * size)].prefix { $0 != 0 })
      if padding == H5T_STR_SPACEPAD {
        while text.last == UInt8(ascii: " ") { text.removeLast() }
      }
      return text
    }
  }
}
