import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Features and targets read from an HDF5 file on demand, so that a data set larger than memory
/// can be trained on: only the rows asked for are read (as hyperslabs), and `BatchLoader` asks
/// for a bounded window of chunks at a time.
///
/// ```swift
/// let data = try HDF5StreamingDataset(url: URL(fileURLWithPath: "big.h5"))  // "/X", "/y"
/// let loader = try BatchLoader(dataset: data, options: LoaderOptions(batchSize: 256))
/// ```
///
/// The file must stay as it was while it is read: libhdf5 reads the part of a chunk past the end
/// of a truncated file as zeros, without an error, so after every read the file's size and
/// modification time are compared with those it had when opened, and a change fails the read
/// (`FileWatch`). A file *replaced* by renaming another over its name is not a change: the open
/// file is still there, unchanged, and reading goes on from it.
public final class HDF5StreamingDataset: Dataset, @unchecked Sendable {
  public let file: HDF5File
  public let features: HDF5Dataset
  public let targets: HDF5Dataset
  public let chunkRows: Int?
  public let featureNames: [String]
  public let targetNames: [String]
  private let watch: FileWatch

  public var source: String { file.path }
  public var rowCount: Int { features.rows }
  public var featureCount: Int { features.columns }
  public var targetCount: Int { targets.columns }

  /// Opens `features` and `targets` (1-D data sets count as one column) and checks that they
  /// have the same number of rows.
  ///
  /// - Parameter chunkRows: rows per loader chunk; by default the features' storage chunk (so a
  ///   chunk is decompressed once per epoch), or about 1 MiB of rows for contiguous storage.
  public init(
    url: URL, features: String = "/X", targets: String = "/y", chunkRows: Int? = nil
  ) throws {
    precondition(chunkRows.map { $0 > 0 } ?? true, "chunkRows must be positive")
    // Watched from before libhdf5 opens it, so that no change between the two goes unseen.
    watch = try FileWatch(path: url.path)
    file = try HDF5File(url: url)
    (self.features, self.targets) = try DataColumns.openHDF5(
      file, features: features, targets: targets)
    featureNames = try DataColumns.names(of: self.features, prefix: "x")
    targetNames = try DataColumns.names(of: self.targets, prefix: "y")
    let rowBytes = 8 * max(self.features.columns + self.targets.columns, 1)
    self.chunkRows = chunkRows ?? self.features.chunkShape?[0] ?? max(1, (1 << 20) / rowBytes)
  }

  public func rows(_ range: Range<Int>) throws -> RowBlock {
    try checkRange(range)
    let block = RowBlock(
      features: try features.readRows(range), targets: try targets.readRows(range),
      rows: range.count)
    try watch.checkUnchanged()
    return block
  }
}

/// The size and modification time a file had when it was opened, for telling whether it changed
/// since, through a descriptor of its own (so a rename over its path does not count).
final class FileWatch: @unchecked Sendable {
  let path: String
  private let descriptor: Int32
  private let opened: stat

  init(path: String) throws {
    self.path = path
    descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw DataIOError.unreadableFile(file: path, reason: String(cString: strerror(errno)))
    }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      let reason = String(cString: strerror(errno))
      close(descriptor)
      throw DataIOError.unreadableFile(file: path, reason: reason)
    }
    opened = status
  }

  deinit { close(descriptor) }

  /// Throws when the file is shorter or longer than when it was opened, or was written since.
  func checkUnchanged() throws {
    var now = stat()
    guard fstat(descriptor, &now) == 0 else {
      throw DataIOError.unreadableFile(file: path, reason: String(cString: strerror(errno)))
    }
    let advice =
      "training stops rather than read rows that may not be the file's; restore the file "
      + "and continue from the last checkpoint (fit --resume)"
    if now.st_size < opened.st_size {
      throw DataIOError.unreadableFile(
        file: path,
        reason: "it was truncated while being read (\(opened.st_size) bytes when opened, "
          + "\(now.st_size) now); " + advice)
    }
    if now.st_size != opened.st_size || now.st_mtim.tv_sec != opened.st_mtim.tv_sec
      || now.st_mtim.tv_nsec != opened.st_mtim.tv_nsec
    {
      throw DataIOError.unreadableFile(
        file: path,
        reason: "it was modified while being read (\(opened.st_size) bytes when opened, "
          + "\(now.st_size) now, modification time changed); " + advice)
    }
  }
}
