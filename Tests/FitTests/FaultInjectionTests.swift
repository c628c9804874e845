import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// Faults a run meets in the world, injected into the built `fit` (issue 18). Each ends with a
/// message naming the file or folder and a non-zero status (never a signal, never past its
/// SIGKILL time limit), leaves every checkpoint written before it valid and `metrics.csv` without
/// a partial line, and the run resumes from those checkpoints to the metrics, bit for bit, of a
/// run that met no fault.
final class FaultInjectionTests: XCTestCase {
  private var folder: URL!

  override func setUpWithError() throws {
    folder = try FitProcess.temporaryDirectory(self)
  }

  // MARK: A file-size limit and a full file system

  /// The checkpoint due after the last epoch is larger than the limit (checkpoints grow with
  /// the metrics history they hold; `metrics.csv` stays below it): its write fails with EFBIG,
  /// which `fit` reports naming the file, exit 74, instead of dying of SIGXFSZ.
  func testACheckpointOverTheFileSizeLimitIsReportedAndEarlierOnesResume() throws {
    try writeLinearConfig(epochs: 1000, checkpointEvery: 100)
    let reference = try referenceRun()
    let sizes = try checkpointSizes("reference")
    let (previous, final) = (sizes[900] ?? 0, sizes[1000] ?? 0)
    let limit = (previous + final) / 2 / 512 * 512
    let metricsSize = try size(of: "reference/metrics.csv")
    guard previous < limit, limit < final, metricsSize < limit else {
      return XCTFail(
        "the test needs checkpoints that grow past a limit metrics.csv stays under: step 900 "
          + "\(previous) bytes, step 1000 \(final), metrics.csv \(metricsSize)")
    }

    let limited = try fit(["--config", "c.json", "--quiet"], fileSizeLimit: limit)
    XCTAssertEqual(limited.status, 74, limited.standardError)
    XCTAssertTrue(
      limited.standardError.contains(
        "cannot write checkpoint \(folder.path)/run/checkpoints/step-00001000.h5"),
      limited.standardError)
    XCTAssertTrue(limited.standardError.contains("File too large"), limited.standardError)
    XCTAssertEqual(try checkpointSizes("run").keys.max(), 900)
    try assertIntact("run")
    XCTAssertEqual(try metricsRows("run").count, 1000)

    try assertResumes(from: "run/checkpoints/step-00000900.h5", matching: reference)
    print(
      "FaultInjectionTests: file-size limit \(limit) bytes, between checkpoints of \(previous) "
        + "and \(final) bytes: exit 74, resumed from step 900 to the reference's 1000 rows")
  }

  /// `metrics.csv` outgrows the limit before any checkpoint does: the row that does not fit is
  /// cut off again (without that, the file ended in half a row), the message names the file.
  func testMetricsOverTheFileSizeLimitLeaveNoPartialLine() throws {
    try writeLinearConfig(epochs: 3000, checkpointEvery: 200)
    let reference = try referenceRun()
    let largestCheckpoint = try checkpointSizes("reference").values.max() ?? 0
    let metricsSize = try size(of: "reference/metrics.csv")
    let limit = (largestCheckpoint + metricsSize) / 2 / 512 * 512
    guard largestCheckpoint < limit, limit < metricsSize else {
      return XCTFail(
        "the test needs a metrics.csv larger than every checkpoint: metrics.csv \(metricsSize) "
          + "bytes, largest checkpoint \(largestCheckpoint)")
    }

    let limited = try fit(["--config", "c.json", "--quiet"], fileSizeLimit: limit)
    XCTAssertEqual(limited.status, 74, limited.standardError)
    XCTAssertTrue(
      limited.standardError.contains("cannot write \(folder.path)/run/metrics.csv: File too large"),
      limited.standardError)
    XCTAssertLessThanOrEqual(try size(of: "run/metrics.csv"), limit)
    let rows = try metricsRows("run")
    XCTAssertEqual(rows.map { $0[0] }, (1...rows.count).map(String.init), "epochs 1, 2, ...")
    XCTAssertLessThan(rows.count, 3000)
    try assertIntact("run")

    let latest = try XCTUnwrap(try checkpointSizes("run").keys.max())
    try assertResumes(
      from: "run/checkpoints/" + Self.checkpointName(step: latest), matching: reference)
    print(
      "FaultInjectionTests: metrics.csv stopped at \(rows.count) whole rows under a "
        + "\(limit)-byte limit; resumed from step \(latest)")
  }

