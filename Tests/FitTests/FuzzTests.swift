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
  static let casesPerTarget = 10_000

  var fuzzer: URL {
    FitProcess.executable.deletingLastPathComponent().appendingPathComponent("fit-fuzz")
  }

  /// h5py-written seeds: contiguous, compact, chunked with gzip, shuffle and Fletcher-32,
  /// integer and big-endian columns, a `columns` attribute, an extensible data set.
  func writeCorpus(in folder: URL) throws {
    _ = try Python.run(
      """
      import sys, h5py, numpy as np
      rng = np.random.default_rng(7)
      X = rng.normal(size=(120, 3)); y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=120)
      def out(name): return h5py.File(sys.argv[1] + '/' + name, 'w')
      with out('contiguous.h5') as f:
        f['X'] = X; f['y'] = y
        f['X'].attrs['columns'] = ['a', 'b', 'c']
      with out('chunked.h5') as f:
        f.create_dataset('X', data=X, chunks=(32, 3), compression='gzip', shuffle=True,
                         fletcher32=True)
        f.create_dataset('y', data=y, chunks=(32,), fletcher32=True)
      with out('compact.h5') as f:
        for name, data in [('X', X[:20]), ('y', y[:20])]:
          space = h5py.h5s.create_simple(data.shape)
          plist = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
          plist.set_layout(h5py.h5d.COMPACT)
          d = h5py.h5d.create(f.id, name.encode(), h5py.h5t.IEEE_F64LE, space, plist)
          d.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(data))
      with out('integers.h5') as f:
        f.create_dataset('X', data=(X * 100).astype('>i4'))
        f.create_dataset('y', data=(y * 10).astype('<u2'))
      with out('extensible.h5') as f:
        f.create_dataset('X', data=X.astype('f4'), maxshape=(None, 3), chunks=(50, 3))
        f.create_dataset('y', data=y, maxshape=(None,), chunks=(50,))
      """, [folder.path])
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
