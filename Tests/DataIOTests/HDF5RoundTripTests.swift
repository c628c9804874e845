import Foundation
import TestSupport
import XCTest

@testable import DataIO

final class HDF5RoundTripTests: XCTestCase {
  private var directory: URL!

  override func setUpWithError() throws {
    directory = try temporaryDirectory(for: self)
  }

  private func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

  /// Values that tend to get lost: signed zero, infinities, a NaN, subnormals, the extremes.
  private let awkward: [Double] = [
    0.1, -0.0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude,
    Double(bitPattern: 0x000F_FFFF_FFFF_FFFF),
    .greatestFiniteMagnitude, -1.0 / 3.0, 1e23,
  ]

  /// A string attribute longer than HDF5's 64 KiB object header (the names of 5000 columns)
  /// is written as a variable-length string and reads back whole.
  func testLongStringAttributesRoundTrip() throws {
    let url = url("long.h5")
    let names = (0..<5000).map { "\"feature_\($0)\"" }.joined(separator: ",")
    let long = "[" + names + "]"
    XCTAssertGreaterThan(long.utf8.count, 65_536)
    do {
      let file = try HDF5File(url: url, mode: .create)
      try file.write([1, 2], shape: [2], to: "/X")
      try file.setAttribute("columns", long, on: "/X")
      try file.setAttribute("note", "short")
    }
    let file = try HDF5File(url: url)
    XCTAssertEqual(try file.stringAttribute("columns", of: "/X"), long)
    XCTAssertEqual(try file.stringAttribute("note"), "short")
  }

  /// A failed system call reported by HDF5 reads as the failure and the system's words.
  func testSystemFailuresAreReportedWithoutAddressesAndSizes() {
    XCTAssertEqual(
      HDF5Library.systemFailure(
        "file write failed: time = Sun Nov 29 12:00:00 2026, filename = '/x/.step.h5', file "
          + "descriptor = 5, errno = 28, error message = 'No space left on device', buf = "
          + "0x55d0, total write size = 4096, bytes this sub-write = 4096, bytes actually written "
          + "= 18446744073709551615, offset = 0"),
      "file write failed: No space left on device")
    XCTAssertEqual(HDF5Library.systemFailure("unable to open file"), "unable to open file")
  }

  func testWrittenDataReadsBackWithIdenticalBits() throws {
    let file = try HDF5File(url: url("a.h5"), mode: .create)
    let options = HDF5WriteOptions(chunkRows: 2, gzipLevel: 6, fletcher32: true)
    try file.write(awkward, shape: [5, 2], to: "/X", options: options)
    try file.write(awkward, shape: [10], to: "/nested/deeper/y")
    let reopened = try HDF5File(url: url("a.h5"))
    let x = try reopened.dataset("/X")
    XCTAssertEqual(x.shape, [5, 2])
    XCTAssertEqual(x.elementType, .float(bits: 64))
    XCTAssertEqual(x.chunkShape, [2, 2])
    XCTAssertEqual(x.filters, ["fletcher32", "deflate"])
    XCTAssertEqual(try x.read().map(\.bitPattern), awkward.map(\.bitPattern))
    let y = try reopened.dataset("nested/deeper/y")
    XCTAssertEqual(y.shape, [10])
    XCTAssertNil(y.chunkShape)
    XCTAssertEqual(try y.read().map(\.bitPattern), awkward.map(\.bitPattern))
  }

  func testReadingARowRangeReturnsOnlyThoseRows() throws {
    let file = try HDF5File(url: url("r.h5"), mode: .create)
    let x = try file.write((0..<12).map(Double.init), shape: [6, 2], to: "/X")
    XCTAssertEqual(try x.readRows(2..<4), [4, 5, 6, 7])
    XCTAssertEqual(try x.readRows(5..<6), [10, 11])
    XCTAssertEqual(try x.readRows(3..<3), [])
    XCTAssertThrowsError(try x.readRows(5..<7)) {
      XCTAssertEqual(
        "\($0)", "\(self.url("r.h5").path) data set /X: rows 5..<7 are outside the data set's 0..<6"
      )
    }
  }

  func testExtendableDataSetGrowsRowByRowAcrossChunks() throws {
    let file = try HDF5File(url: url("e.h5"), mode: .create)
    let x = try file.createDataset(
      "/X", columns: 3, options: HDF5WriteOptions(chunkRows: 2, gzipLevel: 1, extendable: true))
    XCTAssertEqual(x.shape, [0, 3])
    try x.append(rows: [1, 2, 3])
    try x.append(rows: [4, 5, 6, 7, 8, 9, 10, 11, 12])
    XCTAssertEqual(x.shape, [4, 3])
    XCTAssertEqual(try HDF5File(url: url("e.h5")).dataset("/X").read(), (1...12).map(Double.init))
  }

  func testAttributesRoundTrip() throws {
    let file = try HDF5File(url: url("t.h5"), mode: .create)
    try file.write([1, 2], shape: [2], to: "/y")
    try file.setAttribute("source", "données.csv")
    try file.setAttribute("mean", [0.5, -0.25], on: "/y")
    try file.setAttribute("version", 2.0, on: "/y")
    try file.setAttribute("version", 3.0, on: "/y")  // replaces
    XCTAssertEqual(try file.stringAttribute("source"), "données.csv")
    XCTAssertEqual(try file.doubleAttribute("mean", of: "/y"), [0.5, -0.25])
    XCTAssertEqual(try file.doubleAttribute("version", of: "/y"), [3])
    XCTAssertThrowsError(try file.doubleAttribute("absent", of: "/y")) {
      XCTAssertEqual("\($0)", "\(self.url("t.h5").path): no data set /y attribute absent")
    }
  }