  /// The run folder on a 640 KiB tmpfs: it fills while the fourth checkpoint or the metrics
  /// are written (whichever comes first), the message names the file and says the device is
  /// full, the checkpoints already written stay valid, and once there is room (the tmpfs
  /// remounted larger) the run resumes to the reference's metrics.
  func testAFullFileSystemIsReportedAndEarlierCheckpointsResume() throws {
    try writeLinearConfig(epochs: 1000, checkpointEvery: 100)
    let reference = try referenceRun()
    let disk = folder.appendingPathComponent("disk")
    try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
    try mountOrSkip(["-t", "tmpfs", "-o", "size=640k", "fit-test", disk.path], at: disk)

    let full = try fit(["--config", "c.json", "--quiet", "--set", "output.dir=disk/run"])
    XCTAssertEqual(full.status, 74, full.standardError)
    XCTAssertTrue(full.standardError.contains("No space left on device"), full.standardError)
    XCTAssertTrue(
      full.standardError.contains("cannot write"), full.standardError)
    XCTAssertTrue(full.standardError.contains("\(disk.path)/run/"), full.standardError)
    let saved = try checkpointSizes("disk/run")
    XCTAssertFalse(saved.isEmpty, "no checkpoint was written before the disk filled")
    try assertIntact("disk/run")

    _ = try mountOrSkip(["-o", "remount,size=64m", disk.path], at: nil)
    // `last` names the checkpoint resumed from: the newest, or the one before it if the disk
    // filled between a checkpoint's rename and its pointer's.
    let last = try String(
      contentsOf: disk.appendingPathComponent("run/checkpoints/last"), encoding: .utf8
    )
    .trimmingCharacters(in: .whitespacesAndNewlines)
    try assertResumes(
      from: "disk/run/checkpoints/" + last, matching: reference, run: "disk/run")
    print(
      "FaultInjectionTests: a 640 KiB tmpfs filled after \(saved.count) checkpoints "
        + "(\(full.standardError.split(separator: "\n").last ?? "")); resumed from \(last)")
  }

  // MARK: A read-only run folder

  /// A finished run's folder made read-only (a read-only bind mount as root, where permissions
  /// do not stop writes; else `chmod`): training again, resuming and a new run folder inside it
  /// each fail with exit 73 naming the folder, before anything is written; every file is as it
  /// was, and `fit inspect` still reads the checkpoints.
  func testAReadOnlyRunFolderIsRefusedAndLeftAsItWas() throws {
    try writeLinearConfig(epochs: 3, checkpointEvery: 1)
    let base = folder.appendingPathComponent("ro")
    let first = try fit(["--config", "c.json", "--quiet", "--set", "output.dir=ro/run"])
    XCTAssertEqual(first.status, 0, first.standardError)
    let before = try contents(of: base)
    try makeReadOnly(base)

    let run = base.appendingPathComponent("run").path
    for (arguments, named) in [
      (["--set", "output.dir=ro/run"], run),
      (["--set", "output.dir=ro/run", "--resume"], run),
      (["--set", "output.dir=ro/new"], base.appendingPathComponent("new").path),
    ] {
      let result = try fit(["--config", "c.json", "--quiet"] + arguments)
      XCTAssertEqual(result.status, 73, "\(arguments): \(result.standardError)")
      XCTAssertTrue(
        result.standardError.contains("cannot create \(named)"),
        "\(arguments): \(result.standardError)")
      XCTAssertEqual(result.standardError.split(separator: "\n").count, 1, result.standardError)
    }
    let inspect = try fit(["inspect", run + "/checkpoints/last"])
    XCTAssertEqual(inspect.status, 0, inspect.standardError)
    XCTAssertEqual(try contents(of: base), before, "files changed in the read-only folder")
  }

  // MARK: Streamed data changed while it is read

