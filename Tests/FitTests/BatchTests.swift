import Foundation
import TestSupport
import XCTest

final class BatchTests: XCTestCase {
  let grid = [
    "--grid", "optimizer.lr=0.1,0.03,0.01", "--grid", "model.degree=2,3", "--set",
    "training.epochs=15",
  ]

  func models(in folder: URL) throws -> [String: Data] {
    var result: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
      let model = folder.appendingPathComponent(name).appendingPathComponent("model.json")
      if let data = try? Data(contentsOf: model) { result[name] = data }
    }
    return result
  }

  /// Six runs with two jobs give exactly the models of the same runs one at a time, and of a
  /// plain `fit` run with the same values.
  func testParallelBatchEqualsRunsOneByOne() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let parallel = folder.appendingPathComponent("parallel")
    let serial = folder.appendingPathComponent("serial")
    let two = try FitProcess.run(
      ["batch", "--config", "configs/poly.json"] + grid + ["--jobs", "2", "--out", parallel.path])
    XCTAssertEqual(two.status, 0, two.standardError)
    let one = try FitProcess.run(
      ["batch", "--config", "configs/poly.json"] + grid + ["--jobs", "1", "--out", serial.path])
    XCTAssertEqual(one.status, 0, one.standardError)
    let a = try models(in: parallel)
    XCTAssertEqual(a.count, 6)
    XCTAssertEqual(a, try models(in: serial))
    let alone = folder.appendingPathComponent("alone")
    let single = try FitProcess.run([
      "--config", "configs/poly.json", "--set", "optimizer.lr=0.03", "--set", "model.degree=3",
      "--set", "training.epochs=15", "--set", "output.dir=\(alone.path)", "--quiet",
    ])
    XCTAssertEqual(single.status, 0, single.standardError)
    XCTAssertEqual(
      a["lr=0.03_degree=3"], try Data(contentsOf: alone.appendingPathComponent("model.json")))
    // The summary is sorted by validation loss and names every run.
    let summary = try String(
      contentsOf: parallel.appendingPathComponent("summary.csv"), encoding: .utf8)
    let rows = summary.split(separator: "\n").dropFirst().map {
      $0.split(separator: ",", omittingEmptySubsequences: false)
    }
    XCTAssertEqual(rows.count, 6)
    let losses = rows.map { Double($0[4])! }
    XCTAssertEqual(losses, losses.sorted())
    XCTAssertTrue(
      FileManager.default.fileExists(atPath: parallel.appendingPathComponent("summary.svg").path))
  }

  /// A broken config fails alone: the others finish and the summary gives its error.
  func testOneBrokenConfigDoesNotStopTheOthers() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let broken = folder.appendingPathComponent("broken.json")
    try #"{"version": 1, "data": {"path": "missing.csv", "targets": ["y"]}}"#.write(
      to: broken, atomically: true, encoding: .utf8)
    let out = folder.appendingPathComponent("batch")
    let result = try FitProcess.run([
      "batch", "configs/linear.json", "configs/poly.json", broken.path, "--jobs", "2", "--out",
      out.path,
      "--set", "training.epochs=5",
    ])
    XCTAssertEqual(result.status, 1)
    XCTAssertTrue(result.standardError.contains("1 of 3 runs failed"), result.standardError)
    let summary = try String(contentsOf: out.appendingPathComponent("summary.csv"), encoding: .utf8)
    let lines = summary.split(separator: "\n")
    XCTAssertEqual(lines.count, 4)
    XCTAssertTrue(lines[3].hasPrefix("broken,"), String(lines[3]))
    XCTAssertTrue(lines[3].contains("failed (exit 66)"), String(lines[3]))
    XCTAssertTrue(lines[3].contains("missing.csv"), String(lines[3]))
    XCTAssertEqual(try models(in: out).count, 2)
  }

  /// A batch run's name (`lr=0.1_degree=2`) is a config name too: a config named so trains
  /// into a run folder of that name, as does `--set name=...` (split at its first `=`), and the
  /// model trained is the batch run's.
  func testABatchRunNameTrainsAsAConfigName() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let out = folder.appendingPathComponent("batch")
    let batch = try FitProcess.run([
      "batch", "--config", "configs/poly.json", "--grid", "optimizer.lr=0.1", "--grid",
      "model.degree=2", "--set", "training.epochs=2", "--out", out.path,
    ])
    XCTAssertEqual(batch.status, 0, batch.standardError)
    let name = "lr=0.1_degree=2"
    XCTAssertEqual(Array(try models(in: out).keys), [name])

    let config = folder.appendingPathComponent("named.json")
    let data = FitProcess.packageRoot.appendingPathComponent("data/poly.csv").path
    let text = #"{"name": "\#(name)", "data": {"path": "\#(data)", "targets": ["y"]}}"#
    try text.write(to: config, atomically: true, encoding: .utf8)
    let poly = FitProcess.packageRoot.appendingPathComponent("configs/poly.json").path
    let set = folder.appendingPathComponent("set")
    let runs = [
      ["--config", config.path, "--set", "training.epochs=2"],
      [
        "--config", poly, "--set", "name=\(name)", "--set", "optimizer.lr=0.1", "--set",
        "model.degree=2", "--set", "training.epochs=2", "--set", "output.dir=\(set.path)/\(name)",
      ],
    ]
    func model(_ folder: URL) throws -> [String: Any] {
      let url = folder.appendingPathComponent(name).appendingPathComponent("model.json")
      return try XCTUnwrap(
        JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }
    for (arguments, runFolder) in zip(runs, ["runs", "set"]) {
      let result = try FitProcess.run(arguments + ["--quiet"], in: folder)
      XCTAssertEqual(result.status, 0, result.standardError)
      XCTAssertEqual(try model(folder.appendingPathComponent(runFolder))["name"] as? String, name)
    }
    // The same values as the batch run, under that run's name: the same coefficients.
    let named = try model(set)
    let batchRun = try model(out)
    XCTAssertEqual(named["weights"] as? [Double], batchRun["weights"] as? [Double])
    XCTAssertEqual(named["intercept"] as? [Double], batchRun["intercept"] as? [Double])
  }

  /// A batch killed (SIGKILL, with its running training) after some runs finished, then resumed:
  /// the finished runs are not trained again, and the final summary and models equal those of an
  /// uninterrupted batch.
  func testKilledBatchResumesWithoutRedoingFinishedRuns() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let out = folder.appendingPathComponent("batch")
    let arguments = [
      "batch", "--config", "configs/poly.json", "--grid",
      "optimizer.lr=0.1,0.05,0.03,0.02,0.01,0.005",
      "--set", "training.epochs=60", "--jobs", "1", "--out", out.path,
    ]
    let batch = Process()
    batch.executableURL = FitProcess.executable
    batch.arguments = arguments
    batch.currentDirectoryURL = FitProcess.packageRoot
    batch.standardOutput = FileHandle.nullDevice
    batch.standardError = FileHandle.nullDevice
    try batch.run()
    func finishedRuns() -> [String] {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
      return names.filter {
        FileManager.default.fileExists(
          atPath: out.appendingPathComponent($0).appendingPathComponent("summary.json").path)
      }
    }
    let deadline = Date().addingTimeInterval(60)
    while finishedRuns().count < 2 && Date() < deadline { usleep(5_000) }
    // Kill the training it is running, then the batch itself.
    for child in Self.children(of: batch.processIdentifier) { kill(child, SIGKILL) }
    kill(batch.processIdentifier, SIGKILL)
    batch.waitUntilExit()
    let finished = finishedRuns()
    XCTAssertGreaterThanOrEqual(finished.count, 2)
    XCTAssertLessThan(finished.count, 6, "the batch was killed before its end")
    let dates = try finished.map {
      try FileManager.default.attributesOfItem(
        atPath: out.appendingPathComponent($0).appendingPathComponent("model.json").path)[
          .modificationDate] as! Date
    }

    let resumed = try FitProcess.run(arguments + ["--resume"])
    XCTAssertEqual(resumed.status, 0, resumed.standardError)
    XCTAssertTrue(
      resumed.standardError.contains("finished earlier, not run again"), resumed.standardError)
    for (name, date) in zip(finished, dates) {
      let after =
        try FileManager.default.attributesOfItem(
          atPath: out.appendingPathComponent(name).appendingPathComponent("model.json").path)[
          .modificationDate] as! Date
      XCTAssertEqual(date, after, "\(name) was trained again")
    }

    let straight = folder.appendingPathComponent("straight")
    var straightArguments = arguments
    straightArguments[straightArguments.firstIndex(of: out.path)!] = straight.path
    let full = try FitProcess.run(straightArguments)
    XCTAssertEqual(full.status, 0, full.standardError)
    XCTAssertEqual(try models(in: out), try models(in: straight))
    func withoutTimes(_ url: URL) throws -> [String] {
      try String(contentsOf: url.appendingPathComponent("summary.csv"), encoding: .utf8).split(
        separator: "\n"
      )
      .map { line in
        var fields = line.split(separator: ",", omittingEmptySubsequences: false)
        fields.remove(at: 7)  // seconds
        return fields.joined(separator: ",")
      }
    }
    XCTAssertEqual(try withoutTimes(out), try withoutTimes(straight))
  }

  /// SIGTERM to the batch stops it cleanly: the running trainings save a checkpoint and stop,
  /// no other run starts, the batch exits 130; a batch killed outright (SIGKILL) takes its
  /// trainings down too (they are sent SIGTERM by the kernel). Either way no training is left
  /// running, and --resume ends with the models of an uninterrupted batch.
  func testStoppedOrKilledBatchLeavesNoTrainingRunning() throws {
    let folder = try FitProcess.temporaryDirectory(self)
    let straight = folder.appendingPathComponent("straight")
    func arguments(_ out: URL) -> [String] {
      [
        "batch", "--config", "configs/poly.json", "--grid", "optimizer.lr=0.1,0.05,0.03",
        "--set", "training.epochs=150", "--set", #"output.checkpointEvery={"steps": 20}"#,
        "--jobs", "2", "--out", out.path,
      ]
    }
    XCTAssertEqual(try FitProcess.run(arguments(straight)).status, 0)
    for signal in [SIGTERM, SIGKILL] {
      let out = folder.appendingPathComponent("batch-\(signal)")
      let batch = Process()
      batch.executableURL = FitProcess.executable
      batch.arguments = arguments(out)
      batch.currentDirectoryURL = FitProcess.packageRoot
      batch.standardOutput = FileHandle.nullDevice
      batch.standardError = FileHandle.nullDevice
      try batch.run()
      // Wait until both trainings have written a checkpoint, then stop the batch.
      let deadline = Date().addingTimeInterval(60)
      func checkpointed() -> Int {
        ["lr=0.1", "lr=0.05"].filter {
          FileManager.default.fileExists(
            atPath: out.appendingPathComponent("\($0)/checkpoints/last").path)
        }.count
      }
      while checkpointed() < 2 && Date() < deadline { usleep(5_000) }
      let trainings = Self.children(of: batch.processIdentifier)
      XCTAssertEqual(trainings.count, 2, "signal \(signal)")
      kill(batch.processIdentifier, signal)
      batch.waitUntilExit()
      XCTAssertEqual(batch.terminationStatus, signal == SIGTERM ? 130 : SIGKILL, "signal \(signal)")
      // The trainings stop within a few steps.
      let stopDeadline = Date().addingTimeInterval(20)
      while trainings.contains(where: { kill($0, 0) == 0 }) && Date() < stopDeadline {
        usleep(10_000)
      }
      XCTAssertFalse(trainings.contains(where: { kill($0, 0) == 0 }), "signal \(signal)")
      let resumed = try FitProcess.run(arguments(out) + ["--resume"])
      XCTAssertEqual(resumed.status, 0, resumed.standardError)
      XCTAssertEqual(try models(in: out), try models(in: straight), "signal \(signal)")
    }
  }

  /// Process ids whose parent is `pid`, from /proc.
  static func children(of pid: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { candidate in
      guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { return false }
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      return fields.count > 2 && Int32(fields[1]) == pid
    }
  }
}
