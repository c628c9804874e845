import CBLAS
import Foundation

/// Runs a `BatchPlan` with up to `jobs` trainings at once, each as its own `fit` process (so a
/// run that crashes or diverges cannot disturb the others, and each run's result is exactly what
/// it gives alone), then writes `summary.csv` and `summary.svg` into the batch folder.
public final class BatchRunner: @unchecked Sendable {
  public struct Outcome: Sendable {
    public var run: BatchPlan.Run
    public var status: String  // "ok", "failed", "skipped (finished)"
    public var message: String
    public var summary: RunSummary?
    public var seconds: Double
    /// Finished by an earlier invocation and not run again (`--resume`).
    public var skipped = false
  }

  public let plan: BatchPlan
  public let executable: URL
  public let batchDirectory: URL
  public let jobs: Int
  public let resume: Bool
  public let reporter: Reporter
  /// The trainings running now, and whether the batch was asked to stop (`interrupt()`).
  private let children = RunningChildren()

  /// The environment variable that tells a training it was started by a batch, with the
  /// batch's pid: the training then asks to be stopped (SIGTERM: it saves a checkpoint and
  /// exits 130) should the batch die, so that no training is left running unsupervised.
  public static let parentVariable = "FIT_BATCH_PARENT"

  /// Whether `interrupt()` stopped the batch: runs that were going saved a checkpoint and
  /// stopped, the others did not start; `--resume` continues them.
  public var wasInterrupted: Bool { children.isStopping }

  public init(
    plan: BatchPlan, executable: URL, batchDirectory: URL, jobs: Int, resume: Bool,
    reporter: Reporter
  ) {
    self.plan = plan
    self.executable = executable
    self.batchDirectory = batchDirectory
    self.jobs = max(1, jobs)
    self.resume = resume
    self.reporter = reporter
  }

  /// Runs every training and returns the outcomes sorted by validation loss (failures last).
  public func run() throws -> [Outcome] {
    // This process only waits for its runs: OpenBLAS's worker, which spins for a while after
    // the library loads, would take a core from them.
    blas_thread_shutdown_()
    do {
      try FileManager.default.createDirectory(at: batchDirectory, withIntermediateDirectories: true)
    } catch {
      throw OutputError.cannotCreate(batchDirectory.path, reason: error.localizedDescription)
    }
    let results = Results(count: plan.runs.count)
    // `jobs` threads of our own (not the shared dispatch pool, which a blocking wait would
    // starve) take the runs in order.
    let next = Results.Counter()
    let finished = DispatchSemaphore(value: 0)
    for _ in 0..<min(jobs, plan.runs.count) {
      let worker = Thread { [self] in
        while !children.isStopping, let index = next.take(below: plan.runs.count) {
          let run = plan.runs[index]
          let outcome = execute(run)
          results.set(index, outcome)
          let detail = outcome.skipped ? " (finished earlier, not run again)" : ""
          reporter.info(
            "[\(run.name)] \(outcome.status)\(detail)"
              + (outcome.message.isEmpty ? "" : ": \(outcome.message)"))
        }
        finished.signal()
      }
      worker.start()
    }
    for _ in 0..<min(jobs, plan.runs.count) { finished.wait() }
    let sorted = results.all.sorted { a, b in
      let la = a.summary.map { $0.validation?.mse ?? $0.trainLoss } ?? .infinity
      let lb = b.summary.map { $0.validation?.mse ?? $0.trainLoss } ?? .infinity
      return la == lb ? a.run.name < b.run.name : la < lb
    }
    try writeSummary(sorted)
    try writePlot(sorted)
    return sorted
  }

  /// Stops the batch (SIGINT or SIGTERM to `fit batch`): each running training is sent
  /// SIGTERM, saves a checkpoint and exits 130, and no other run starts. Safe to call from a
  /// signal source's handler, more than once.
  public func interrupt() {
    for pid in children.stop() { kill(pid, SIGTERM) }
  }

  func summaryFile(_ run: BatchPlan.Run) -> URL {
    batchDirectory.appendingPathComponent(run.name).appendingPathComponent("summary.json")
  }