  /// The streamed HDF5 file cut to half its size after the first checkpoint: libhdf5 reads the
  /// missing chunks as zeros without an error (training went on and "converged" on them), so
  /// `fit` checks the file after every read and stops with exit 66 naming it; the checkpoints
  /// stay valid, and with the file restored the run resumes.
  func testStreamedDataTruncatedWhileTrainingStopsTheRunNamingTheFile() throws {
    try Python.requireH5py()
    let data = try writeStreamingData()
    let original = try Data(contentsOf: data)
    let training = try startAfterFirstCheckpoint(epochs: 100)
    XCTAssertEqual(truncate(data.path, off_t(original.count / 2)), 0)
    let result = training.wait()
    XCTAssertFalse(result.timedOut, "a truncated stream must not hang the run")
    XCTAssertEqual(result.status, 66, result.standardError)
    XCTAssertTrue(
      result.standardError.contains("\(data.path): cannot read file: it was truncated while "),
      result.standardError)
    try assertIntact("run")

    try original.write(to: data)
    let inspect = try fit(["inspect", "run/checkpoints/last"])
    XCTAssertEqual(inspect.status, 0, inspect.standardError)
    let finished = try XCTUnwrap(
      inspect.standardOutput.firstMatch(of: #/\((\d+) epochs finished\)/#).map { Int($0.1)! })
    let resumed = try fit([
      "--config", "s.json", "--resume", "--set", "training.epochs=\(finished + 1)",
    ])
    XCTAssertEqual(resumed.status, 0, resumed.standardError)
    XCTAssertTrue(resumed.standardError.contains("resuming from"), resumed.standardError)
    XCTAssertEqual(try metricsRows("run").count, finished + 1)
    print(
      "FaultInjectionTests: streamed file truncated to \(original.count / 2) of "
        + "\(original.count) bytes after \(finished) epochs: exit 66 in \(result.seconds) s")
  }

  /// Another file renamed over the streamed one's name: the open file is still there, unchanged,
  /// so training goes on from it to its end (exit 0) and the model is that of the data the run
  /// opened (y = Σ (i+1)·xᵢ), not the replacement's (its negation). The next run reads the new
  /// file.
  func testStreamedDataReplacedByRenameTrainsOnTheFileItOpened() throws {
    try Python.requireH5py()
    let data = try writeStreamingData()
    let training = try startAfterFirstCheckpoint(epochs: 5)
    XCTAssertEqual(rename(folder.appendingPathComponent("other.h5").path, data.path), 0)
    XCTAssertTrue(training.isRunning, "the run ended before the file was replaced")
    let result = training.wait()
    XCTAssertEqual(result.status, 0, result.standardError)
    let model =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: folder.appendingPathComponent("run/model.json"))) as? [String: Any]
    let weights = try XCTUnwrap(model?["weights"] as? [Double])
    for (index, weight) in weights.enumerated() {
      XCTAssertEqual(weight, Double(index + 1), accuracy: 0.05, "x\(index): \(weights)")
    }
  }

  // MARK: Helpers

  /// `fit arguments` in the test's folder, under a SIGKILL time limit it must not reach.
  func fit(_ arguments: [String], seconds: TimeInterval = 180, fileSizeLimit: Int? = nil) throws
    -> LimitedProcess.Result
  {
    let result = try LimitedProcess.run(
      FitProcess.executable.path, arguments, in: folder, seconds: seconds,
      fileSizeLimit: fileSizeLimit)
    XCTAssertFalse(result.timedOut, "fit \(arguments) passed its \(seconds) s limit")
    XCTAssertNil(result.signal, "fit \(arguments) ended by signal \(result.signal ?? 0)")
    return result
  }

  /// `c.json`: the shipped linear data, full batches with the default optimizer for `epochs`
  /// epochs (no early stop: the tolerance is unreachable), a checkpoint every `checkpointEvery`
  /// epochs (one step each), the last 3 kept, into `run`.
  func writeLinearConfig(epochs: Int, checkpointEvery: Int) throws {
    try FileManager.default.copyItem(
      at: FitProcess.packageRoot.appendingPathComponent("data/linear.csv"),
      to: folder.appendingPathComponent("linear.csv"))
    try """
    {"data": {"path": "linear.csv", "targets": ["y"]},
     "training": {"epochs": \(epochs), "tolerance": 1e-300},
     "output": {"dir": "run", "keepLast": 3,
                "checkpointEvery": {"epochs": \(checkpointEvery), "seconds": null}}}
    """.write(to: folder.appendingPathComponent("c.json"), atomically: true, encoding: .utf8)
  }

  /// The config trained without a fault into `reference`; its metrics rows.
  func referenceRun() throws -> [[String]] {
    let result = try fit(["--config", "c.json", "--quiet", "--set", "output.dir=reference"])
    XCTAssertEqual(result.status, 0, result.standardError)
    return try metricsRows("reference")
  }

