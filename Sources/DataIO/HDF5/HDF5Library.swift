import CHDF5
import Foundation

/// The one door into libhdf5.
///
/// Debian's libhdf5 is built without thread safety, so every call into it, from any thread and any
/// object, goes through `locked` (a recursive lock: wrappers may call each other). On first use it
/// turns off HDF5's habit of printing its error stack to stderr; errors are instead read from the
/// stack by `error(...)` and thrown as `DataIOError.hdf5` with HDF5's own words.
enum HDF5Library {
  private static let lock = NSRecursiveLock()
  nonisolated(unsafe) private static var initialized = false

  /// Runs `body` holding the library lock.
  static func locked<T>(_ body: () throws -> T) rethrows -> T {
    lock.lock()
    defer { lock.unlock() }
    if !initialized {
      H5open()
      H5Eset_auto2(fit_H5E_DEFAULT(), nil, nil)
      initialized = true
    }
    return try body()
  }

  /// The descriptions on HDF5's error stack, outermost (the API call) first, deepest (the cause)
  /// last, joined by ": "; then clears the stack. Call it holding the lock, right after a failure.
  static func takeErrorMessage() -> String {
    var messages: [String] = []
    withUnsafeMutablePointer(to: &messages) { pointer in
      _ = H5Ewalk2(
        fit_H5E_DEFAULT(), H5E_WALK_DOWNWARD,
        { _, entry, context in
          guard let entry, let context else { return 0 }
          let list = context.assumingMemoryBound(to: [String].self)
          if let description = entry.pointee.desc {
            let text = String(cString: description)
            if !text.isEmpty && list.pointee.last != text { list.pointee.append(text) }
          }
          return 0
        }, pointer)
    }
    H5Eclear2(fit_H5E_DEFAULT())
    guard let first = messages.first else { return "unknown HDF5 error" }
    return messages.count == 1 ? first : "\(first): \(systemFailure(messages.last!))"
  }

  /// HDF5's report of a failed system call (`file write failed: time = ..., errno = 28, error
  /// message = 'No space left on device', buf = 0x..., ...`) as the failure and the system's
  /// words, without the addresses and sizes; any other message as it is.
  static func systemFailure(_ message: String) -> String {
    guard let start = message.range(of: "error message = '"),
      let end = message[start.upperBound...].firstIndex(of: "'")
    else { return message }
    let what = message.split(separator: ":", maxSplits: 1).first.map(String.init) ?? message
    return "\(what): \(message[start.upperBound..<end])"
  }

  /// How many files, groups, data sets and attributes are open in the process (HDF5 offers no
  /// such count for dataspaces, datatypes and property lists): zero once every wrapper is gone.
  static func openObjectCount() -> Int {
    locked {
      let all = H5F_OBJ_FILE | H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR
      return Int(H5Fget_obj_count(hid_t(all), all))
    }
  }

  /// A `DataIOError.hdf5` carrying HDF5's message for the call that just failed.
  static func error(file: String, dataset: String?, operation: String) -> DataIOError {
    .hdf5(file: file, dataset: dataset, operation: operation, message: takeErrorMessage())
  }
}

/// Owns one HDF5 identifier and closes it, with the function matching its kind, exactly once: when
/// the last reference goes away.
final class HDF5Handle: @unchecked Sendable {
  enum Kind { case file, group, dataset, dataspace, datatype, propertyList, attribute, object }

  let id: hid_t
  let kind: Kind

  /// Takes ownership of `id`, which must be valid (non-negative).
  init(_ id: hid_t, _ kind: Kind) {
    precondition(id >= 0, "HDF5Handle needs a valid identifier, got \(id)")
    self.id = id
    self.kind = kind
  }

  /// Wraps the result of an HDF5 call that returns a new identifier, or throws HDF5's error.
  static func make(
    _ kind: Kind, file: String, dataset: String?, operation: String, _ open: () -> hid_t
  ) throws -> HDF5Handle {
    try HDF5Library.locked {
      let id = open()
      guard id >= 0 else {
        throw HDF5Library.error(file: file, dataset: dataset, operation: operation)
      }
      return HDF5Handle(id, kind)
    }
  }

  deinit {
    HDF5Library.locked {
      switch kind {
      case .file: _ = H5Fclose(id)
      case .group: _ = H5Gclose(id)
      case .dataset: _ = H5Dclose(id)
      case .dataspace: _ = H5Sclose(id)
      case .datatype: _ = H5Tclose(id)
      case .propertyList: _ = H5Pclose(id)
      case .attribute: _ = H5Aclose(id)
      case .object: _ = H5Oclose(id)
      }
      H5Eclear2(fit_H5E_DEFAULT())
    }
  }
}
