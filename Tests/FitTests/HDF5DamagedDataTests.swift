import Foundation
import TestSupport
import XCTest

/// HDF5 data files that are damaged or structurally odd, written by h5py (and patched at the
/// bytes the HDF5 file-format specification places the field at), are refused with a message
/// naming the file and data set, by training in memory and streamed, by `fit eval` and by
/// `fit predict`: never a signal, never a hang (issue 18: a compact-layout size or an extent
/// beyond its maximum made libhdf5 1.10 copy past its buffers, SIGSEGV or SIGABRT; streaming
/// such a file ran forever; 10¹² declared rows over unwritten chunks aborted on allocation).
final class HDF5DamagedDataTests: XCTestCase {
  private var directory: URL!
  private var model: URL!

  override func setUpWithError() throws {
    directory = try FitProcess.temporaryDirectory(self)
    try Python.requireH5py()
  }

  /// `fit` with `arguments`, killed (SIGKILL) after `seconds`.
  func runFit(_ arguments: [String], seconds: Int = 30) throws -> (
    status: Int32, standardError: String
  ) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
    process.arguments = ["-s", "KILL", "\(seconds)", FitProcess.executable.path] + arguments
    process.currentDirectoryURL = directory
    let err = Pipe()
    process.standardOutput = FileHandle.nullDevice
    process.standardError = err
    try process.run()
    let data = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  /// Writes `name` with h5py: `script` runs with `f` open for writing, numpy as `np`, `X` a
  /// (500, 3) float64 array and `y` its (500,) target; then `patch` (Python, with `b` the
  /// file's bytes as a bytearray and `find(pattern)` the one offset of a byte pattern) edits it.
  func write(_ name: String, _ script: String, patch: String = "") throws -> URL {
    let url = directory.appendingPathComponent(name)
    let indent = { (text: String) in
      text.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
    }
    _ = try Python.run(
      """
      import sys, struct, h5py, numpy as np
      rng = np.random.default_rng(0)
      X = rng.normal(size=(500, 3)); y = X @ [1.0, 2.0, 3.0] + 0.1 * rng.normal(size=500)
      with h5py.File(sys.argv[1], 'w') as f:
      \(indent(script.isEmpty ? "pass" : script))
      b = bytearray(open(sys.argv[1], 'rb').read())
      def find(pattern):
        at = b.find(pattern)
        assert at >= 0 and b.find(pattern, at + 1) < 0, 'pattern not found once'
        return at
      if True:
      \(indent(patch.isEmpty ? "pass" : patch))
      open(sys.argv[1], 'wb').write(bytes(b))
      """, [url.path])
    return url
  }

  /// A model trained on a good file, for eval and predict.
  func trainedModel() throws -> URL {
    if let model { return model }
    let good = try write("good.h5", "f['X'] = X; f['y'] = y")
    let config = directory.appendingPathComponent("good.json")
    try #"{"data": {"path": "good.h5"}, "training": {"epochs": 5}, "output": {"dir": "good"}}"#
      .write(to: config, atomically: true, encoding: .utf8)
    let result = try runFit(["--config", config.path])
    XCTAssertEqual(result.status, 0, result.standardError)
    _ = good
    model = directory.appendingPathComponent("good/model.json")
    return model
  }

  /// Training (in memory and streamed), eval and predict on `data` each exit 65 with a message
  /// that names the file and contains `expected`.
  func assertRefusedEverywhere(
    _ data: URL, _ expected: String, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    var runs: [(String, [String])] = []
    for stream in [false, true] {
      let config = directory.appendingPathComponent("c-\(stream).json")
      try """
      {"data": {"path": "\(data.path)", "stream": \(stream)}, "training": {"epochs": 2},
       "output": {"dir": "run-\(stream)"}}
      """.write(to: config, atomically: true, encoding: .utf8)
      runs.append(("train stream=\(stream)", ["--config", config.path]))
    }
    let model = try trainedModel()
    runs.append(("eval", ["eval", "--model", model.path, "--data", data.path]))
    runs.append(("predict", ["predict", "--model", model.path, "--data", data.path]))
    for (what, arguments) in runs {
      let result = try runFit(arguments)
      XCTAssertEqual(result.status, 65, "\(what): \(result.standardError)", file: file, line: line)
      XCTAssertTrue(
        result.standardError.contains(data.path) && result.standardError.contains(expected),
        "\(what): \(result.standardError)", file: file, line: line)
    }
  }