  /// `--resume` continues from `checkpoint` (the newest valid one) to the end, and the metrics
  /// are the reference's, row for row (without the speed column).
  func assertResumes(
    from checkpoint: String, matching reference: [[String]], run: String = "run",
    file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let resumed = try fit(["--config", "c.json", "--resume", "--set", "output.dir=\(run)"])
    XCTAssertEqual(resumed.status, 0, resumed.standardError, file: file, line: line)
    XCTAssertTrue(
      resumed.standardError.contains("resuming from \(folder.path)/\(checkpoint)"),
      resumed.standardError, file: file, line: line)
    XCTAssertEqual(try metricsRows(run), reference, file: file, line: line)
  }

  /// After a fault: no temporary file is left, every checkpoint (and `last`, `best`) passes
  /// `fit inspect`, and `metrics.csv` has whole rows only (`metricsRows`).
  func assertIntact(_ run: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let root = folder.appendingPathComponent(run)
    let names = FileManager.default.enumerator(atPath: root.path)?.allObjects as? [String] ?? []
    XCTAssertEqual(
      names.filter { $0.contains(".tmp-") }, [], "temporaries left", file: file, line: line)
    let checkpoints = root.appendingPathComponent("checkpoints")
    let files = (try? FileManager.default.contentsOfDirectory(atPath: checkpoints.path)) ?? []
    for name in files where name.hasPrefix("step-") || name == "last" || name == "best" {
      let inspect = try fit(["inspect", checkpoints.appendingPathComponent(name).path])
      XCTAssertEqual(inspect.status, 0, "\(name): \(inspect.standardError)", file: file, line: line)
    }
    _ = try metricsRows(run, file: file, line: line)
  }

  /// The rows of `<run>/metrics.csv` without its speed column, after checking that the file
  /// ends with a line end, has the header, and that every row has the header's 9 fields, each
  /// empty (no validation set) or a number.
  func metricsRows(_ run: String, file: StaticString = #filePath, line: UInt = #line) throws
    -> [[String]]
  {
    let text = try String(
      contentsOf: folder.appendingPathComponent("\(run)/metrics.csv"), encoding: .utf8)
    XCTAssertTrue(
      text.hasSuffix("\n"), "metrics.csv ends in a partial line", file: file, line: line)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    XCTAssertEqual(
      lines.first,
      "epoch,step,train_loss,val_mse,val_rmse,val_mae,val_r2,learning_rate,rows_per_second",
      file: file, line: line)
    var rows: [[String]] = []
    for (index, row) in lines.dropFirst().enumerated() {
      let fields = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      XCTAssertEqual(
        fields.count, 9, "metrics.csv line \(index + 2): \(row)", file: file, line: line)
      for field in fields where !field.isEmpty && Double(field) == nil {
        XCTFail("metrics.csv line \(index + 2): \(field) is not a number", file: file, line: line)
      }
      rows.append(Array(fields.dropLast()))
    }
    return rows
  }

  static func checkpointName(step: Int) -> String {
    "step-" + String(repeating: "0", count: max(0, 8 - String(step).count)) + "\(step).h5"
  }

  /// The sizes of `<run>/checkpoints/step-*.h5`, by step.
  func checkpointSizes(_ run: String) throws -> [Int: Int] {
    let path = folder.appendingPathComponent("\(run)/checkpoints").path
    var sizes: [Int: Int] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: path)
    where name.hasPrefix("step-") && name.hasSuffix(".h5") {
      sizes[Int(name.dropFirst(5).dropLast(3))!] = try size(of: "\(run)/checkpoints/\(name)")
    }
    return sizes
  }

  func size(of path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(
      atPath: folder.appendingPathComponent(path).path)
    return (attributes[.size] as? Int) ?? 0
  }

  /// Every file under `url`, by relative path, with its bytes.
  func contents(of url: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for case let name as String in FileManager.default.enumerator(atPath: url.path)! {
      let file = url.appendingPathComponent(name)
      var isFolder: ObjCBool = false
      if FileManager.default.fileExists(atPath: file.path, isDirectory: &isFolder),
        !isFolder.boolValue
      {
        files[name] = try Data(contentsOf: file)
      }
    }
    return files
  }

