import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// Checkpoints end to end, through the built `fit` binary: killed runs resume to the result of an
/// uninterrupted one, SIGINT saves and says how to resume, a second run on a folder is refused,
/// a full disk fails cleanly, and `inspect` and `--verify-resume` work from the command line.
final class CheckpointCLITests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fit-checkpoint-cli-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var text = "x0,x1,x2,y\n"
    for r in 0..<300 {
      let x0 = sin(Double(r) * 0.37) * 3
      let x1 = cos(Double(r) * 0.11) * 2 + 5
      let x2 = Double(r % 17) - 8
      text +=
        "\(x0),\(x1),\(x2),\(1.5 * x0 - 2 * x1 + 0.5 * x2 + 3 + sin(Double(r) * 12.9898) * 0.1)\n"
    }
    try Data(text.utf8).write(to: folder.appendingPathComponent("data.csv"))
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: folder)
  }

  /// Writes `<name>.json`: 240 training rows in shuffled batches of 16 (micro-batches of 5), 15
  /// steps per epoch, Adam with a cosine schedule, writing to the folder `<name>`.
  func writeConfig(
    _ name: String, epochs: Int, checkpointEvery: String = #"{"steps": 1, "epochs": 1}"#
  ) throws -> String {
    let text = """
      {"name": "ckpt", "data": {"path": "data.csv", "targets": ["y"], "shuffle": true},
       "optimizer": {"kind": "adam", "lr": 0.05}, "schedule": {"kind": "cosine", "warmupSteps": 5},
       "training": {"epochs": \(epochs), "batchSize": 16, "microBatchSize": 5, "seed": 3},
       "output": {"dir": "\(name)", "checkpointEvery": \(checkpointEvery), "keepLast": 2}}
      """
    let url = folder.appendingPathComponent("\(name).json")
    try Data(text.utf8).write(to: url)
    return url.path
  }

  func testKilledAtRandomMomentsResumesToTheUninterruptedResult() throws {
    let reference = try writeConfig("reference", epochs: 4)
    let start = Date()
    XCTAssertEqual(try CheckpointFitProcess.run(["--config", reference, "--quiet"]).status, 0)
    let duration = Date().timeIntervalSince(start)
    let expectedModel = try Data(contentsOf: folder.appendingPathComponent("reference/model.json"))
    let expectedMetrics = try metricsWithoutSpeed("reference")

    var random = KillPointRandom(seed: 2026)
    var killPoints = 0
    var killsDuringWrite = 0
    var trials = 0
    while killPoints < 24 && trials < 40 {
      trials += 1
      let config = try writeConfig("run", epochs: 4)
      try? FileManager.default.removeItem(at: folder.appendingPathComponent("run"))
      // Two kills per trial: one in the first run, one in a resumed run (killed before its own
      // first checkpoint at times, so that it resumes from the same file twice).
      for _ in 0..<2 {
        let resume = hasCheckpoint("run") ? ["--resume"] : []
        let delay = random.uniform(0.05...max(0.1, duration))
        let outcome = try CheckpointFitProcess.run(
          ["--config", config, "--quiet"] + resume, killAfter: delay)
        guard outcome.killed else {
          XCTAssertEqual(outcome.status, 0, outcome.errors)
          break
        }
        killPoints += 1
        if hasTemporary("run", of: outcome.pid) { killsDuringWrite += 1 }
        try assertEveryCheckpointIsValid("run")
      }
      let resume = hasCheckpoint("run") ? ["--resume"] : []
      let final = try CheckpointFitProcess.run(["--config", config, "--quiet"] + resume)
      XCTAssertEqual(final.status, 0, final.errors)
      XCTAssertEqual(
        try Data(contentsOf: folder.appendingPathComponent("run/model.json")), expectedModel,
        "trial \(trials)")
      XCTAssertEqual(try metricsWithoutSpeed("run"), expectedMetrics, "trial \(trials)")
    }
    print(
      "CheckpointCLITests: \(killPoints) SIGKILL points (\(killsDuringWrite) while a checkpoint "
        + "was being written) in \(trials) trials; an uninterrupted run takes \(duration) s")
    XCTAssertGreaterThanOrEqual(killPoints, 20)
  }

  func testSIGINTSavesACheckpointAndSaysHowToResume() throws {
    let config = try writeConfig("interrupted", epochs: 400, checkpointEvery: #"{"epochs": 50}"#)
    let straight = try writeConfig("straight", epochs: 400, checkpointEvery: #"{"epochs": 50}"#)
    XCTAssertEqual(try CheckpointFitProcess.run(["--config", straight, "--quiet"]).status, 0)
    let outcome = try CheckpointFitProcess.run(
      ["--config", config, "--quiet"], signal: SIGINT, after: 0.3)
    XCTAssertEqual(outcome.status, 130, outcome.errors)
    XCTAssertTrue(outcome.errors.contains("checkpoint saved to "), outcome.errors)
    XCTAssertTrue(
      outcome.errors.contains("resume with: fit --config \(config) --quiet --resume"),
      outcome.errors)
    let resumed = try CheckpointFitProcess.run(["--config", config, "--quiet", "--resume"])
    XCTAssertEqual(resumed.status, 0, resumed.errors)
    XCTAssertEqual(
      try Data(contentsOf: folder.appendingPathComponent("interrupted/model.json")),
      try Data(contentsOf: folder.appendingPathComponent("straight/model.json")))
    XCTAssertEqual(try metricsWithoutSpeed("interrupted"), try metricsWithoutSpeed("straight"))
  }

  func testSIGTERMSavesACheckpointAndExits130() throws {
    let config = try writeConfig(
      "terminated", epochs: 100_000, checkpointEvery: #"{"epochs": 100}"#)
    let child = try CheckpointFitProcess.start(["--config", config, "--quiet"])
    try waitUntil { self.hasCheckpoint("terminated") }
    child.kill(SIGTERM)
    let outcome = child.wait()
    XCTAssertEqual(outcome.status, 130, outcome.errors)
    XCTAssertTrue(outcome.errors.contains("fit: interrupted after step "), outcome.errors)
    let inspect = try CheckpointFitProcess.run(
      ["inspect", folder.appendingPathComponent("terminated/checkpoints/last").path])
    XCTAssertEqual(inspect.status, 0, inspect.errors)
  }

  func testASecondFitOnTheSameRunFolderIsRefusedAndAKilledOneLeavesNoStuckLock() throws {
    let config = try writeConfig("busy", epochs: 100_000, checkpointEvery: #"{"epochs": 100}"#)
    let first = try CheckpointFitProcess.start(["--config", config, "--quiet"])
    defer { first.kill(SIGKILL) }
    try waitUntil { self.hasCheckpoint("busy") }
    let second = try CheckpointFitProcess.run(["--config", config, "--quiet", "--resume"])
    XCTAssertEqual(second.status, 73)
    XCTAssertTrue(
      second.errors.contains("is in use by another fit (pid \(first.pid))"), second.errors)
    first.kill(SIGKILL)
    let third = try CheckpointFitProcess.run(
      ["--config", config, "--quiet", "--resume", "--set", "training.epochs=1"])
    XCTAssertEqual(third.status, 0, third.errors)
  }

  func testFullDiskFailsClearlyAndLeavesEarlierCheckpointsIntact() throws {
    let config = try writeConfig("full", epochs: 2, checkpointEvery: #"{"epochs": 1}"#)
    XCTAssertEqual(try CheckpointFitProcess.run(["--config", config, "--quiet"]).status, 0)
    let checkpoints = folder.appendingPathComponent("full/checkpoints").path
    let before = try FileManager.default.contentsOfDirectory(atPath: checkpoints).sorted()
    // A 32 KiB file-size limit (SIGXFSZ ignored) makes the checkpoint's writes fail as on a full
    // disk; the small text outputs still fit.
    let outcome = try CheckpointFitProcess.run(
      ["--config", config, "--quiet", "--resume", "--set", "training.epochs=3"],
      shellPrefix: "trap '' XFSZ; ulimit -f 64; exec")
    try assertFailedWriteLeftCheckpointsIntact(outcome, checkpoints: checkpoints, before: before)
  }

  func testReadOnlyCheckpointFolderFailsClearlyAndLeavesEarlierCheckpointsIntact() throws {
    let config = try writeConfig("readonly", epochs: 2, checkpointEvery: #"{"epochs": 1}"#)
    XCTAssertEqual(try CheckpointFitProcess.run(["--config", config, "--quiet"]).status, 0)
    let run = folder.appendingPathComponent("readonly").path
    let checkpoints = run + "/checkpoints"
    let before = try FileManager.default.contentsOfDirectory(atPath: checkpoints).sorted()
    chmod(folder.path, 0o755)
    chmod(run, 0o777)
    chmod(checkpoints, 0o555)
    defer { chmod(checkpoints, 0o755) }
    // Root ignores permissions, so as root the run is made as `nobody`.
    let outcome = try CheckpointFitProcess.run(
      ["--config", config, "--quiet", "--resume", "--set", "training.epochs=3"],
      shellPrefix: getuid() == 0
        ? "exec setpriv --reuid=65534 --regid=65534 --clear-groups" : "exec")
    XCTAssertTrue(outcome.errors.contains("Permission denied"), outcome.errors)
    try assertFailedWriteLeftCheckpointsIntact(outcome, checkpoints: checkpoints, before: before)
  }

  /// A run that could not write its checkpoint exits 74 saying so, and the checkpoints of the
  /// earlier run are all still there, the last one still valid (step 30).
  func assertFailedWriteLeftCheckpointsIntact(
    _ outcome: CheckpointFitProcess.Outcome, checkpoints: String, before: [String],
    file: StaticString = #filePath, line: UInt = #line
  ) throws {
    XCTAssertEqual(outcome.status, 74, outcome.errors, file: file, line: line)
    XCTAssertTrue(
      outcome.errors.contains("cannot write checkpoint "), outcome.errors, file: file, line: line)
    XCTAssertTrue(
      outcome.errors.contains("earlier checkpoints are left intact"), outcome.errors, file: file,
      line: line)
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: checkpoints).sorted(), before,
      file: file, line: line)
    let inspect = try CheckpointFitProcess.run(["inspect", checkpoints + "/last"])
    XCTAssertEqual(inspect.status, 0, inspect.errors, file: file, line: line)
    XCTAssertTrue(inspect.output.contains("step 30,"), inspect.output, file: file, line: line)
  }

  func testCorruptLastCheckpointIsSkippedWithAWarningOnResume() throws {
    let config = try writeConfig("corrupt", epochs: 2)
    XCTAssertEqual(try CheckpointFitProcess.run(["--config", config, "--quiet"]).status, 0)
    let model = folder.appendingPathComponent("corrupt/model.json")
    let expected = try Data(contentsOf: model)
    try FileManager.default.removeItem(at: model)
    let last = folder.appendingPathComponent("corrupt/checkpoints/step-00000030.h5")
    let bytes = try Data(contentsOf: last)
    try bytes.prefix(bytes.count - 100).write(to: last)
    let resumed = try CheckpointFitProcess.run(["--config", config, "--quiet", "--resume"])
    XCTAssertEqual(resumed.status, 0, resumed.errors)
    XCTAssertTrue(resumed.errors.contains("fit: warning: skipping checkpoint "), resumed.errors)
    XCTAssertTrue(resumed.errors.contains("step-00000030.h5 is not usable"), resumed.errors)
    XCTAssertEqual(try Data(contentsOf: model), expected)
  }

  func testInspectPrintsWhatACheckpointHolds() throws {
    let config = try writeConfig("inspected", epochs: 1)
    XCTAssertEqual(try CheckpointFitProcess.run(["--config", config, "--quiet"]).status, 0)
    let outcome = try CheckpointFitProcess.run(
      ["inspect", folder.appendingPathComponent("inspected/checkpoints/best").path])
    XCTAssertEqual(outcome.status, 0, outcome.errors)
    for expected in [
      "format fit-checkpoint version 1", "run ckpt: step 15, epoch 2 at batch 0",
      "terms [x0, x1, x2], targets [y]", "  weight [3, 1] = [", "optimizer (Adam):",
      "  param.0.step = 15.0", "scheduler (LearningRateScheduler):", "metrics (1 rows):",
    ] {
      XCTAssertTrue(outcome.output.contains(expected), "missing \(expected) in\n\(outcome.output)")
    }
    let foreign = folder.appendingPathComponent("data.csv").path
    let refused = try CheckpointFitProcess.run(["inspect", foreign])
    XCTAssertEqual(refused.status, 65)
    XCTAssertTrue(refused.errors.contains("is not usable"), refused.errors)
  }

  func testVerifyResumeProvesTheGuaranteeOnAConfig() throws {
    let config = try writeConfig("verified", epochs: 3)
    let outcome = try CheckpointFitProcess.run(["--config", config, "--verify-resume", "22"])
    XCTAssertEqual(outcome.status, 0, outcome.errors)
    XCTAssertTrue(
      outcome.output.contains("stopped after step 22 (epoch 2, batch 7 of 15)"), outcome.output)
    XCTAssertTrue(outcome.output.contains("identical: 4 parameters"), outcome.output)
  }

  func testResumeFlagAcceptsAPathOrNothing() throws {
    let config = try writeConfig("paths", epochs: 1)
    XCTAssertEqual(try CheckpointFitProcess.run(["--config", config, "--quiet"]).status, 0)
    let file = folder.appendingPathComponent("paths/checkpoints/step-00000014.h5").path
    let fromFile = try CheckpointFitProcess.run(["--resume", file, "--config", config])
    XCTAssertEqual(fromFile.status, 0, fromFile.errors)
    XCTAssertTrue(fromFile.errors.contains("resuming from \(file): step 14"), fromFile.errors)
    // The `last` and `best` pointers are followed, as `fit inspect` follows them.
    for pointer in ["last", "best"] {
      let path = folder.appendingPathComponent("paths/checkpoints/\(pointer)").path
      let target = try String(contentsOfFile: path, encoding: .utf8)
        .trimmingCharacters(in: .whitespacesAndNewlines)
      let viaPointer = try CheckpointFitProcess.run(["--resume", path, "--config", config])
      XCTAssertEqual(viaPointer.status, 0, viaPointer.errors)
      XCTAssertTrue(
        viaPointer.errors.contains("resuming from \(folder.path)/paths/checkpoints/\(target)"),
        viaPointer.errors)
    }
    let missing = try CheckpointFitProcess.run(["--config", config, "--resume", file + ".nope"])
    XCTAssertEqual(missing.status, 66, missing.errors)
    let changed = try CheckpointFitProcess.run(
      ["--config", config, "--resume", "--set", "training.batchSize=8"])
    XCTAssertEqual(changed.status, 64, changed.errors)
    XCTAssertTrue(
      changed.errors.contains("config key training.batchSize is 8 now but was 16"), changed.errors)
  }

  // MARK: - Helpers

  /// Whether process `pid` was writing a checkpoint: its temporary is in the folder.
  func hasTemporary(_ run: String, of pid: Int32) -> Bool {
    let names =
      (try? FileManager.default.contentsOfDirectory(
        atPath: folder.appendingPathComponent("\(run)/checkpoints").path)) ?? []
    return names.contains { $0.hasPrefix(".step-") && $0.contains(".tmp-\(pid)-") }
  }

  func hasCheckpoint(_ run: String) -> Bool {
    let names =
      (try? FileManager.default.contentsOfDirectory(
        atPath: folder.appendingPathComponent("\(run)/checkpoints").path)) ?? []
    return names.contains { $0.hasPrefix("step-") && $0.hasSuffix(".h5") }
  }

  /// Every file under our name in the folder opens and validates: a kill never leaves a
  /// half-written checkpoint under a final name.
  func assertEveryCheckpointIsValid(
    _ run: String, file: StaticString = #filePath, line: UInt = #line
  )
    throws
  {
    let path = folder.appendingPathComponent("\(run)/checkpoints").path
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    for name in names where name.hasPrefix("step-") || name == "last" || name == "best" {
      let outcome = try CheckpointFitProcess.run(["inspect", path + "/" + name])
      XCTAssertEqual(outcome.status, 0, "\(name): \(outcome.errors)", file: file, line: line)
    }
  }

  func metricsWithoutSpeed(_ run: String) throws -> [String] {
    let text = try String(
      contentsOf: folder.appendingPathComponent("\(run)/metrics.csv"), encoding: .utf8)
    return text.split(separator: "\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",")
    }
  }

  /// Polls `condition` until it holds; a timeout fails the test (it must not pass unchecked).
  func waitUntil(
    timeout: TimeInterval = 20, file: StaticString = #filePath, line: UInt = #line,
    _ condition: () -> Bool
  ) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
      guard Date() < deadline else {
        XCTFail("timed out after \(timeout) s waiting for the condition", file: file, line: line)
        throw CancellationError()
      }
      usleep(10_000)
    }
  }
}

/// The built `fit` binary, run as a child process (it sits next to the test bundle).
final class CheckpointFitProcess: @unchecked Sendable {
  struct Outcome {
    var pid: Int32
    var status: Int32
    var killed: Bool
    var output: String
    var errors: String
    /// Whether `wait(limit:)` had to kill it.
    var timedOut = false
  }

  static var binary: URL {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("fit")
  }

  let process = Process()
  private let output = Pipe()
  private let errors = Pipe()
  private var collected = (Data(), Data())
  private let group = DispatchGroup()

  var pid: Int32 { process.processIdentifier }

  /// Starts `fit arguments`, optionally through `/bin/bash -c "<shellPrefix> fit ..."`.
  static func start(_ arguments: [String], shellPrefix: String? = nil) throws
    -> CheckpointFitProcess
  {
    let child = CheckpointFitProcess()
    if let shellPrefix {
      child.process.executableURL = URL(fileURLWithPath: "/bin/bash")
      let quoted = ([binary.path] + arguments).map { "'" + $0 + "'" }.joined(separator: " ")
      child.process.arguments = ["-c", "\(shellPrefix) \(quoted)"]
    } else {
      child.process.executableURL = binary
      child.process.arguments = arguments
    }
    child.process.currentDirectoryURL = URL(
      fileURLWithPath: FileManager.default.currentDirectoryPath)
    child.process.standardOutput = child.output
    child.process.standardError = child.errors
    try child.process.run()
    for (pipe, isOutput) in [(child.output, true), (child.errors, false)] {
      child.group.enter()
      DispatchQueue.global().async {
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        if isOutput { child.collected.0 = data } else { child.collected.1 = data }
        child.group.leave()
      }
    }
    return child
  }

  func kill(_ signal: Int32) {
    if process.isRunning { Glibc.kill(process.processIdentifier, signal) }
  }

  func wait() -> Outcome {
    process.waitUntilExit()
    group.wait()
    return Outcome(
      pid: process.processIdentifier, status: process.terminationStatus,
      killed: process.terminationReason == .uncaughtSignal,
      output: String(decoding: collected.0, as: UTF8.self),
      errors: String(decoding: collected.1, as: UTF8.self))
  }

  /// Waits at most `limit` seconds, then kills the process with SIGKILL (`timedOut`), so that a
  /// hang fails the test instead of stalling the suite.
  func wait(limit: TimeInterval) -> Outcome {
    let deadline = Date().addingTimeInterval(limit)
    while process.isRunning && Date() < deadline { usleep(1_000) }
    let timedOut = process.isRunning
    if timedOut { kill(SIGKILL) }
    var outcome = wait()
    outcome.timedOut = timedOut
    return outcome
  }

  /// Runs to the end, or sends `signal` after `after` seconds (if still running).
  static func run(
    _ arguments: [String], signal: Int32 = SIGKILL, after: TimeInterval? = nil,
    shellPrefix: String? = nil
  ) throws -> Outcome {
    let child = try start(arguments, shellPrefix: shellPrefix)
    if let after {
      usleep(UInt32(after * 1e6))
      child.kill(signal)
    }
    return child.wait()
  }

  static func run(_ arguments: [String], killAfter delay: TimeInterval) throws -> Outcome {
    try run(arguments, signal: SIGKILL, after: delay)
  }
}

/// SplitMix64, so the kill moments are the same on every run of the test.
struct KillPointRandom {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func uniform(_ range: ClosedRange<Double>) -> Double {
    range.lowerBound + Double(next() >> 11) / Double(1 << 53)
      * (range.upperBound - range.lowerBound)
  }
}