  // Contiguous layout message, version 3 (HDF5 file format spec IV.A.2.i): version 3,
  // class 1, address (8 bytes), size (8 bytes). h5py writes /X contiguous at the offset
  // `f['X'].id.get_offset()`.
  let contiguousX = """
    f['X'] = X; f['y'] = y
    """
  let layoutOfX = "at = find(bytes([3, 1]) + struct.pack('<QQ', 2048, 12000))"

  func testACompactLayoutWhoseBufferDoesNotMatchIsRefused() throws {
    // Class 1 → 0 makes the message a compact layout, here with a size field (2 bytes) of 0:
    // libhdf5 1.10 memcpy'd 12,000 bytes out of the empty buffer (SIGSEGV).
    let data = try write(
      "compact.h5", contiguousX,
      patch: """
        assert h5py.File(sys.argv[1])['X'].id.get_offset() == 2048
        \(layoutOfX)
        b[at + 1] = 0
        b[at + 2:at + 4] = bytes(2)
        """)
    try assertRefusedEverywhere(data, "data set /X is damaged or unfinished: its [500, 3] values")
  }

  func testContiguousDataPastTheEndOfTheFileAreRefused() throws {
    let data = try write(
      "past-end.h5", contiguousX,
      patch: """
        \(layoutOfX)
        b[at + 2:at + 10] = struct.pack('<Q', len(b) - 100)
        """)
    try assertRefusedEverywhere(data, "extend past the end of the file")
  }

  func testAContiguousSizeThatDoesNotMatchTheExtentIsRefused() throws {
    let data = try write(
      "size.h5", contiguousX,
      patch: """
        \(layoutOfX)
        b[at + 10:at + 18] = struct.pack('<Q', 1 << 30)
        """)
    try assertRefusedEverywhere(data, "need 12000 bytes but its storage holds 1073741824")
  }

  func testAnExtentBeyondItsMaximumIsRefused() throws {
    // Dataspace message (spec IV.A.2.b): dimensions then maximum dimensions, 8 bytes each.
    // 33,554,435 columns made libhdf5 read far past the buffer (SIGABRT); streamed, it spun.
    let data = try write(
      "extent.h5", contiguousX,
      patch: """
        at = find(struct.pack('<QQQQ', 500, 3, 500, 3))
        b[at + 8:at + 16] = struct.pack('<Q', 33554435)
        """)
    try assertRefusedEverywhere(
      data, "its extent [500, 33554435] exceeds its declared maximum [500, 3]")
  }

  func testATrillionDeclaredRowsOverUnwrittenChunksAreRefused() throws {
    let data = try write(
      "trillion.h5",
      """
      f.create_dataset('X', shape=(10**12, 3), chunks=(1024, 3), dtype='f8')
      f.create_dataset('y', shape=(10**12,), chunks=(1024,), dtype='f8')
      f['X'][:500] = X; f['y'][:500] = y
      """)
    try assertRefusedEverywhere(
      data, "declares [1000000000000, 3] values in 976562500 chunk(s) of [1024, 3] but only 1 are")
  }

  func testThreeHundredBillionColumnsAreRefused() throws {
    let data = try write(
      "wide.h5",
      """
      f.create_dataset('X', shape=(500, 300 * 10**9), chunks=(500, 1000), dtype='f8')
      f['y'] = y
      """)
    try assertRefusedEverywhere(data, "but only 0 are written")
  }

  func testADataSetNeverWrittenIsRefused() throws {
    let data = try write(
      "unwritten.h5", "f.create_dataset('X', shape=(500, 3), dtype='f8'); f['y'] = y")
    try assertRefusedEverywhere(data, "was never written")
  }

  func testTargetsWithoutColumnsAreRefused() throws {
    // A (300, 0) /y stopped training with SIGILL.
    let data = try write("y0.h5", "f['X'] = X[:300]; f['y'] = np.ones((300, 0))")
    let config = directory.appendingPathComponent("y0.json")
    for stream in [false, true] {
      try #"{"data": {"path": "y0.h5", "stream": \#(stream)}, "output": {"dir": "y0"}}"#
        .write(to: config, atomically: true, encoding: .utf8)
      let result = try runFit(["--config", config.path])
      XCTAssertEqual(result.status, 65, result.standardError)
      XCTAssertTrue(
        result.standardError.contains(
          "\(data.path) data set /y: has shape [300, 0]: no columns to read as targets"),
        result.standardError)
    }
  }

