import DataIO
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Writes a file so that a reader sees either the old content or the new, never a mixture: the
/// data go to a temporary file in the same folder, which is flushed (`fsync`), renamed over the
/// final name (atomic on POSIX file systems), and the folder is flushed so the rename survives a
/// power cut.
///
/// `syncFolder: false` leaves the folder's flush to the caller, who writes several files into
/// one folder and flushes it once (`syncFolder(of:)`) — a checkpoint and its pointers.
/// `durable: false` flushes nothing: the file is still replaced whole or not at all, but after a
/// power cut it may be the previous version. For a file rewritten often whose last version is
/// written durably (the loss plot after every epoch).
public enum AtomicFile {
  public static func write(
    _ data: Data, to url: URL, syncFolder: Bool = true, durable: Bool = true
  ) throws {
    try write(to: url, syncFolder: syncFolder && durable, syncFile: durable) { temporary in
      try writeNewFile(data, at: temporary.path, reportingAs: url.path)
    }
  }

  /// Creates the file and writes `data` with plain POSIX calls. Not `FileManager.createFile`:
  /// on Linux that makes its own temporary file, flushes and renames it, which doubles the
  /// flushes of every write here (the `fsync` that matters follows in `write(to:)`).
  static func writeNewFile(_ data: Data, at path: String, reportingAs name: String) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw OutputError.cannotCreate(name, reason: String(cString: strerror(errno)))
    }
    defer { close(descriptor) }
    try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
      var offset = 0
      while offset < bytes.count {
        let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else {
          throw OutputError.writeFailed(name, reason: String(cString: strerror(errno)))
        }
        offset += written
      }
    }
  }

  /// Lets `produce` write the temporary file however it likes (HDF5, say), then publishes it.
  public static func write(
    to url: URL, syncFolder: Bool = true, syncFile: Bool = true, produce: (URL) throws -> Void
  ) throws {
    let folder = url.deletingLastPathComponent()
    let temporary = folder.appendingPathComponent(
      ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    do {
      // A process that ends abruptly meanwhile deletes the temporary (`PendingWrites.abandon`).
      try PendingWrites.writing(temporary: temporary.path) {
        try produce(temporary)
        if syncFile { try sync(path: temporary.path) }
        guard rename(temporary.path, url.path) == 0 else {
          throw OutputError.writeFailed(url.path, reason: String(cString: strerror(errno)))
        }
      }
      if syncFolder { try sync(path: folder.path) }
    } catch {
      unlink(temporary.path)
      throw error
    }
  }

  /// Flushes the folder holding `url`, making the renames into it durable.
  public static func syncFolder(of url: URL) throws {
    try sync(path: url.deletingLastPathComponent().path)
  }

  /// `fsync` of a file or folder by path.
  static func sync(path: String) throws {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else {
      throw OutputError.writeFailed(path, reason: String(cString: strerror(errno)))
    }
    defer { close(descriptor) }
    guard fsync(descriptor) == 0 else {
      throw OutputError.writeFailed(path, reason: String(cString: strerror(errno)))
    }
  }
}
