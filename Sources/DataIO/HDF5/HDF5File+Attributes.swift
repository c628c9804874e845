import CHDF5

/// Attributes: small named values attached to a group or data set (units, column names, the
/// options a file was made with). Strings are written as fixed-length UTF-8; both fixed- and
/// variable-length strings (h5py's default), scalars and 1-D arrays, are read.
extension HDF5File {
  /// Sets (replacing any previous value) a string attribute on the object at `object`.
  public func setAttribute(_ name: String, _ value: String, on object: String = "/") throws {
    let bytes = Array(value.utf8)
    // A fixed-length string lives in the object header, which holds at most 64 KiB; a longer one
    // (the names of thousands of columns) is stored as a variable-length string, in the heap.
    if bytes.count > Self.longestFixedString {
      return try setVariableLengthAttribute(name, bytes, on: object)
    }
    let type = try attributeHandle(.datatype, object, name) { H5Tcopy(fit_H5T_C_S1()) }
    try HDF5Library.locked {
      guard H5Tset_size(type.id, max(bytes.count, 1)) >= 0,
        H5Tset_strpad(type.id, H5T_STR_NULLPAD) >= 0,
        H5Tset_cset(type.id, H5T_CSET_UTF8) >= 0
      else { throw HDF5Library.error(file: path, dataset: object, operation: "attribute \(name)") }
    }
    let padded = bytes.isEmpty ? [0] : bytes
    try writeAttribute(name, on: object, type: type, dims: nil) { attribute in
      padded.withUnsafeBytes { H5Awrite(attribute, type.id, $0.baseAddress) }
    }
  }

  /// The longest string stored as a fixed-length attribute (below HDF5's 64 KiB header limit).
  static let longestFixedString = 60_000

  private func setVariableLengthAttribute(_ name: String, _ bytes: [UInt8], on object: String)
    throws
  {
    let type = try attributeHandle(.datatype, object, name) { H5Tcopy(fit_H5T_C_S1()) }
    try HDF5Library.locked {
      // H5T_VARIABLE is SIZE_MAX, which is -1 as Swift's Int.
      guard H5Tset_size(type.id, -1) >= 0, H5Tset_cset(type.id, H5T_CSET_UTF8) >= 0 else {
        throw HDF5Library.error(file: path, dataset: object, operation: "attribute \(name)")
      }
    }
    let text = bytes + [0]
    try writeAttribute(name, on: object, type: type, dims: nil) { attribute in
      text.withUnsafeBufferPointer { characters in
        var pointer: UnsafePointer<UInt8>? = characters.baseAddress
        return H5Awrite(attribute, type.id, &pointer)
      }
    }
  }

  /// Sets a `float64` attribute: a scalar for one value, a 1-D array otherwise.
  public func setAttribute(_ name: String, _ values: [Double], on object: String = "/") throws {
    let type = try attributeHandle(.datatype, object, name) { H5Tcopy(fit_H5T_IEEE_F64LE()) }
    try writeAttribute(name, on: object, type: type, dims: values.count == 1 ? nil : values.count) {
      attribute in
      values.withUnsafeBytes { H5Awrite(attribute, fit_H5T_NATIVE_DOUBLE(), $0.baseAddress) }
    }
  }

  /// Sets a scalar `float64` attribute.
  public func setAttribute(_ name: String, _ value: Double, on object: String = "/") throws {
    try setAttribute(name, [value], on: object)
  }

  /// A numeric attribute (any integer or float type) as doubles.
  public func doubleAttribute(_ name: String, of object: String = "/") throws -> [Double] {
    let attribute = try openAttribute(name, of: object)
    let type = try attributeHandle(.datatype, object, name) { H5Aget_type(attribute.id) }
    let typeClass = HDF5Library.locked { H5Tget_class(type.id) }
    guard typeClass == H5T_INTEGER || typeClass == H5T_FLOAT else {
      throw attributeError(
        name, object, "holds \(HDF5Dataset.className(typeClass)) values, not numbers")
    }
    let space = try attributeHandle(.dataspace, object, name) { H5Aget_space(attribute.id) }
    let count = try elementCount(space) { attributeError(name, object, $0) }
    var values = [Double](repeating: 0, count: count)
    try HDF5Library.locked {
      let status = values.withUnsafeMutableBytes {
        H5Aread(attribute.id, fit_H5T_NATIVE_DOUBLE(), $0.baseAddress)
      }
      guard status >= 0 else {
        throw HDF5Library.error(file: path, dataset: object, operation: "read attribute \(name)")
      }
    }
    return values
  }

