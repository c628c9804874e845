import Foundation
import XCTest

/// Runs Python snippets for the interoperability tests (h5py-written files, `float()` results).
///
/// A missing `python3`, numpy or h5py makes the calling test fail with a message saying what to
/// install (`make test` installs them): silently skipping would hide that nothing was checked.
enum Python {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// Runs `python3 -c script args...` and returns its standard output.
  static func run(_ script: String, _ arguments: [String] = []) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    do {
      try process.run()
    } catch {
      throw Failure(description: "cannot run python3 (\(error)); install it or run `make test`")
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw Failure(
        description: "python3 failed (status \(process.terminationStatus)): "
          + String(decoding: errorData, as: UTF8.self))
    }
    return String(decoding: data, as: UTF8.self)
  }

  /// Fails unless numpy and h5py import.
  static func requireH5py() throws {
    do {
      _ = try run("import numpy, h5py")
    } catch {
      throw Failure(
        description: "these tests need numpy and h5py for python3 (pip install h5py numpy, or "
          + "`make test`, which installs them): \(error)")
    }
  }
}

/// A fresh directory under the system's temporary directory, removed when the test ends.
func temporaryDirectory(for test: XCTestCase) throws -> URL {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("fit-dataio-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
  return url
}