  func testAFletcherChecksumFailureIsAnErrorNamingTheRows() throws {
    // A flipped byte inside a checksummed chunk.
    let data = try write(
      "fletcher.h5",
      """
      f.create_dataset('X', data=X, chunks=(100, 3), fletcher32=True)
      f.create_dataset('y', data=y, chunks=(100,), fletcher32=True)
      """,
      patch: "at = find(X[250].tobytes()); b[at + 3] ^= 0x10")
    try assertRefusedEverywhere(data, "data error detected by Fletcher32 checksum")
  }

  func testTheLargestUInt64TrainsAndFinishes() throws {
    // 2⁶⁴ − 1 in an integer column hung training before.
    _ = try write(
      "u64.h5",
      """
      Xi = rng.integers(0, 1000, size=(2000, 3)).astype(np.uint64); Xi[3, 1] = 2**64 - 1
      f['X'] = Xi; f['y'] = rng.normal(size=2000)
      """)
    let config = directory.appendingPathComponent("u64.json")
    for stream in [false, true] {
      try
        #"{"data": {"path": "u64.h5", "stream": \#(stream)}, "output": {"dir": "u64-\#(stream)"}}"#
        .write(to: config, atomically: true, encoding: .utf8)
      let result = try runFit(["--config", config.path])
      XCTAssertEqual(result.status, 0, result.standardError)
    }
  }

  // Found by fit-fuzz (FuzzTests): each was a crash inside libhdf5 1.10.

  func testAChunkShapeBeyondTheMaximumExtentIsRefused() throws {
    // Layout message v3, chunked (spec IV.A.2.i): version 3, class 2, rank + 1, the B-tree
    // address, then the chunk's dimensions and element size as 4-byte numbers. A chunk of
    // 50 × 32771 over a fixed 500 × 3 extent made H5VM_memcpyvv copy past its buffer (SIGSEGV).
    let data = try write(
      "chunk.h5", "f.create_dataset('X', data=X, chunks=(50, 3)); f['y'] = y",
      patch: """
        import re
        found = [m.start() for m in re.finditer(
          re.escape(bytes([3, 2, 3])) + b'.{8}' + re.escape(struct.pack('<III', 50, 3, 8)),
          bytes(b), re.S)]
        assert len(found) == 1, found
        b[found[0] + 15:found[0] + 19] = struct.pack('<I', 32771)
        """)
    try assertRefusedEverywhere(
      data, "data set /X is damaged or unfinished: its chunk shape [50, 32771] does not fit")
  }

  func testAnIntegerTypeWiderThanItsBytesIsRefused() throws {
    // Datatype message, fixed-point (spec IV.A.2.d): class 0 version 1, flags (unsigned,
    // little-endian), size 2, bit offset 0, precision 16. A precision of 272 bits smashed the
    // stack in H5T__bit_get_d.
    let data = try write(
      "precision.h5", "f['X'] = X; f['y'] = (y * 100 + 1000).astype('<u2')",
      patch: """
        at = find(bytes([0x10, 0, 0, 0]) + struct.pack('<IHH', 2, 0, 16))
        b[at + 10:at + 12] = struct.pack('<H', 272)
        """)
    try assertRefusedEverywhere(
      data, "data set /y is damaged or unfinished: its uint16 type declares 272 bits")
  }

  func testAFloatTypeWithBitFieldsOutsideItsBytesIsRefused() throws {
    // Datatype message, floating point (spec IV.A.2.d): class 1 version 1, sign bit 63,
    // size 8, offset 0, precision 64, exponent at 52 (11 bits), mantissa at 0 (52 bits).
    let data = try write(
      "float.h5", "f['X'] = X; f['y'] = y",
      patch: """
        pattern = struct.pack('<HH', 0, 64) + bytes([52, 11, 0, 52])
        import re
        for m in re.finditer(re.escape(pattern), bytes(b)):
          b[m.start() + 7] = 200  # mantissa of 200 bits
        """)
    try assertRefusedEverywhere(data, "type is not an IEEE 754 float")
  }
}
