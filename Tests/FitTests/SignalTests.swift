import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// SIGTERM and SIGINT end every command within a second, in phases that never reach a step
/// boundary (issue 18): a read from a named pipe whose writer sends a header and then nothing
/// blocks forever, the checksum of a 256 MiB file and a training step over 300,000 one-row
/// micro-batches take seconds. Each
/// process runs under a time limit that ends in SIGKILL, and each test states the exit
/// latencies it measured.
final class SignalTests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    folder = try FitProcess.temporaryDirectory(self)
  }

  /// A named pipe at `name` whose writer (this process) has sent `text` and sends nothing more,
  /// so that a reader blocks after it; the writer closes when the test ends.
  func blockingPipe(_ name: String, sending text: String) throws -> URL {
    let url = folder.appendingPathComponent(name)
    XCTAssertEqual(mkfifo(url.path, 0o644), 0, String(cString: strerror(errno)))
    // O_RDWR opens a FIFO without waiting for a reader (Linux), and holds it open for writing.
    let descriptor = open(url.path, O_RDWR | O_CLOEXEC)
    XCTAssertGreaterThanOrEqual(descriptor, 0, String(cString: strerror(errno)))
    addTeardownBlock { close(descriptor) }
    _ = Array(text.utf8).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    return url
  }

  /// Waits until process `pid` has `url` open (it is reading the pipe), then a little longer
  /// for the read to block.
  func waitUntilReading(_ url: URL, pid: Int32, file: StaticString = #filePath, line: UInt = #line)
    throws
  {
    let deadline = Date().addingTimeInterval(30)
    func isOpen() -> Bool {
      let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
      return fds.contains {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)"))
          == url.path
      }
    }
    while !isOpen() {
      guard Date() < deadline else {
        XCTFail("process \(pid) never opened \(url.path)", file: file, line: line)
        throw CancellationError()
      }
      usleep(5_000)
    }
    usleep(200_000)
  }

  /// Sends `signal` to `child` and waits for it to end (at most 20 s, then SIGKILL); returns the
  /// outcome and the seconds from the signal to the exit.
  func stop(_ child: CheckpointFitProcess, with signal: Int32) -> (
    CheckpointFitProcess.Outcome, Double
  ) {
    let sent = Date()
    child.kill(signal)
    let outcome = child.wait(limit: 20)
    return (outcome, Date().timeIntervalSince(sent))
  }

  func assertEndedPromptly(
    _ outcome: CheckpointFitProcess.Outcome, _ latency: Double, _ what: String,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertFalse(
      outcome.timedOut, "\(what) did not end: \(outcome.errors)", file: file, line: line)
    XCTAssertEqual(outcome.status, 130, "\(what): \(outcome.errors)", file: file, line: line)
    XCTAssertLessThan(latency, 1, "\(what) took \(latency) s to end", file: file, line: line)
  }

  func names(in path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
  }

  func testEveryCommandBlockedOnAPipeEndsWithinASecond() throws {
    let data = try blockingPipe("pipe.csv", sending: "x,y\n")
    let config = folder.appendingPathComponent("c.json")
    try Data(
      #"{"data": {"path": "pipe.csv", "targets": ["y"]}, "output": {"dir": "run"}}"#.utf8
    ).write(to: config)
    let model = folder.appendingPathComponent("model.json")
    try Data(
      (#"{"format": "fit-model", "version": 1, "name": "m", "kind": "linear", "degree": 1, "#
        + #""interactionOnly": false, "inputs": ["x"], "terms": ["x"], "targets": ["y"], "#
        + #""weights": [2], "intercept": [0.5]}"#).utf8
    ).write(to: model)
    let pipedConfig = try blockingPipe("pipe.json", sending: #"{"data": "#)
    // `inspect` checks a checkpoint's whole-file checksum before anything else: over a sparse
    // file of 256 MiB under a checkpoint's header, that takes seconds.
    let checkpoint = folder.appendingPathComponent("step-00000001.h5")
    let length = 256 << 20
    var header = Array("fit-checkpoint-checksum fnv1a64:0000000000000000 \(length)\n".utf8)
    header += [UInt8](repeating: 0, count: 512 - header.count)
    try Data(header).write(to: checkpoint)
    XCTAssertEqual(truncate(checkpoint.path, off_t(512 + length)), 0)
    let output = folder.appendingPathComponent("out.h5")
    let commands: [(arguments: [String], reads: URL, signal: Int32)] = [
      (["--config", config.path, "--quiet"], data, SIGTERM),
      (["--config", config.path, "--quiet"], data, SIGINT),
      (["predict", "--model", model.path, "--data", data.path], data, SIGTERM),
      (["eval", "--model", model.path, "--data", data.path], data, SIGTERM),
      (["convert", data.path, output.path, "--targets", "y"], data, SIGTERM),
      (["check", "--config", pipedConfig.path], pipedConfig, SIGTERM),
      (["inspect", checkpoint.path], checkpoint, SIGTERM),
      (["gradcheck", "--config", config.path], data, SIGTERM),
    ]
    var latencies: [String] = []
    for command in commands {
      let what = "fit \(command.arguments[0]) (signal \(command.signal))"
      let child = try CheckpointFitProcess.start(command.arguments)
      defer { child.kill(SIGKILL) }
      try waitUntilReading(command.reads, pid: child.pid)
      let (outcome, latency) = stop(child, with: command.signal)
      assertEndedPromptly(outcome, latency, what)
      XCTAssertTrue(outcome.errors.hasPrefix("fit: interrupted"), "\(what): \(outcome.errors)")
      latencies.append(String(format: "%@ %.3f s", what, latency))
    }
    // Nothing was left behind: no run folder (training stopped while loading), no converted
    // file and no partial one.
    XCTAssertEqual(
      names(in: folder.path),
      ["c.json", "model.json", "pipe.csv", "pipe.json", "step-00000001.h5"])
    print("SignalTests: exit latencies after the signal: " + latencies.joined(separator: ", "))
  }

  func testTrainingWhileLoadingSaysNoCheckpointWasWritten() throws {
    _ = try blockingPipe("pipe.csv", sending: "x,y\n")
    let config = folder.appendingPathComponent("c.json")
    try Data(
      #"{"data": {"path": "pipe.csv", "targets": ["y"]}, "output": {"dir": "run"}}"#.utf8
    ).write(to: config)
    let child = try CheckpointFitProcess.start(["--config", config.path])
    defer { child.kill(SIGKILL) }
    try waitUntilReading(folder.appendingPathComponent("pipe.csv"), pid: child.pid)
    let (outcome, latency) = stop(child, with: SIGTERM)
    assertEndedPromptly(outcome, latency, "training")
    XCTAssertEqual(
      outcome.errors,
      "fit: interrupted while loading the data: stopping now; no checkpoint was written\n")
  }

  /// Between short steps a stop is graceful: the step in progress ends, a checkpoint of it is
  /// saved, and the run says how to resume, well within the second.
  func testOrdinaryTrainingStopsAfterItsStepWithACheckpointWithinASecond() throws {
    var text = "x0,x1,y\n"
    for r in 0..<200 { text += "\(sin(Double(r))),\(Double(r % 9)),\(Double(r % 9) + 1)\n" }
    try Data(text.utf8).write(to: folder.appendingPathComponent("d.csv"))
    let config = folder.appendingPathComponent("c.json")
    try Data(
      #"""
      {"data": {"path": "d.csv", "targets": ["y"]}, "optimizer": {"kind": "adam", "lr": 0.001},
       "training": {"epochs": 100000, "batchSize": 8, "tolerance": 1e-15},
       "output": {"dir": "run", "checkpointEvery": {"epochs": 50}}}
      """#.utf8
    ).write(to: config)
    let checkpoints = folder.appendingPathComponent("run/checkpoints").path
    var latencies: [String] = []
    for signal in [SIGTERM, SIGINT] {
      try? FileManager.default.removeItem(at: folder.appendingPathComponent("run"))
      let child = try CheckpointFitProcess.start(["--config", config.path, "--quiet"])
      defer { child.kill(SIGKILL) }
      try waitUntil { FileManager.default.fileExists(atPath: checkpoints + "/last") }
      let (outcome, latency) = stop(child, with: signal)
      assertEndedPromptly(outcome, latency, "training (signal \(signal))")
      XCTAssertTrue(
        outcome.errors.contains("; checkpoint saved to \(checkpoints)/step-"), outcome.errors)
      XCTAssertTrue(
        outcome.errors.contains("fit: resume with: fit --config \(config.path) --quiet --resume"),
        outcome.errors)
      let inspect = try CheckpointFitProcess.start(["inspect", checkpoints + "/last"]).wait(
        limit: 60)
      XCTAssertEqual(inspect.status, 0, inspect.errors)
      latencies.append(String(format: "signal %d %.3f s", signal, latency))
    }
    print("SignalTests: graceful stops took " + latencies.joined(separator: ", "))
  }

  /// A batch whose training blocks on a pipe: SIGTERM to the batch reaches the training, which
  /// ends at once; the batch writes its summary and exits 130, leaving nothing running.
  func testABatchWhoseTrainingIsBlockedEndsWithinASecond() throws {
    let data = try blockingPipe("pipe.csv", sending: "x,y\n")
    let config = folder.appendingPathComponent("c.json")
    try Data(#"{"data": {"path": "d.csv", "targets": ["y"]}}"#.utf8).write(to: config)
    let out = folder.appendingPathComponent("batch")
    let batch = try CheckpointFitProcess.start([
      "batch", "--config", config.path, data.path, "--out", out.path, "--quiet",
    ])
    defer { batch.kill(SIGKILL) }
    let deadline = Date().addingTimeInterval(30)
    var trainings: [Int32] = []
    while trainings.isEmpty && Date() < deadline {
      trainings = BatchTests.children(of: batch.pid)
      usleep(5_000)
    }
    XCTAssertEqual(trainings.count, 1)
    for training in trainings { try waitUntilReading(data, pid: training) }
    let (outcome, latency) = stop(batch, with: SIGTERM)
    assertEndedPromptly(outcome, latency, "fit batch")
    XCTAssertFalse(trainings.contains { kill($0, 0) == 0 }, "a training is still running")
    let summary = try String(
      contentsOf: out.appendingPathComponent("summary.csv"), encoding: .utf8)
    XCTAssertTrue(
      summary.contains("interrupted,stopped before its first checkpoint; --resume starts it again"),
      summary)
    print(String(format: "SignalTests: fit batch ended %.3f s after SIGTERM", latency))
  }

  /// A step over 300,000 one-row micro-batches takes seconds (about 4 s in a debug build here);
  /// an interrupt does not wait for it. Interrupted during the first step, the run leaves no
  /// checkpoint; interrupted during the second, the checkpoint of the first (a step that slow is
  /// followed by one) stays, valid and resumable, and metrics.csv has no partial line.
  func testASlowStepIsNotWaitedForAndTheLastCompletedStepIsResumable() throws {
    var text = "a,b,y\n"
    text.reserveCapacity(300_000 * 40)
    var random = KillPointRandom(seed: 18)
    for _ in 0..<300_000 {
      let a = random.uniform(0...1)
      let b = random.uniform(0...1)
      text += "\(a),\(b),\(1.5 * a - 2 * b + 3 + 0.1 * random.uniform(0...1))\n"
    }
    try Data(text.utf8).write(to: folder.appendingPathComponent("big.csv"))
    let config = folder.appendingPathComponent("slow.json")
    try Data(
      #"""
      {"data": {"path": "big.csv", "targets": ["y"], "validation": {"fraction": 0}},
       "optimizer": {"kind": "sgd", "lr": 0.001},
       "training": {"epochs": 100, "batchSize": "all", "microBatchSize": 1},
       "output": {"dir": "run", "checkpointEvery": {"epochs": 1000}}}
      """#.utf8
    ).write(to: config)
    let run = folder.appendingPathComponent("run")
    let checkpoints = run.appendingPathComponent("checkpoints").path
    var latencies: [Double] = []

    // During the first step: training has begun once metrics.csv exists.
    var child = try CheckpointFitProcess.start(["--config", config.path, "--quiet"])
    defer { child.kill(SIGKILL) }
    try waitUntil {
      FileManager.default.fileExists(atPath: run.appendingPathComponent("metrics.csv").path)
    }
    usleep(300_000)
    var (outcome, latency) = stop(child, with: SIGTERM)
    assertEndedPromptly(outcome, latency, "the first step")
    latencies.append(latency)
    XCTAssertTrue(
      outcome.errors.contains(
        "fit: interrupted: step 1 did not finish within 0.75 seconds; stopping now; no checkpoint "
          + "was written"), outcome.errors)
    XCTAssertEqual(names(in: checkpoints), [], "no checkpoint and no temporary")

    // During the second step, once the first one's checkpoint is written.
    try FileManager.default.removeItem(at: run)
    child = try CheckpointFitProcess.start(["--config", config.path, "--quiet"])
    try waitUntil(timeout: 120) {
      FileManager.default.fileExists(atPath: checkpoints + "/last")
    }
    usleep(300_000)
    (outcome, latency) = stop(child, with: SIGTERM)
    assertEndedPromptly(outcome, latency, "the second step")
    latencies.append(latency)
    XCTAssertTrue(
      outcome.errors.contains(
        "fit: interrupted: step 2 did not finish within 0.75 seconds; stopping now without a new "
          + "checkpoint; the last one, \(checkpoints)/step-00000001.h5 (step 1), stays valid\n"
          + "fit: resume with: fit --config \(config.path) --quiet --resume"),
      outcome.errors)
    XCTAssertEqual(names(in: checkpoints), ["best", "last", "step-00000001.h5"])
    let metrics = try String(
      contentsOf: run.appendingPathComponent("metrics.csv"), encoding: .utf8)
    XCTAssertEqual(metrics.split(separator: "\n").count, 2, metrics)
    XCTAssertTrue(metrics.hasSuffix("\n"), metrics)
    let inspect = try CheckpointFitProcess.start(["inspect", checkpoints + "/last"]).wait(limit: 60)
    XCTAssertEqual(inspect.status, 0, inspect.errors)
    XCTAssertTrue(inspect.output.contains("step 1, epoch 2 at batch 0"), inspect.output)
    // The epoch budget may change on resume: one epoch is already done.
    let resumed = try CheckpointFitProcess.start([
      "--config", config.path, "--resume", "--set", "training.epochs=1",
    ]).wait(limit: 120)
    XCTAssertEqual(resumed.status, 0, resumed.errors)
    XCTAssertTrue(
      resumed.errors.contains("resuming from \(checkpoints)/step-00000001.h5"), resumed.errors)
    print(
      "SignalTests: slow steps ended "
        + latencies.map { String(format: "%.3f s", $0) }.joined(separator: " and ")
        + " after SIGTERM")
  }

  func waitUntil(
    timeout: TimeInterval = 60, file: StaticString = #filePath, line: UInt = #line,
    _ condition: () -> Bool
  ) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
      guard Date() < deadline else {
        XCTFail("timed out after \(timeout) s waiting for the condition", file: file, line: line)
        throw CancellationError()
      }
      usleep(5_000)
    }
  }
}
