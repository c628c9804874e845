import DataIO
import Foundation
import TestSupport
import XCTest

/// Files written by h5py must read as numpy holds them, bit for bit, and bad files must give
/// clear errors naming file and data set.
final class HDF5InteropTests: XCTestCase {
  private var directory: URL!

  override func setUpWithError() throws {
    directory = try temporaryDirectory(for: self)
    try Python.requireH5py()
  }

  /// Runs `script` with `d` bound to the temporary directory; returns its output lines.
  private func python(_ script: String) throws -> [Substring] {
    let prelude = "import sys, h5py, numpy as np\nd = sys.argv[1]\n"
    return try Python.run(prelude + script, [directory.path]).split(separator: "\n")
  }

  private func bitPatterns(hex: Substring) -> [UInt64] {
    let bytes = stride(from: 0, to: hex.count, by: 2).map { offset -> UInt8 in
      let start = hex.index(hex.startIndex, offsetBy: offset)
      return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
    }
    return stride(from: 0, to: bytes.count, by: 8).map { base in
      (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[base + $1]) << (8 * UInt64($1)) }
    }
  }

  func testH5pyFilesReadIdenticallyToWhatNumpyHolds() throws {
    let lines = try python(
      """
      rng = np.random.default_rng(7)
      arrays = {
        '/X32': rng.standard_normal((37, 5)).astype(np.float32),
        '/group/y64': rng.integers(-2**40, 2**40, size=37, dtype=np.int64),
        '/a/b/c/chunked': rng.standard_normal((1000, 3)),
        '/u8': np.arange(250, 256, dtype=np.uint8),
        '/f16': np.array([0.5, -1.25, 65504], dtype=np.float16),
      }
      with h5py.File(d + '/h5py.h5', 'w') as f:
        f.create_dataset('/X32', data=arrays['/X32'])
        f.create_dataset('/group/y64', data=arrays['/group/y64'], chunks=(8,))
        f.create_dataset('/a/b/c/chunked', data=arrays['/a/b/c/chunked'], chunks=(64, 3),
                         compression='gzip', compression_opts=4, shuffle=True)
        f.create_dataset('/u8', data=arrays['/u8'])
        f.create_dataset('/f16', data=arrays['/f16'])
        f.attrs['note'] = 'written by h5py'
        f['/group'].attrs['scale'] = 2.5
      for name, a in arrays.items():
        print(name, a.astype(np.float64).tobytes().hex())
      """)
    let file = try HDF5File(url: directory.appendingPathComponent("h5py.h5"))
    for line in lines {
      let parts = line.split(separator: " ")
      let dataset = try file.dataset(String(parts[0]))
      XCTAssertEqual(
        try dataset.read().map(\.bitPattern), bitPatterns(hex: parts[1]), "\(parts[0])")
    }
    let x = try file.dataset("/X32")
    XCTAssertEqual(x.shape, [37, 5])
    XCTAssertEqual(x.elementType, .float(bits: 32))
    XCTAssertNil(x.chunkShape)
    let y = try file.dataset("/group/y64")
    XCTAssertEqual(y.elementType, .integer(bits: 64, signed: true))
    XCTAssertEqual(y.chunkShape, [8])
    let chunked = try file.dataset("/a/b/c/chunked")
    XCTAssertEqual(chunked.chunkShape, [64, 3])
    XCTAssertEqual(chunked.filters, ["shuffle", "deflate"])
    XCTAssertEqual(try file.dataset("/u8").elementType, .integer(bits: 8, signed: false))
    XCTAssertEqual(try file.dataset("/f16").elementType, .float(bits: 16))
    // A hyperslab in the middle of compressed chunks equals the same rows of the whole.
    XCTAssertEqual(try chunked.readRows(100..<300), Array(try chunked.read()[300..<900]))
    XCTAssertEqual(try file.stringAttribute("note"), "written by h5py")
    XCTAssertEqual(try file.doubleAttribute("scale", of: "/group"), [2.5])
  }

  func testH5pyReadsWhatWeWriteWithTheSameBits() throws {
    let values = [0.1, -0.0, 1e300, .leastNonzeroMagnitude, -2.5, 7]
    let path = directory.appendingPathComponent("ours.h5")
    do {  // the file closes (and unlocks) when the last reference goes
      let file = try HDF5File(url: path, mode: .create)
      try file.write(values, shape: [3, 2], to: "/X", options: HDF5WriteOptions(gzipLevel: 9))
      try file.setAttribute("columns", "a,b", on: "/X")
    }
    let lines = try python(
      """
      with h5py.File(d + '/ours.h5', 'r') as f:
        x = f['/X']
        print(x.dtype, x.shape, x.chunks, x.compression)
        print(x[()].tobytes().hex())
        print(x.attrs['columns'].decode())
      """)
    XCTAssertEqual(lines[0], "float64 (3, 2) (3, 2) gzip")
    XCTAssertEqual(bitPatterns(hex: lines[1]), values.map(\.bitPattern))
    XCTAssertEqual(lines[2], "a,b")
  }

  private func assertOpenFails(
    _ name: String, _ dataset: String, message expected: String,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    let path = directory.appendingPathComponent(name).path
    XCTAssertThrowsError(
      try HDF5File(url: URL(fileURLWithPath: path)).dataset(dataset), file: file, line: line
    ) { error in
      let message = "\(error)".replacingOccurrences(of: path, with: name)
      XCTAssertEqual(message, expected, file: file, line: line)
    }
  }

  func testBadFilesGiveClearErrorsNamingFileAndDataSet() throws {
    _ = try python(
      """
      open(d + '/text.h5', 'w').write('x,y\\n1,2\\n')
      with h5py.File(d + '/good.h5', 'w') as f:
        f['X'] = np.zeros((1000, 10))
        f['cube'] = np.zeros((2, 2, 2))
        f['names'] = np.array([b'a', b'b'])
        f.create_group('g')
        f.create_dataset('lzf', data=np.zeros((100, 2)), chunks=(10, 2), compression='lzf')
        f['link'] = h5py.ExternalLink('other.h5', '/X')
        f.create_dataset('outside', shape=(4,), dtype='f8', external=[('raw.bin', 0, 32)])
        layout = h5py.VirtualLayout(shape=(1000, 10), dtype='f8')
        layout[:] = h5py.VirtualSource(d + '/good.h5', 'X', shape=(1000, 10))
        f.create_virtual_dataset('virtual', layout)
      data = open(d + '/good.h5', 'rb').read()
      open(d + '/truncated.h5', 'wb').write(data[:len(data) // 2])
      """)
    assertOpenFails(
      "text.h5", "/X", message: "text.h5: not an HDF5 file (no HDF5 signature found)")
    assertOpenFails(
      "absent.h5", "/X", message: "absent.h5: cannot read file: No such file or directory")
    assertOpenFails("good.h5", "/Y", message: "good.h5: no data set /Y")
    assertOpenFails("good.h5", "/g/deeper/X", message: "good.h5: no data set /g/deeper/X")
    assertOpenFails(
      "good.h5", "/cube",
      message: "good.h5 data set /cube: has rank 3; only 1-D and 2-D data sets are read")
    assertOpenFails(
      "good.h5", "/names", message: "good.h5 data set /names: holds string values, not numbers")
    assertOpenFails(
      "good.h5", "/g", message: "good.h5 data set /g: is a group or a named type, not a data set")
    assertOpenFails(
      "good.h5", "/link",
      message: "good.h5 data set /link: /link is an external link to another file; only data "
        + "stored in this file is read")
    assertOpenFails(
      "good.h5", "/outside",
      message: "good.h5 data set /outside: is stored in 1 external file(s); refused")
    assertOpenFails(
      "good.h5", "/virtual",
      message: "good.h5 data set /virtual: is a virtual data set (it maps other data sets); refused"
    )
    XCTAssertThrowsError(
      try HDF5File(url: directory.appendingPathComponent("good.h5")).dataset("/lzf").read()
    ) {
      XCTAssertEqual(
        "\($0)".replacingOccurrences(of: self.directory.path + "/", with: ""),
        "good.h5 data set /lzf: is compressed with lzf, which this libhdf5 cannot decode; "
          + "rewrite it with gzip (compression='gzip' in h5py)")
    }
    let truncated = directory.appendingPathComponent("truncated.h5")
    XCTAssertThrowsError(try HDF5File(url: truncated).dataset("/X").read()) { error in
      guard case .hdf5(truncated.path, _, _, let message)? = error as? DataIOError else {
        return XCTFail("unexpected \(error)")
      }
      XCTAssertTrue(message.contains("truncated file"), message)
    }
  }

  /// Valid but unusual files, as h5py writes them: big-endian and integer columns read as numpy
  /// holds them; compound types, data sets without rows, dangling soft links and data sets
  /// left partly at their fill value are refused, naming file and data set (issue 18).
  func testStructurallyOddFilesAreReadExactlyOrRefusedClearly() throws {
    let lines = try python(
      """
      rng = np.random.default_rng(3)
      arrays = {
        '/be64': rng.standard_normal((20, 2)).astype('>f8'),
        '/be32': rng.standard_normal(20).astype('>f4'),
        '/bei16': rng.integers(-30000, 30000, size=(20, 3)).astype('>i2'),
        '/beu64': np.array([0, 1, 2**53, 2**64 - 1], dtype='>u8'),
        '/filled': np.full((40, 2), 1.5),
      }
      with h5py.File(d + '/odd.h5', 'w') as f:
        for name, a in arrays.items():
          if name == '/filled':
            f.create_dataset(name, data=a, chunks=(10, 2), fillvalue=-7.0)
          else:
            f.create_dataset(name, data=a)
        f['compound'] = np.zeros(4, dtype=[('a', 'f8'), ('b', 'i4')])
        f.create_dataset('empty', shape=(0, 3), dtype='f8')
        f['y'] = np.zeros(0)
        f['dangling'] = h5py.SoftLink('/nowhere')
        part = f.create_dataset('partial', shape=(40, 2), chunks=(10, 2), fillvalue=-7.0)
        part[:10] = 1.0
        f.create_dataset('unwritten', shape=(40, 2), dtype='f8', fillvalue=-7.0)
      for name, a in arrays.items():
        print(name, a.astype(np.float64).tobytes().hex())
      """)
    let url = directory.appendingPathComponent("odd.h5")
    let file = try HDF5File(url: url)
    for line in lines {
      let parts = line.split(separator: " ")
      XCTAssertEqual(
        try file.dataset(String(parts[0])).read().map(\.bitPattern), bitPatterns(hex: parts[1]),
        "\(parts[0])")
    }
    XCTAssertEqual(try file.dataset("/bei16").elementType, .integer(bits: 16, signed: true))
    assertOpenFails(
      "odd.h5", "/compound",
      message: "odd.h5 data set /compound: holds compound values, not numbers")
    assertOpenFails(
      "odd.h5", "/partial",
      message: "odd.h5 data set /partial is damaged or unfinished: declares [40, 2] values in 4 "
        + "chunk(s) of [10, 2] but only 1 are written; the rest would read as fill values (was "
        + "the file closed before it was finished?)")
    assertOpenFails(
      "odd.h5", "/unwritten",
      message: "odd.h5 data set /unwritten is damaged or unfinished: was never written (no "
        + "storage is allocated); it would read as fill values")
    assertOpenFails(
      "odd.h5", "/dangling",
      message: "odd.h5 data set /dangling: /dangling is a soft link to /nowhere, which does not "
        + "exist")
    XCTAssertThrowsError(try InMemoryDataset.hdf5(url: url, features: "/empty", targets: "/y")) {
      XCTAssertEqual(
        "\($0)".replacingOccurrences(of: url.path, with: "odd.h5"),
        "odd.h5 data set /empty: has shape [0, 3]: no rows to read as features")
    }
  }
}
