import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// An exclusive hold on a run folder for the life of one `fit`, so that two runs never write the
/// same checkpoints: `flock(LOCK_EX | LOCK_NB)` on `<output.dir>/.lock`. The kernel releases a
/// `flock` when its process exits, however it dies (even `SIGKILL`), so a killed run never leaves
/// the folder stuck; the pid written into the file is only there for the message.
public final class CheckpointRunLock {
  public let url: URL
  private let descriptor: Int32

  /// Takes the lock, creating the folder and the lock file when needed.
  /// - Throws: `CheckpointError.locked` when another process holds it; `OutputError` when the
  ///   lock file cannot be created.
  public init(runDirectory: URL) throws {
    url = runDirectory.appendingPathComponent(".lock")
    do {
      try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
    } catch {
      throw OutputError.cannotCreate(runDirectory.path, reason: error.localizedDescription)
    }
    var descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    // A lock file another user created may be read-only for us; flock works on any descriptor.
    if descriptor < 0 && errno == EACCES { descriptor = open(url.path, O_RDONLY | O_CLOEXEC) }
    guard descriptor >= 0 else {
      throw OutputError.cannotCreate(
        url.path,
        reason: String(cString: strerror(errno))
          + "; the run folder \(runDirectory.path) (output.dir) must be writable")
    }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      let holder = Self.holder(descriptor)
      close(descriptor)
      throw CheckpointError.locked(folder: runDirectory.path, holder: holder)
    }
    self.descriptor = descriptor
    let pid = Array("pid \(getpid())\n".utf8)
    _ = ftruncate(descriptor, 0)
    _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
  }

  deinit {
    // Closing the last descriptor releases the flock; the file stays, empty of meaning.
    close(descriptor)
  }

  private static func holder(_ descriptor: Int32) -> String {
    var buffer = [UInt8](repeating: 0, count: 64)
    let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 64, 0) }
    let text = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    return text.isEmpty ? "another process holds its lock" : text
  }
}