  func testFletcher32DetectsACorruptedChunk() throws {
    let path = url("f.h5")
    let marker = Double(bitPattern: 0x4142_4344_4546_4748)
    try HDF5File(url: path, mode: .create).write(
      [Double](repeating: marker, count: 64), shape: [64], to: "/y",
      options: HDF5WriteOptions(chunkRows: 64, fletcher32: true))
    var bytes = try Data(contentsOf: path)
    let pattern = withUnsafeBytes(of: marker.bitPattern.littleEndian) { Data($0) }
    let offset = try XCTUnwrap(bytes.range(of: pattern)).lowerBound
    bytes[offset] ^= 0xFF
    try bytes.write(to: path)
    XCTAssertThrowsError(try HDF5File(url: path).dataset("/y").read()) { error in
      guard case .hdf5(path.path, "/y", "read of rows 0..<64", let message)? = error as? DataIOError
      else { return XCTFail("unexpected \(error)") }
      XCTAssertTrue(message.contains("Fletcher32"), message)
    }
  }

  func testEveryHandleIsClosedWhenItsWrapperGoes() throws {
    let before = HDF5Library.openObjectCount()
    do {
      let file = try HDF5File(url: url("h.h5"), mode: .create)
      let x = try file.write(
        [1, 2, 3, 4], shape: [2, 2], to: "/g/X", options: HDF5WriteOptions(gzipLevel: 1))
      try file.setAttribute("unit", "m", on: "/g/X")
      XCTAssertEqual(try x.readRows(1..<2), [3, 4])
      XCTAssertEqual(try file.stringAttribute("unit", of: "/g/X"), "m")
      XCTAssertThrowsError(try file.dataset("/missing"))
      XCTAssertEqual(HDF5Library.openObjectCount(), before + 2)  // the file and /g/X
    }
    XCTAssertEqual(HDF5Library.openObjectCount(), before)
  }

  /// HDF5 prints its error stack to stderr unless told not to; failures must only be thrown.
  func testHDF5ErrorsAreThrownNotPrinted() throws {
    try Data("not hdf5".utf8).write(to: url("bad.h5"))
    let capture = url("stderr.txt")
    _ = FileManager.default.createFile(atPath: capture.path, contents: nil)
    let saved = dup(2)
    let sink = open(capture.path, O_WRONLY)
    dup2(sink, 2)
    let file = try HDF5File(url: url("ok.h5"), mode: .create)
    _ = try? file.dataset("/nothing/here")
    _ = try? file.write([1], shape: [1], to: "/y").readRows(0..<5)
    _ = try? HDF5File(url: url("bad.h5"))
    _ = try? HDF5File(url: url("no/such/dir.h5"), mode: .create)
    fflush(nil)
    dup2(saved, 2)
    close(sink)
    close(saved)
    XCTAssertEqual(try String(contentsOf: capture, encoding: .utf8), "")
  }

  func testInputFilesAreOpenedReadOnlyAndNotModified() throws {
    let path = url("in.h5")
    try HDF5File(url: path, mode: .create).write([1, 2, 3], shape: [3], to: "/y")
    let before = try Data(contentsOf: path)
    let input = try HDF5File(url: path)
    XCTAssertEqual(try input.dataset("/y").read(), [1, 2, 3])
    XCTAssertThrowsError(try input.dataset("/y").writeRows([9], at: 0)) { error in
      guard case .hdf5(_, "/y", _, let message)? = error as? DataIOError else {
        return XCTFail("unexpected \(error)")
      }
      XCTAssertTrue(message.contains("no write intent"), message)
    }
    XCTAssertEqual(try Data(contentsOf: path), before)
  }

  /// Eight threads reading eight files at once: every call goes through the library lock, so
  /// the thread-unsafe libhdf5 sees one call at a time and every thread gets its own data.
  func testConcurrentReadsFromManyThreadsAreSafe() throws {
    for k in 0..<8 {
      let values = (0..<1000).map { Double($0 * 8 + k) }
      try HDF5File(url: url("c\(k).h5"), mode: .create)
        .write(values, shape: [250, 4], to: "/X", options: HDF5WriteOptions(chunkRows: 16))
    }
    let failures = UnsafeSendableCounter()
    let directory = self.directory!
    DispatchQueue.concurrentPerform(iterations: 8) { k in
      for _ in 0..<20 {
        let file = directory.appendingPathComponent("c\(k).h5")
        let values = try? HDF5File(url: file).dataset("/X").readRows(10..<20)
        if values != (40..<80).map({ Double($0 * 8 + k) }) { failures.increment() }
      }
    }
    XCTAssertEqual(failures.value, 0)
  }
}

/// A counter that threads may bump concurrently.
final class UnsafeSendableCounter: @unchecked Sendable {
  private let lock = NSLock()
  private var count = 0
  func increment() { lock.withLock { count += 1 } }
  var value: Int { lock.withLock { count } }
}
