import Foundation
import XCTest

/// Runs Python snippets for the interoperability tests (h5py-written files, `float()` results).
///
/// A missing `python3`, numpy or h5py makes the calling test fail with a message saying what to
/// install (`make test` installs them): silently skipping would hide that nothing was checked.
public enum Python {
  public struct Failure: Error, CustomStringConvertible {
    public var description: String
  }

  /// Runs `python3 -c script args...` and returns its standard output.
  public static func run(_ script: String, _ arguments: [String] = []) throws -> String {
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
    // Drain standard error on another thread, so a chatty script cannot block on a full pipe.
    nonisolated(unsafe) var errorData = Data()
    let drained = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
      errorData = errors.fileHandleForReading.readDataToEndOfFile()
      drained.signal()
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    drained.wait()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw Failure(
        description: "python3 failed (status \(process.terminationStatus)): "
          + String(decoding: errorData, as: UTF8.self))
    }
    return String(decoding: data, as: UTF8.self)
  }

  /// Fails unless numpy and h5py import.
  public static func requireH5py() throws {
    do {
      _ = try run("import numpy, h5py")
    } catch {
      throw Failure(
        description: "these tests need numpy and h5py for python3 (pip install h5py numpy, or "
          + "`make test`, which installs them): \(error)")
    }
  }

  /// Fails unless pandas and PyTables (which `DataFrame.to_hdf` writes with) import.
  public static func requirePandas() throws {
    do {
      _ = try run("import pandas, tables")
    } catch {
      throw Failure(
        description: "these tests need pandas and tables for python3 (pip install pandas "
          + "tables, or `make test`, which installs them): \(error)")
    }
  }

  /// Fails unless scikit-learn imports, for the tests that state fit's loss options in its terms.
  public static func requireScikitLearn() throws {
    do {
      _ = try run("import numpy, sklearn")
    } catch {
      throw Failure(
        description: "these tests need scikit-learn for python3 (pip install scikit-learn, or "
          + "`make test`, which installs it): \(error)")
    }
  }
}