  /// Runs `mount arguments`; when it fails (no root, no CAP_SYS_ADMIN) the test is skipped. A
  /// new mount at `at` is unmounted when the test ends.
  @discardableResult
  func mountOrSkip(_ arguments: [String], at mountPoint: URL?) throws -> LimitedProcess.Result {
    let result = try LimitedProcess.run("/bin/mount", arguments, in: folder, seconds: 30)
    guard result.status == 0 else {
      throw XCTSkip(
        "mount \(arguments.joined(separator: " ")) failed (\(result.standardError)); this test "
          + "needs root with CAP_SYS_ADMIN")
    }
    if let mountPoint {
      addTeardownBlock {
        _ = try? LimitedProcess.run(
          "/bin/umount", ["-l", mountPoint.path], in: URL(fileURLWithPath: "/"), seconds: 30)
      }
    }
    return result
  }

  /// Makes `url` read-only: a read-only bind mount of it over itself as root (permissions do not
  /// stop root), else `chmod` of it and everything in it; skips the test if writes still work.
  func makeReadOnly(_ url: URL) throws {
    if getuid() == 0 {
      try mountOrSkip(["--bind", url.path, url.path], at: url)
      try mountOrSkip(["-o", "remount,bind,ro", url.path], at: nil)
    } else {
      for case let name as String in FileManager.default.enumerator(atPath: url.path)! {
        let path = url.appendingPathComponent(name).path
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        chmod(path, isFolder.boolValue ? 0o555 : 0o444)
      }
      chmod(url.path, 0o555)
      addTeardownBlock {
        for case let name as String in FileManager.default.enumerator(atPath: url.path)! {
          chmod(url.appendingPathComponent(name).path, 0o755)
        }
        chmod(url.path, 0o755)
      }
    }
    let probe = url.appendingPathComponent("run/probe")
    if FileManager.default.createFile(atPath: probe.path, contents: Data()) {
      try? FileManager.default.removeItem(at: probe)
      throw XCTSkip("could not make \(url.path) read-only: writes into it still succeed")
    }
  }

  /// `s.h5` (and `other.h5`, the same features with the targets negated): 100,000 rows of 8
  /// features in chunks of 1,000 rows, y = Σ (i+1)·xᵢ + noise; and `s.json`, which streams it with
  /// plain SGD in batches of 4,096, a checkpoint every epoch. An epoch takes about half a second
  /// in a debug build.
  func writeStreamingData() throws -> URL {
    let data = folder.appendingPathComponent("s.h5")
    _ = try Python.run(
      """
      import sys, h5py, numpy as np
      rng = np.random.default_rng(0)
      n = 100_000
      X = rng.normal(size=(n, 8))
      y = X @ np.arange(1.0, 9.0) + 0.1 * rng.normal(size=n)
      for path, sign in ((sys.argv[1], 1.0), (sys.argv[2], -1.0)):
          with h5py.File(path, 'w') as f:
              f.create_dataset('X', data=X, chunks=(1000, 8))
              f.create_dataset('y', data=sign * y, chunks=(1000,))
      """, [data.path, folder.appendingPathComponent("other.h5").path])
    try """
    {"data": {"path": "s.h5", "stream": true},
     "optimizer": {"kind": "sgd", "lr": 0.05},
     "training": {"epochs": 100, "batchSize": 4096, "tolerance": 1e-300},
     "output": {"dir": "run", "checkpointEvery": {"epochs": 1, "seconds": null}}}
    """.write(to: folder.appendingPathComponent("s.json"), atomically: true, encoding: .utf8)
    return data
  }

  /// Starts training `s.json` for `epochs` epochs and returns once its first checkpoint is
  /// written (failing if the run ends first).
  func startAfterFirstCheckpoint(epochs: Int) throws -> LimitedProcess {
    let training = try LimitedProcess(
      FitProcess.executable.path,
      ["--config", "s.json", "--quiet", "--set", "training.epochs=\(epochs)"], in: folder,
      seconds: 180)
    let last = folder.appendingPathComponent("run/checkpoints/last").path
    let deadline = Date().addingTimeInterval(120)
    while !FileManager.default.fileExists(atPath: last) && training.isRunning && Date() < deadline {
      usleep(10_000)
    }
    guard training.isRunning else {
      let result = training.wait()
      XCTFail("the run ended before its first checkpoint: \(result.status) \(result.standardError)")
      throw CancellationError()
    }
    return training
  }
}