  /// A scalar string attribute, fixed- or variable-length (an array of one string is read too).
  public func stringAttribute(_ name: String, of object: String = "/") throws -> String {
    let strings = try stringsAttribute(name, of: object).strings
    guard strings.count == 1 else {
      throw attributeError(name, object, "holds \(strings.count) strings, not one")
    }
    return strings[0]
  }

  /// A string attribute as h5py writes one: a scalar (`rank` 0) or a 1-D array (`rank` 1) of
  /// variable-length `str` (h5py's default for a list of `str`) or `bytes`, or of fixed-length
  /// `bytes` (numpy's `S` dtype), NUL-terminated, NUL-padded or space-padded.
  ///
  /// The type class, rank and sizes are checked through the HDF5 API before anything is read
  /// (an array read into a buffer sized for a scalar overwrites memory), and the strings must
  /// be UTF-8 (ASCII included).
  ///
  /// - Throws: `DataIOError.unsupportedDataset` naming the file, the object and the attribute
  ///   for numbers, other types, rank 2 or more, an empty (null) attribute or invalid UTF-8;
  ///   `.missingDataset` when there is no such attribute.
  public func stringsAttribute(_ name: String, of object: String = "/") throws
    -> (strings: [String], rank: Int)
  {
    let attribute = try openAttribute(name, of: object)
    let type = try attributeHandle(.datatype, object, name) { H5Aget_type(attribute.id) }
    let space = try attributeHandle(.dataspace, object, name) { H5Aget_space(attribute.id) }
    return try readStrings(
      StringSource(
        type: type, space: space,
        storedBytes: HDF5Library.locked { Int(H5Aget_storage_size(attribute.id)) },
        object: normalized(object), operation: "read attribute \(name)",
        refuse: { self.attributeError(name, object, $0) },
        read: { H5Aread(attribute.id, $0, $1) }))
  }

  private func attributeError(_ name: String, _ object: String, _ reason: String) -> DataIOError {
    .unsupportedDataset(
      file: path, dataset: normalized(object), reason: "attribute \(name) \(reason)")
  }

  /// Whether the object at `object` has an attribute `name` (a missing object throws).
  public func hasAttribute(_ name: String, of object: String = "/") throws -> Bool {
    let object = normalized(object)
    if object != "/" { try checkLinks(object) }
    return HDF5Library.locked {
      let exists = H5Aexists_by_name(handle.id, object, name, accessList.id)
      if exists < 0 { _ = H5Eclear2(fit_H5E_DEFAULT()) }
      return exists > 0
    }
  }

  private func openAttribute(_ name: String, of object: String) throws -> HDF5Handle {
    let object = normalized(object)
    if object != "/" { try checkLinks(object) }
    let exists = HDF5Library.locked { H5Aexists_by_name(handle.id, object, name, accessList.id) }
    guard exists > 0 else {
      HDF5Library.locked { _ = H5Eclear2(fit_H5E_DEFAULT()) }
      throw DataIOError.missingDataset(file: path, dataset: "\(object) attribute \(name)")
    }
    return try attributeHandle(.attribute, object, name) {
      H5Aopen_by_name(handle.id, object, name, fit_H5P_DEFAULT(), accessList.id)
    }
  }

  private func writeAttribute(
    _ name: String, on object: String, type: HDF5Handle, dims: Int?,
    write: (hid_t) -> herr_t
  ) throws {
    let object = normalized(object)
    if object != "/" { try checkLinks(object) }
    let space = try attributeHandle(.dataspace, object, name) {
      dims.map { count in H5Screate_simple(1, [hsize_t(count)], nil) } ?? H5Screate(H5S_SCALAR)
    }
    HDF5Library.locked {
      if H5Aexists_by_name(handle.id, object, name, accessList.id) > 0 {
        _ = H5Adelete_by_name(handle.id, object, name, accessList.id)
      }
    }
    let attribute = try attributeHandle(.attribute, object, name) {
      H5Acreate_by_name(
        handle.id, object, name, type.id, space.id, fit_H5P_DEFAULT(), fit_H5P_DEFAULT(),
        accessList.id)
    }
    try HDF5Library.locked {
      guard write(attribute.id) >= 0 else {
        throw HDF5Library.error(file: path, dataset: object, operation: "write attribute \(name)")
      }
    }
  }

  private func attributeHandle(
    _ kind: HDF5Handle.Kind, _ object: String, _ name: String, _ open: () -> hid_t
  ) throws -> HDF5Handle {
    try HDF5Handle.make(kind, file: path, dataset: object, operation: "attribute \(name)", open)
  }
}
