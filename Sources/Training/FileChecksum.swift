import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A whole-file checksum kept in the first bytes of a checkpoint, which HDF5 reserves as a "user
/// block" and ignores (h5py and other readers open the file as usual):
///
///     fit-checkpoint-checksum fnv1a64:<16 hex digits> <length>\n   then NULs up to 512 bytes
///
/// where the digest is FNV-1a (64-bit) of the `length` bytes after the block. It is checked
/// before libhdf5 reads anything, so a flipped or torn byte anywhere, including HDF5's own
/// metadata (which its Fletcher-32 checksums do not cover), makes the file one to skip rather
/// than one that crashes the reader. Files without the block (written before it existed) start
/// with HDF5's signature and are read as before.
public enum FileChecksum {
  static let blockSize = 512
  static let magic = "fit-checkpoint-checksum "
  /// The first bytes of an HDF5 file with no user block.
  static let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

  /// Writes the header of a file whose first `blockSize` bytes are a user block.
  public static func seal(_ url: URL) throws {
    let data = try Data(contentsOf: url)
    guard data.count >= blockSize else {
      throw CheckpointError.unreadable(file: url.path, reason: "shorter than its user block")
    }
    let body = data.count - blockSize
    var header = Array("\(magic)\(digest(data.dropFirst(blockSize))) \(body)\n".utf8)
    header += [UInt8](repeating: 0, count: blockSize - header.count)
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    try handle.seek(toOffset: 0)
    try handle.write(contentsOf: header)
  }

  /// Throws `CheckpointError.unreadable` unless the file is an HDF5 file without a user block
  /// or its header's length and digest match the rest of the file. The file is read in blocks
  /// of 1 MiB, so that a huge file under a checkpoint's name costs time, not memory.
  static func verify(_ url: URL) throws {
    let bad = { (reason: String) in CheckpointError.unreadable(file: url.path, reason: reason) }
    let handle: FileHandle
    let size: UInt64
    let head: Data
    do {
      handle = try FileHandle(forReadingFrom: url)
      size = try handle.seekToEnd()
      try handle.seek(toOffset: 0)
      head = try handle.read(upToCount: blockSize) ?? Data()
    } catch {
      throw bad("cannot read the file (\(error.localizedDescription))")
    }
    defer { try? handle.close() }
    if head.starts(with: hdf5Signature) { return }
    guard head.count == blockSize, head.starts(with: Array(magic.utf8)),
      let end = head.firstIndex(of: UInt8(ascii: "\n"))
    else {
      throw bad("not a fit checkpoint (no HDF5 signature and no checksum header)")
    }
    let fields = String(decoding: head[magic.utf8.count..<end], as: UTF8.self)
      .split(separator: " ")
    guard fields.count == 2, let length = UInt64(fields[1]) else {
      throw bad("its checksum header is damaged")
    }
    guard size - UInt64(blockSize) == length else {
      throw bad("it holds \(size - UInt64(blockSize)) bytes after its header, expected \(length)")
    }
    var hash = FNV1a()
    do {
      while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty {
        for byte in block { hash.add(byte: byte) }
      }
    } catch {
      throw bad("cannot read the file (\(error.localizedDescription))")
    }
    guard hash.digest == fields[0] else {
      throw bad("its checksum does not match its contents: the file is damaged")
    }
  }

  static func digest(_ bytes: Data.SubSequence) -> String {
    var hash = FNV1a()
    for byte in bytes { hash.add(byte: byte) }
    return hash.digest
  }
}