  /// One training as a child process; a finished run (its summary.json exists) is skipped when
  /// resuming.
  func execute(_ run: BatchPlan.Run) -> Outcome {
    let start = Date()
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    if resume, let data = try? Data(contentsOf: summaryFile(run)),
      let summary = try? decoder.decode(RunSummary.self, from: data)
    {
      return Outcome(
        run: run, status: summary.converged ? "ok" : "not converged",
        message: summary.converged ? "" : summary.verdict.message, summary: summary,
        seconds: summary.seconds, skipped: true)
    }
    var arguments = ["train", "--config", run.configPath, "--json"]
    for override in run.overrides { arguments += ["--set", override] }
    let runDirectory = batchDirectory.appendingPathComponent(run.name)
    // An unfinished run continues from its last checkpoint; one killed before its first
    // checkpoint was complete (a folder with only a temporary file) starts over.
    let checkpoints = CheckpointFolder(runDirectory: runDirectory, keepLast: 1)
    if resume && !checkpoints.checkpoints().isEmpty {
      arguments.append("--resume")
    }
    // Parallelism comes from running trainings side by side; OpenBLAS's own threads would only
    // compete with them for the cores (its idle threads spin), so each run gets one.
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_NUM_THREADS"] = "1"
    environment[Self.parentVariable] = String(getpid())
    let outputFile = batchDirectory.appendingPathComponent(".\(run.name).stdout")
    let errorFile = batchDirectory.appendingPathComponent(".\(run.name).stderr")
    defer {
      try? FileManager.default.removeItem(at: outputFile)
      try? FileManager.default.removeItem(at: errorFile)
    }
    let status: Int32
    do {
      status = try ChildProcess.run(
        executable.path, arguments, environment: environment, standardOutput: outputFile.path,
        standardError: errorFile.path,
        started: { [children] pid in
          // A stop that came while this child was starting reaches it too.
          if !children.add(pid) { kill(pid, SIGTERM) }
        },
        ended: { [children] pid in children.remove(pid) })
    } catch {
      return Outcome(run: run, status: "failed", message: "\(error)", summary: nil, seconds: 0)
    }
    let outputData = (try? Data(contentsOf: outputFile)) ?? Data()
    let errorData = (try? Data(contentsOf: errorFile)) ?? Data()
    let seconds = Date().timeIntervalSince(start)
    if status == ExitStatus.interrupted.rawValue {
      // A training stopped before its first step (loading its data) leaves no checkpoint.
      let message =
        checkpoints.checkpoints().isEmpty
        ? "stopped before its first checkpoint; --resume starts it again"
        : "stopped with a checkpoint; --resume continues"
      return Outcome(
        run: run, status: "interrupted", message: message, summary: nil, seconds: seconds)
    }
    // Exit 5 (`requireConvergence`) still prints the summary: the run finished, off the optimum.
    let finished = status == 0 || status == ExitStatus.notConverged.rawValue
    guard finished, let summary = try? decoder.decode(RunSummary.self, from: outputData) else {
      let lines = String(decoding: errorData, as: UTF8.self).split(separator: "\n")
      let message =
        lines.last(where: { $0.contains("error") }).map(String.init) ?? lines.last.map(String.init)
        ?? "exit status \(status)"
      return Outcome(
        run: run, status: "failed (exit \(status))",
        message: message.replacingOccurrences(of: "fit: error: ", with: ""), summary: nil,
        seconds: seconds)
    }
    // Replaced atomically but not flushed: it only lets `--resume` skip this run, and should a
    // power cut lose it, `--resume` continues the run from its final checkpoint instead, which
    // writes it again. Flushing it would hold up this worker's next run.
    try? AtomicFile.write(outputData, to: summaryFile(run), durable: false)
    return Outcome(
      run: run, status: summary.converged ? "ok" : "not converged",
      message: summary.converged ? "" : summary.verdict.message, summary: summary,
      seconds: seconds)
  }

  /// `summary.csv`: one row per run, sorted by validation loss.
  func writeSummary(_ outcomes: [Outcome]) throws {
    var lines = [
      "run,data,varied,train_loss,val_loss,val_r2,steps,seconds,status,message,converged,"
        + "excess_loss"
    ]
    for o in outcomes {
      let s = o.summary
      let validation = s?.validation
      let trainLoss: String = s.map { "\($0.trainLoss)" } ?? ""
      let validationLoss: String = validation.map { "\($0.mse)" } ?? ""
      let r2: String = validation.map { "\($0.r2)" } ?? ""
      let steps: String = s.map { "\($0.steps)" } ?? ""
      let fields: [String] = [
        o.run.name, o.run.data, o.run.varied.joined(separator: " "), trainLoss, validationLoss, r2,
        steps, String(format: "%.3f", o.seconds), o.status, o.message,
        s.map { "\($0.converged)" } ?? "", s?.excessLoss.map { "\($0)" } ?? "",
      ]
      lines.append(fields.map(Self.csvField).joined(separator: ","))
    }
    try AtomicFile.write(
      Data((lines.joined(separator: "\n") + "\n").utf8),
      to: batchDirectory.appendingPathComponent("summary.csv"))
  }

