import Foundation
import XCTest

/// Runs the built `fit` binary as a user would, for end-to-end tests.
public struct FitProcess {
  public struct Result {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String
  }

  /// The package's root folder (where configs/ and data/ are).
  public static let packageRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
      url.deleteLastPathComponent()
      if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
        return url
      }
    }
    fatalError("Package.swift not found above \(#filePath)")
  }()

  /// The `fit` executable built beside the test bundle.
  public static let executable: URL = {
    let candidates =
      [
        Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("fit"),
        Bundle.main.bundleURL.appendingPathComponent("fit"),
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
          .appendingPathComponent("fit"),
      ]
      + Bundle.allBundles.map {
        $0.bundleURL.deletingLastPathComponent().appendingPathComponent("fit")
      }
    guard
      let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) })
    else { fatalError("the fit executable was not found next to the tests: \(candidates)") }
    return found
  }()

  /// Runs `fit` with arguments, in `directory` (the package root by default).
  @discardableResult
  public static func run(
    _ arguments: [String], in directory: URL? = nil, input: Data? = nil
  ) throws -> Result {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory ?? packageRoot
    return try collect(process)
  }

  /// Runs a configured `process` to its end and returns its status and output.
  public static func collect(_ process: Process) throws -> Result {
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes before waiting, so a chatty child cannot block on a full pipe.
    let group = DispatchGroup()
    nonisolated(unsafe) var outData = Data()
    nonisolated(unsafe) var errData = Data()
    DispatchQueue.global().async(group: group) {
      outData = out.fileHandleForReading.readDataToEndOfFile()
    }
    DispatchQueue.global().async(group: group) {
      errData = err.fileHandleForReading.readDataToEndOfFile()
    }
    group.wait()
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
      standardError: String(decoding: errData, as: UTF8.self))
  }

  /// A fresh temporary folder, removed when the test ends.
  public static func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    try TestSupport.temporaryDirectory(for: test)
  }
}

/// A fresh directory under the system's temporary directory, removed when the test ends.
public func temporaryDirectory(for test: XCTestCase) throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "fit-tests-\(UUID().uuidString)", isDirectory: true)
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
  return url
}
