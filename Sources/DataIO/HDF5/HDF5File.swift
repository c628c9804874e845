import CHDF5
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// An open HDF5 file. Input files are opened read-only, so nothing fit does can modify them.
///
/// Only data stored in the file itself is read: paths that pass through an external link are
/// refused (and external-link traversal is disabled in libhdf5 as well), as are data sets with
/// external storage or a virtual layout; see `dataset(_:)`.
///
/// ```swift
/// let file = try HDF5File(url: URL(fileURLWithPath: "train.h5"))
/// let x = try file.dataset("/X")        // shape, elementType, chunkShape
/// let firstRows = try x.readRows(0..<100)
/// ```
public final class HDF5File: @unchecked Sendable {
  public enum Mode: Sendable {
    /// Read an existing file; it is never modified (`H5F_ACC_RDONLY`).
    case readOnly
    /// Create a new file, replacing any file at the path (`H5F_ACC_TRUNC`).
    case create
    /// Read and write an existing file.
    case readWrite
  }

  /// The file's path, used in every error message.
  public let path: String
  public let mode: Mode
  let handle: HDF5Handle
  /// A data set (hence also link) access property list that refuses to follow external links.
  let accessList: HDF5Handle

  /// Opens (or, with `.create`, creates) the file. A created file may start with `userBlock`
  /// bytes (a power of two ≥ 512) that HDF5 leaves alone, for a header of the caller's.
  public init(url: URL, mode: Mode = .readOnly, userBlock: Int = 0) throws {
    let path = url.path
    self.path = path
    self.mode = mode
    if mode != .create {
      guard let stream = fopen(path, "rb") else {
        throw DataIOError.unreadableFile(file: path, reason: String(cString: strerror(errno)))
      }
      fclose(stream)
      try HDF5Library.locked {
        let status = H5Fis_hdf5(path)
        guard status > 0 else {
          let message = HDF5Library.takeErrorMessage()
          throw DataIOError.notHDF5(
            file: path, message: status == 0 ? "no HDF5 signature found" : message)
        }
      }
    }
    let operation = mode == .create ? "create" : "open"
    // The creation property list outlives the call, so that closing it cannot clear the error
    // stack of a failed create before the message is taken.
    let creation =
      mode == .create && userBlock > 0
      ? try HDF5Handle.make(.propertyList, file: path, dataset: nil, operation: "user block") {
        let list = H5Pcreate(fit_H5P_FILE_CREATE())
        guard list >= 0 else { return list }
        guard H5Pset_userblock(list, hsize_t(userBlock)) >= 0 else {
          H5Pclose(list)
          return -1
        }
        return list
      } : nil
    handle = try HDF5Handle.make(.file, file: path, dataset: nil, operation: operation) {
      switch mode {
      case .readOnly: return H5Fopen(path, fit_H5F_ACC_RDONLY(), fit_H5P_DEFAULT())
      case .readWrite: return H5Fopen(path, fit_H5F_ACC_RDWR(), fit_H5P_DEFAULT())
      case .create:
        return H5Fcreate(
          path, fit_H5F_ACC_TRUNC(), creation?.id ?? fit_H5P_DEFAULT(), fit_H5P_DEFAULT())
      }
    }
    accessList = try HDF5Handle.make(
      .propertyList, file: path, dataset: nil, operation: "H5Pset_elink_cb"
    ) {
      let list = H5Pcreate(fit_H5P_DATASET_ACCESS())
      guard list >= 0 else { return list }
      // Returning a negative value from the traversal callback makes HDF5 refuse the link.
      guard H5Pset_elink_cb(list, { _, _, _, _, _, _, _ in -1 }, nil) >= 0 else {
        H5Pclose(list)
        return -1
      }
      return list
    }
  }

  /// Opens the 1-D or 2-D numeric data set at `path` (`"/X"`, `"/group/y"`).
  ///
  /// - Throws: `DataIOError.missingDataset` when nothing is there, `.unsupportedDataset` for a
  ///   group, a non-numeric type, rank 0 or above 2, an external link on the way, external
  ///   storage or a virtual layout.
  public func dataset(_ path: String) throws -> HDF5Dataset {
    try HDF5Dataset(file: self, path: normalized(path))
  }

  /// Whether an object exists at `path` (following no external link).
  public func contains(_ path: String) -> Bool {
    (try? checkLinks(normalized(path))) != nil
  }

  /// Writes everything buffered for this file to disk.
  public func flush() throws {
    try HDF5Library.locked {
      guard H5Fflush(handle.id, H5F_SCOPE_LOCAL) >= 0 else {
        throw HDF5Library.error(file: path, dataset: nil, operation: "flush")
      }
    }
  }

  func normalized(_ path: String) -> String {
    path.hasPrefix("/") ? path : "/" + path
  }

  /// Walks `path` one link at a time, so that a missing object and an external link are reported
  /// as such before HDF5 tries (and fails, or worse, succeeds) to follow them.
  func checkLinks(_ path: String) throws {
    var prefix = ""
    for component in path.split(separator: "/") {
      prefix += "/" + component
      try HDF5Library.locked {
        guard H5Lexists(handle.id, prefix, accessList.id) > 0 else {
          H5Eclear2(fit_H5E_DEFAULT())
          throw DataIOError.missingDataset(file: self.path, dataset: path)
        }
        var info = H5L_info_t()
        guard H5Lget_info(handle.id, prefix, &info, accessList.id) >= 0 else {
          throw HDF5Library.error(file: self.path, dataset: path, operation: "H5Lget_info")
        }
        if info.type == H5L_TYPE_EXTERNAL {
          throw DataIOError.unsupportedDataset(
            file: self.path, dataset: path,
            reason: "\(prefix) is an external link to another file; only data stored in this "
              + "file is read")
        }
        guard info.type == H5L_TYPE_HARD || info.type == H5L_TYPE_SOFT else {
          throw DataIOError.unsupportedDataset(
            file: self.path, dataset: path, reason: "\(prefix) is a user-defined link")
        }
        // A soft link names a path that need not exist (h5py.SoftLink('/nowhere')).
        if info.type == H5L_TYPE_SOFT && H5Oexists_by_name(handle.id, prefix, accessList.id) <= 0 {
          H5Eclear2(fit_H5E_DEFAULT())
          var target = [CChar](repeating: 0, count: 1024)
          _ = H5Lget_val(handle.id, prefix, &target, target.count, accessList.id)
          throw DataIOError.unsupportedDataset(
            file: self.path, dataset: path,
            reason: "\(prefix) is a soft link to \(String(cString: target)), which does not exist")
        }
      }
    }
  }
}
