import Foundation
import TestSupport
import XCTest

/// Every reader of user input survives 10,000 seeded mutations of valid inputs (plus its
/// structurally odd cases): `fit-fuzz` reads each case and counts it as read or refused with an
/// error naming the file; a signal, a case over its time limit, an allocation beyond the 4 GiB
/// address-space limit or an error that does not say which file is wrong fails (issue 18).
/// The HDF5 seeds include files written by h5py the way users write them.
final class FuzzTests: XCTestCase {
  static let targets = ["csv", "config", "set", "hdf5", "hdf5-stream", "model", "checkpoint"]
  /// 10,000, or `FIT_FUZZ_CASES` (`make sanitize` runs fewer: sanitized code is slower).
  static let casesPerTarget =
    ProcessInfo.processInfo.environment["FIT_FUZZ_CASES"].flatMap { Int($0) } ?? 10_000

  var fuzzer: URL {
    FitProcess.executable.deletingLastPathComponent().appendingPathComponent("fit-fuzz")
  }

  /// h5py-written seeds (scripts/fuzz_corpus.py): contiguous, compact, chunked with gzip,
  /// shuffle and Fletcher-32, integer and big-endian columns, a `columns` attribute, an
  /// extensible data set.
  func writeCorpus(in folder: URL) throws {
    let script = FitProcess.packageRoot.appendingPathComponent("scripts/fuzz_corpus.py")
    _ = try Python.run(try String(contentsOf: script, encoding: .utf8), [folder.path])
  }

  func testEveryReaderSurvivesTenThousandMutatedInputs() throws {
    try Python.requireH5py()
    let folder = try FitProcess.temporaryDirectory(self)
    let corpus = folder.appendingPathComponent("corpus")
    try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
    try writeCorpus(in: corpus)
    // Two campaigns at a time (these machines have two cores), each under a SIGKILL limit.
    nonisolated(unsafe) var results: [String: (status: Int32, output: String)] = [:]
    let lock = NSLock()
    let fuzzer = self.fuzzer
    let queue = OperationQueue()
    queue.maxConcurrentOperationCount = 2
    for target in Self.targets {
      queue.addOperation {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = [
          "-s", "KILL", "600", fuzzer.path, target, "--cases", "\(Self.casesPerTarget)",
          "--work", folder.appendingPathComponent("work-\(target)").path,
          "--corpus", corpus.path,
        ]
        process.currentDirectoryURL = FitProcess.packageRoot
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        var output = ""
        do {
          try process.run()
          output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
          process.waitUntilExit()
        } catch {
          output = "\(error)"
        }
        lock.withLock { results[target] = (process.terminationStatus, output) }
      }
    }
    queue.waitUntilAllOperationsAreFinished()
    for target in Self.targets {
      let (status, output) = try XCTUnwrap(results[target], target)
      let summary = output.split(separator: "\n").first { $0.hasPrefix("fuzz \(target):") }
      print(summary ?? "fuzz \(target): no summary")
      XCTAssertEqual(
        status, 0,
        "\(target) (status 2: a hang; 137: killed; 139/134: a crash):\n\(output.suffix(3000))")
      let line = try XCTUnwrap(summary, "\(target): \(output.suffix(2000))")
      let cases = Int(line.split(separator: " ")[2]) ?? 0
      XCTAssertGreaterThanOrEqual(cases, Self.casesPerTarget, String(line))
      XCTAssertTrue(line.contains(" 0 failed"), String(line))
    }
  }
}