  /// `summary.svg`: every run's validation curve (training loss when it has no validation).
  func writePlot(_ outcomes: [Outcome]) throws {
    let palette = [
      "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
      "#bcbd22", "#17becf",
    ]
    var series: [LossPlot.Series] = []
    for (index, o) in outcomes.enumerated() where o.summary != nil {
      let metrics = batchDirectory.appendingPathComponent(o.run.name).appendingPathComponent(
        "metrics.csv")
      guard let text = try? String(contentsOf: metrics, encoding: .utf8) else { continue }
      // A last line without its newline is a row a kill cut short (`MetricsLog`): not a point.
      let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
      let points: [(x: Double, y: Double)] = lines.dropFirst().compactMap {
        line in
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count > 3, let epoch = Double(fields[0]) else { return nil }
        guard let loss = Double(fields[3]) ?? Double(fields[2]) else { return nil }
        return (epoch, loss)
      }
      series.append(.init(label: o.run.name, color: palette[index % palette.count], points: points))
    }
    var plot = LossPlot(title: "validation loss by run", series: series)
    plot.yLabel = "validation MSE"
    try AtomicFile.write(
      Data(plot.svg().utf8), to: batchDirectory.appendingPathComponent("summary.svg"))
  }

  /// The terminal table.
  public static func table(_ outcomes: [Outcome]) -> String {
    var rows = [["run", "val loss", "R²", "train loss", "steps", "time", "status"]]
    for o in outcomes {
      let s = o.summary
      rows.append([
        o.run.name, s?.validation.map { String(format: "%.6g", $0.mse) } ?? "-",
        s?.validation.map { String(format: "%.4f", $0.r2) } ?? "-",
        s.map { String(format: "%.6g", $0.trainLoss) } ?? "-", s.map { "\($0.steps)" } ?? "-",
        String(format: "%.2fs", o.seconds), o.status + (o.message.isEmpty ? "" : ": \(o.message)"),
      ])
    }
    let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
    return rows.map { row in
      row.enumerated().map { c, text in
        c == row.count - 1 ? text : text.padding(toLength: widths[c], withPad: " ", startingAt: 0)
      }.joined(separator: "  ")
    }.joined(separator: "\n")
  }

  static func csvField(_ text: String) -> String {
    text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
      ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
  }
}

/// Outcomes filled in by concurrent operations.
private final class Results: @unchecked Sendable {
  private let lock = NSLock()
  private var outcomes: [BatchRunner.Outcome?]
  init(count: Int) { outcomes = Array(repeating: nil, count: count) }
  func set(_ index: Int, _ outcome: BatchRunner.Outcome) {
    lock.withLock { outcomes[index] = outcome }
  }
  var all: [BatchRunner.Outcome] { lock.withLock { outcomes.compactMap { $0 } } }

  /// Hands out 0, 1, 2, ... to concurrent workers.
  final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func take(below limit: Int) -> Int? {
      lock.withLock {
        guard value < limit else { return nil }
        defer { value += 1 }
        return value
      }
    }
  }
}

/// The pids of the trainings running now, and whether the batch is stopping.
private final class RunningChildren: @unchecked Sendable {
  private let lock = NSLock()
  private var pids = Set<pid_t>()
  private var stopping = false

  var isStopping: Bool { lock.withLock { stopping } }

  /// Records a started child; false when the batch is already stopping.
  func add(_ pid: pid_t) -> Bool {
    lock.withLock {
      pids.insert(pid)
      return !stopping
    }
  }

  func remove(_ pid: pid_t) { lock.withLock { _ = pids.remove(pid) } }

  /// Marks the batch as stopping and returns the children to stop.
  func stop() -> [pid_t] {
    lock.withLock {
      stopping = true
      return Array(pids)
    }
  }
}
