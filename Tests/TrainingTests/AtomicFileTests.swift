import Foundation
import TestSupport
import XCTest

@testable import Training

/// Files replaced whole: a reader sees the old content or the new, and no temporary file is
/// left behind, whether or not the write is flushed to disk.
final class AtomicFileTests: XCTestCase {
  func testWriteReplacesTheFileAndLeavesNothingElse() throws {
    let folder = try temporaryDirectory(for: self)
    let url = folder.appendingPathComponent("loss.svg")
    try AtomicFile.write(Data("first".utf8), to: url)
    try AtomicFile.write(Data("second, longer".utf8), to: url, durable: false)
    XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "second, longer")
    try AtomicFile.write(Data("third".utf8), to: url, syncFolder: false)
    XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "third")
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["loss.svg"])
  }

  func testAnUnwritableFolderGivesAnErrorNamingTheFile() throws {
    let url = URL(fileURLWithPath: "/nonexistent-folder-\(getpid())/model.json")
    XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: url)) { error in
      XCTAssertTrue("\(error)".contains("/nonexistent-folder-\(getpid())/model.json"), "\(error)")
    }
  }
}
