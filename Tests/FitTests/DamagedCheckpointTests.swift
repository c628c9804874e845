import Foundation
import TestSupport
import XCTest

/// `fit inspect` on checkpoints damaged behind a valid outer checksum (the file resealed after
/// the damage, so only the checks inside can catch it): a data set's declared extent or element
/// size changed in HDF5's own metadata. Each must be refused with exit 65 naming the data set,
/// quickly and within a memory limit; before issue 18's fix an extent of 2^28 + 1 made libhdf5
/// fill gigabytes chunk by chunk (`inspect` grew past 1.4 GB and did not return) and an element
/// size of 131,080 bytes made it copy past its buffers (SIGSEGV).
final class DamagedCheckpointTests: XCTestCase {
  /// 2 GB of address space: a few hundred MB for the process, none for a runaway read.
  static let memoryLimit = "ulimit -v 2000000; exec"

  func testDamagedExtentsAndElementSizesAreRefusedQuicklyWithinBoundedMemory() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let checkpoint = try trainedCheckpoint(in: folder)
    let original = try Data(contentsOf: checkpoint)
    // HDF5 1.10's messages as `fit` writes them: a rank-1 dataspace (type 1, 24 bytes, version 1,
    // maximum extents present) followed by its extent; an IEEE little-endian float64 datatype
    // (class 1 version 1, bit field 20 3f 00) followed by its 4-byte size.
    let dataspace = Data([0x01, 0, 0x18, 0, 0, 0, 0, 0, 0x01, 0x01, 0x01, 0, 0, 0, 0, 0])
    let float64 = Data([0x11, 0x20, 0x3f, 0x00, 0x08, 0x00, 0x00, 0x00])
    var damages: [(what: String, bytes: Data)] = []
    for offset in Self.offsets(of: dataspace, in: original) {
      var bytes = original
      let extent = offset + dataspace.count
      bytes.replaceSubrange(extent..<extent + 8, with: Self.littleEndian((1 << 28) + 1))
      damages.append(("extent 2^28 + 1 at byte \(extent)", bytes))
    }
    for offset in Self.offsets(of: float64, in: original) {
      var bytes = original
      bytes[offset + 6] = 0x02  // size 0x00020008 = 131,080 bytes
      damages.append(("element size 131080 at byte \(offset + 4)", bytes))
    }
    // Every data set of the checkpoint has one of each (about 45 data sets).
    XCTAssertGreaterThan(damages.count, 60)
    var slowest = 0.0
    for damage in damages {
      try Self.resealed(damage.bytes).write(to: checkpoint)
      let start = Date()
      let child = try CheckpointFitProcess.start(
        ["inspect", checkpoint.path], shellPrefix: Self.memoryLimit)
      let outcome = child.wait(limit: 20)
      slowest = max(slowest, Date().timeIntervalSince(start))
      XCTAssertFalse(outcome.timedOut, damage.what)
      XCTAssertEqual(outcome.status, 65, "\(damage.what): \(outcome.errors)")
      XCTAssertTrue(outcome.errors.contains("is not usable: "), "\(damage.what): \(outcome.errors)")
    }
    print(
      "DamagedCheckpointTests: \(damages.count) damaged checkpoints refused; slowest "
        + String(format: "%.2f s", slowest))
  }

  /// A checkpoint of a short run, written by `fit` itself.
  func trainedCheckpoint(in folder: URL) throws -> URL {
    var text = "x0,x1,y\n"
    for r in 0..<64 { text += "\(Double(r % 7)),\(Double(r % 5) - 2),\(Double(r % 7) + 0.5)\n" }
    try Data(text.utf8).write(to: folder.appendingPathComponent("data.csv"))
    let config = folder.appendingPathComponent("c.json")
    try Data(
      #"{"data": {"path": "data.csv", "targets": ["y"]}, "training": {"epochs": 2}, "output": {"dir": "run"}}"#
        .utf8
    ).write(to: config)
    let run = try CheckpointFitProcess.start(["--config", config.path, "--quiet"]).wait(limit: 120)
    XCTAssertEqual(run.status, 0, run.errors)
    let checkpoints = folder.appendingPathComponent("run/checkpoints")
    let name = try String(
      contentsOf: checkpoints.appendingPathComponent("last"), encoding: .utf8
    ).trimmingCharacters(in: .whitespacesAndNewlines)
    return checkpoints.appendingPathComponent(name)
  }

  static func offsets(of pattern: Data, in data: Data) -> [Int] {
    var found: [Int] = []
    var from = data.startIndex
    while let range = data.range(of: pattern, in: from..<data.endIndex) {
      found.append(range.lowerBound)
      from = range.lowerBound + 1
    }
    return found
  }

  static func littleEndian(_ value: UInt64) -> Data {
    Data((0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
  }

  /// The file with its checksum header (the first 512 bytes, docs/checkpoints.md) rewritten
  /// for its present contents: `fit-checkpoint-checksum fnv1a64:<FNV-1a 64 of the rest>
  /// <length>\n`, NUL-padded.
  static func resealed(_ bytes: Data) -> Data {
    let body = bytes.dropFirst(512)
    var hash: UInt64 = 14_695_981_039_346_656_037
    for byte in body { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
    let hex = String(hash, radix: 16)
    let digest = String(repeating: "0", count: 16 - hex.count) + hex
    var header = Array("fit-checkpoint-checksum fnv1a64:\(digest) \(body.count)\n".utf8)
    header += [UInt8](repeating: 0, count: 512 - header.count)
    return Data(header) + body
  }
}
